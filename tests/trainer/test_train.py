"""Training modes, the quick configuration and when a trained model counts as current."""

from __future__ import annotations

import copy
import functools
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.trainer import paths, train
from bot.trainer.train import QUICK_EPOCHS, model_is_current, quick_config, rasa_command


def _config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    return config


def _epochs(config: dict[str, Any]) -> dict[str, int]:
    items = [*config["pipeline"], *config["policies"]]
    return {i["name"]: i["epochs"] for i in items if i["name"] in QUICK_EPOCHS}


def _without_epochs(config: dict[str, Any]) -> dict[str, Any]:
    stripped = copy.deepcopy(config)
    for item in [*stripped["pipeline"], *stripped["policies"]]:
        if item["name"] in QUICK_EPOCHS:
            del item["epochs"]
    return stripped


def test_quick_config_changes_only_the_epochs() -> None:
    config = _config()
    original = copy.deepcopy(config)
    quick = quick_config(config)
    assert config == original  # the input is not modified
    assert _epochs(quick) == QUICK_EPOCHS
    assert all(QUICK_EPOCHS[name] < epochs for name, epochs in _epochs(config).items())
    assert _without_epochs(quick) == _without_epochs(config)


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model file, a fingerprint file and one input file, all in ``tmp_path``."""
    monkeypatch.setattr(paths, "MODEL_FILE", tmp_path / "shouhou.tar.gz")
    monkeypatch.setattr(paths, "FINGERPRINT_FILE", tmp_path / "shouhou.fingerprint")
    data = tmp_path / "domain.yml"
    data.write_text("intents: [greet]\n", encoding="utf-8")
    monkeypatch.setattr(train, "input_files", lambda: [data])
    monkeypatch.setattr(train, "fingerprint", functools.partial(train.fingerprint, root=tmp_path))
    paths.MODEL_FILE.write_bytes(b"model")
    return data


def _record(mode: str) -> None:
    record = {"inputs": train.fingerprint(train.input_files()), "mode": mode, "seconds": 1.0}
    paths.FINGERPRINT_FILE.write_text(json.dumps(record) + "\n")


def test_a_full_model_serves_both_modes(model: Path) -> None:
    _record("full")
    assert model_is_current("full") and model_is_current("quick")


def test_a_quick_model_serves_only_the_quick_mode(model: Path) -> None:
    _record("quick")
    assert model_is_current("quick")
    assert not model_is_current("full")


def test_changed_inputs_serve_nothing(model: Path) -> None:
    _record("full")
    model.write_text("intents: [greet, goodbye]\n", encoding="utf-8")
    assert not model_is_current("full") and not model_is_current("quick")


def test_no_model_serves_nothing(model: Path) -> None:
    _record("full")
    paths.MODEL_FILE.unlink()
    assert not model_is_current("full") and not model_is_current("quick")


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[1, 2]",
        "12345\n",  # an old plain-text digest that happens to be a JSON number
        "3f2a9c0d5b7e\n",
    ],
)
def test_a_corrupt_or_old_fingerprint_file_serves_nothing(model: Path, content: str) -> None:
    paths.FINGERPRINT_FILE.write_text(content)
    assert train.recorded() == {}
    assert not model_is_current("full") and not model_is_current("quick")


def test_an_old_plain_text_digest_of_the_same_inputs_serves_nothing(model: Path) -> None:
    paths.FINGERPRINT_FILE.write_text(train.fingerprint(train.input_files()) + "\n")
    assert not model_is_current("quick")


def test_fingerprint_covers_paths_and_contents(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("x", encoding="utf-8")
    b.write_text("x", encoding="utf-8")
    digest = train.fingerprint([a], root=tmp_path)
    assert digest == train.fingerprint([a], root=tmp_path)
    assert digest != train.fingerprint([b], root=tmp_path)
    a.write_text("y", encoding="utf-8")
    assert digest != train.fingerprint([a], root=tmp_path)


def test_input_files_are_the_model_inputs() -> None:
    files = train.input_files()
    assert files == sorted(files)
    assert {paths.CONFIG, paths.DOMAIN, paths.HELDOUT} <= set(files)
    assert paths.DATA_DIR / "catalog" / "faults.yml" in files
    assert paths.NLU_CODE_DIR / "tokenizer.py" in files
    assert not [f for f in files if "__pycache__" in f.parts]


@pytest.fixture
def quick_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where ``rasa_command`` writes the quick configuration (never bot/models)."""
    target = tmp_path / "config.quick.yml"
    write = train.write_quick_config
    monkeypatch.setattr(train, "write_quick_config", lambda: write(target))
    return target


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_rasa_command_full(quick_file: Path) -> None:
    command = rasa_command("full", force=False)
    assert command[:4] == [sys.executable, "-m", "rasa", "train"]
    assert _option(command, "--config") == str(paths.CONFIG)
    assert _option(command, "--fixed-model-name") == paths.MODEL_NAME
    assert "--force" not in command
    assert not quick_file.exists()
    assert rasa_command("full", force=True)[-1] == "--force"


def test_rasa_command_quick(quick_file: Path) -> None:
    command = rasa_command("quick", force=False)
    assert _option(command, "--config") == str(quick_file)
    assert "--force" not in command
    text = quick_file.read_text(encoding="utf-8")
    assert text.startswith("# Generated from config.yml")
    assert yaml.safe_load(text) == quick_config(_config())
    assert rasa_command("quick", force=True).count("--force") == 1
