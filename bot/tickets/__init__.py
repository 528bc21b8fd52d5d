"""Ticket store of the after-sales assistant: tickets, extended warranties and user feedback.

Typical use from an action::

    from bot.tickets import TicketStoreUnavailable, create_ticket, session_scope

    try:
        with session_scope() as session:
            ticket, created = create_ticket(session, intake_id=..., ...)
    except TicketStoreUnavailable:
        ...  # tell the user tickets cannot be created right now

Schema changes go through Alembic (``python -m bot.tickets.cli migrate``).
"""

from bot.tickets.attachments import (
    AttachmentNotFound,
    AttachmentRecord,
    add_attachment,
    attach_to_ticket,
    link_intake_attachments,
    list_attachments,
)
from bot.tickets.db import (
    TicketStoreUnavailable,
    dispose_engines,
    get_engine,
    session_scope,
)
from bot.tickets.migrate import current_revision, upgrade
from bot.tickets.models import (
    CLOSED_STATUSES,
    INITIAL_STATUS,
    OPEN_STATUSES,
    RATING_CONTEXTS,
    SERVICE_TYPES,
    TICKET_STATUSES,
    WARRANTY_STATUSES,
)
from bot.tickets.repository import (
    ComplaintRecord,
    ExtendedWarrantyRecord,
    RatingRecord,
    RatingSummary,
    StatusChange,
    TicketNotCancellable,
    TicketNotFound,
    TicketNumberExhausted,
    TicketRecord,
    add_extended_warranty,
    cancel_ticket_by_user,
    create_ticket,
    extended_warranty_until,
    find_open_tickets_by_serial,
    find_tickets_by_phone,
    find_tickets_by_sender,
    format_ticket_no,
    get_ticket,
    latest_open_ticket_for_sender,
    list_complaints,
    list_extended_warranties,
    rating_summary,
    record_complaint,
    record_rating,
    set_status,
    status_history,
)

__all__ = [
    "CLOSED_STATUSES",
    "INITIAL_STATUS",
    "OPEN_STATUSES",
    "RATING_CONTEXTS",
    "SERVICE_TYPES",
    "TICKET_STATUSES",
    "WARRANTY_STATUSES",
    "AttachmentNotFound",
    "AttachmentRecord",
    "ComplaintRecord",
    "ExtendedWarrantyRecord",
    "RatingRecord",
    "RatingSummary",
    "StatusChange",
    "TicketNotCancellable",
    "TicketNotFound",
    "TicketNumberExhausted",
    "TicketRecord",
    "TicketStoreUnavailable",
    "add_attachment",
    "add_extended_warranty",
    "attach_to_ticket",
    "cancel_ticket_by_user",
    "create_ticket",
    "current_revision",
    "dispose_engines",
    "extended_warranty_until",
    "find_open_tickets_by_serial",
    "find_tickets_by_phone",
    "find_tickets_by_sender",
    "format_ticket_no",
    "get_engine",
    "get_ticket",
    "latest_open_ticket_for_sender",
    "link_intake_attachments",
    "list_attachments",
    "list_complaints",
    "list_extended_warranties",
    "rating_summary",
    "record_complaint",
    "record_rating",
    "session_scope",
    "set_status",
    "status_history",
    "upgrade",
]
