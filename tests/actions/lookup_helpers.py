"""Helpers of the tests of the look-up actions (service centres, prices).

The ``utter_centre`` messages are the centres of the shipped catalogue
(bot/data/catalog/service_centers.yml) as the bot says them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action

from tests.actions.helpers import msg

Runner = Callable[..., tuple[list[dict[str, Any]], Any]]


def lookup_runner(
    run: Runner, make_tracker: Callable[..., Any], action: Action, intent: str, form_slot: str
) -> Runner:
    """A function that runs ``action`` on one user message.

    Args:
        run: The ``run`` fixture.
        make_tracker: The ``make_tracker`` fixture.
        action: The action to run.
        intent: The message's intent unless the call names another.
        form_slot: The slot the repair form asks for when the call gives an ``active_loop``.

    Returns:
        ``runner(text, intent=..., entities=(), active_loop=None, **slots)``, which returns the
        action's events and its dispatcher.
    """

    def _run(
        text: str,
        intent: str = intent,
        entities: tuple[Any, ...] | list[Any] = (),
        active_loop: str | None = None,
        **slots: Any,
    ) -> tuple[list[dict[str, Any]], Any]:
        tracker = make_tracker(
            slots,
            text,
            intent,
            entities=entities,
            active_loop=active_loop,
            requested_slot=form_slot if active_loop else None,
        )
        return run(action, tracker)

    return _run


ZONGFULU = msg(
    "utter_centre",
    name="一加授权服务中心（总府路店）",
    city="成都",
    district="锦江区",
    address="成都市锦江区总府路29号3层305室",
    phone="028-86651234",
    hours="周一至周日 10:00-20:00",
    services="到店维修、上门维修",
)
KEHUABEILU = msg(
    "utter_centre",
    name="一加授权服务中心（科华北路店）",
    city="成都",
    district="武侯区",
    address="成都市武侯区科华北路62号1层106室",
    phone="028-85232345",
    hours="周一至周日 9:30-19:00",
    services="到店维修",
)
KEJIYUAN = msg(
    "utter_centre",
    name="一加授权服务中心（科技园店）",
    city="深圳",
    district="南山区",
    address="深圳市南山区科苑路15号科兴商务楼1层108室",
    phone="0755-86521234",
    hours="周一至周日 9:00-19:00",
    services="到店维修、上门维修",
)
HUAQIANGBEI = msg(
    "utter_centre",
    name="一加授权服务中心（华强北店）",
    city="深圳",
    district="福田区",
    address="深圳市福田区华强北路1019号电子大厦4层416室",
    phone="0755-83262345",
    hours="周一至周日 9:30-19:30",
    services="到店维修",
)
LONGGANG = msg(
    "utter_centre",
    name="一加授权服务中心（龙岗中心城店）",
    city="深圳",
    district="龙岗区",
    address="深圳市龙岗区龙岗大道5008号2层203室",
    phone="0755-28953456",
    hours="周一至周日 10:00-19:00",
    services="到店维修、上门维修",
)
DONGJIEKOU = msg(
    "utter_centre",
    name="一加授权服务中心（东街口店）",
    city="福州",
    district="鼓楼区",
    address="福州市鼓楼区八一七北路88号2层",
    phone="0591-87551234",
    hours="周一至周日 9:30-19:00",
    services="到店维修、上门维修",
)
