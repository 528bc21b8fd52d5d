"""Fixtures of the inbox's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.trainer.inbox.helpers import NLU


@pytest.fixture
def nlu(tmp_path: Path) -> Path:
    """A copy of the training NLU files, which the tests may change."""
    return Path(shutil.copytree(NLU, tmp_path / "nlu"))
