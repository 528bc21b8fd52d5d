"""bench/nlu_benchmark.py: the pure helpers, and one run on a tiny slice of the real data."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

SCRIPT = ROOT / "bench" / "nlu_benchmark.py"
_spec = importlib.util.spec_from_file_location("nlu_benchmark", SCRIPT)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["nlu_benchmark"] = bench
_spec.loader.exec_module(bench)

BOM = "\ufeff"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "smp"
    _write(
        root / "train" / "train_weather.txt", BOM + "今天天气\r\n\r\n  明天下雨吗 \r\n今天天气\r\n"
    )
    _write(root / "train" / "train_train.txt", "去北京的火车票\r\n")
    _write(root / "develop" / "develop_weather.txt", BOM + "后天天气\r\n明天下雨吗\r\n")
    _write(root / "develop" / "develop_train.txt", "\r\n高铁票\r\n")
    return root


# --- data -----------------------------------------------------------------------------------


def test_label_is_the_file_name_after_the_first_underscore():
    assert bench.label_of(Path("train_train.txt")) == "train"
    assert bench.label_of(Path("develop_weather.txt")) == "weather"
    assert bench.label_of(Path("test_tv_channel.txt")) == "tv_channel"
    with pytest.raises(bench.DataError, match="<split>_<label>"):
        bench.label_of(Path("weather.txt"))


def test_reading_drops_the_bom_crlf_blank_lines_and_duplicates(data: Path):
    assert bench.read_utterances(data / "train" / "train_weather.txt") == ["今天天气", "明天下雨吗"]


def test_split_by_label_with_limit(data: Path):
    assert bench.load_split(data, "train") == {
        "train": ["去北京的火车票"],
        "weather": ["今天天气", "明天下雨吗"],
    }
    assert bench.load_split(data, "train", limit=1)["weather"] == ["今天天气"]


def test_merged_splits_keep_a_text_once_per_label(data: Path):
    merged = bench.merge([bench.load_split(data, "train"), bench.load_split(data, "develop")])
    assert merged == {
        "weather": ["今天天气", "明天下雨吗", "后天天气"],
        "train": ["去北京的火车票", "高铁票"],
    }
    assert bench.pairs({"b": ["x"], "a": ["y", "z"]}) == [("y", "a"), ("z", "a"), ("x", "b")]


def test_missing_or_empty_split_is_a_clear_error(data: Path):
    with pytest.raises(bench.DataError, match="no test split"):
        bench.load_split(data, "test")
    (data / "test").mkdir()
    with pytest.raises(bench.DataError, match=r"no test split: no \.txt files"):
        bench.load_split(data, "test")


def test_missing_data_is_one_line_and_exit_code_2(tmp_path: Path, capsys):
    code = bench.main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: no ") and err.count("\n") == 1
    assert not (tmp_path / "r.json").exists()


def test_missing_config_file_is_exit_code_2(data: Path, tmp_path: Path, capsys):
    (data / "test").mkdir()
    _write(data / "test" / "test_weather.txt", "天气\r\n")
    argv = ["--data", str(data), "--configs", str(tmp_path / "nope.yml")]
    assert bench.main([*argv, "--out", str(tmp_path / "r.json")]) == 2
    assert "no configuration file" in capsys.readouterr().err


def test_training_data_round_trips_through_rasa(tmp_path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    tricky = [
        '说 "你好": 吗?',
        "# 不是注释",
        "- 开头是横线",
        "? 问号开头",
        "a {b} c",
        "（全角括号）和(半角)",
        "价格是[1]吗",
        "帮我查[北京](city)天气",
        '[a]{"entity": "x"}',
        "key: value | >",
    ]
    examples = {"chat": tricky, "weather": ["天气"]}
    directory = bench.write_training_data(examples, tmp_path / "nlu")
    assert (directory / "nlu.yml").is_file()
    loaded = load_data(str(directory))
    got = sorted((m.get("text"), m.get("intent")) for m in loaded.intent_examples)
    assert got == sorted(bench.pairs(examples))
    assert not any(m.get("entities") for m in loaded.intent_examples)
    assert not bench.survives_yaml("帮我查[北京](city)天气")
    assert bench.survives_yaml("价格是[1]吗")


# --- configurations -------------------------------------------------------------------------

FAKE_CONFIG = {
    "recipe": "default.v1",
    "assistant_id": "shop",
    "language": "zh",
    "pipeline": [
        {"name": "bot.nlu.tokenizer.CatalogJiebaTokenizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 40, "random_seed": 42},
        {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 100},
        {"name": "RegexEntityExtractor"},
        {"name": "bot.nlu.device_ruler.DeviceEntityRuler"},
        {"name": "bot.nlu.date_extractor.ChineseDateExtractor"},
        {"name": "RegexFeaturizer", "use_word_boundaries": False},
        {"name": "bot.nlu.service_keywords.ServiceKeywordPatterns"},
        {"name": "CRFEntityExtractor"},
        {"name": "bot.nlu.entity_merger.EntityMerger"},
        {"name": "EntitySynonymMapper"},
        {"name": "bot.nlu.intent_ensemble.IntentEnsemble", "diet_weight": 0.0, "C": 200},
        {"name": "FallbackClassifier", "threshold": 0.2},
    ],
    "policies": [{"name": "TEDPolicy", "epochs": 40}],
}


def test_project_config_removes_what_the_benchmark_has_no_data_for():
    config, dropped = bench.project_config(FAKE_CONFIG)
    # DIET goes too: with diet_weight 0 the ensemble ignores it and there are no entities.
    assert sorted(dropped) == sorted([*bench.REMOVED_COMPONENTS, "DIETClassifier"])
    assert config["language"] == "zh"
    assert "policies" not in config
    assert config["pipeline"] == [
        {"name": "bot.nlu.tokenizer.CatalogJiebaTokenizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "max_ngram": 4},
        {"name": "bot.nlu.intent_ensemble.IntentEnsemble", "diet_weight": 0.0, "C": 200},
    ]
    config["pipeline"][1]["max_ngram"] = 2
    assert FAKE_CONFIG["pipeline"][1]["max_ngram"] == 4  # a copy


def test_project_config_keeps_diet_when_the_ensemble_uses_it():
    used = copy.deepcopy(FAKE_CONFIG)
    used["pipeline"][12]["diet_weight"] = 0.3
    config, dropped = bench.project_config(used)
    assert "DIETClassifier" not in dropped
    assert {"name": "DIETClassifier", "epochs": 40, "random_seed": 42} in config["pipeline"]


def test_project_config_of_the_real_config_keeps_its_settings():
    real = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config, dropped = bench.project_config(real)
    kept = [c for c in real["pipeline"] if c["name"] not in dropped]
    assert config["pipeline"] == kept
    assert set(dropped) <= {*bench.REMOVED_COMPONENTS, "DIETClassifier"}
    assert any(c["name"].endswith("IntentEnsemble") for c in config["pipeline"])
    assert config["language"] == real["language"]


def test_baseline_is_stock_rasa_with_diet_60_epochs():
    config = bench.baseline_config()
    assert config["language"] == "zh"
    assert [c["name"] for c in config["pipeline"]] == [
        "JiebaTokenizer",
        "CountVectorsFeaturizer",
        "CountVectorsFeaturizer",
        "DIETClassifier",
    ]
    assert config["pipeline"][2] == {
        "name": "CountVectorsFeaturizer",
        "analyzer": "char_wb",
        "min_ngram": 1,
        "max_ngram": 4,
    }
    assert config["pipeline"][3] == {"name": "DIETClassifier", "epochs": 60, "random_seed": 42}


def test_epochs_override_sets_every_component_with_epochs():
    config = {
        "pipeline": [
            {"name": "DIETClassifier"},
            {"name": "rasa.nlu.selectors.response_selector.ResponseSelector", "epochs": 100},
            {"name": "custom.Thing", "epochs": 5},
            {"name": "CountVectorsFeaturizer"},
        ],
        "policies": [{"name": "TEDPolicy", "epochs": 40}],
    }
    result = bench.override_epochs(config, 1)
    assert [c.get("epochs") for c in result["pipeline"]] == [1, 1, 1, None]
    assert result["policies"][0]["epochs"] == 1
    assert "epochs" not in config["pipeline"][0]  # a copy


def test_configurations_from_names_and_files(tmp_path: Path):
    variant = tmp_path / "variant.yml"
    variant.write_text(yaml.safe_dump({"language": "zh", "pipeline": [{"name": "X"}]}), "utf-8")
    project = tmp_path / "config.yml"
    project.write_text(yaml.safe_dump(FAKE_CONFIG), "utf-8")
    configs = bench.configurations(["baseline", str(variant), "project"], project, epochs=2)
    assert list(configs) == ["baseline", "variant", "project"]
    assert configs["baseline"][0]["pipeline"][3]["epochs"] == 2
    assert sorted(configs["project"][1]) == sorted([*bench.REMOVED_COMPONENTS, "DIETClassifier"])
    assert configs["variant"] == ({"language": "zh", "pipeline": [{"name": "X"}]}, [])


# --- metrics --------------------------------------------------------------------------------


def test_metrics_on_a_known_example():
    gold = ["a", "a", "b", "b", "c"]
    predicted = ["a", "b", "b", "b", "x"]
    result = bench.metrics(gold, predicted)
    assert result["accuracy"] == pytest.approx(0.6)
    assert set(result["per_class"]) == {"a", "b", "c"}  # "x" is not a gold label
    assert result["per_class"]["a"] == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1-score": 2 / 3, "support": 2}
    )
    assert result["per_class"]["b"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1-score": 0.8, "support": 2}
    )
    assert result["per_class"]["c"] == pytest.approx(
        {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 1}
    )
    assert result["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 0) / 3)


def test_percentile_interpolates_between_ranks():
    values = [4.0, 1.0, 3.0, 2.0]
    assert bench.percentile(values, 0) == 1.0
    assert bench.percentile(values, 50) == pytest.approx(2.5)
    assert bench.percentile(values, 95) == pytest.approx(3.85)
    assert bench.percentile(values, 100) == 4.0
    assert bench.percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        bench.percentile([], 50)


def test_latency_summary_is_in_milliseconds():
    assert bench.latency_summary([0.001, 0.002, 0.010]) == pytest.approx(
        {"p50": 2.0, "p95": 9.2, "max": 10.0}
    )


# --- end to end -----------------------------------------------------------------------------


@pytest.mark.slow
def test_tiny_run_of_both_configurations(tmp_path: Path):
    if not bench.DEFAULT_DATA.is_dir():
        pytest.skip(f"benchmark data not found at {bench.DEFAULT_DATA}")
    out = tmp_path / "r.json"
    argv = ["--limit", "2", "--epochs", "1", "--eval", "develop", "--out", str(out)]
    assert bench.main(argv) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["eval"] == "develop"
    assert report["counts"]["labels"] == 31
    assert set(report["configurations"]) == {"project", "baseline"}
    labels = {p.stem.partition("_")[2] for p in (bench.DEFAULT_DATA / "develop").glob("*.txt")}
    assert len(labels) == 31
    for name, row in report["configurations"].items():
        assert row["ok"], name
        assert 0 <= row["accuracy"] <= 1
        assert 0 <= row["macro_f1"] <= 1
        assert set(row["per_class"]) == labels
        assert row["train_s"] > 0
        assert row["model_bytes"] > 0
        assert row["latency_ms"]["p95"] >= row["latency_ms"]["p50"] > 0
        assert row["error_count"] == len(row["errors"])
        assert row["config"]["pipeline"]
    # Two examples per label are enough for the project's n-gram model to beat chance (1/31)
    # by far: every message must get an intent, and there is no DIET in the pipeline.
    assert report["configurations"]["project"]["accuracy"] >= 0.3
    project_components = [
        c["name"] for c in report["configurations"]["project"]["config"]["pipeline"]
    ]
    assert "DIETClassifier" not in project_components  # intents from the n-gram model alone
