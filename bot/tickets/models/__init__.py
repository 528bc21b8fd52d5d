"""Table models of the ticket store, one module per concern.

The ``tickets`` table is a documented contract for integrations (repair centre
systems read it), so column names and allowed values only change through a
migration and a note to integrators. Its own columns are derived from
:class:`bot.tickets.draft.TicketDraft`.

Allowed values of ``status``, ``warranty_status``, ``service_type`` and the
rating ``context`` are plain strings guarded by CHECK constraints (portable
between SQLite and PostgreSQL); the tuples below are the single source of truth
for them.
"""

from bot.tickets.draft import SERVICE_TYPES, WARRANTY_STATUSES
from bot.tickets.models.analytics import (
    AnalyticsEventKey,
    AnalyticsMissedMessage,
    ConversationAnalytics,
)
from bot.tickets.models.base import NAMING_CONVENTION, Base, UTCDateTime, in_check, metadata
from bot.tickets.models.console import (
    AGENT_ROLES,
    CALLBACK_STATUSES,
    HANDOFF_OUTCOMES,
    HANDOFF_STATUSES,
    OPEN_HANDOFF_CONDITION,
    OPEN_HANDOFF_STATUSES,
    PRESENCES,
    Agent,
    AgentSession,
    CallbackRequest,
    Handoff,
    SignInThrottle,
)
from bot.tickets.models.notes import NOTE_KINDS as NOTE_KINDS  # agents' internal notes
from bot.tickets.models.notes import InternalNote as InternalNote  # agents' internal notes
from bot.tickets.models.outbox import NoticeOptOut as NoticeOptOut  # notices to owners
from bot.tickets.models.outbox import NoticeOutbox as NoticeOutbox  # notices to owners
from bot.tickets.models.pickups import Pickup as Pickup  # courier pickups (mail-in)
from bot.tickets.models.quotes import TicketQuote as TicketQuote  # repair quotes
from bot.tickets.models.quotes import TicketQuotePart as TicketQuotePart  # repair quotes
from bot.tickets.models.tickets import (
    ATTACHMENT_KINDS,
    CLOSED_STATUSES,
    INITIAL_STATUS,
    MAIL_IN,
    MAX_SCORE,
    MIN_SCORE,
    OPEN_STATUSES,
    RATING_CONTEXTS,
    RETURNING,
    SHIPPED_BACK,
    TICKET_STATUSES,
    Attachment,
    Complaint,
    ExtendedWarranty,
    SatisfactionRating,
    Ticket,
    TicketStatusHistory,
    TicketVerification,
    draft_checks,
    draft_columns,
)
from bot.tickets.models.warranty_cards import WarrantyCard as WarrantyCard  # 三包 cards

__all__ = [
    "AGENT_ROLES",
    "ATTACHMENT_KINDS",
    "CALLBACK_STATUSES",
    "CLOSED_STATUSES",
    "HANDOFF_OUTCOMES",
    "HANDOFF_STATUSES",
    "INITIAL_STATUS",
    "MAIL_IN",
    "MAX_SCORE",
    "MIN_SCORE",
    "NAMING_CONVENTION",
    "OPEN_HANDOFF_CONDITION",
    "OPEN_HANDOFF_STATUSES",
    "OPEN_STATUSES",
    "PRESENCES",
    "RATING_CONTEXTS",
    "RETURNING",
    "SERVICE_TYPES",
    "SHIPPED_BACK",
    "TICKET_STATUSES",
    "WARRANTY_STATUSES",
    "Agent",
    "AgentSession",
    "AnalyticsEventKey",
    "AnalyticsMissedMessage",
    "Attachment",
    "Base",
    "CallbackRequest",
    "Complaint",
    "ConversationAnalytics",
    "ExtendedWarranty",
    "Handoff",
    "SatisfactionRating",
    "SignInThrottle",
    "Ticket",
    "TicketStatusHistory",
    "TicketVerification",
    "UTCDateTime",
    "draft_checks",
    "draft_columns",
    "in_check",
    "metadata",
]
