"""Action responses validated by a validator built once: the same verdicts as Rasa's."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from unittest.mock import AsyncMock

import pytest
from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import events as sdk

from bot.actions.common import clear_pending, reset_intake
from bot.runtime import action_schema
from bot.runtime.action_schema import STOCK_VALIDATE, install, installed

SPEC = RemoteAction.action_response_format_spec()
NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc)

# One event of each name in Rasa's event schema, as an action server (rasa_sdk) or Rasa itself
# writes it (its own classes where rasa_sdk has none; the legacy form events as old trackers
# hold them).
PARSE_DATA = {
    "text": "我的一加12充不进电",
    "intent": {"name": "fault_charging", "confidence": 0.93},
    "intent_ranking": [
        {"name": "fault_charging", "confidence": 0.93},
        {"name": "fault_battery", "confidence": 0.05},
    ],
    "entities": [
        {
            "entity": "device_model",
            "value": "oneplus-12",
            "start": 2,
            "end": 6,
            "confidence": 0.99,
            "extractor": "RegexEntityExtractor",
        }
    ],
    "response_selector": {
        "all_retrieval_intents": ["faq"],
        "default": {
            "response": {
                "responses": [{"text": "您好"}],
                "confidence": 0.9,
                "intent_response_key": "faq/hours",
                "utter_action": "utter_faq/hours",
            },
            "ranking": [{"id": 1, "confidence": 0.9, "intent_response_key": "faq/hours"}],
        },
    },
}
EVENTS: dict[str, dict[str, Any]] = {
    "user": sdk.UserUttered("我的一加12充不进电", PARSE_DATA, input_channel="socketio"),
    "action": sdk.ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
    "slot": sdk.SlotSet("device_model", "oneplus-12"),
    "entities": rasa_events.EntitiesAdded(PARSE_DATA["entities"]).as_dict(),
    "user_featurization": rasa_events.DefinePrevUserUtteredFeaturization(False).as_dict(),
    "cancel_reminder": sdk.ReminderCancelled(name="retry_ticket_abc"),
    "reminder": sdk.ReminderScheduled(
        "EXTERNAL_retry_ticket", NOW, name="retry_ticket_abc", kill_on_user_message=False
    ),
    "action_execution_rejected": sdk.ActionExecutionRejected("action_submit_ticket"),
    "form_validation": {"event": "form_validation", "validate": False, "timestamp": None},
    "loop_interrupted": sdk.LoopInterrupted(True),
    "form": {"event": "form", "name": "repair_form", "timestamp": None},
    "active_loop": sdk.ActiveLoop(None),
    "reset_slots": sdk.AllSlotsReset(),
    "resume": sdk.ConversationResumed(),
    "pause": sdk.ConversationPaused(),
    "followup": sdk.FollowupAction("action_ask_fault_description"),
    "export": sdk.StoryExported(),
    "restart": sdk.Restarted(),
    "undo": sdk.ActionReverted(),
    "rewind": sdk.UserUtteranceReverted(),
    "bot": sdk.BotUttered("请问您的手机型号是？", metadata={"utter_action": "utter_ask_model"}),
    "session_started": sdk.SessionStarted(),
    "agent": sdk.AgentUttered("您好，我是客服小王", {"agent": "wang"}),
}
# What the project's action server sends: messages as CollectingDispatcher records them.
MESSAGE = {
    "text": None,
    "buttons": [{"title": "寄修", "payload": '/inform{"service_type": "mail_in"}'}],
    "elements": [],
    "custom": {},
    "template": "utter_ask_service_type",
    "response": "utter_ask_service_type",
    "image": None,
    "attachment": None,
}
VALID: dict[str, dict[str, Any]] = {
    **{f"event {name}": {"events": [event], "responses": []} for name, event in EVENTS.items()},
    "every event at once": {"events": list(EVENTS.values()), "responses": [MESSAGE]},
    "empty": {},
    "nothing to do": {"events": [], "responses": []},
    "messages only": {"responses": [MESSAGE, {"text": "好的"}]},
    "ticket created": {
        "events": [*reset_intake(), *clear_pending(), sdk.SlotSet("ticket_no", "SH2603010001")],
        "responses": [MESSAGE, MESSAGE],
    },
    "slot with metadata and timestamp": {
        "events": [{**sdk.SlotSet("city", "北京"), "timestamp": 1772350000.5, "metadata": {}}]
    },
}
MALFORMED: dict[str, Any] = {
    "not an object": ["events"],
    "events not a list": {"events": {"event": "slot", "name": "city", "value": "北京"}},
    "event not an object": {"events": ["slot"]},
    "event without its name": {"events": [{"name": "city", "value": "北京"}]},
    "unknown event name": {"events": [{"event": "slot_set", "name": "city", "value": "北京"}]},
    "event name not a string": {"events": [{"event": 3}]},
    "slot without a name": {"events": [{"event": "slot", "value": "北京"}]},
    "slot without a value": {"events": [{"event": "slot", "name": "city"}]},
    "slot name not a string": {"events": [{"event": "slot", "name": 7, "value": 1}]},
    "entities without entities": {"events": [{"event": "entities"}]},
    "user with text parse data": {"events": [{"event": "user", "parse_data": "greet"}]},
    "timestamp a string": {"events": [{"event": "restart", "timestamp": "now"}]},
    "metadata a list": {"events": [{"event": "pause", "metadata": []}]},
    "one bad event among good ones": {
        "events": [sdk.SlotSet("city", "北京"), {"event": "slot"}, sdk.ActiveLoop(None)]
    },
    "response selector under both branches": {
        "events": [
            {**EVENTS["user"], "parse_data": {"response_selector": {"faq": {"ranking": []}}}}
        ]
    },
    "responses an object": {"responses": {"text": "您好"}},
    "response a string": {"responses": ["您好"]},
}


def _action() -> RemoteAction:
    return RemoteAction("action_submit_ticket", EndpointConfig("http://localhost:5055/webhook"))


def _raised(validate: Any, response: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(_action(), response)
    return caught.value


def _summary(error: ValidationError) -> tuple[Any, ...]:
    return (
        error.message,
        list(error.path),
        list(error.schema_path),
        error.validator,
        error.validator_value,
        error.instance,
        [(list(e.path), e.message) for e in error.context],
    )


@pytest.fixture
def installed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """:func:`install` in this test only; Rasa's own method is back afterwards."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", STOCK_VALIDATE)
    monkeypatch.setattr(action_schema, "_validator", None)
    install()


def test_the_examples_cover_every_event_of_rasas_schema() -> None:
    names = {branch["properties"]["event"]["const"] for branch in EVENT_SCHEMA["oneOf"]}
    assert set(EVENTS) == names
    assert [event["event"] for event in EVENTS.values()] == list(EVENTS)


@pytest.mark.parametrize("response", VALID.values(), ids=VALID.keys())
def test_every_valid_response_is_accepted(installed_here: None, response: dict) -> None:
    assert STOCK_VALIDATE(_action(), response) is True  # Rasa agrees it is valid
    assert _action()._validate_action_result(response) is True


@pytest.mark.parametrize("response", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_response_is_rejected_as_rasa_rejects_it(
    installed_here: None, response: Any
) -> None:
    stock = _raised(STOCK_VALIDATE, response)
    ours = _raised(RemoteAction._validate_action_result, response)
    assert _summary(ours) == _summary(stock)
    assert ours.message.endswith("/custom-actions")
    assert "Failed to validate Action server response" in ours.message


def _mutations() -> dict[str, dict[str, Any]]:
    """Each example event with one key dropped or its value replaced by another type."""
    mutated: dict[str, dict[str, Any]] = {}
    for name, event in EVENTS.items():
        for key in event:
            mutated[f"{name} without {key}"] = {k: v for k, v in event.items() if k != key}
            for value in (None, 7, "x", [], {}):
                mutated[f"{name} {key}={value!r}"] = {**event, key: value}
    return mutated


def test_same_verdicts_and_errors_as_rasa_on_mutated_events(installed_here: None) -> None:
    differences = []
    for name, event in _mutations().items():
        response = {"events": [event]}
        try:
            stock: Any = STOCK_VALIDATE(_action(), response)
        except ValidationError as error:
            stock = _summary(error)
        try:
            ours: Any = _action()._validate_action_result(response)
        except ValidationError as error:
            ours = _summary(error)
        if ours != stock:
            differences.append(name)
    assert differences == []


def test_the_validator_is_for_the_schemas_draft(installed_here: None) -> None:
    validator = action_schema.response_validator()
    draft = validator_for(SPEC)
    assert type(validator).META_SCHEMA == draft.META_SCHEMA  # the draft's rules but oneOf
    assert {k: v for k, v in type(validator).VALIDATORS.items() if k != "oneOf"} == {
        k: v for k, v in draft.VALIDATORS.items() if k != "oneOf"
    }
    # Draft 4 knows no ``const``: every branch of the events' oneOf matches, so it rejects
    # every response with an event. The installed validator accepts them.
    draft4 = Draft4Validator(SPEC)
    for name, response in VALID.items():
        if response.get("events"):
            assert not draft4.is_valid(response), name
            assert validator.is_valid(response), name


def test_the_schema_is_checked_once_not_per_call(
    installed_here: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = validator_for(SPEC)
    checked: list[int] = []
    check = cls.check_schema.__func__  # type: ignore[attr-defined]

    def counting(klass: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
        checked.append(1)
        check(klass, schema, *args, **kwargs)

    monkeypatch.setattr(cls, "check_schema", classmethod(counting))
    monkeypatch.setattr(action_schema, "_validator", None)
    install()
    response = VALID["ticket created"]
    for _ in range(20):
        assert _action()._validate_action_result(response) is True
    assert checked == [1]
    for _ in range(3):  # Rasa's own method checks it on every call
        STOCK_VALIDATE(_action(), response)
    assert len(checked) == 4


def test_install_is_idempotent_and_reports_itself(installed_here: None) -> None:
    validator = action_schema.response_validator()
    install()
    assert installed()
    assert action_schema.response_validator() is validator


def test_a_subclass_with_its_own_spec_is_validated_rasas_way(installed_here: None) -> None:
    class Strict(RemoteAction):
        @staticmethod
        def action_response_format_spec() -> dict[str, Any]:
            return {"type": "object", "required": ["events"]}

    action = Strict("action_x", None)
    with pytest.raises(ValidationError, match="'events' is a required property"):
        action._validate_action_result({})


def _run(response: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``RemoteAction.run`` with the action server's answer ``response``."""
    monkeypatch.setattr(EndpointConfig, "request", AsyncMock(return_value=response))
    domain = Domain.empty()
    tracker = DialogueStateTracker("owner-1", domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(_action().run(CollectingOutputChannel(), nlg, tracker, domain))


def test_a_custom_action_runs_with_the_installed_validator(
    installed_here: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _run(
        {"events": [sdk.SlotSet("city", "北京")], "responses": [{"text": "好的"}]}, monkeypatch
    )
    assert [type(e).__name__ for e in events] == ["BotUttered", "SlotSet"]
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        _run({"events": [{"event": "slot_set", "name": "city"}]}, monkeypatch)


def test_bot_serve_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import Event

    from bot import serve
    from bot.runtime import event_types, sqlite_tracker

    monkeypatch.setattr(RemoteAction, "_validate_action_result", STOCK_VALIDATE)
    # The other speed-ups bot.serve installs, put back afterwards too.
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(event_types.STOCK_RESOLVE))
    monkeypatch.setattr(SQLTrackerStore, "__init__", sqlite_tracker.STOCK_INIT)
    assert not installed()
    serve.install_engine_speedups()
    assert installed()
    assert event_types.installed()
    assert sqlite_tracker.installed()
