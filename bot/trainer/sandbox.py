"""A copy of the project in another folder, and Python commands run in that copy.

The training bench and the end-to-end tests change data and train in a copy, so the real
model, data and Rasa cache stay untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT

# Caches, installed packages, trained models and what training derived from its inputs (the
# retired quick mode wrote bot/models/config.quick.yml; a stale one is not copied).
IGNORED = ("__pycache__", "node_modules", "*.tar.gz", "*.fingerprint", "config.quick.yml")
# The files next to bot/ that training reads.
TOP_FILES = ("config.yml", "domain.yml")


@dataclass(frozen=True)
class RunResult:
    """How a command run in the copy ended."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output followed by standard error."""
        return self.stdout + self.stderr


def copy_project(
    target: Path, *, extra: Iterable[str | Path] = (), source: Path = PROJECT_ROOT
) -> Path:
    """Copy what training reads, ``bot/`` (less :data:`IGNORED`) and :data:`TOP_FILES`.

    Args:
        target: The folder of the copy; it may exist already.
        extra: More files or folders to copy as they are, relative to ``source``.
        source: The project to copy.

    Returns:
        ``target``.

    Raises:
        ValueError: An ``extra`` path is absolute or leaves ``source``.
    """
    extras = [Path(name) for name in extra]
    for name in extras:
        if name.is_absolute() or ".." in name.parts:
            raise ValueError(f"not a path inside the project: {name}")
    shutil.copytree(source / "bot", target / "bot", ignore=shutil.ignore_patterns(*IGNORED))
    for top in TOP_FILES:
        shutil.copy2(source / top, target / top)
    for name in extras:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    return target


def run(
    project: Path,
    args: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run ``python <args>`` in ``project``, with ``PYTHONPATH`` set to it and no telemetry.

    ``env`` adds variables to this process's environment for the command.

    Raises:
        subprocess.TimeoutExpired: The command ran longer than ``timeout`` seconds.
    """
    env = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": str(project),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return RunResult(time.monotonic() - started, result.returncode, result.stdout, result.stderr)
