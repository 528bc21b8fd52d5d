"""`rasa test` on the conversation stories: every predicted action and intent must match."""

import json
import os
import subprocess
import sys

import pytest

from bot.trainer import paths

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_conversation_stories_pass(trained_model, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(trained_model),
         "--stories", str(paths.CONVERSATION_TESTS), "--out", str(out),
         "--fail-on-prediction-errors", "--no-plot"],
        cwd=paths.CONFIG.parent,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    failed_file = out / "failed_test_stories.yml"
    failed = failed_file.read_text() if failed_file.exists() else ""
    assert result.returncode == 0, failed or result.stderr[-4000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, failed
