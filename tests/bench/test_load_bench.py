"""bench/load.py: the owner's script, identities, ticket matching, and one tiny real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench import load
from bot.intake.phone import parse_mobile
from bot.intake.serial import SerialKind, parse_serial
from tests.conftest import ROOT

OWNER = load.Owner("s-1", "352000000000015", "13900000001")


@pytest.fixture(scope="module")
def script() -> load.Script:
    return load.load_script()


def _first_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"][name][0]["text"])


def test_identities_are_valid_and_distinct():
    owners = [load.owner_for("p-", o, i, n) for n, (o, i) in enumerate([(0, 0), (0, 1), (1, 0)])]
    assert len({o.sender for o in owners}) == len({o.imei for o in owners}) == 3
    assert len({o.phone for o in owners}) == 3
    for owner in owners:
        serial = parse_serial(owner.imei)
        assert (serial.value, serial.kind) == (owner.imei, SerialKind.IMEI)
        assert parse_mobile(owner.phone).value == owner.phone
    assert owners[1].sender == "p-o0-i1"


def test_every_question_of_the_intake_has_an_answer(script: load.Script):
    for name, answer in load.ANSWERS.items():
        step = load.next_step(["前面的话", _first_text(name)], script, OWNER)
        assert step == ("say", answer.format(imei=OWNER.imei, phone=OWNER.phone))
    assert load.next_step([_first_text("utter_ask_serial_number")], script, OWNER) == (
        "say",
        OWNER.imei,
    )


def test_each_diagnosis_step_of_the_fault_is_answered_no(script: load.Script):
    from bot.catalog import load_catalogue

    fault = load_catalogue().fault(load.FAULT_ID)
    assert fault is not None and fault.diagnosis
    first, *rest = fault.diagnosis.steps
    start = _first_text("utter_diagnosis_start").format(
        fault_name=fault.name, question=first.question
    )
    assert load.next_step([start], script, OWNER) == ("say", "否")
    for step in rest:
        assert load.next_step([step.question], script, OWNER) == ("say", "否")


def test_the_last_question_asked_is_answered(script: load.Script):
    texts = [_first_text("utter_ask_device_model"), _first_text("utter_ask_contact_phone")]
    assert load.next_step(texts, script, OWNER) == ("say", OWNER.phone)


def test_the_ticket_number_ends_the_intake(script: load.Script):
    created = _first_text("utter_ticket_created").format(ticket_no="R20261122-0007")
    texts = [created, _first_text("utter_ask_intake_confirmed")]
    assert load.next_step(texts, script, OWNER) == ("ticket", "R20261122-0007")


def test_an_unknown_answer_is_stuck(script: load.Script):
    assert load.next_step(["这台手机已经有一张未完成的工单"], script, OWNER) == ("stuck", "")
    assert load.next_step([], script, OWNER) == ("stuck", "")


def test_a_domain_without_the_questions_is_a_clear_error(tmp_path: Path):
    domain = tmp_path / "domain.yml"
    domain.write_text("responses:\n  utter_ask_fault_description:\n    - text: 说说\n")
    with pytest.raises(ValueError, match="utter_ask_device_model"):
        load.load_script(domain)


def test_tickets_all_there():
    reported = {"a": "R1", "b": "R2", "c": None}
    found = {"a": ["R1"], "b": ["R2"]}
    assert load.match_tickets(reported, found) == {
        "expected": 2,
        "found": 2,
        "lost": 0,
        "duplicated": 0,
        "unconfirmed": 0,
    }


def test_tickets_lost_duplicated_and_unconfirmed():
    reported = {"a": "R1", "b": "R2", "c": None, "d": "R4"}
    found = {"a": ["R1", "R9"], "c": ["R3"], "d": ["R5"]}
    assert load.match_tickets(reported, found) == {
        "expected": 3,
        "found": 4,
        "lost": 2,  # b: nothing stored; d: another number than the one given
        "duplicated": 1,
        "unconfirmed": 1,
    }


def test_summary_counts_failed_turns_and_stuck_intakes_as_errors():
    tally = load.Tally(latencies=[0.1, 0.2, 0.3])
    tally.error("timeout")
    tally.reported.update({"a": "R1", "b": None, "c": None})
    tally.failures += [
        {"sender": "b", "reason": "timeout", "last_answer": ""},
        {"sender": "c", "reason": "no ticket", "last_answer": "?"},
    ]
    row = load.summary(tally, 2.0, 3, {"a": ["R1"]})
    assert (row["turns"], row["turns_per_s"], row["errors"]) == (4, 2.0, 2)
    assert (row["intakes_started"], row["intakes_completed"]) == (3, 1)
    assert row["latency_ms"]["p50"] == 200.0
    assert row["tickets"]["lost"] == 0


def test_bad_options_are_refused(capsys):
    with pytest.raises(SystemExit):
        load.options(["--configs", "project,other"])
    assert "unknown configurations other" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        load.options(["--owners", "0"])


@pytest.mark.model
@pytest.mark.slow
def test_tiny_run_reaches_tickets(trained_model, tmp_path: Path):
    out = tmp_path / "load.json"
    assert load.main(["--quick", "--configs", "project", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["benchmark"] == "load" and report["options"]["quick"] is True
    result = report["configurations"]["project"]
    assert result["start_s"] > 0 and set(result["targets"]) == {"saturation", "think_p95"}
    scenarios = result["scenarios"]
    assert set(scenarios) == {"warmup", "saturation", "think"}
    for row in scenarios.values():
        assert row["intakes_completed"] >= 1, row["failures"]
        assert row["turns"] >= 7 * row["intakes_completed"]
        assert row["latency_ms"]["p95"] > 0
        tickets = row["tickets"]
        assert tickets["expected"] == row["intakes_completed"] == tickets["found"]
        assert (tickets["lost"], tickets["duplicated"], tickets["unconfirmed"]) == (0, 0, 0)
    assert result["memory_after"]["rasa"]["count"] >= 1
    assert result["memory_after"]["rasa"]["rss_total_mb"] > 50
