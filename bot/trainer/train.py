"""Train the model only when its inputs changed: ``python -m bot.trainer.train``.

The inputs are ``config.yml``, ``domain.yml``, everything under ``bot/data`` (the catalogues
included: they generate the jieba dictionary and the device patterns) and the code the NLU
components run (``bot/nlu``, ``bot/intake``, ``bot/catalog``). Their digest is written next
to the model; an equal digest means the model is current.

Two modes:

- ``full`` (default): ``config.yml`` as it is; what ``make run``, ``make test`` and releases use.
- ``quick`` (``--quick``): the same pipeline with fewer epochs (``QUICK_EPOCHS``), for the
  trainer's loop of adding examples and talking to the result. A quick model is never taken
  for a current full one: the next full ``make train`` replaces it.

Rasa's training cache (``.rasa/cache``) is used unless ``--force`` is given: components whose
inputs did not change are not trained again. The project's components add their code and the
catalogues to their cache keys (``bot.nlu.fingerprint``), so the cache never serves a stale
one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.nlu.fingerprint import code_files
from bot.trainer import paths

Mode = Literal["full", "quick"]
# Epochs of the quick mode, chosen with bench/training_speed.py (see its docstring).
QUICK_EPOCHS = {"DIETClassifier": 20, "ResponseSelector": 20, "TEDPolicy": 20}
QUICK_CONFIG = paths.MODELS_DIR / "config.quick.yml"


def input_files() -> list[Path]:
    """Every file whose content the model depends on, in a stable order."""
    files = [paths.CONFIG, paths.DOMAIN, *code_files()]
    files.extend(p for p in paths.DATA_DIR.rglob("*") if p.is_file())
    return sorted(set(files))


def fingerprint(files: Iterable[Path], root: Path = paths.CONFIG.parent) -> str:
    """A digest of the files' paths and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def recorded() -> dict[str, Any]:
    """What the fingerprint file says about the current model (empty if nothing)."""
    try:
        data = json.loads(paths.FINGERPRINT_FILE.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def model_is_current(mode: Mode = "full") -> bool:
    """Whether a model exists that was trained on the current inputs, in a mode good enough.

    A full model serves both modes; a quick model serves only the quick mode.
    """
    if not paths.MODEL_FILE.exists():
        return False
    record = recorded()
    if record.get("inputs") != fingerprint(input_files()):
        return False
    return record.get("mode") == "full" or mode == "quick"


def quick_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config.yml`` with the epochs of ``QUICK_EPOCHS``; everything else unchanged."""
    derived = dict(config)
    for section in ("pipeline", "policies"):
        derived[section] = [
            {**item, "epochs": QUICK_EPOCHS[item["name"]]}
            if item.get("name") in QUICK_EPOCHS
            else item
            for item in config.get(section) or []
        ]
    return derived


def write_quick_config(path: Path = QUICK_CONFIG) -> Path:
    """Write the quick configuration derived from ``config.yml``."""
    config = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    header = "# Generated from config.yml by bot.trainer.train --quick: fewer epochs.\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(quick_config(config), allow_unicode=True, sort_keys=False)
    path.write_text(header + body, encoding="utf-8")
    return path


def rasa_command(mode: Mode, force: bool) -> list[str]:
    """The ``rasa train`` command line of one mode."""
    config = write_quick_config() if mode == "quick" else paths.CONFIG
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(config),
        "--domain", str(paths.DOMAIN),
        "--data", *(str(p) for p in paths.TRAINING_DATA),
        "--out", str(paths.MODELS_DIR),
        "--fixed-model-name", paths.MODEL_NAME,
    ]  # fmt: skip
    return [*command, "--force"] if force else command


def train(force: bool = False, mode: Mode = "full") -> int:
    """Train if needed; return the process exit code."""
    if not force and model_is_current(mode):
        kind = recorded().get("mode", "full")
        print(f"model is current ({kind}): {paths.MODEL_FILE.relative_to(paths.CONFIG.parent)}")
        return 0
    digest = fingerprint(input_files())
    command = rasa_command(mode, force)
    print(f"training ({mode}):", " ".join(command[2:]), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=paths.CONFIG.parent, check=False)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    seconds = time.monotonic() - started
    record = {"inputs": digest, "mode": mode, "seconds": round(seconds, 1)}
    paths.FINGERPRINT_FILE.write_text(json.dumps(record) + "\n")
    print(f"trained ({mode}) in {seconds:.0f} s: {paths.MODEL_FILE}")
    if mode == "quick":
        print("a quick model, for trying things out: `make train` trains the full one")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train from scratch, no cache")
    parser.add_argument("--quick", action="store_true", help="fewer epochs, for trying out")
    parser.add_argument("--check", action="store_true", help="exit 1 if a training is needed")
    args = parser.parse_args(argv)
    mode: Mode = "quick" if args.quick else "full"
    if args.check:
        return 0 if model_is_current(mode) else 1
    return train(force=args.force, mode=mode)


if __name__ == "__main__":
    raise SystemExit(main())
