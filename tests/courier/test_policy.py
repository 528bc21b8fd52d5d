"""courier.yml: windows offered, labels, checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from bot.catalog.courier import (
    PickupWindow,
    load_courier,
    parse_courier,
    parse_window_key,
    window_key,
)
from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.tickets.models.pickups import PICKUP_STATUSES


def _raw(**overrides: Any) -> dict[str, Any]:
    raw = yaml.safe_load((CATALOG_DIR / "courier.yml").read_text(encoding="utf-8"))
    raw.update(overrides)
    return raw


def test_the_shipped_catalogue_names_every_pickup_status() -> None:
    policy = load_courier()
    assert set(policy.labels.statuses) == set(PICKUP_STATUSES)


def test_offered_windows_skip_past_ones_and_closed_days() -> None:
    policy = parse_courier(
        _raw(days=[1, 2, 3, 4, 5], windows=["09:00-12:00", "14:00-18:00"], days_ahead=3)
    )
    friday_morning = dt.datetime(2026, 12, 4, 8, 30)  # a Friday
    offered = policy.offered(friday_morning)
    assert [w.key for w in offered] == ["2026-12-04 14:00-18:00"]
    thursday_evening = dt.datetime(2026, 12, 3, 20, 0)
    assert [w.key for w in policy.offered(thursday_evening)] == [
        "2026-12-04 09:00-12:00",
        "2026-12-04 14:00-18:00",
    ]
    assert policy.is_offered(offered[0], friday_morning)
    assert not policy.is_offered(
        PickupWindow(dt.date(2026, 12, 5), dt.time(9), dt.time(12)), friday_morning
    )


def test_max_choices_and_labels() -> None:
    policy = parse_courier(_raw(max_choices=2))
    offered = policy.choices(dt.datetime(2026, 12, 3, 6, 0))
    assert len(offered) == 2 and len(policy.offered(dt.datetime(2026, 12, 3, 6, 0))) > 2
    today = dt.date(2026, 12, 3)
    assert policy.describe(offered[0], today) == "今天（周四）09:00–11:00"
    tomorrow = PickupWindow(dt.date(2026, 12, 4), dt.time(9), dt.time(11))
    assert policy.describe(tomorrow, today).startswith("明天（周五）")
    later = PickupWindow(dt.date(2026, 12, 5), dt.time(9), dt.time(11))
    assert policy.describe(later, today).startswith("12月5日（周六）")


def test_window_keys_round_trip() -> None:
    key = window_key(dt.date(2026, 12, 4), dt.time(9), dt.time(11))
    assert key == "2026-12-04 09:00-11:00"
    assert parse_window_key(key) == PickupWindow(dt.date(2026, 12, 4), dt.time(9), dt.time(11))
    for bad in ("", "2026-13-04 09:00-11:00", "2026-12-04 11:00-09:00", "明天上午", None):
        assert parse_window_key(bad) is None


def test_retry_delays_repeat_the_last() -> None:
    policy = parse_courier(_raw(retry_minutes=[1, 10]))
    assert [policy.retry_delay(n).seconds // 60 for n in (1, 2, 3, 9)] == [1, 10, 10, 10]


@pytest.mark.parametrize(
    "overrides",
    [
        {"windows": []},
        {"windows": ["11:00-09:00"]},
        {"windows": ["09:00-12:00", "11:00-13:00"]},
        {"windows": ["9点-11点"]},
        {"days": [0, 8]},
        {"days_ahead": 0},
        {"days_ahead": True},
        {"retry_minutes": [0]},
        {"courier_name": ""},
        {"labels": {"window": "{day}"}},
    ],
)
def test_bad_catalogues_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        parse_courier(_raw(**overrides))


def test_validate_check(tmp_path) -> None:
    from bot.catalog.courier import check_courier

    assert check_courier(PICKUP_STATUSES) == []
    raw = _raw()
    del raw["labels"]["statuses"]["delivered"]
    (tmp_path / "courier.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert check_courier(PICKUP_STATUSES, tmp_path) == [
        "courier.yml: labels.statuses has no name for the pickup status 'delivered'"
    ]
    (tmp_path / "courier.yml").write_text("days_ahead: 99\n", encoding="utf-8")
    assert len(check_courier(PICKUP_STATUSES, tmp_path)) == 1
