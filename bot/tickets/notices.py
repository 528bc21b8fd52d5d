"""The outbox of notices: written in the transaction of the change it tells about.

:func:`enqueue_notice` adds one ``notice_outbox`` row for a ticket's owner, on the channel
the owner used (:func:`notice_route`); :mod:`bot.notify.worker` delivers it later. An
owner who opted out gets the row too, as ``skipped``: nothing is lost, nothing is sent.
The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.catalog.notices import load_notice_texts
from bot.tickets.checks import aware, record_of, ticket_by_no, ticket_rows
from bot.tickets.models import Ticket
from bot.tickets.models.outbox import NOTICE_PENDING, NoticeOutbox
from bot.tickets.optouts import OPTED_OUT, is_opted_out

#: Input channels of the web widget: its notices are pushed into the widget when it is open.
WIDGET_INPUT_CHANNELS: tuple[str, ...] = ("socketio",)
#: Input channel of the WeChat Official Account: notices are template messages to the openid.
WECHAT_INPUT_CHANNEL = "wechat"


@dataclass(frozen=True)
class NoticeRecord:
    """One notice of a ticket, as the console shows it."""

    id: int
    ticket_no: str
    event: str
    params: dict[str, str]
    channel: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def notice_route(input_channel: str, sender_id: str, contact_phone: str) -> tuple[str, str]:
    """Where a ticket's notices go: ``(notice channel, recipient)``.

    WeChat conversations get template messages to their openid (the sender id), widget
    conversations a push to their session (SMS when it is closed, see the worker), every
    other channel (REST, console, terminal) an SMS to the contact phone.
    """
    if input_channel == WECHAT_INPUT_CHANNEL:
        return "wechat", sender_id
    if input_channel in WIDGET_INPUT_CHANNELS:
        return "web", sender_id
    return "sms", contact_phone


def enqueue_notice(
    session: Session,
    *,
    ticket: Ticket,
    event: str,
    params: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Add a notice for the owner of ``ticket`` to the outbox, in the caller's transaction.

    Args:
        session: Session with a transaction owned by the caller.
        ticket: The ticket's row (the callers hold it already).
        event: An event of ``bot/data/catalog/notices.yml`` (e.g. ``status_changed``).
        params: The event text's parameters (``ticket_no`` is added).
        now: Time of the event (aware); default the current time. The notice is due then.

    Raises:
        ValueError: Unknown event, a parameter the text needs is missing, or naive ``now``.
    """
    created_at = aware(now)
    values = {str(key): str(value) for key, value in (params or {}).items()}
    values["ticket_no"] = ticket.ticket_no
    try:
        load_notice_texts().text(event, values)  # refuse a notice that could never be written
    except KeyError as error:
        raise ValueError(str(error.args[0] if error.args else error)) from None
    channel, recipient = notice_route(ticket.channel, ticket.sender_id, ticket.contact_phone)
    skipped = is_opted_out(session, channel=ticket.channel, sender_id=ticket.sender_id)
    session.add(
        NoticeOutbox(
            ticket_id=ticket.id,
            event=event,
            params=values,
            channel=channel,
            recipient=recipient,
            status="skipped" if skipped else NOTICE_PENDING,
            attempts=0,
            next_attempt_at=created_at,
            last_error=OPTED_OUT if skipped else None,
            created_at=created_at,
        )
    )
    session.flush()


def list_notices(session: Session, *, ticket_no: str) -> list[NoticeRecord]:
    """A ticket's notices, oldest first.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    rows = ticket_rows(session, NoticeOutbox, ticket.id, NoticeOutbox.created_at)
    return [notice_record(row, ticket.ticket_no) for row in rows]


def notice_record(row: Any, ticket_no: str) -> NoticeRecord:
    """The record of an outbox row of ticket ``ticket_no``."""
    return record_of(NoticeRecord, row, ticket_no=ticket_no, params=dict(row.params or {}))
