"""The handoff catalogue: working hours, thresholds, handing-over intents and labels."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import yaml

from bot.catalog.handoff import load_handoff_policy, override_hours, parse_handoff_policy
from bot.catalog.loader import CATALOG_DIR, CatalogueError

RAW: dict[str, Any] = yaml.safe_load((CATALOG_DIR / "handoff.yml").read_text(encoding="utf-8"))
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_the_shipped_policy() -> None:
    policy = load_handoff_policy()
    assert policy.hours_text == "9:00–21:00"
    assert policy.fallbacks_in_a_row == 2 and policy.form_failures == 3
    assert "request_human" in policy.intents
    assert policy.label("complaint") == "投诉后要求人工"
    assert policy.label("request_human") == "用户要求人工"
    assert policy.label("something_new") == "something_new"


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 23, 20, 59, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI), False),
        (dt.datetime(2026, 11, 23, 8, 59, tzinfo=SHANGHAI), False),
    ],
)
def test_working_time(moment: dt.datetime, working: bool) -> None:
    assert load_handoff_policy().is_working_time(moment) is working


def test_days_off() -> None:
    raw = copy.deepcopy(RAW)
    raw["working_hours"]["days"] = [1, 2, 3, 4, 5]
    policy = parse_handoff_policy(raw)
    saturday_noon = dt.datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)
    assert not policy.is_working_time(saturday_noon)
    assert policy.is_working_time(saturday_noon - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("working_hours"), "working_hours is missing"),
        (lambda r: r["working_hours"].update(days=[0, 8]), "ISO weekdays"),
        (lambda r: r["working_hours"].update(start="9点"), "HH:MM"),
        (lambda r: r["working_hours"].update(start="22:00"), "before end"),
        (lambda r: r.update(form_failures=0), "form_failures"),
        (lambda r: r.update(fallbacks_in_a_row=True), "fallbacks_in_a_row"),
        (lambda r: r.update(intents={}), "at least one intent"),
        (lambda r: r.update(intents={"Bad Intent": "x"}), "needs a name"),
        (lambda r: r.update(reasons={"complaint": ""}), "needs a name"),
    ],
)
def test_bad_catalogues_are_refused(change: Any, message: str) -> None:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_handoff_policy(raw)
    with pytest.raises(CatalogueError):
        parse_handoff_policy(["not", "a", "mapping"])


def test_hours_can_be_overridden_for_every_day() -> None:
    policy = override_hours(load_handoff_policy(), "00:00-24:00")
    assert policy.days == frozenset(range(1, 8))
    assert policy.hours_text == "0:00–24:00"
    assert policy.is_working_time(dt.datetime(2026, 11, 29, 23, 59, 59, tzinfo=SHANGHAI))
    night = override_hours(load_handoff_policy(), "20:00-23:30")
    assert not night.is_working_time(dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI))
    for bad in ("21:00-09:00", "9-21", "08:00"):
        with pytest.raises(CatalogueError):
            override_hours(load_handoff_policy(), bad)
