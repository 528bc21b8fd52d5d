from rasa_sdk.events import BotUttered

from bot.actions.ask import ActionAskDeviceModel
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
