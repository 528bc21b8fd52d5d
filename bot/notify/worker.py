"""Delivery of due notices: claim safely, send through the channel's sender, record.

:func:`deliver_due` is one run: widget notices that waited too long become SMS; due notices
of the channels this process can send on are claimed (``SELECT ... FOR UPDATE SKIP LOCKED``
on PostgreSQL, then a conditional ``UPDATE`` that only one run can win, on SQLite too), so
several workers and servers never send one notice twice at once; each is sent outside any
transaction, and its outcome recorded: ``sent``; a retry after an exponential backoff
(:class:`~bot.notify.policy.RetryPolicy`); ``failed`` after the last attempt or a refusal
for good; ``skipped`` when the owner opted out meanwhile. A claim is a lease: a run that
dies leaves its notices due again after ``claim_seconds``. Notices of a channel without a
sender here (SMS_URL unset, the widget not running) are not touched and wait.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.catalog.notices import load_notice_texts
from bot.notify.policy import RetryPolicy
from bot.notify.senders import (
    DeliveryError,
    Notice,
    NoticeSender,
    PermanentDeliveryError,
    RecipientAbsent,
)
from bot.tickets.checks import aware, utcnow
from bot.tickets.models import Ticket
from bot.tickets.models.outbox import NOTICE_PENDING, NoticeOutbox
from bot.tickets.optouts import OPTED_OUT, is_opted_out

logger = logging.getLogger(__name__)

#: Opens a session inside one transaction, committed on success (``session_scope``).
SessionFactory = Callable[[], AbstractContextManager[Session]]
#: Longest ``last_error`` kept.
ERROR_MAX = 500


@dataclass
class DeliveryReport:
    """What one run did, and what waits for a sender this process lacks."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    to_sms: int = 0
    waiting: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Outcome:
    notice: Notice
    kind: str  # sent | retry | failed | absent
    error: str | None = None


def _claim_ids(
    session: Session, channel: str, recipients: set[str] | None, moment: dt.datetime, limit: int
) -> list[int]:
    due = select(NoticeOutbox.id).where(
        NoticeOutbox.status == NOTICE_PENDING,
        NoticeOutbox.channel == channel,
        NoticeOutbox.next_attempt_at <= moment,
    )
    if recipients is not None:
        due = due.where(NoticeOutbox.recipient.in_(sorted(recipients)))
    due = due.order_by(NoticeOutbox.next_attempt_at, NoticeOutbox.id).limit(limit)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return list(session.execute(due).scalars().all())


def _take(session: Session, notice_id: int, moment: dt.datetime, lease: dt.timedelta) -> bool:
    """Claim one due notice: only the run whose conditional update changes the row wins."""
    result = session.execute(
        update(NoticeOutbox)
        .where(
            NoticeOutbox.id == notice_id,
            NoticeOutbox.status == NOTICE_PENDING,
            NoticeOutbox.next_attempt_at <= moment,
        )
        .values(attempts=NoticeOutbox.attempts + 1, next_attempt_at=moment + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


def _notice(row: Any, ticket_no: str) -> Notice:
    params = {str(k): str(v) for k, v in dict(row.params or {}).items()}
    return Notice(
        id=row.id,
        ticket_no=ticket_no,
        event=row.event,
        channel=row.channel,
        recipient=row.recipient,
        text=load_notice_texts().text(row.event, params),
        params=params,
        created_at=row.created_at,
        attempt=row.attempts,
    )


def _claim(
    session_factory: SessionFactory,
    wanted: Mapping[str, set[str] | None],
    moment: dt.datetime,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> list[Notice]:
    lease = dt.timedelta(seconds=policy.claim_seconds)
    notices: list[Notice] = []
    with session_factory() as session:
        claimed = [
            notice_id
            for channel, recipients in wanted.items()
            for notice_id in _claim_ids(session, channel, recipients, moment, policy.batch_size)
            if _take(session, notice_id, moment, lease)
        ]
        if not claimed:
            return []
        rows = session.execute(
            select(NoticeOutbox, Ticket.ticket_no, Ticket.channel, Ticket.sender_id)
            .join(Ticket, Ticket.id == NoticeOutbox.ticket_id)
            .where(NoticeOutbox.id.in_(claimed))
            .order_by(NoticeOutbox.next_attempt_at, NoticeOutbox.id)
        ).all()
        for row, ticket_no, input_channel, sender_id in rows:
            if is_opted_out(session, channel=input_channel, sender_id=sender_id):
                row.status, row.last_error = "skipped", OPTED_OUT
                row.attempts -= 1
                report.skipped += 1
                continue
            try:
                notices.append(_notice(row, ticket_no))
            except KeyError as error:  # the catalogue lost the event's text: say so
                row.status, row.last_error = "failed", str(error.args[0])[:ERROR_MAX]
                report.failed += 1
                logger.error("notice %d of %s: %s", row.id, ticket_no, row.last_error)
    return notices


def _fall_back_to_sms(
    session_factory: SessionFactory, moment: dt.datetime, policy: RetryPolicy
) -> int:
    """Widget notices no open widget took within the wait become SMS to the contact phone."""
    phone = select(Ticket.contact_phone).where(Ticket.id == NoticeOutbox.ticket_id)
    with session_factory() as session:
        result = session.execute(
            update(NoticeOutbox)
            .where(
                NoticeOutbox.channel == "web",
                NoticeOutbox.status == NOTICE_PENDING,
                NoticeOutbox.next_attempt_at
                <= moment - dt.timedelta(seconds=policy.widget_wait_seconds),
            )
            .values(channel="sms", recipient=phone.scalar_subquery())
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


def _waiting(
    session_factory: SessionFactory, channels: set[str], moment: dt.datetime
) -> dict[str, int]:
    with session_factory() as session:
        rows = session.execute(
            select(NoticeOutbox.channel, func.count())
            .where(
                NoticeOutbox.status == NOTICE_PENDING,
                NoticeOutbox.next_attempt_at <= moment,
                NoticeOutbox.channel.not_in(sorted(channels)),
            )
            .group_by(NoticeOutbox.channel)
        ).all()
    return {str(channel): int(count) for channel, count in rows}


async def _attempt(notice: Notice, sender: NoticeSender) -> _Outcome:
    try:
        await sender.send(notice)
    except RecipientAbsent as error:
        return _Outcome(notice, "absent", str(error))
    except PermanentDeliveryError as error:
        return _Outcome(notice, "failed", str(error))
    except DeliveryError as error:
        return _Outcome(notice, "retry", str(error))
    except Exception as error:  # a sender's bug must not lose the notice: retry, logged
        logger.exception("notice %d: the %s sender failed", notice.id, notice.channel)
        return _Outcome(notice, "retry", f"{type(error).__name__}: {error}")
    return _Outcome(notice, "sent")


def _record(
    session_factory: SessionFactory,
    outcomes: list[_Outcome],
    moment: dt.datetime,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> None:
    with session_factory() as session:
        for outcome in outcomes:
            row = session.get(NoticeOutbox, outcome.notice.id)
            if row is None:  # its ticket was deleted meanwhile
                continue
            error = None if outcome.error is None else outcome.error[:ERROR_MAX]
            if outcome.kind == "sent":
                row.status, row.sent_at, row.last_error = "sent", moment, None
                report.sent += 1
            elif outcome.kind == "absent":  # the widget closed: an SMS, due now
                ticket = session.get(Ticket, row.ticket_id)
                row.channel, row.recipient = "sms", ticket.contact_phone
                row.attempts -= 1
                row.next_attempt_at, row.last_error = moment, error
                report.to_sms += 1
            elif outcome.kind == "failed" or policy.gives_up(row.attempts):
                row.status, row.last_error = "failed", error
                report.failed += 1
                logger.warning(
                    "notice %d (%s) failed after %d attempts: %s",
                    row.id,
                    row.channel,
                    row.attempts,
                    error,
                )
            else:
                row.next_attempt_at = moment + policy.retry_delay(row.attempts)
                row.last_error = error
                report.retried += 1
                logger.info(
                    "notice %d (%s) not delivered (attempt %d), retried at %s: %s",
                    row.id,
                    row.channel,
                    row.attempts,
                    row.next_attempt_at.isoformat(),
                    error,
                )


async def deliver_due(
    session_factory: SessionFactory,
    senders: Mapping[str, NoticeSender],
    now: dt.datetime | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> DeliveryReport:
    """Deliver the notices due at ``now`` on the channels of ``senders`` (one run).

    Args:
        session_factory: Opens a ticket-store session in a transaction
            (:func:`bot.tickets.session_scope`).
        senders: Notice channel (``wechat``, ``web``, ``sms``) -> its sender; channels
            without one are left waiting. A sender with ``local_recipients()`` (the widget)
            is given only the notices of those recipients.
        now: The time of the run (aware); default the current time.
        policy: Retries and batch size; the defaults when ``None``.

    Returns:
        What was done, and the due notices waiting per channel without a sender.

    Raises:
        TicketStoreUnavailable: The ticket store cannot be reached (nothing is lost).
    """
    rules = policy or RetryPolicy()
    moment = aware(now)
    report = DeliveryReport()
    report.to_sms = await asyncio.to_thread(_fall_back_to_sms, session_factory, moment, rules)
    wanted: dict[str, set[str] | None] = {}
    for channel, sender in senders.items():
        local = getattr(sender, "local_recipients", None)
        recipients = None if local is None else set(local())
        if recipients is None or recipients:
            wanted[channel] = recipients
    notices = await asyncio.to_thread(_claim, session_factory, wanted, moment, rules, report)
    outcomes = [await _attempt(notice, senders[notice.channel]) for notice in notices]
    if outcomes:
        finished = moment if now is not None else utcnow()
        await asyncio.to_thread(_record, session_factory, outcomes, finished, rules, report)
    report.waiting = await asyncio.to_thread(_waiting, session_factory, set(senders), moment)
    return report
