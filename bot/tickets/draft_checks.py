"""``make validate`` check that the ticket's fields, the domain and the labels agree."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.catalog.ticket_fields import FILE_NAME, load_ticket_field_texts
from bot.tickets.draft import ticket_fields

#: The form that asks for the ticket's fields.
INTAKE_FORM = "repair_form"


def check_ticket_fields(
    domain: Mapping[str, Any], *, form: str = INTAKE_FORM, catalogue: Path | None = None
) -> list[str]:
    """Problems between :class:`~bot.tickets.draft.TicketDraft`, the domain and the labels.

    Every field's slot must be a domain slot, and one the intake form asks for when the
    field says it is asked (``required_slots``); every field needs a Chinese label in
    ``ticket_fields.yml``.

    Args:
        domain: The parsed ``domain.yml``.
        form: Name of the intake form in the domain.
        catalogue: Catalogue directory; the shipped one by default.

    Returns:
        One message per problem; empty when all agree.
    """
    slots = domain.get("slots") or {}
    forms = domain.get("forms") or {}
    required = (forms.get(form) or {}).get("required_slots") or []
    labels = load_ticket_field_texts(catalogue).labels
    problems: list[str] = []
    if form not in forms:
        problems.append(f"domain: no form {form!r} (the intake form of the ticket's fields)")
    for spec in ticket_fields():
        if spec.slot is not None and spec.slot not in slots:
            problems.append(f"ticket field {spec.name}: slot {spec.slot!r} is not in the domain")
        if spec.slot is not None and spec.asked and spec.slot not in required:
            problems.append(
                f"ticket field {spec.name}: slot {spec.slot!r} is not a required slot of {form}"
            )
        if not labels.get(spec.name):
            problems.append(f"ticket field {spec.name}: no label in {FILE_NAME}")
    return problems
