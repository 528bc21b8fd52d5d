"""Throttled sign-ins of the console: per username, per client address, bounded scrypt work.

Each attempt is counted under two keys, the username and the client address (IPv6: its
/64), in the ticket database (:mod:`bot.tickets.throttle`), so every Rasa worker on the
machine (or behind the same database) counts together. A key with too many failures in
``CONSOLE_SIGNIN_WINDOW_MINUTES`` is locked for ``CONSOLE_SIGNIN_LOCKOUT_MINUTES``, then
unlocks by itself; a locked attempt is refused before any password is checked. Keys are
SHA-256 digests: the table holds no username or address. At most
``CONSOLE_SIGNIN_CONCURRENCY`` password checks (scrypt, 16 MiB each) run at once per
worker; further sign-ins wait without holding a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import ipaddress
import math
from dataclasses import dataclass

from bot.console import accounts
from bot.settings import Settings, get_settings
from bot.tickets import throttle as store
from bot.tickets.agents import AgentRecord
from bot.tickets.db import TicketStoreUnavailable, session_scope

#: Longest username or address text that is hashed into a key.
_MAX_NAME = 64


@dataclass(frozen=True)
class Locked:
    """A refused sign-in: the username or the address is locked for ``retry_after`` seconds."""

    retry_after: int


def _digest(kind: str, text: str) -> str:
    # surrogatepass: a lone surrogate (valid in JSON, not in UTF-8) is hashed, not refused
    return hashlib.sha256(f"{kind}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


def username_key(username: str) -> str:
    """The counter key of a username as typed (case and surrounding spaces do not matter)."""
    name = username.strip().lower()[:_MAX_NAME] if isinstance(username, str) else ""
    return "user:" + _digest("user", name)


def address_key(address: str) -> str:
    """The counter key of a client address: IPv4 as is, IPv6 by its /64 network."""
    text = address.strip().strip("[]")[:_MAX_NAME] if isinstance(address, str) else ""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "addr:" + _digest("addr", text)
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        text = str(mapped) if mapped else str(ipaddress.ip_network(f"{ip}/64", strict=False))
    else:
        text = str(ip)
    return "addr:" + _digest("addr", text)


def masked_username(username: str) -> str:
    """A short, stable tag of a username for logs (never the name itself)."""
    return username_key(username)[5:15]


def limits(username: str, address: str, settings: Settings) -> list[store.Limit]:
    """The two counters of an attempt: its username's and its address's."""
    return [
        store.Limit(username_key(username), settings.console_signin_max_failures),
        store.Limit(address_key(address), settings.console_signin_max_failures_per_address),
    ]


def policy(settings: Settings) -> store.Policy:
    """Window and lockout from the settings."""
    return store.Policy(
        window=dt.timedelta(minutes=settings.console_signin_window_minutes),
        lockout=dt.timedelta(minutes=settings.console_signin_lockout_minutes),
    )


def _reserve(counters: list[store.Limit], rules: store.Policy) -> dt.datetime | None:
    with session_scope() as session:
        store.purge(session, rules)
        return store.reserve(session, counters, rules)


def _settle(
    counters: list[store.Limit], rules: store.Policy, *, failed: bool, clear: list[str]
) -> None:
    with session_scope() as session:
        store.settle(session, counters, rules, failed=failed, clear=clear)


class SignInGate:
    """Sign-ins of one Rasa worker: throttled, and with a bounded number of scrypt runs."""

    def __init__(self) -> None:
        """The semaphore is made on first use, in the event loop that serves."""
        self._slots: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(get_settings().console_signin_concurrency)
        return self._slots

    async def sign_in(
        self, username: str, password: str, address: str
    ) -> tuple[AgentRecord, str] | Locked | None:
        """Check credentials unless the username or the address is locked.

        Args:
            username: As typed.
            password: As typed.
            address: The client address (the trusted proxy's client, or the peer).

        Returns:
            The agent and a session token; None for wrong credentials; :class:`Locked`
            when the attempt is refused (no password is checked then).

        Raises:
            TicketStoreUnavailable: The database cannot be reached.
        """
        settings = get_settings()
        counters, rules = limits(username, address, settings), policy(settings)
        refused = await asyncio.to_thread(_reserve, counters, rules)
        if refused is not None:
            wait = (refused - dt.datetime.now(dt.timezone.utc)).total_seconds()
            return Locked(max(1, math.ceil(wait)))
        try:
            async with self._semaphore():
                signed = await asyncio.to_thread(accounts.sign_in, username, password)
        except Exception:
            with contextlib.suppress(TicketStoreUnavailable):  # not a failure: take it back
                await asyncio.to_thread(_settle, counters, rules, failed=False, clear=[])
            raise
        clear = [counters[0].key] if signed is not None else []
        await asyncio.to_thread(_settle, counters, rules, failed=signed is None, clear=clear)
        return signed
