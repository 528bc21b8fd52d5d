"""handoff.yml's agent-tool settings (queue SLA, presence, abandoning, wait) and the estimate."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from bot.catalog.handoff import WaitEstimate, load_handoff_policy, parse_handoff_policy
from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.catalog.wait import handling_seconds, wait_minutes

RAW: dict[str, Any] = yaml.safe_load((CATALOG_DIR / "handoff.yml").read_text(encoding="utf-8"))
SETTINGS = WaitEstimate(default_handling_seconds=300, recent_handoffs=20, min_samples=3)


def test_the_shipped_settings() -> None:
    policy = load_handoff_policy()
    sla = policy.queue_sla
    assert 0 < sla.amber_seconds < sla.red_seconds
    assert (sla.level(0), sla.level(sla.amber_seconds), sla.level(sla.red_seconds)) == (
        "ok",
        "amber",
        "red",
    )
    assert policy.presence_stale_seconds > 0 and policy.abandon_after_minutes > 0
    assert policy.widget_gone_seconds > 0
    assert policy.wait_estimate.default_handling_seconds > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("queue_sla"), "queue_sla is missing"),
        (lambda r: r["queue_sla"].update(red_seconds=60, amber_seconds=60), "above amber"),
        (lambda r: r["queue_sla"].update(amber_seconds="2分钟"), "amber_seconds"),
        (lambda r: r["presence"].update(stale_seconds=0), "presence.stale_seconds"),
        (lambda r: r.pop("presence"), "presence is missing"),
        (lambda r: r.update(abandon_after_minutes=True), "abandon_after_minutes"),
        (lambda r: r.update(widget_gone_seconds=-1), "widget_gone_seconds"),
        (lambda r: r["wait_estimate"].update(default_handling_seconds=0), "default_handling"),
        (lambda r: r["wait_estimate"].pop("min_samples"), "min_samples"),
    ],
)
def test_bad_settings_are_refused(change: Any, message: str) -> None:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_handoff_policy(raw)


def test_handling_time_is_the_median_of_enough_samples_else_the_default() -> None:
    assert handling_seconds([], SETTINGS) == 300
    assert handling_seconds([60, 120], SETTINGS) == 300  # too few
    assert handling_seconds([60, 120, 600], SETTINGS) == 120
    assert handling_seconds([60, 120, 600, -5], SETTINGS) == 120  # negative ignored


@pytest.mark.parametrize(
    ("ahead", "online", "recent", "minutes"),
    [
        (0, 1, [], 5),  # first, one agent, default 300 s
        (1, 1, [], 10),
        (3, 2, [], 10),  # 4 * 300 / 2 = 600 s
        (0, 4, [], 2),  # 300 / 4 = 75 s -> 2 minutes
        (0, 10, [30, 30, 30], 1),  # at least a minute
        (2, 1, [120, 120, 120], 6),
        (0, 0, [], 5),  # nobody counted: as one agent
    ],
)
def test_wait_minutes(ahead: int, online: int, recent: list[float], minutes: int) -> None:
    assert (
        wait_minutes(ahead=ahead, online_agents=online, recent=recent, settings=SETTINGS) == minutes
    )


def test_wait_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        wait_minutes(ahead=-1, online_agents=1, recent=[], settings=SETTINGS)
