"""Fixtures of the custom action tests: a migrated SQLite ticket store, the domain, trackers.

Trackers are built the way Rasa 3.6 hands them to the action server: for the form
validation action (``FormAction._temporary_tracker``) the events after the user message
are ``action_extract_slots``, the slots its mappings set, whatever ran in between
(a digression), ``SlotSet(requested_slot)``, ``ActionExecuted(repair_form)`` and finally
one ``SlotSet`` per slot candidate: these trailing events are what
``Tracker.slots_to_validate()`` returns.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import get_settings
from bot.tickets import TicketDraft, create_ticket, session_scope, upgrade
from bot.tickets.db import dispose_engines

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
FORM = "repair_form"


def luhn_digit(body: str) -> str:
    """The Luhn check digit completing ``body`` (the 14 digits of an IMEI)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


IMEI_BODY = "86123456789012"
# A valid IMEI (Luhn check digit computed above), and the same with a wrong check digit.
IMEI = IMEI_BODY + luhn_digit(IMEI_BODY)
IMEI_BAD = IMEI_BODY + str((int(luhn_digit(IMEI_BODY)) + 1) % 10)


@pytest.fixture
def imei() -> str:
    """A valid 15-digit IMEI."""
    return IMEI


@pytest.fixture
def bad_imei() -> str:
    """15 digits whose Luhn check digit is wrong."""
    return IMEI_BAD


@pytest.fixture
def full_intake() -> dict[str, Any]:
    """Every slot of a collected intake (store service in 成都, no purchase date)."""
    return {
        "fault_description": "屏幕有绿线",
        "fault_category": "screen",
        "device_model": "oneplus-12",
        "purchase_date": None,
        "purchase_date_precision": None,
        "serial_number": IMEI,
        "service_type": "store",
        "city": "成都",
        "contact_phone": "13912345678",
        "intake_id": "a" * 32,
    }


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite ticket store for every test; nothing touches ``var/``."""
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("TICKET_PREFIX", "R")
    get_settings.cache_clear()
    dispose_engines()
    upgrade(url)
    yield url
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def db_down(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Returns a function that points the ticket store at a closed PostgreSQL port."""

    def _down() -> None:
        monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1:1/x")
        monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
        get_settings.cache_clear()
        dispose_engines()

    return _down


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The domain as the action server receives it (a plain dict)."""
    with DOMAIN_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@pytest.fixture
def today() -> dt.date:
    """Today in the business time zone (what the actions use)."""
    return get_settings().today()


def entity_slots(domain: Mapping[str, Any], entities: Iterable[Mapping[str, Any]]) -> dict:
    """Slots that ``action_extract_slots`` fills from entities (``from_entity`` mappings)."""
    values: dict[str, Any] = {}
    for slot, spec in domain["slots"].items():
        for mapping in spec.get("mappings") or []:
            if mapping.get("type") != "from_entity":
                continue
            for entity in entities:
                if entity["entity"] == mapping["entity"]:
                    values[slot] = entity["value"]
    return values


def _entity(raw: Mapping[str, Any] | tuple[str, Any]) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return {"start": 0, "end": 0, "extractor": "test", **raw}
    name, value = raw
    return {"entity": name, "value": value, "start": 0, "end": 0, "extractor": "test"}


@pytest.fixture
def make_tracker(domain: dict[str, Any]) -> Callable[..., Tracker]:
    """Factory of form trackers; see the module docstring for the event layout."""

    def _make(
        slots: Mapping[str, Any] | None = None,
        text: str = "",
        intent: str = "inform",
        entities: Iterable[Any] = (),
        requested_slot: str | None = None,
        events_after_user: Iterable[dict[str, Any]] = (),
        events_before_user: Iterable[dict[str, Any]] = (),
        intent_ranking: list[dict[str, Any]] | None = None,
        sender_id: str = "test-user",
        input_channel: str = "rest",
        confidence: float = 0.95,
        active_loop: str | None = FORM,
        parse_extra: Mapping[str, Any] | None = None,
    ) -> Tracker:
        # parse_extra: more keys of the parse data, e.g. ``response_selector``.
        entity_list = [_entity(e) for e in entities]
        ranking = (
            intent_ranking
            if intent_ranking is not None
            else [{"name": intent, "confidence": confidence}]
        )
        parse_data = {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": entity_list,
            "text": text,
            **(parse_extra or {}),
        }
        extracted = entity_slots(domain, entity_list)
        required = set(domain["forms"][FORM]["required_slots"]) | {requested_slot}
        candidates = {k: v for k, v in extracted.items() if k in required}
        current = {**(slots or {}), **extracted, "requested_slot": requested_slot}
        user = UserUttered(text, parse_data=parse_data, input_channel=input_channel)
        events: list[dict[str, Any]] = [
            *events_before_user,
            ActionExecuted("action_listen"),
            user,
            ActionExecuted("action_extract_slots"),
            *(SlotSet(k, v) for k, v in extracted.items()),
            *events_after_user,
        ]
        if active_loop:
            events += [
                SlotSet("requested_slot", requested_slot),
                ActionExecuted(active_loop),
                *(SlotSet(k, v) for k, v in candidates.items()),
            ]
        return Tracker(
            sender_id=sender_id,
            slots=current,
            latest_message=parse_data,
            events=events,
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name=active_loop or "action_extract_slots",
        )

    return _make


def _run_action(
    action: Action, tracker: Tracker, domain: dict[str, Any]
) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher


@pytest.fixture
def run(domain: dict[str, Any]) -> Callable[..., tuple[list[dict[str, Any]], Any]]:
    """Runs an action as the action server does; returns its events and the dispatcher."""

    def _run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], Any]:
        return _run_action(action, tracker, domain)

    return _run


@pytest.fixture
def ticket_factory() -> Callable[..., Any]:
    """Inserts a ticket directly into the configured store and returns its record."""

    def _make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "intake_id": "existing-intake",
            "sender_id": "someone",
            "channel": "rest",
            "device_model_id": "oneplus-12",
            "serial_number": IMEI,
            "purchase_date": None,
            "warranty_status": "to_verify",
            "fault_category": "screen",
            "fault_description": "屏幕有绿线",
            "service_type": "mail_in",
            "city": None,
            "contact_phone": "13800000000",
        }
        values.update(overrides)
        now = values.pop("now", None)
        with session_scope() as session:
            ticket, created = create_ticket(session, TicketDraft(**values), now=now)
        assert created
        return ticket

    return _make


#: A Monday in the hotline's working hours, and the same Monday after them (Asia/Shanghai).
WORKING_TIME = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
AFTER_HOURS = WORKING_TIME.replace(hour=22)


@pytest.fixture
def at_working_time(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The handoff actions see a time when agents work."""
    monkeypatch.setattr("bot.actions.handoff.local_now", lambda: WORKING_TIME)
    return WORKING_TIME


@pytest.fixture
def after_hours(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The handoff actions see a time when no agent works."""
    monkeypatch.setattr("bot.actions.handoff.local_now", lambda: AFTER_HOURS)
    return AFTER_HOURS


@pytest.fixture
def agent_online() -> Callable[..., Any]:
    """Returns a function that signs an agent in to the console as online (heartbeat now)."""
    from bot.tickets import create_agent, set_presence

    def _online(username: str = "zhang", presence: str = "online") -> Any:
        with session_scope() as session:
            agent = create_agent(
                session, username=username, display_name=username, password_hash="x"
            )
            set_presence(session, agent_id=agent.id, presence=presence)
            return agent

    return _online


@pytest.fixture
def queued() -> Callable[[], list[Any]]:
    """Returns a function listing the queued handoffs in the configured store."""
    from bot.tickets import list_queue

    def _queued() -> list[Any]:
        with session_scope() as session:
            return list_queue(session)

    return _queued
