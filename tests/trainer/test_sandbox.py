"""The project copy of the bench and the end-to-end tests, and commands run in it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.trainer.sandbox import copy_project, run

# A small project: what training reads, what it must leave behind, and what is never copied.
FILES = {
    "bot/__init__.py": "",
    "bot/data/nlu/faults.yml": "nlu: []\n",
    "bot/trainer/__pycache__/train.cpython-311.pyc": "",
    "bot/console/node_modules/left-pad/index.js": "",
    "bot/models/shouhou.tar.gz": "",
    "bot/models/shouhou.fingerprint": "{}",
    "bot/models/config.quick.yml": "pipeline: []\n",  # left by the retired quick mode
    "bot/models/README.md": "models land here\n",
    "config.yml": "pipeline: []\n",
    "domain.yml": "intents: []\n",
    "tests/conversations/dialogues/faults.yml": "conversations: []\n",
    "tests/conversations/dialogues/more/other.yml": "conversations: []\n",
    "docs/guide.md": "# guide\n",
    "README.md": "# project\n",
    "var/tickets.db": "",
}
# Prints where it runs and what it sees, then fails.
PROBE = """\
import json, os, sys
print(json.dumps({
    "file": __file__,
    "cwd": os.getcwd(),
    "pythonpath": os.environ["PYTHONPATH"],
    "telemetry": os.environ["RASA_TELEMETRY_ENABLED"],
}))
print("something went wrong", file=sys.stderr)
sys.exit(3)
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_copy_has_what_training_reads_and_nothing_derived(source: Path, tmp_path: Path) -> None:
    copy = copy_project(tmp_path / "copy", source=source)
    assert copy == tmp_path / "copy"
    assert _files(copy) == {
        "bot/__init__.py",
        "bot/data/nlu/faults.yml",
        "bot/models/README.md",
        "config.yml",
        "domain.yml",
    }
    assert (copy / "bot" / "models").is_dir()  # training and the bench write models there


def test_extra_files_and_folders_are_copied(source: Path, tmp_path: Path) -> None:
    copy = copy_project(
        tmp_path / "copy",
        extra=["tests/conversations/dialogues", Path("docs/guide.md")],
        source=source,
    )
    assert {
        "tests/conversations/dialogues/faults.yml",
        "tests/conversations/dialogues/more/other.yml",
        "docs/guide.md",
    } <= _files(copy)
    assert not (copy / "README.md").exists()
    assert not (copy / "var").exists()


@pytest.mark.parametrize("extra", ["/etc/hostname", "../outside.yml"])
def test_extras_outside_the_project_are_refused(source: Path, tmp_path: Path, extra: str) -> None:
    with pytest.raises(ValueError, match="not a path inside the project"):
        copy_project(tmp_path / "copy", extra=[extra], source=source)
    assert not (tmp_path / "copy").exists()


def test_the_copy_can_go_into_an_existing_folder(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    assert (copy_project(target, source=source) / "domain.yml").is_file()


def test_run_executes_in_the_copy_and_reports_a_failure(source: Path, tmp_path: Path) -> None:
    copy = copy_project(tmp_path / "copy", source=source)
    (copy / "bot" / "probe.py").write_text(PROBE, encoding="utf-8")
    result = run(copy, ["-m", "bot.probe"], timeout=60)
    assert result.returncode == 3
    assert result.seconds > 0
    assert result.stderr == "something went wrong\n"
    assert result.output == result.stdout + result.stderr
    seen = json.loads(result.stdout)
    assert Path(seen["file"]).resolve() == (copy / "bot" / "probe.py").resolve()
    assert Path(seen["cwd"]).resolve() == copy.resolve()
    assert seen["pythonpath"] == str(copy)
    assert seen["telemetry"] == "false"


def test_run_adds_variables_but_keeps_its_own(tmp_path: Path) -> None:
    script = "import os; print(os.environ['EXTRA'], os.environ['PYTHONPATH'])"
    result = run(tmp_path, ["-c", script], env={"EXTRA": "yes", "PYTHONPATH": "elsewhere"})
    assert result.returncode == 0, result.output
    assert result.stdout.split() == ["yes", str(tmp_path)]


def test_run_stops_at_the_timeout(tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run(tmp_path, ["-c", "import time; time.sleep(30)"], timeout=0.5)
