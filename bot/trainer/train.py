"""Train the model only when its inputs changed: ``python -m bot.trainer.train``.

The inputs are ``config.yml``, ``domain.yml``, everything under ``bot/data`` (the catalogues
included: they generate the jieba dictionary and the device patterns) and the code the NLU
components run (``bot/nlu``, ``bot/intake``, ``bot/catalog``). Their digest is written next
to the model; an equal digest means the model is current.

There is one training, with ``config.yml`` as it is: it takes about a minute since the pipeline
has no TensorFlow component, so the former quick mode (fewer epochs) is gone. A model that mode
left behind records ``"mode": "quick"`` and is never taken for a current one.

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
from typing import Any

from bot.nlu.fingerprint import code_files
from bot.trainer import paths


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


def model_is_current() -> bool:
    """Whether a model exists that was trained with ``config.yml`` on the current inputs.

    A record with a ``mode`` other than ``full`` comes from the retired quick mode, whose
    model was trained with fewer epochs than the configuration said: it is never current.
    """
    if not paths.MODEL_FILE.exists():
        return False
    record = recorded()
    if record.get("mode", "full") != "full":
        return False
    return record.get("inputs") == fingerprint(input_files())


def rasa_command(force: bool) -> list[str]:
    """The ``rasa train`` command line; ``force`` trains every component from scratch."""
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(paths.CONFIG),
        "--domain", str(paths.DOMAIN),
        "--data", *(str(p) for p in paths.TRAINING_DATA),
        "--out", str(paths.MODELS_DIR),
        "--fixed-model-name", paths.MODEL_NAME,
    ]  # fmt: skip
    return [*command, "--force"] if force else command


def train(force: bool = False) -> int:
    """Train if needed (always with ``force``); return the process exit code."""
    if not force and model_is_current():
        print(f"model is current: {paths.MODEL_FILE}")
        return 0
    digest = fingerprint(input_files())
    command = rasa_command(force)
    print("training:", " ".join(command[2:]), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=paths.CONFIG.parent, check=False)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    seconds = time.monotonic() - started
    record = {"inputs": digest, "seconds": round(seconds, 1)}
    paths.FINGERPRINT_FILE.write_text(json.dumps(record) + "\n")
    print(f"trained in {seconds:.0f} s: {paths.MODEL_FILE}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train from scratch, no cache")
    parser.add_argument("--check", action="store_true", help="exit 1 if a training is needed")
    args = parser.parse_args(argv)
    if args.check:
        return 0 if model_is_current() else 1
    return train(force=args.force)


if __name__ == "__main__":
    raise SystemExit(main())
