"""bench/intent_cv.py: the grid, and one quick run on a slice of SMP2017."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import intent_cv
from bot.nlu.intent_model import IntentModelSettings
from tests.conftest import ROOT


def test_light_settings_keep_a_share_for_the_ngram_model_and_repeat_nothing():
    heavy = IntentModelSettings(encoder_weight=1.0)
    tried = intent_cv.light_settings(heavy)
    assert len(tried) == len(set(tried))
    assert all(s.main_weight > 0 and s.encoder_weight == 1.0 for s in tried)
    assert IntentModelSettings(encoder_weight=1.0) in tried  # the heavy setting alone


def test_scores_count_faq_keys_apart_and_together():
    gold = ["faq/a", "faq/b", "greet"]
    predicted = ["faq/b", "faq/b", "greet"]
    result = intent_cv.scores(gold, predicted)
    assert result["intent_macro_f1"] == 1.0
    assert result["macro_f1"] < 1.0
    assert result["accuracy"] == pytest.approx(2 / 3, abs=1e-4)


@pytest.mark.slow
@pytest.mark.skipif(not intent_cv.DEFAULT_DATA.is_dir(), reason="no SMP2017 data beside")
def test_a_quick_run_writes_every_setting_with_cv_and_test_scores(tmp_path: Path):
    out = tmp_path / "cv.json"
    command = [sys.executable, "bench/intent_cv.py", "--quick", "--datasets", "smp2017"]
    command += ["--limit", "6", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = report["rows"]
    assert len(rows) == 2 * len(intent_cv.light_settings(IntentModelSettings()))
    assert all(0 <= r["smp2017"]["cv"]["macro_f1"] <= 1 for r in rows)
    assert all(0 <= r["smp2017"]["test"]["macro_f1"] <= 1 for r in rows)
    assert report["best_by_cv"]["smp2017"] in {r["name"] for r in rows}
    assert report["counts"]["smp2017"]["cv"] <= 6 * 2 * 31
    assert "best by smp2017 CV macro-F1" in result.stdout
    assert report["encoder_rss_mb"] > 10  # the encoder's tables are resident once loaded
