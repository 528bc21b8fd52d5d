"""The ticket's one definition (bot.tickets.draft) and what is derived from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Date, String, Text

from bot.tickets import draft as draft_module
from bot.tickets.draft import (
    ColumnSpec,
    ConsoleInput,
    TicketDraft,
    field_spec,
    form_slots_of_ticket,
    specs_of,
    ticket_field,
    ticket_fields,
)
from bot.tickets.draft_checks import check_ticket_fields
from bot.tickets.models import Ticket, draft_checks, draft_columns
from bot.tickets.spool import KeptTicket
from tests.conftest import ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
IDS = {"intake_id": "i-1", "sender_id": "s-1", "channel": "rest", "warranty_status": "to_verify"}


@dataclass(frozen=True)
class DraftWithGiftNote(TicketDraft):
    """The draft as a later change may extend it: one more field, nothing else."""

    gift_note: str | None = field(
        metadata=field_spec(
            ColumnSpec("string", 128, nullable=True),
            slot="gift_note",
            asked=True,
            console=ConsoleInput("textarea", required=False),
        )
    )


def test_specs_follow_the_dataclass_fields() -> None:
    names = [f.name for f in dataclasses.fields(TicketDraft)]
    assert [spec.name for spec in ticket_fields()] == names
    assert ticket_field("device_model_id").slot == "device_model"
    with pytest.raises(KeyError):
        ticket_field("gift_note")


def test_ticket_columns_are_derived_from_the_specs() -> None:
    columns = Ticket.__table__.columns
    for spec in ticket_fields():
        column = columns[spec.name]
        assert column.nullable is spec.column.nullable, spec.name
        assert bool(column.index) is spec.column.index, spec.name
        assert bool(column.unique) is spec.column.unique, spec.name
        expected = {"string": String, "text": Text, "date": Date}[spec.column.type]
        assert isinstance(column.type, expected), spec.name
        assert getattr(column.type, "length", None) == spec.max_length, spec.name
    checks = {c.name for c in Ticket.__table__.constraints if c.name and "ck_" in str(c.name)}
    assert checks == {
        "ck_tickets_status",
        "ck_tickets_warranty_status",
        "ck_tickets_service_type",
        "ck_tickets_remedy",
    }


def test_a_new_draft_field_is_all_the_python_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console import tickets as console_tickets

    monkeypatch.setattr(draft_module, "_SPECS", specs_of(DraftWithGiftNote))
    assert [spec.name for spec in ticket_fields()][-1] == "gift_note"
    assert "gift_note" in form_slots_of_ticket()
    column = draft_columns()["gift_note"]
    assert isinstance(column.type, String) and column.type.length == 128 and column.nullable
    assert len(draft_checks()) == 3  # no limited values: no new CHECK
    shown = {f["name"]: f for f in console_tickets.form_field_specs()}
    assert shown["gift_note"] == {
        "name": "gift_note",
        "label": "gift_note",  # no label yet: make validate says so (below)
        "required": False,
        "input": "textarea",
        "max_length": 128,
    }
    draft = DraftWithGiftNote.from_slots({"gift_note": "请包装好"}, **IDS)
    assert draft.values()["gift_note"] == "请包装好"
    problems = check_ticket_fields(DOMAIN)
    assert problems == [
        "ticket field gift_note: slot 'gift_note' is not in the domain",
        "ticket field gift_note: slot 'gift_note' is not a required slot of repair_form",
        "ticket field gift_note: no label in ticket_fields.yml",
    ]


def test_from_slots_maps_slots_to_fields() -> None:
    slots = {
        "device_model": "oneplus-12",
        "serial_number": "861234567890123",
        "purchase_date": "2026-03-01",
        "fault_description": "屏幕碎了",
        "fault_category": None,
        "service_type": "store",
        "city": "深圳",
        "contact_phone": "13800138000",
        "requested_slot": None,
    }
    draft = TicketDraft.from_slots(slots, **IDS)
    assert draft == TicketDraft(
        intake_id="i-1",
        sender_id="s-1",
        channel="rest",
        device_model_id="oneplus-12",
        serial_number="861234567890123",
        purchase_date=dt.date(2026, 3, 1),
        warranty_status="to_verify",
        fault_description="屏幕碎了",
        fault_category="other",
        service_type="store",
        city="深圳",
        contact_phone="13800138000",
    )


@pytest.mark.parametrize("value", [None, "", "2026-02-30", "下个月"])
def test_from_slots_drops_an_unreadable_date(value: object) -> None:
    assert TicketDraft.from_slots({"purchase_date": value}, **IDS).purchase_date is None


def test_kept_ticket_round_trips_through_json() -> None:
    kept = KeptTicket.from_slots({"purchase_date": "2026-03-01", "city": "深圳"}, **IDS)
    assert isinstance(kept, KeptTicket)
    assert KeptTicket.from_json(kept.to_json()) == kept


def test_form_slots_are_the_intake_forms_slots() -> None:
    required = DOMAIN["forms"]["repair_form"]["required_slots"]
    assert set(form_slots_of_ticket()) == set(required) - {"intake_confirmed"}


def test_the_shipped_domain_and_labels_agree() -> None:
    assert check_ticket_fields(DOMAIN) == []


def test_check_reports_a_missing_slot_form_and_label(tmp_path: Path) -> None:
    (tmp_path / "ticket_fields.yml").write_text(
        "labels:\n  city: 城市\nchoose: 请选择\n", encoding="utf-8"
    )
    domain = {"slots": {"city": {}}, "forms": {"other_form": {"required_slots": ["city"]}}}
    problems = check_ticket_fields(domain, catalogue=tmp_path)
    assert "domain: no form 'repair_form' (the intake form of the ticket's fields)" in problems
    assert "ticket field device_model_id: slot 'device_model' is not in the domain" in problems
    assert "ticket field city: slot 'city' is not a required slot of repair_form" in problems
    assert "ticket field intake_id: no label in ticket_fields.yml" in problems
    assert not any(p.startswith("ticket field city: no label") for p in problems)
    assert not any("warranty_status: slot" in p for p in problems)  # no slot: nothing to find
