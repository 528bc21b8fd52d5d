"""Console route of a ticket's courier pickups: address, window, courier state."""

from __future__ import annotations

from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.courier import PickupWindow, load_courier
from bot.console.replies import error_reply, in_session, json_reply
from bot.settings import get_settings
from bot.tickets import get_ticket
from bot.tickets.agents import AgentRecord
from bot.tickets.checks import normalize_ticket_no
from bot.tickets.pickups import PickupRecord, list_pickups


def pickup_json(pickup: PickupRecord) -> dict[str, Any]:
    """One pickup as the console shows it (date and window local, names from courier.yml)."""
    policy = load_courier()
    window = PickupWindow(pickup.pickup_date, pickup.window_start, pickup.window_end)
    return {
        "id": pickup.id,
        "status": pickup.status,
        "status_name": policy.status_name(pickup.status),
        "window": policy.describe(window, get_settings().today()),
        "date": pickup.pickup_date.isoformat(),
        "window_start": f"{pickup.window_start:%H:%M}",
        "window_end": f"{pickup.window_end:%H:%M}",
        "province": pickup.province,
        "city": pickup.city,
        "district": pickup.district,
        "street": pickup.street,
        "address": pickup.address,
        "courier": policy.courier_name,
        "courier_order_id": pickup.courier_order_id,
        "courier_action": pickup.courier_action,
        "attempts": pickup.attempts,
        "last_error": pickup.last_error,
        "next_attempt_at": pickup.next_attempt_at.isoformat() if pickup.next_attempt_at else None,
        "created_by": pickup.created_by,
        "created_at": pickup.created_at.isoformat(),
        "updated_at": pickup.updated_at.isoformat(),
    }


async def ticket_pickups(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """A ticket's pickups, newest first (``GET api/tickets/<no>/pickups``)."""

    def work(session: Session) -> list[dict[str, Any]] | None:
        number = normalize_ticket_no(ticket_no)
        if get_ticket(session, ticket_no=number) is None:
            return None
        return [pickup_json(p) for p in reversed(list_pickups(session, ticket_no=number))]

    found = await in_session(work)
    if found is None:
        return error_reply("not_found", 404)
    return json_reply({"pickups": found})
