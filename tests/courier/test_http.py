"""The HTTP adapter against the fake courier: bodies, idempotency, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.courier.http import HttpCourier
from bot.courier.protocol import CourierRefused, CourierUnavailable, PickupOrder
from tests.conftest import free_port
from tests.courier.fake_courier import TOKEN, FakeCourierState

ORDER = PickupOrder(
    reference="R20261203-0001/P1",
    contact_phone="13912345678",
    province="广东省",
    city="深圳市",
    district="南山区",
    street="科苑路15号",
    date=dt.date(2026, 12, 4),
    window_start=dt.time(9),
    window_end=dt.time(11),
)


def _courier(url: str, token: str = TOKEN) -> HttpCourier:
    return HttpCourier(url, token, timeout=2)


def test_book_change_cancel(fake_courier: tuple[str, FakeCourierState]) -> None:
    url, state = fake_courier
    courier = _courier(url)
    order_id = courier.book(ORDER)
    stored = state.orders[order_id]
    assert stored["address"]["district"] == "南山区"
    assert stored["window"] == {"start": "09:00", "end": "11:00"}
    assert stored["date"] == "2026-12-04" and stored["reference"] == ORDER.reference
    assert courier.book(ORDER) == order_id, "a repeated reference is the same order"
    assert len(state.orders) == 1
    later = PickupOrder(
        **{**ORDER.__dict__, "window_start": dt.time(14), "window_end": dt.time(16)}
    )
    courier.change(order_id, later)
    assert state.orders[order_id]["window"] == {"start": "14:00", "end": "16:00"}
    courier.cancel(order_id)
    assert state.orders[order_id]["status"] == "cancelled"
    courier.cancel("SF-unknown")  # gone counts as cancelled


def test_down_wrong_token_and_unreachable_are_retryable(
    fake_courier: tuple[str, FakeCourierState],
) -> None:
    url, state = fake_courier
    with pytest.raises(CourierUnavailable, match="401"):
        _courier(url, token="wrong").book(ORDER)
    state.down = True
    with pytest.raises(CourierUnavailable, match="503"):
        _courier(url).book(ORDER)
    with pytest.raises(CourierUnavailable):
        _courier(f"http://127.0.0.1:{free_port()}").book(ORDER)
    assert state.orders == {}


def test_refusals_are_not_retried(fake_courier: tuple[str, FakeCourierState]) -> None:
    url, state = fake_courier
    state.refuse = True
    with pytest.raises(CourierRefused, match="422 out_of_area"):
        _courier(url).book(ORDER)
    state.refuse = False
    order_id = _courier(url).book(ORDER)
    state.collected.add(order_id)
    with pytest.raises(CourierRefused, match="409"):
        _courier(url).change(order_id, ORDER)
    with pytest.raises(CourierRefused, match="404"):
        _courier(url).change("SF-unknown", ORDER)
