"""The console's ticket helpers (bot.console.tickets): the form's fields, status errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from bot.catalog import load_catalogue
from bot.console.texts import console_text
from bot.console.tickets import (
    FORM_FIELDS,
    OPTIONAL_FIELDS,
    change_status,
    check_ticket_form,
    form_field_specs,
    submit_ticket,
)
from bot.settings import get_settings
from bot.tickets import TicketDraft, session_scope
from bot.tickets import draft as draft_module
from bot.tickets.draft import ColumnSpec, ConsoleInput, field_spec, specs_of
from bot.tickets.warranty_cards import CardRow, import_cards
from tests.conftest import ROOT
from tests.tickets.helpers import console_ticket


def test_form_fields_in_display_order_with_labels_and_options() -> None:
    cat = load_catalogue()
    fields = form_field_specs()
    keys = ("name", "label", "input", "required", "max_length")
    assert [tuple(f[k] for k in keys) for f in fields] == [
        ("device_model", "机型", "text", True, 64),
        ("serial_number", "IMEI/序列号", "text", False, 64),
        ("purchase_date", "购买日期", "date", False, None),
        ("fault_description", "故障描述", "textarea", True, None),
        ("fault_category", "故障类别", "select", True, 64),
        ("service_type", "服务方式", "select", True, 16),
        ("city", "城市", "text", False, 64),
        ("contact_phone", "联系电话", "tel", True, 32),
        ("remedy", "三包处理方式", "select", False, 16),
    ]
    options = {f["name"]: f.get("options") for f in fields}
    assert options["fault_category"] == [{"value": f.id, "label": f.name} for f in cat.faults]
    assert options["service_type"] == [{"value": t.id, "label": t.name} for t in cat.service_types]
    assert options["city"] is None
    assert options["remedy"] == [
        {"value": "return", "label": "退货"},
        {"value": "exchange", "label": "换货"},
        {"value": "repair", "label": "维修"},
    ]
    assert tuple(f["name"] for f in fields) == FORM_FIELDS
    assert {"serial_number", "purchase_date", "city", "remedy"} == OPTIONAL_FIELDS


def _ticket(service_type: str) -> str:
    return console_ticket(channel="rest", service_type=service_type).ticket_no


@pytest.mark.parametrize(
    ("service_type", "body", "text"),
    [
        ("mail_in", {"status": "shipped_back"}, "api.tracking_required"),
        ("store", {"status": "received", "tracking_no": "SF1"}, "api.tracking_required"),
        ("store", {"status": "shipped_back", "courier": "顺丰"}, "api.tracking_required"),
        (
            "store",
            {"status": "shipped_back", "tracking_no": "SF1", "courier": "顺" * 40},
            "api.status_refused",
        ),
        ("store", {"status": "teleported"}, "api.invalid_status"),
    ],
)
def test_status_errors_are_chosen_by_exception_type(
    service_type: str, body: dict[str, Any], text: str
) -> None:
    ticket_no = _ticket(service_type)
    with session_scope() as session:
        ticket, errors = change_status(session, ticket_no, body, "zhang")
    assert ticket is None
    assert list(errors.values()) == [console_text(text)]


@dataclass(frozen=True)
class DraftWithGiftNote(TicketDraft):
    """The draft with one more field, required in the console and without a check of its own."""

    gift_note: str = field(
        metadata=field_spec(
            ColumnSpec("string", 128), slot="gift_note", console=ConsoleInput("text")
        )
    )


def test_a_new_required_field_is_checked_by_its_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draft_module, "_SPECS", specs_of(DraftWithGiftNote))
    body = {
        "device_model": "一加 12",
        "fault_description": "屏幕有绿线，触摸失灵",
        "fault_category": "screen",
        "service_type": "mail_in",
        "contact_phone": "13912345678",
    }
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    values, errors = check_ticket_form(body, responses)
    assert errors == {"gift_note": console_text("api.field_required", label="gift_note")}
    values, errors = check_ticket_form({**body, "gift_note": " 请包装好 "}, responses)
    assert errors == {} and values["gift_note"] == "请包装好"


def test_an_agent_may_record_the_sanbao_remedy_from_its_list() -> None:
    body = {
        "device_model": "一加 12",
        "fault_description": "屏幕有绿线，触摸失灵",
        "fault_category": "screen",
        "service_type": "mail_in",
        "contact_phone": "13912345678",
    }
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    values, errors = check_ticket_form({**body, "remedy": "exchange"}, responses)
    assert errors == {} and values["remedy"] == "exchange"
    values, errors = check_ticket_form({**body, "remedy": "refund"}, responses)
    assert errors == {"remedy": console_text("api.invalid_choice", label="三包处理方式")}
    assert "remedy" not in check_ticket_form(body, responses)[0]


def test_an_agents_ticket_takes_the_warranty_cards_activation_date() -> None:
    imei = "864752049876544"
    values = {
        "device_model": "oneplus-12",
        "serial_number": imei,
        "purchase_date": "2024-01-10",  # 24 months: over
        "fault_description": "屏幕有绿线",
        "fault_category": "screen",
        "service_type": "mail_in",
        "contact_phone": "13912345678",
    }
    with session_scope() as session:
        before, _ = submit_ticket(
            session, handoff_id=1, sender_id="s", channel="rest", values=values
        )
        activated = get_settings().today() - dt.timedelta(days=10)
        import_cards(session, [CardRow(2, imei, "oneplus-12", activated)], source="test")
        after, _ = submit_ticket(
            session, handoff_id=2, sender_id="s", channel="rest", values=values
        )
    assert (before.warranty_status, after.warranty_status) == ("out_of_warranty", "in_warranty")
