"""Console route of a ticket's notices to its owner: what was sent, what waits, what failed."""

from __future__ import annotations

from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.notices import load_notice_texts
from bot.console.replies import error_reply, in_session, json_reply
from bot.intake.phone import mask_phone
from bot.tickets import get_ticket
from bot.tickets.agents import AgentRecord
from bot.tickets.checks import normalize_ticket_no
from bot.tickets.notices import NoticeRecord, list_notices


def _text(notice: NoticeRecord) -> str:
    try:
        return load_notice_texts().text(notice.event, notice.params)
    except KeyError:  # an event whose text left the catalogue: show its name
        return notice.event


def notice_json(notice: NoticeRecord) -> dict[str, Any]:
    """One notice as the console shows it (an SMS's phone number masked)."""
    recipient = mask_phone(notice.recipient) if notice.channel == "sms" else ""
    return {
        "id": notice.id,
        "event": notice.event,
        "text": _text(notice),
        "channel": notice.channel,
        "recipient": recipient,
        "status": notice.status,
        "attempts": notice.attempts,
        "last_error": notice.last_error,
        "created_at": notice.created_at.isoformat(),
        "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
        "next_attempt_at": notice.next_attempt_at.isoformat()
        if notice.status == "pending"
        else None,
    }


async def ticket_notices(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """A ticket's notices, oldest first (``GET api/tickets/<no>/notices``)."""

    def work(session: Session) -> list[dict[str, Any]] | None:
        number = normalize_ticket_no(ticket_no)
        if get_ticket(session, ticket_no=number) is None:
            return None
        return [notice_json(n) for n in list_notices(session, ticket_no=number)]

    found = await in_session(work)
    if found is None:
        return error_reply("not_found", 404)
    return json_reply({"notices": found})
