from rasa_sdk.events import BotUttered

from bot.actions.ask import ActionAskDeviceModel, ActionAskFaultDescription
from bot.catalog import load_catalogue
from tests.actions.helpers import msg


def test_asks_for_the_model(run, make_tracker):
    tracker = make_tracker({}, "屏幕碎了", "fault_screen", requested_slot="device_model")

    events, dispatcher = run(ActionAskDeviceModel(), tracker)

    assert events == []
    assert dispatcher.messages == [msg("utter_ask_device_model")]


def test_stays_silent_right_after_the_choice_buttons(run, make_tracker):
    choice = BotUttered(
        "您说的是下面哪一款呢？", metadata={"utter_action": "utter_device_ambiguous"}
    )
    tracker = make_tracker(
        {}, "一加Ace", "inform", requested_slot="device_model", events_after_user=[choice]
    )

    events, dispatcher = run(ActionAskDeviceModel(), tracker)

    assert events == []
    assert dispatcher.messages == []


def test_an_earlier_turns_choice_does_not_silence_the_question(run, make_tracker):
    choice = BotUttered(
        "您说的是下面哪一款呢？", metadata={"utter_action": "utter_device_ambiguous"}
    )
    tracker = make_tracker(
        {}, "不知道", "deny", requested_slot="device_model", events_before_user=[choice]
    )

    _, dispatcher = run(ActionAskDeviceModel(), tracker)

    assert dispatcher.messages == [msg("utter_ask_device_model")]


def test_asks_what_is_wrong(run, make_tracker):
    tracker = make_tracker({}, "我要报修", "request_repair", requested_slot="fault_description")

    events, dispatcher = run(ActionAskFaultDescription(), tracker)

    assert events == []
    assert dispatcher.messages == [msg("utter_ask_fault_description")]


def test_asks_the_catalogues_follow_up_after_a_vague_description(run, make_tracker):
    tracker = make_tracker(
        {"fault_brief": "碎屏", "fault_category": "screen"},
        "碎屏",
        "fault_screen",
        requested_slot="fault_description",
    )

    _, dispatcher = run(ActionAskFaultDescription(), tracker)

    question = load_catalogue().fault("screen").follow_up[0]  # type: ignore[union-attr]
    assert dispatcher.messages == [msg("utter_fault_follow_up", question=question)]
