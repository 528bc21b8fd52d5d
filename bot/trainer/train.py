"""Train the model only when its inputs changed: ``python -m bot.trainer.train [--force]``.

The inputs are ``config.yml``, ``domain.yml``, everything under ``bot/data`` (the catalogues
included: they generate the jieba dictionary and the device patterns) and the NLU component
code. Their digest is written next to the model; an equal digest means the model is current.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from bot.trainer import paths


def input_files() -> list[Path]:
    """Every file whose content the model depends on, in a stable order."""
    files = [paths.CONFIG, paths.DOMAIN]
    for folder in (paths.DATA_DIR, paths.NLU_CODE_DIR):
        files.extend(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
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


def model_is_current() -> bool:
    """Whether a model exists that was trained on the current inputs."""
    if not paths.MODEL_FILE.exists() or not paths.FINGERPRINT_FILE.exists():
        return False
    return paths.FINGERPRINT_FILE.read_text().strip() == fingerprint(input_files())


def train(force: bool = False) -> int:
    """Train if needed; return the process exit code."""
    if not force and model_is_current():
        print(f"model is current: {paths.MODEL_FILE.relative_to(paths.CONFIG.parent)}")
        return 0
    digest = fingerprint(input_files())
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(paths.CONFIG),
        "--domain", str(paths.DOMAIN),
        "--data", *(str(p) for p in paths.TRAINING_DATA),
        "--out", str(paths.MODELS_DIR),
        "--fixed-model-name", paths.MODEL_NAME,
        "--force",
    ]  # fmt: skip
    print("training:", " ".join(command[2:]), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=paths.CONFIG.parent, check=False)
    if result.returncode != 0:
        print("training failed", file=sys.stderr)
        return result.returncode
    paths.FINGERPRINT_FILE.write_text(digest + "\n")
    print(f"trained in {time.monotonic() - started:.0f} s: {paths.MODEL_FILE}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if the model is current")
    parser.add_argument("--check", action="store_true", help="exit 1 if a training is needed")
    args = parser.parse_args(argv)
    if args.check:
        return 0 if model_is_current() else 1
    return train(force=args.force)


if __name__ == "__main__":
    raise SystemExit(main())
