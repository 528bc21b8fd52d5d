"""Notice delivery inside the Rasa server: every ``NOTIFY_INTERVAL_SECONDS``, in each worker.

:func:`install` makes Rasa's app (``rasa.core.run.configure_app``) start the loop after the
server starts and stop it before it stops, like the widget's photo purge. Every Sanic worker
runs one: claims keep them from sending a notice twice, and each pushes to the widgets it
holds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from sanic import Sanic

from bot.notify.setup import build_senders, retry_policy
from bot.notify.worker import deliver_due
from bot.runtime.background import run_while_serving
from bot.settings import get_settings
from bot.tickets.db import TicketStoreUnavailable, session_scope

logger = logging.getLogger(__name__)


async def delivery_loop(interval: float) -> None:
    """Deliver due notices every ``interval`` seconds until cancelled."""
    settings = get_settings()
    senders = build_senders(settings, widget=True)
    senders.log_unavailable()
    policy = retry_policy(settings)
    while True:
        try:
            report = await deliver_due(session_scope, senders.senders, policy=policy)
            if report.sent or report.failed or report.retried:
                logger.info(
                    "notices: %d sent, %d to retry, %d failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except TicketStoreUnavailable as error:
            logger.warning("notices: the ticket store is unavailable (%s); later", error)
        except Exception:  # keep delivering later; say why now
            logger.exception("notices: delivery run failed")
        await asyncio.sleep(interval)


def add_delivery(app: Sanic, interval: float) -> None:
    """Run :func:`delivery_loop` in ``app`` (nothing when ``interval`` is 0)."""
    if interval <= 0:
        return

    run_while_serving(app, "notice_delivery", lambda: delivery_loop(interval))


_installed = False


def install() -> None:
    """Make Rasa's server deliver notices (idempotent; ``NOTIFY_INTERVAL_SECONDS``)."""
    global _installed
    if _installed:
        return
    import rasa.core.run

    stock = rasa.core.run.configure_app
    interval = get_settings().notify_interval_seconds

    @functools.wraps(stock)
    def configure_app(*args: Any, **kwargs: Any) -> Sanic:
        app = stock(*args, **kwargs)
        add_delivery(app, interval)
        return app

    rasa.core.run.configure_app = configure_app
    _installed = True
