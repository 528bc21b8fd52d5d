"""A channel for the log-masking attack test: its route logs what project code logs.

``GET /webhooks/probe/sql?phone=...&imei=...&session=...`` inserts a ticket-like row twice
into SQLite through an engine that does NOT hide SQL parameters (SQLAlchemy's default), logs
the ``IntegrityError`` with ``logger.exception``, then lets an ``OperationalError`` (with the
parameters in its text) escape to Sanic, whose error logger prints the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger("bot.tickets.probe")


class ProbeInput(InputChannel):  # type: ignore[misc]  # Rasa is untyped
    """Mounted at ``/webhooks/probe`` by Rasa from ``credentials.yml``."""

    @classmethod
    def name(cls) -> str:
        return "probe"

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        probe = Blueprint("probe_webhook", __name__)

        async def sql(request: Request) -> HTTPResponse:
            phone = request.args.get("phone", "")
            imei = request.args.get("imei", "")
            session = request.args.get("session", "")
            logger.info("conversation %s gave phone %s and IMEI %s", session, phone, imei)
            engine = sa.create_engine("sqlite://")
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "CREATE TABLE tickets (phone TEXT UNIQUE, imei TEXT, sender TEXT)"
                )
            insert = sa.text("INSERT INTO tickets VALUES (:phone, :imei, :sender)")
            values = {"phone": phone, "imei": imei, "sender": session}
            try:
                with engine.begin() as connection:
                    connection.execute(insert, values)
                    connection.execute(insert, values)
            except sa.exc.IntegrityError:
                logger.exception("ticket not saved")
            with engine.connect() as connection:  # raises OperationalError: no such table
                connection.execute(sa.text("SELECT * FROM missing WHERE phone = :phone"), values)
            raise AssertionError("unreachable")

        probe.add_route(sql, "/sql", methods=["GET"], name="sql")
        return probe
