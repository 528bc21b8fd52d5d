"""What the user reads: the actions' messages rendered by Rasa's own code.

Rasa (``RemoteAction._utter_responses``) fills a response's template with the message's keyword
arguments and then copies every non-empty field of the message over the result. A message whose
variable is called ``text`` therefore replaces the whole sentence with the bare variable.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.actions.centres import ActionFindServiceCentre
from bot.actions.intake_form import ValidateRepairForm
from bot.actions.prices import ActionQuotePrice
from bot.actions.status import ActionCheckRepairStatus
from tests.actions.conftest import DOMAIN_FILE

rasa_action = pytest.importorskip("rasa.core.actions.action")
# Rasa warns about the domain's slot mappings while loading it; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore:Slot auto-fill:UserWarning")


@pytest.fixture(scope="module")
def render():
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(DOMAIN_FILE))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)

    def _render(messages: list[dict[str, Any]]) -> list[str | None]:
        tracker = DialogueStateTracker.from_events("render", [], slots=domain.slots)
        uttered = asyncio.run(
            rasa_action.RemoteAction._utter_responses(
                [dict(m) for m in messages], CollectingOutputChannel(), nlg, tracker
            )
        )
        return [event.text for event in uttered]

    return _render


def test_a_response_with_ordinary_variables_is_rendered(render, run, make_tracker, ticket_factory):
    ticket = ticket_factory(sender_id="someone-else")
    tracker = make_tracker(
        {"status_asked": True, "status_ticket_no": ticket.ticket_no},
        "13900000000",
        "inform",
        active_loop=None,
    )

    _events, dispatcher = run(ActionCheckRepairStatus(), tracker)

    assert render(dispatcher.messages) == [
        f"工单号 {ticket.ticket_no} 与手机号未能核对一致（工单号或手机号可能有误），暂时无法显示。"
        "请核对后直接发送正确的手机号，或发送正确的工单号。"
    ]


def test_unknown_city_is_said_in_a_sentence(render, run, make_tracker):
    tracker = make_tracker({"centre_city_asked": True}, "火星", "inform", active_loop=None)

    _events, dispatcher = run(ActionFindServiceCentre(), tracker)

    assert render(dispatcher.messages) == [
        "抱歉，没有找到“火星”这个城市的信息。请告诉我城市名称，例如“深圳”“成都”。"
    ]


def test_unknown_price_model_is_said_in_a_sentence(render, run, make_tracker):
    tracker = make_tracker({"price_asked": True}, "小米14", "inform", active_loop=None)

    _events, dispatcher = run(ActionQuotePrice(), tracker)

    assert render(dispatcher.messages) == [
        "没有找到“小米14”这个型号的价格。请告诉我具体型号，例如“一加 12”“一加 Ace 3”。"
    ]


def test_unknown_device_in_the_intake_is_said_in_a_sentence(render, run, make_tracker):
    tracker = make_tracker(
        {"intake_id": "a" * 32, "fault_description": "屏幕有绿线", "fault_category": "screen"},
        "asdfgh",
        "inform",
        requested_slot="device_model",
    )

    _events, dispatcher = run(ValidateRepairForm(), tracker)

    assert render(dispatcher.messages) == [
        "没有找到“asdfgh”这个型号。请再确认一下，例如：一加 12、一加 13T、一加 Ace 3 Pro。"
    ]
