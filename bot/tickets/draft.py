"""The one definition of a repair ticket's fields: :class:`TicketDraft`.

Each field of the draft carries, in its ``dataclasses.field`` metadata, a
:class:`TicketFieldSpec`: its column in the ``tickets`` table, the intake-form slot that
fills it, and how the agent console's ticket form shows it. The table model
(:mod:`bot.tickets.models`), ``create_ticket``'s checks, the submit action, the console's
form and the CLI are all derived from :func:`ticket_fields`, so a new ticket field is one
field here (plus its label in ``bot/data/catalog/ticket_fields.yml``, its slot in the
domain and a migration).

Pure: no SQLAlchemy, no Rasa.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

#: How the device reaches the repair centre.
SERVICE_TYPES: tuple[str, ...] = ("mail_in", "store", "home")
#: Warranty status recorded at intake.
WARRANTY_STATUSES: tuple[str, ...] = (
    "in_warranty",
    "extended_warranty",
    "out_of_warranty",
    "to_verify",
)

#: The 三包 option the owner chose (return, exchange or repair; bot/data/catalog/sanbao.yml).
REMEDIES: tuple[str, ...] = ("return", "exchange", "repair")

#: Column types a ticket field may have: bounded text, unbounded text, a calendar date.
ColumnType = Literal["string", "text", "date"]
#: Input kinds of the console's ticket form.
InputKind = Literal["text", "textarea", "date", "tel", "select"]
#: Catalogue lists a console select takes its options from.
OptionSource = Literal["faults", "service_types", "remedies"]


@dataclass(frozen=True)
class ColumnSpec:
    """The field's column in the ``tickets`` table.

    Attributes:
        type: ``string`` (``VARCHAR(length)``), ``text`` or ``date``.
        length: Maximum length of a ``string`` column.
        nullable: Whether the ticket may lack the value.
        index: Whether the column is indexed (lookups by it).
        unique: Whether two tickets may not share the value.
        choices: Allowed values (a CHECK constraint named after the field), if limited.
    """

    type: ColumnType
    length: int | None = None
    nullable: bool = False
    index: bool = False
    unique: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsoleInput:
    """How the agent console's ticket form shows the field.

    Attributes:
        input: Input kind.
        required: Whether the agent must fill it (optional ones the engineer checks later).
        options: The catalogue list of a ``select``'s options.
    """

    input: InputKind
    required: bool = True
    options: OptionSource | None = None


@dataclass(frozen=True)
class TicketFieldSpec:
    """Everything about one ticket field (see :func:`ticket_fields`).

    Attributes:
        name: Field and column name.
        column: Its column.
        slot: The intake slot that fills it, or None when the conversation supplies it
            (ids, channel) or the assistant works it out (warranty status).
        asked: Whether the intake form asks for the slot (it is one of the form's
            ``required_slots``); otherwise the slot is set another way (e.g. from the intent).
        console: How the console's ticket form shows it; None when agents do not fill it.
        default: Value used when the slot is empty (e.g. ``other`` for a fault category).
    """

    name: str
    column: ColumnSpec
    slot: str | None = None
    asked: bool = False
    console: ConsoleInput | None = None
    default: str | None = None

    @property
    def max_length(self) -> int | None:
        """Longest value the column holds, or None when unbounded (text) or not text."""
        return self.column.length if self.column.type == "string" else None

    @property
    def form_name(self) -> str:
        """Name of the field in forms and slot-shaped data: the slot, else the field name."""
        return self.slot or self.name


#: Key of a field's spec in its dataclass metadata.
SPEC_KEY = "ticket_field"
DraftT = TypeVar("DraftT", bound="TicketDraft")


def field_spec(
    column: ColumnSpec,
    *,
    slot: str | None = None,
    asked: bool = False,
    console: ConsoleInput | None = None,
    default: str | None = None,
) -> dict[str, Any]:
    """The metadata of a ticket field: its :class:`TicketFieldSpec` but for the name.

    Use as ``name: str = field(metadata=field_spec(ColumnSpec("string", 64), ...))``.
    """
    spec = {"column": column, "slot": slot, "asked": asked, "console": console, "default": default}
    return {SPEC_KEY: spec}


def _string(length: int, **column: Any) -> ColumnSpec:
    return ColumnSpec("string", length, **column)


@dataclass(frozen=True)
class TicketDraft:
    """What a confirmed intake (or an agent) gives a new ticket: the ticket's own fields.

    Field order is the order the console shows them in.
    """

    intake_id: str = field(metadata=field_spec(_string(64, unique=True)))
    sender_id: str = field(metadata=field_spec(_string(255, index=True)))
    channel: str = field(metadata=field_spec(_string(32)))
    device_model_id: str = field(
        metadata=field_spec(
            _string(64), slot="device_model", asked=True, console=ConsoleInput("text")
        )
    )
    serial_number: str | None = field(
        metadata=field_spec(
            _string(64, nullable=True, index=True),
            slot="serial_number",
            asked=True,
            console=ConsoleInput("text", required=False),
        )
    )
    purchase_date: dt.date | None = field(
        metadata=field_spec(
            ColumnSpec("date", nullable=True),
            slot="purchase_date",
            asked=True,
            console=ConsoleInput("date", required=False),
        )
    )
    warranty_status: str = field(metadata=field_spec(_string(32, choices=WARRANTY_STATUSES)))
    fault_description: str = field(
        metadata=field_spec(
            ColumnSpec("text"),
            slot="fault_description",
            asked=True,
            console=ConsoleInput("textarea"),
        )
    )
    fault_category: str = field(
        metadata=field_spec(
            _string(64),
            slot="fault_category",
            console=ConsoleInput("select", options="faults"),
            default="other",
        )
    )
    service_type: str = field(
        metadata=field_spec(
            _string(16, choices=SERVICE_TYPES),
            slot="service_type",
            asked=True,
            console=ConsoleInput("select", options="service_types"),
        )
    )
    city: str | None = field(
        metadata=field_spec(
            _string(64, nullable=True),
            slot="city",
            asked=True,
            console=ConsoleInput("text", required=False),
        )
    )
    contact_phone: str = field(
        metadata=field_spec(
            _string(32, index=True), slot="contact_phone", asked=True, console=ConsoleInput("tel")
        )
    )
    # 三包: not one of the form's own required_slots; the form adds it when a return or an
    # exchange is open (bot/actions/intake_form.py, bot/intake/sanbao.py).
    remedy: str | None = field(
        default=None,
        kw_only=True,  # a default before TicketRecord's own fields
        metadata=field_spec(
            _string(16, nullable=True, choices=REMEDIES),
            slot="remedy",
            console=ConsoleInput("select", required=False, options="remedies"),
        ),
    )

    def values(self) -> dict[str, Any]:
        """The draft's fields by name (the ticket's own columns)."""
        return {spec.name: getattr(self, spec.name) for spec in ticket_fields()}

    @classmethod
    def from_slots(
        cls: type[DraftT],
        slots: Mapping[str, Any],
        *,
        intake_id: str,
        sender_id: str,
        channel: str,
        warranty_status: str,
    ) -> DraftT:
        """The draft of a confirmed intake, from its slots.

        Args:
            slots: Slot values by slot name (a tracker's slots; missing ones count as empty).
            intake_id: Id of the intake (one ticket per intake).
            sender_id: Conversation sender id.
            channel: Input channel name.
            warranty_status: The assessed warranty status.

        Returns:
            The draft; a ``date`` field's ISO text becomes a date (None when unreadable),
            an empty slot takes the field's default.
        """
        values: dict[str, Any] = {
            "intake_id": intake_id,
            "sender_id": sender_id,
            "channel": channel,
            "warranty_status": warranty_status,
        }
        for spec in ticket_fields():
            if spec.slot is not None:
                values[spec.name] = _slot_value(spec, slots.get(spec.slot))
        return cls(**values)


def _slot_value(spec: TicketFieldSpec, value: Any) -> Any:
    """A slot's value as the field holds it."""
    if spec.column.type == "date":
        return parse_date(value)
    if value is None or value == "":
        return spec.default
    return value


def parse_date(value: Any) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``) from a slot or a date; None when absent or unreadable."""
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def specs_of(draft_type: type[TicketDraft]) -> tuple[TicketFieldSpec, ...]:
    """The field specs of a draft dataclass (:class:`TicketDraft` or one extending it).

    Args:
        draft_type: The dataclass; every field must carry a spec in its metadata.

    Returns:
        One spec per field, in field order.
    """
    return tuple(
        TicketFieldSpec(name=item.name, **item.metadata[SPEC_KEY])
        for item in dataclasses.fields(draft_type)
    )


_SPECS = specs_of(TicketDraft)


def ticket_fields() -> tuple[TicketFieldSpec, ...]:
    """Every ticket field's spec, in :class:`TicketDraft`'s field order."""
    return _SPECS


def ticket_field(name: str) -> TicketFieldSpec:
    """The spec of the field ``name``.

    Raises:
        KeyError: No such field.
    """
    for spec in _SPECS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def form_slots_of_ticket() -> tuple[str, ...]:
    """The intake-form slots that fill ticket fields (those the form asks for), field order."""
    return tuple(spec.slot for spec in _SPECS if spec.slot is not None and spec.asked)


def console_fields() -> tuple[TicketFieldSpec, ...]:
    """The fields of the console's ticket form, in display order."""
    return tuple(spec for spec in _SPECS if spec.console is not None)
