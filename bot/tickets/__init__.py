"""Ticket store of the after-sales assistant: tickets, warranties, feedback and handoffs.

One module per concern: :mod:`~bot.tickets.draft` (the ticket's fields, defined once),
:mod:`~bot.tickets.tickets` (creation, lookups), :mod:`~bot.tickets.history` (status
changes), :mod:`~bot.tickets.warranties`, :mod:`~bot.tickets.feedback`,
:mod:`~bot.tickets.handoffs`, :mod:`~bot.tickets.callbacks`, :mod:`~bot.tickets.agents`,
:mod:`~bot.tickets.attachments`; shared argument checks in :mod:`~bot.tickets.checks`.

Typical use from an action::

    from bot.tickets import TicketDraft, TicketStoreUnavailable, create_ticket, session_scope

    try:
        with session_scope() as session:
            ticket, created = create_ticket(session, TicketDraft(intake_id=..., ...))
    except TicketStoreUnavailable:
        ...  # tell the user tickets cannot be created right now

Schema changes go through Alembic (``python -m bot.tickets.cli migrate``).
"""

from bot.tickets.agents import (
    AgentExists,
    AgentNotFound,
    AgentRecord,
    agent_for_token_hash,
    create_agent,
    create_session,
    get_agent,
    get_agent_by_username,
    list_agents,
    normalize_username,
    revoke_agent_sessions,
    revoke_session,
    set_active,
    set_password_hash,
    touch_login,
)
from bot.tickets.attachments import (
    AttachmentNotFound,
    AttachmentRecord,
    add_attachment,
    attach_to_ticket,
    link_intake_attachments,
    list_attachments,
)
from bot.tickets.callbacks import (
    CallbackNotFound,
    CallbackRecord,
    complete_callback,
    list_callbacks,
    record_callback,
)
from bot.tickets.checks import TICKET_NO_MAX, TicketNotFound, normalize_serial, normalize_ticket_no
from bot.tickets.db import (
    TicketStoreUnavailable,
    dispose_engines,
    get_engine,
    session_scope,
)
from bot.tickets.draft import TicketDraft, TicketFieldSpec, form_slots_of_ticket, ticket_fields
from bot.tickets.feedback import (
    ComplaintRecord,
    RatingRecord,
    RatingSummary,
    list_complaints,
    rating_summary,
    record_complaint,
    record_rating,
)
from bot.tickets.handoffs import (
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotHeld,
    HandoffRecord,
    claim_handoff,
    end_handoff,
    get_handoff,
    list_held,
    list_queue,
    mark_callback,
    open_handoff,
    open_handoff_for_sender,
    queue_position,
)
from bot.tickets.history import (
    StatusChange,
    TicketNotCancellable,
    TrackingError,
    TrackingRequired,
    cancel_ticket_by_user,
    set_status,
    status_history,
)
from bot.tickets.migrate import current_revision, upgrade
from bot.tickets.models import (
    AGENT_ROLES,
    CALLBACK_STATUSES,
    CLOSED_STATUSES,
    HANDOFF_OUTCOMES,
    HANDOFF_STATUSES,
    INITIAL_STATUS,
    OPEN_HANDOFF_STATUSES,
    OPEN_STATUSES,
    RATING_CONTEXTS,
    SERVICE_TYPES,
    TICKET_STATUSES,
    WARRANTY_STATUSES,
)
from bot.tickets.tickets import (
    TicketNumberExhausted,
    TicketRecord,
    create_ticket,
    find_open_tickets_by_serial,
    find_tickets_by_phone,
    find_tickets_by_sender,
    find_tickets_by_serial,
    format_ticket_no,
    get_ticket,
    latest_open_ticket_for_sender,
)
from bot.tickets.verifications import (
    failed_verifications,
    record_verification,
    verified_since,
)
from bot.tickets.warranties import (
    ExtendedWarrantyRecord,
    add_extended_warranty,
    extended_warranty_until,
    list_extended_warranties,
)

__all__ = [
    "AGENT_ROLES",
    "CALLBACK_STATUSES",
    "CLOSED_STATUSES",
    "HANDOFF_OUTCOMES",
    "HANDOFF_STATUSES",
    "INITIAL_STATUS",
    "OPEN_HANDOFF_STATUSES",
    "OPEN_STATUSES",
    "RATING_CONTEXTS",
    "SERVICE_TYPES",
    "TICKET_NO_MAX",
    "TICKET_STATUSES",
    "WARRANTY_STATUSES",
    "AgentExists",
    "AgentNotFound",
    "AgentRecord",
    "AttachmentNotFound",
    "AttachmentRecord",
    "CallbackNotFound",
    "CallbackRecord",
    "ComplaintRecord",
    "ExtendedWarrantyRecord",
    "HandoffAlreadyClaimed",
    "HandoffNotFound",
    "HandoffNotHeld",
    "HandoffRecord",
    "RatingRecord",
    "RatingSummary",
    "StatusChange",
    "TicketDraft",
    "TicketFieldSpec",
    "TicketNotCancellable",
    "TicketNotFound",
    "TicketNumberExhausted",
    "TicketRecord",
    "TicketStoreUnavailable",
    "TrackingError",
    "TrackingRequired",
    "add_attachment",
    "add_extended_warranty",
    "agent_for_token_hash",
    "attach_to_ticket",
    "cancel_ticket_by_user",
    "claim_handoff",
    "complete_callback",
    "create_agent",
    "create_session",
    "create_ticket",
    "current_revision",
    "dispose_engines",
    "end_handoff",
    "extended_warranty_until",
    "failed_verifications",
    "find_open_tickets_by_serial",
    "find_tickets_by_phone",
    "find_tickets_by_sender",
    "find_tickets_by_serial",
    "form_slots_of_ticket",
    "format_ticket_no",
    "get_agent",
    "get_agent_by_username",
    "get_engine",
    "get_handoff",
    "get_ticket",
    "latest_open_ticket_for_sender",
    "link_intake_attachments",
    "list_agents",
    "list_attachments",
    "list_callbacks",
    "list_complaints",
    "list_extended_warranties",
    "list_held",
    "list_queue",
    "mark_callback",
    "normalize_serial",
    "normalize_ticket_no",
    "normalize_username",
    "open_handoff",
    "open_handoff_for_sender",
    "queue_position",
    "rating_summary",
    "record_callback",
    "record_complaint",
    "record_rating",
    "record_verification",
    "revoke_agent_sessions",
    "revoke_session",
    "session_scope",
    "set_active",
    "set_password_hash",
    "set_status",
    "status_history",
    "ticket_fields",
    "touch_login",
    "upgrade",
    "verified_since",
]
