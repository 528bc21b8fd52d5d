"""Creates the tickets kept in the spool (:mod:`bot.tickets.spool`) once the store is back.

The action server runs one :class:`TicketRetrier`: a daemon thread that drains the spool
when the server starts (requests kept before a restart) and then every
``TICKET_SPOOL_RETRY_SECONDS``. Creating a ticket is idempotent on the intake id
(:func:`bot.tickets.tickets.create_ticket`), so the retrier, the conversation's own
retry and a second action server never make two tickets of one intake.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.settings import get_settings
from bot.tickets.attachments import link_intake_attachments
from bot.tickets.db import TicketStoreUnavailable, session_scope
from bot.tickets.spool import KeptTicket, TicketSpool, default_spool
from bot.tickets.tickets import TicketRecord, create_ticket

logger = logging.getLogger(__name__)


def create_kept_ticket(ticket: KeptTicket) -> tuple[TicketRecord, bool]:
    """Create the ticket of a confirmed intake and link the photos sent during it.

    Args:
        ticket: The intake's ticket draft.

    Returns:
        The ticket, and True when this call created it (False: it existed).

    Raises:
        TicketStoreUnavailable: The ticket store cannot be reached.
        ValueError: The store refuses the values.
    """
    with session_scope() as session:
        record, created = create_ticket(session, ticket)
        link_intake_attachments(
            session,
            sender_id=ticket.sender_id,
            intake_id=ticket.intake_id,
            ticket_no=record.ticket_no,
        )
    return record, created


def drain(spool: TicketSpool | None = None) -> int:
    """Try once to create every pending kept ticket; stop at the first sign the store is down.

    Args:
        spool: The spool; default ``VAR_DIR/ticket_spool.db``.

    Returns:
        How many kept tickets now exist.

    Raises:
        SpoolUnavailable: The spool file cannot be read or written.
    """
    spool = spool or default_spool()
    spool.purge_created()
    done = 0
    waiting = spool.pending()
    for entry in waiting:
        intake_id = entry.ticket.intake_id
        try:
            record, _ = create_kept_ticket(entry.ticket)
        except TicketStoreUnavailable as exc:
            spool.record_attempt(intake_id, str(exc))
            logger.warning(
                "ticket store still unavailable: %d kept ticket(s) wait", len(waiting) - done
            )
            return done
        except Exception as exc:  # refused values: retrying would fail the same way
            spool.record_attempt(intake_id, f"{type(exc).__name__}: {exc}", failed=True)
            logger.error(
                "kept ticket of intake %s refused by the ticket store (%s); not retried",
                intake_id,
                type(exc).__name__,
            )
            continue
        spool.mark_created(intake_id, record.ticket_no)
        done += 1
        logger.info("kept ticket of intake %s created: %s", intake_id, record.ticket_no)
    return done


class PeriodicRound:
    """A daemon thread that runs :meth:`round` now and then every ``interval`` seconds.

    Subclasses set :attr:`name` and :attr:`first_at_start` and implement :meth:`round`; an
    exception in a round is logged and the next round runs as planned.
    """

    #: Thread name, also in the log of a failed round.
    name = "periodic-round"
    #: Whether the first round runs at start rather than after one interval.
    first_at_start = True

    def __init__(self, interval: float) -> None:
        """Run a round every ``interval`` seconds."""
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> None:
        """One round of work."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the thread after its current round."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        if not self.first_at_start and self._stop.wait(self.interval):
            return
        while True:
            try:
                self.round()
            except Exception:  # a bad round must not end the retries
                logger.exception("%s: round failed", self.name)
            if self._stop.wait(self.interval):
                return


class TicketRetrier(PeriodicRound):
    """Drains a spool now and then every ``interval`` seconds."""

    name = "ticket-retrier"

    def __init__(self, spool: TicketSpool | None = None, interval: float | None = None) -> None:
        """Drain ``spool`` (default the machine's) every ``interval`` s (default the setting)."""
        super().__init__(interval or get_settings().ticket_spool_retry_seconds)
        self.spool = spool or default_spool()
        logger.info("kept tickets are retried every %.0f s (%s)", self.interval, self.spool.path)

    def round(self) -> None:
        """Create the spool's kept tickets."""
        drain(self.spool)


_lock = threading.Lock()
_running: TicketRetrier | None = None


def start_retrier() -> TicketRetrier:
    """Start this process's retrier (idempotent) and return it."""
    global _running
    with _lock:
        if _running is None:
            _running = TicketRetrier()
            _running.start()
        return _running


def stop_retrier() -> None:
    """Stop this process's retrier, if running."""
    global _running
    with _lock:
        retrier, _running = _running, None
    if retrier is not None:
        retrier.stop()


def attach(app: Any) -> None:
    """Run the retrier while the Sanic ``app`` (the action server) serves.

    Args:
        app: A Sanic application; the retrier starts after the server starts and stops
            before it stops, in each worker process.
    """

    async def _start(_app: Any, _loop: Any) -> None:
        start_retrier()

    async def _stop(_app: Any, _loop: Any) -> None:
        stop_retrier()

    app.register_listener(_start, "after_server_start")
    app.register_listener(_stop, "before_server_stop")
