"""Fallback labels and timeline formats: loaded, validated, consistent with the domain."""

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.catalog.labels import load_intent_labels, load_timeline_format
from bot.catalog.loader import CatalogueError

ROOT = Path(__file__).resolve().parents[2]


def test_every_labelled_intent_is_in_the_domain():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    labels = load_intent_labels()
    assert set(labels.intents) <= set(domain["intents"])
    assert "{name}" in labels.fault_format


def test_every_faq_key_has_a_label_a_response_and_examples():
    data = load_data(str(ROOT / "bot" / "data" / "nlu"))
    keys = {str(k).split("/", 1)[1] for k in data.number_of_examples_per_response}
    responses = {str(k).split("/", 1)[1] for k in data.responses if str(k).startswith("utter_faq/")}
    assert keys == responses == set(load_intent_labels().faq)


def test_a_faq_label_without_its_question_is_refused(tmp_path):
    (tmp_path / "intent_labels.yml").write_text(
        "intents: {greet: 你好}\nfaq:\n  hotline: {title: 客服热线}\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="faq hotline needs a title and a question"):
        load_intent_labels(tmp_path)


def test_timeline_format():
    fmt = load_timeline_format()
    assert fmt.line.format(date="2026年5月20日", status="已提交") == "· 2026年5月20日 已提交"
    assert "SF1" in fmt.tracking.format(courier="顺丰", tracking_no="SF1")


def test_a_missing_timeline_format_is_refused(tmp_path):
    (tmp_path / "ticket_statuses.yml").write_text("statuses: {}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="timeline needs"):
        load_timeline_format(tmp_path)
