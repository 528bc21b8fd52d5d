"""Console routes of the manager's dashboard (manager role): figures as JSON and CSV.

``GET api/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD[&channel=]`` answers every table
(:mod:`bot.dashboard`); ``GET api/dashboard/<table>.csv`` one table as CSV, and
``GET api/dashboard/inbox.csv`` the trainer's inbox file of the period. Days are
business-local (``TIMEZONE``), both included, at most a year; anything else is 400
``bad_period``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.replies import error_reply, json_reply
from bot.console.texts import console_text
from bot.dashboard.csvfile import BOM, table_csv
from bot.dashboard.figures import TABLES, Labels
from bot.dashboard.labels import dashboard_labels
from bot.dashboard.period import BadPeriod, Period, parse_period
from bot.dashboard.report import build_report, inbox_rows
from bot.dashboard.sources import TrackerStoreUnavailable
from bot.settings import get_settings
from bot.tickets.agents import AgentRecord
from bot.trainer.inbox.csvfile import inbox_text

logger = logging.getLogger(__name__)

#: The longest channel name (``analytics_conversations.channel``); longer is no channel.
CHANNEL_MAX = 32
CSV_SUFFIX = ".csv"
INBOX = "inbox"


def _tracker_store_guarded(
    handler: Callable[..., Awaitable[HTTPResponse]],
) -> Callable[..., Awaitable[HTTPResponse]]:
    """503 ``store_unavailable`` when Rasa's tracker store cannot be read."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            return await handler(request, *args, **kwargs)
        except TrackerStoreUnavailable as error:
            logger.error("dashboard: tracker store unavailable: %s", error)
            return error_reply("store_unavailable", 503)

    return guarded


def _period(request: Request) -> Period:
    return parse_period(request.args.get("from"), request.args.get("to"), tz=get_settings().tz)


def _labels() -> Labels:
    return dashboard_labels(console_text)


def _channel(request: Request) -> str | None:
    value = (request.args.get("channel") or "").strip()
    return value[:CHANNEL_MAX] or None


def _csv(body: bytes, filename: str) -> HTTPResponse:
    return response.raw(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@_tracker_store_guarded
async def dashboard(request: Request, agent: AgentRecord) -> HTTPResponse:
    """Every table of the period (see :func:`bot.dashboard.report.build_report`)."""
    try:
        period = _period(request)
    except BadPeriod:
        return error_reply("bad_period", 400)
    store = request.app.ctx.agent.tracker_store
    report = await build_report(store, period, _channel(request), labels=_labels())
    return json_reply(report)


@_tracker_store_guarded
async def dashboard_file(request: Request, agent: AgentRecord, file: str) -> HTTPResponse:
    """``<table>.csv``: one table; ``inbox.csv``: the trainer's inbox of the period."""
    name = file[: -len(CSV_SUFFIX)] if file.endswith(CSV_SUFFIX) else ""
    if name not in (*TABLES, INBOX):
        return error_reply("not_found", 404)
    try:
        period = _period(request)
    except BadPeriod:
        return error_reply("bad_period", 400)
    store, channel = request.app.ctx.agent.tracker_store, _channel(request)
    stamp = f"{period.first.isoformat()}_{period.last.isoformat()}"
    if name == INBOX:
        rows = await inbox_rows(store, period, channel)
        return _csv((BOM + inbox_text(rows)).encode("utf-8"), f"inbox_{stamp}.csv")
    report = await build_report(
        store, period, channel, labels=_labels(), with_messages=name == "missed"
    )
    return _csv(table_csv(report["tables"][name], console_text), f"{name}_{stamp}.csv")
