"""When a trained model counts as current, and the ``rasa train`` command."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.trainer import paths, train
from bot.trainer.train import model_is_current, rasa_command


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


def _record(**extra: Any) -> None:
    record = {"inputs": train.fingerprint(train.input_files()), "seconds": 1.0, **extra}
    paths.FINGERPRINT_FILE.write_text(json.dumps(record) + "\n")


def test_a_model_of_the_current_inputs_is_current(model: Path) -> None:
    _record()
    assert model_is_current()


def test_a_full_model_recorded_by_the_old_code_is_current(model: Path) -> None:
    _record(mode="full")
    assert model_is_current()


def test_a_quick_model_from_before_is_not_current(model: Path) -> None:
    _record(mode="quick")
    assert not model_is_current()


def test_changed_inputs_make_the_model_stale(model: Path) -> None:
    _record()
    model.write_text("intents: [greet, goodbye]\n", encoding="utf-8")
    assert not model_is_current()


def test_no_model_is_not_current(model: Path) -> None:
    _record()
    paths.MODEL_FILE.unlink()
    assert not model_is_current()


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
def test_a_corrupt_or_old_fingerprint_file_is_not_current(model: Path, content: str) -> None:
    paths.FINGERPRINT_FILE.write_text(content)
    assert train.recorded() == {}
    assert not model_is_current()


def test_an_old_plain_text_digest_of_the_same_inputs_is_not_current(model: Path) -> None:
    paths.FINGERPRINT_FILE.write_text(train.fingerprint(train.input_files()) + "\n")
    assert not model_is_current()


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


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_rasa_command_trains_config_yml() -> None:
    command = rasa_command(force=False)
    assert command[:4] == [sys.executable, "-m", "rasa", "train"]
    assert _option(command, "--config") == str(paths.CONFIG)
    assert _option(command, "--domain") == str(paths.DOMAIN)
    data = command[command.index("--data") + 1 : command.index("--out")]
    assert data == [str(p) for p in paths.TRAINING_DATA]
    assert _option(command, "--out") == str(paths.MODELS_DIR)
    assert _option(command, "--fixed-model-name") == paths.MODEL_NAME
    assert "--force" not in command
    assert rasa_command(force=True) == [*command, "--force"]


@pytest.fixture
def trainer(model: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """``subprocess.run`` replaced by a recorder that succeeds; the commands it was given."""
    calls: list[list[str]] = []

    def recording_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(train.subprocess, "run", recording_run)
    return calls


def test_train_skips_a_current_model(trainer: list[list[str]]) -> None:
    _record()
    assert train.train() == 0
    assert trainer == []


def test_train_replaces_a_quick_model_and_records_the_new_one(
    trainer: list[list[str]],
) -> None:
    _record(mode="quick")
    assert train.main(["--check"]) == 1  # a training is needed
    assert trainer == []
    assert train.main([]) == 0
    assert trainer == [rasa_command(force=False)]
    record = train.recorded()
    assert record["inputs"] == train.fingerprint(train.input_files())
    assert "mode" not in record
    assert model_is_current()
    assert train.main(["--check"]) == 0


def test_force_trains_even_a_current_model(trainer: list[list[str]]) -> None:
    _record()
    assert train.main(["--force"]) == 0
    assert trainer == [rasa_command(force=True)]


def test_a_failed_training_records_nothing(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(mode="quick")
    before = paths.FINGERPRINT_FILE.read_text()
    monkeypatch.setattr(
        train.subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 2)
    )
    assert train.train() == 2
    assert paths.FINGERPRINT_FILE.read_text() == before
    assert not model_is_current()


def test_the_quick_mode_is_gone(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        train.main(["--quick"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --quick" in capsys.readouterr().err
