"""The dashboard's labels come from the catalogues the bot and the console already use."""

from __future__ import annotations

from bot.catalog import load_catalogue
from bot.catalog.labels import load_intent_labels
from bot.console.texts import console_text
from bot.dashboard.figures import missed
from bot.dashboard.labels import dashboard_labels, intent_label
from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.events import Reason


def test_intents_read_as_the_did_you_mean_buttons_say_them() -> None:
    labels = load_intent_labels()
    assert intent_label("request_human") == labels.intents["request_human"]
    assert intent_label("faq/hotline") == labels.faq["hotline"].title
    fault = next(f for f in load_catalogue().faults if f.intent)
    assert fault.intent is not None
    assert intent_label(fault.intent) == labels.fault_format.format(name=fault.name)
    assert intent_label("inform") == "inform"  # no label: the intent itself
    assert intent_label("faq/no_such_key") == "faq/no_such_key"


def test_missed_rows_carry_the_intent_label() -> None:
    row = InboxRow(
        text="转人工啊",
        count=2,
        intent="request_human",
        confidence=0.4,
        reasons=(Reason.HANDOFF,),
        last_seen=None,
    )
    [shown] = missed([row], dashboard_labels(console_text))["rows"]
    assert (shown["intent"], shown["intent_label"]) == (
        "request_human",
        intent_label("request_human"),
    )
