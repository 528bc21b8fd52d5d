"""Event classes by name from a table: the same answers as Rasa's walk over the subclasses."""

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.runtime import event_types


@pytest.fixture
def installed():
    original = Event.__dict__["resolve_by_type"]
    event_types.install()
    yield
    Event.resolve_by_type = original


def test_every_event_name_gives_rasas_class(installed):
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is event_types.STOCK_RESOLVE(name)


def test_unknown_names_behave_as_rasa(installed):
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no-such-event'"):
        Event.resolve_by_type("no-such-event")


def test_events_round_trip_through_the_table(installed):
    events = [SlotSet("device_model", "oneplus-12"), UserUttered("你好", {"name": "greet"})]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_a_class_defined_later_is_found(installed):
    class LateEvent(SlotSet):
        type_name = "late_event_for_the_test"

    assert Event.resolve_by_type("late_event_for_the_test") is LateEvent


def test_the_walk_happens_once_not_per_event(installed, monkeypatch):
    calls = []
    walk = rasa.shared.utils.common.all_subclasses
    monkeypatch.setattr(
        rasa.shared.utils.common, "all_subclasses", lambda c: calls.append(c) or walk(c)
    )
    for _ in range(50):
        Event.resolve_by_type("slot")
    assert calls == []


def test_install_is_idempotent_and_reported():
    original = Event.__dict__["resolve_by_type"]
    # Another test module (the conversations' agent) may have installed it already.
    Event.resolve_by_type = staticmethod(event_types.STOCK_RESOLVE)
    try:
        assert not event_types.installed()
        event_types.install()
        event_types.install()
        assert event_types.installed()
        assert Event.resolve_by_type("slot") is SlotSet
    finally:
        Event.resolve_by_type = original
