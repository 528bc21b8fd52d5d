"""Tickets in the agent console: search, details, status changes, and tickets agents submit.

An agent's ticket goes through the same field checks as the bot's intake form
(:mod:`bot.intake.fields`) and the same ticket store; its errors are the form's Chinese
messages. The form's fields, their order and labels come from the ticket's one definition
(:class:`bot.tickets.draft.TicketDraft`, ``ticket_fields.yml``). The caller owns the
database session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

import bot.intake.fields as fields
from bot.catalog import Catalogue, load_catalogue, load_status_names
from bot.catalog.sanbao import load_sanbao
from bot.catalog.ticket_fields import load_ticket_field_texts
from bot.console.texts import console_text
from bot.intake.phone import mask_phone
from bot.intake.sanbao import repair_months
from bot.intake.serial import mask_serial
from bot.intake.warranty import assess_warranty, detect_damage
from bot.settings import get_settings
from bot.tickets import (
    TICKET_STATUSES,
    TicketDraft,
    TicketFieldSpec,
    TicketRecord,
    TrackingError,
    create_ticket,
    extended_warranty_until,
    find_tickets_by_phone,
    find_tickets_by_serial,
    get_ticket,
    normalize_ticket_no,
    set_status,
    status_history,
)
from bot.tickets.draft import console_fields
from bot.tickets.warranty_cards import get_warranty_card

#: The fields of an agent's ticket form (slot names), in the order the console shows them.
FORM_FIELDS = tuple(spec.form_name for spec in console_fields())
#: Fields an agent may leave empty (the engineer checks them at inspection).
OPTIONAL_FIELDS = frozenset(
    spec.form_name for spec in console_fields() if spec.console and not spec.console.required
)
_TICKET_NO = re.compile(r"^[A-Za-z]\d{8}-\d{4}$")
_DIGITS = re.compile(r"\D")


def _options(spec: TicketFieldSpec, cat: Catalogue) -> list[dict[str, str]]:
    """The options of a select field, from the catalogue list its spec names."""
    source = spec.console.options if spec.console else None
    if source == "faults":
        return [{"value": f.id, "label": f.name} for f in cat.faults]
    if source == "service_types":
        return [{"value": t.id, "label": t.name} for t in cat.service_types]
    if source == "remedies":
        return [{"value": r.id, "label": r.name} for r in load_sanbao().remedies]
    return []


def form_field_specs() -> list[dict[str, Any]]:
    """The console ticket form's fields in display order (JSON for ``GET api/ticket-fields``).

    Returns:
        ``{name, label, required, input, max_length}`` per field, plus ``options``
        (``{value, label}``) for a select; ``name`` is the form's (and the slot's) name.
    """
    cat = load_catalogue()
    texts = load_ticket_field_texts()
    specs: list[dict[str, Any]] = []
    for spec in console_fields():
        assert spec.console is not None  # console_fields() only has shown fields
        field: dict[str, Any] = {
            "name": spec.form_name,
            "label": texts.label(spec.name),
            "required": spec.console.required,
            "input": spec.console.input,
            "max_length": spec.max_length,
        }
        if spec.console.input == "select":
            field["options"] = _options(spec, cat)
        specs.append(field)
    return specs


def ticket_summary(ticket: TicketRecord) -> dict[str, Any]:
    """A ticket in search results (identifiers masked)."""
    cat = load_catalogue()
    device = cat.device(ticket.device_model_id)
    fault = cat.fault(ticket.fault_category)
    return {
        "ticket_no": ticket.ticket_no,
        "status": ticket.status,
        "status_name": load_status_names().get(ticket.status, ticket.status),
        "device_name": device.name if device else ticket.device_model_id,
        "fault_name": fault.name if fault else ticket.fault_category,
        "phone_masked": mask_phone(ticket.contact_phone) if ticket.contact_phone else "",
        "serial_masked": mask_serial(ticket.serial_number) if ticket.serial_number else "",
        "created_at": ticket.created_at.isoformat(),
    }


def ticket_detail(session: Session, ticket: TicketRecord) -> dict[str, Any]:
    """A ticket with the fields agents fill and its status history (signed-in agents only)."""
    names = load_status_names()
    history = [
        {
            "status": change.status,
            "status_name": names.get(change.status, change.status),
            "at": change.changed_at.isoformat(),
            "changed_by": change.changed_by,
            "note": change.note,
            "tracking_no": change.tracking_no,
            "courier": change.courier,
        }
        for change in status_history(session, ticket_no=ticket.ticket_no)
    ]
    shown = {spec.name: _json_value(getattr(ticket, spec.name)) for spec in console_fields()}
    return {**ticket_summary(ticket), **shown, "history": history}


def _json_value(value: Any) -> Any:
    """A field's value in JSON: dates in ISO format, the rest as they are."""
    return value.isoformat() if isinstance(value, dt.date) else value


def status_choices() -> list[dict[str, str]]:
    """The statuses an agent can set, with their Chinese names."""
    names = load_status_names()
    return [{"id": status, "name": names.get(status, status)} for status in TICKET_STATUSES]


def search_tickets(session: Session, query: str) -> list[TicketRecord]:
    """Tickets by ticket number, contact phone or IMEI / SN (exact match), newest first."""
    text = query.strip()
    if not text:
        return []
    if _TICKET_NO.match(text):
        ticket = get_ticket(session, ticket_no=normalize_ticket_no(text))
        return [ticket] if ticket else []
    digits = _DIGITS.sub("", text)
    found: dict[str, TicketRecord] = {}
    if len(digits) == 11 and digits.startswith("1"):
        found.update((t.ticket_no, t) for t in find_tickets_by_phone(session, phone=digits))
    for ticket in find_tickets_by_serial(session, serial_number=text.replace(" ", "")):
        found[ticket.ticket_no] = ticket
    return sorted(found.values(), key=lambda t: t.created_at, reverse=True)


def change_status(
    session: Session, ticket_no: str, body: Mapping[str, Any], agent_username: str
) -> tuple[TicketRecord | None, dict[str, str]]:
    """Set a ticket's status as an agent (recorded in its history with the agent's name).

    Returns:
        The updated ticket, or ``None`` and the errors by field.
    """
    status = str(body.get("status") or "")
    if status not in TICKET_STATUSES:
        return None, {"status": console_text("api.invalid_status")}
    try:
        ticket = set_status(
            session,
            ticket_no=ticket_no,
            status=status,
            note=str(body.get("note") or "").strip() or None,
            changed_by=f"agent:{agent_username}",
            tracking_no=str(body.get("tracking_no") or "").strip() or None,
            courier=str(body.get("courier") or "").strip() or None,
        )
    except TrackingError:
        return None, {"tracking_no": console_text("api.tracking_required")}
    except ValueError:
        return None, {"tracking_no": console_text("api.status_refused")}
    return ticket, {}


def check_ticket_form(
    body: Mapping[str, Any], responses: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check an agent's ticket fields with the intake form's rules.

    Returns:
        The normalised values and the Chinese errors by field (empty when all is well).
    """
    cat = load_catalogue()
    today = get_settings().today()
    raw = {s.form_name: str(body.get(s.form_name) or "").strip() for s in console_fields()}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def run(name: str, check: fields.FieldCheck) -> None:
        if check.error is not None or check.value is None:
            errors[name] = fields.field_error_text(check, responses)
            candidates = check.extra.get("candidates") or ()
            if candidates:  # an ambiguous model: name the models it may be
                names = console_text("api.name_separator").join(d.name for d in candidates)
                errors[name] += console_text("api.model_candidates", names=names)
        else:
            values[name] = check.value
            values.update(check.extra)

    run("fault_description", fields.check_fault_description(raw["fault_description"]))
    run("device_model", fields.check_device_model(raw["device_model"], cat))
    device = cat.device(values.get("device_model") or "")
    if raw["purchase_date"]:
        run("purchase_date", fields.check_purchase_date(raw["purchase_date"], today, device))
    if raw["serial_number"]:
        run("serial_number", fields.check_serial_number(raw["serial_number"]))
    run("service_type", fields.check_service_type(raw["service_type"], cat.service_types))
    service = cat.service_type(values.get("service_type") or "")
    if raw["city"] or (service is not None and service.needs_city):
        run("city", fields.check_city(raw["city"]))
    run("contact_phone", fields.check_contact_phone(raw["contact_phone"]))
    category = raw["fault_category"] or "other"
    if cat.fault(category) is None:
        errors["fault_category"] = console_text("api.invalid_fault_category")
    values["fault_category"] = category
    _check_other_fields(raw, values, errors)
    return values, errors


def _check_other_fields(
    raw: Mapping[str, str], values: dict[str, Any], errors: dict[str, str]
) -> None:
    """Fields without a check of their own: kept as typed, required ones must be filled."""
    labels = load_ticket_field_texts()
    for spec in console_fields():
        name = spec.form_name
        if name in values or name in errors or spec.console is None:
            continue
        if raw[name] and spec.column.choices and raw[name] not in spec.column.choices:
            errors[name] = console_text("api.invalid_choice", label=labels.label(spec.name))
        elif raw[name]:
            values[name] = raw[name]
        elif spec.console.required:
            errors[name] = console_text("api.field_required", label=labels.label(spec.name))


def submit_ticket(
    session: Session,
    *,
    handoff_id: int,
    sender_id: str,
    channel: str,
    values: Mapping[str, Any],
) -> tuple[TicketRecord, bool]:
    """Create the ticket of a handoff (one per handoff) from checked values."""
    cat = load_catalogue()
    device = cat.device(values["device_model"])
    fault = cat.fault(values["fault_category"]) or cat.fault("other")
    assert device is not None and fault is not None  # checked by check_ticket_form
    today = get_settings().today()
    slots = {**values, "device_model": device.id, "fault_category": fault.id}
    unassessed = TicketDraft.from_slots(
        slots,
        intake_id=f"handoff-{handoff_id}",
        sender_id=sender_id,
        channel=channel,
        warranty_status="to_verify",
    )
    serial = unassessed.serial_number
    card = get_warranty_card(session, imei=serial)  # its activation date wins (三包)
    part = load_sanbao().part_for_fault(fault.id)
    assessment = assess_warranty(
        purchase_date=card.activated_on if card else unassessed.purchase_date,
        warranty_months=repair_months(part, device.warranty_months),
        fault=fault,
        damage=detect_damage(unassessed.fault_description, cat),
        extended_until=(
            extended_warranty_until(session, serial_number=serial, on=today) if serial else None
        ),
        today=today,
    )
    draft = dataclasses.replace(unassessed, warranty_status=assessment.status.value)
    return create_ticket(session, draft)
