"""Files users attach to a repair (photos of the fault), and their link to tickets.

A photo sent during an intake carries the intake id; :func:`link_intake_attachments`
moves it onto the ticket once the ticket exists. A photo sent after the ticket is linked
with :func:`attach_to_ticket`. The caller owns the transaction, as everywhere in
the ticket store.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.tickets.checks import (
    aware,
    bounded,
    optional_bounded,
    record_of,
    ticket_by_no,
    ticket_rows,
)
from bot.tickets.models import ATTACHMENT_KINDS, Attachment

#: Largest file the store records (bytes); channels refuse bigger uploads first.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentNotFound(LookupError):
    """No attachment has the given public id."""

    def __init__(self, public_id: str) -> None:
        super().__init__(f"no attachment {public_id}")
        self.public_id = public_id


@dataclass(frozen=True)
class AttachmentRecord:
    """An attachment as stored (``ticket_no`` once it is linked)."""

    public_id: str
    sender_id: str
    channel: str
    intake_id: str | None
    ticket_no: str | None
    kind: str
    content_type: str
    size_bytes: int
    storage_key: str
    source_ref: str | None
    created_at: dt.datetime


def add_attachment(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    content_type: str,
    size_bytes: int,
    storage_key: str,
    kind: str = "image",
    intake_id: str | None = None,
    source_ref: str | None = None,
    now: dt.datetime | None = None,
) -> AttachmentRecord:
    """Record a file a user sent.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name (``socketio``, ``wechat`` ...).
        content_type: MIME type, e.g. ``image/jpeg``.
        size_bytes: Size of the file (0 when only a channel media id is known).
        storage_key: Where the bytes are: a path under the upload directory or a media id.
        kind: One of :data:`ATTACHMENT_KINDS`.
        intake_id: The intake the file belongs to, when one is in progress.
        source_ref: The channel's own reference (WeChat MediaId, PicUrl), if any.
        now: Creation time (aware); default the current time.

    Returns:
        The stored attachment with a new random ``public_id``.

    Raises:
        ValueError: Unknown kind, empty or too long text fields, a negative or too
            large size, or naive ``now``.
    """
    if kind not in ATTACHMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ATTACHMENT_KINDS)}")
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int):
        raise ValueError("size_bytes must be a whole number")
    if not 0 <= size_bytes <= MAX_ATTACHMENT_BYTES:
        raise ValueError(f"size_bytes must be between 0 and {MAX_ATTACHMENT_BYTES}")
    row = Attachment(
        public_id=secrets.token_hex(16),
        sender_id=bounded("sender_id", sender_id, 255),
        channel=bounded("channel", channel, 32),
        intake_id=optional_bounded("intake_id", intake_id, 64),
        kind=kind,
        content_type=bounded("content_type", content_type, 64),
        size_bytes=size_bytes,
        storage_key=bounded("storage_key", storage_key, 10_000),
        source_ref=optional_bounded("source_ref", source_ref, 255),
        created_at=aware(now),
    )
    session.add(row)
    session.flush()
    return record_of(AttachmentRecord, row, ticket_no=None)


def link_intake_attachments(
    session: Session, *, sender_id: str, intake_id: str, ticket_no: str
) -> int:
    """Link the unlinked attachments of an intake to the ticket it became.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id (attachments of other senders are never moved).
        intake_id: The intake's id.
        ticket_no: The ticket created from the intake.

    Returns:
        How many attachments were linked.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    result = session.execute(
        update(Attachment)
        .where(
            Attachment.sender_id == sender_id,
            Attachment.intake_id == intake_id,
            Attachment.ticket_id.is_(None),
        )
        .values(ticket_id=ticket.id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def attach_to_ticket(session: Session, *, public_id: str, ticket_no: str) -> AttachmentRecord:
    """Link one attachment to a ticket (a photo sent after the ticket was created).

    Raises:
        AttachmentNotFound: No attachment with this id.
        TicketNotFound: No such ticket.
        ValueError: The attachment is linked to another ticket already, or belongs to
            another conversation than the ticket.
    """
    row = session.execute(
        select(Attachment).where(Attachment.public_id == public_id)
    ).scalar_one_or_none()
    if row is None:
        raise AttachmentNotFound(public_id)
    ticket = ticket_by_no(session, ticket_no)
    if row.ticket_id is not None and row.ticket_id != ticket.id:
        raise ValueError("the attachment is linked to another ticket")
    if row.sender_id != ticket.sender_id:
        raise ValueError("the attachment and the ticket belong to different conversations")
    row.ticket_id = ticket.id
    session.flush()
    return record_of(AttachmentRecord, row, ticket_no=ticket.ticket_no)


def list_attachments(session: Session, *, ticket_no: str) -> list[AttachmentRecord]:
    """The attachments of a ticket, oldest first.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    rows = ticket_rows(session, Attachment, ticket.id, Attachment.created_at)
    return [record_of(AttachmentRecord, row, ticket_no=ticket.ticket_no) for row in rows]
