import re
from pathlib import Path

import pytest
import yaml

from bot.catalog import CATALOG_DIR, PriceQuote, load_catalogue, load_prices
from bot.catalog.loader import CatalogueError

PRICES = load_prices()
DEVICE_IDS = [d.id for d in load_catalogue().devices]
PART_IDS = ["screen", "battery", "charging_port", "back_cover", "camera"]
RANGES = {
    "screen": (500, 1600),
    "battery": (149, 299),
    "charging_port": (99, 199),
    "back_cover": (129, 399),
    "camera": (199, 799),
}


# --------------------------------------------------------------------------- shipped data


def test_the_shipped_prices_are_marked_as_sample_reference_prices() -> None:
    text = (CATALOG_DIR / "repair_prices.yml").read_text(encoding="utf-8")
    assert "SAMPLE DATA" in text and "inspection" in text
    assert PRICES.currency == "CNY"
    assert PRICES.labour_yuan == 0


def test_the_parts() -> None:
    assert [p.id for p in PRICES.parts] == PART_IDS
    names = {p.id: p.name for p in PRICES.parts}
    assert names == {
        "screen": "屏幕总成",
        "battery": "电池",
        "charging_port": "充电口（尾插）",
        "back_cover": "后盖",
        "camera": "后置摄像头",
    }


@pytest.mark.parametrize("device_id", DEVICE_IDS)
def test_every_device_has_every_part(device_id: str) -> None:
    quotes = PRICES.quotes_for_device(device_id)
    assert [q.part_id for q in quotes] == PART_IDS
    assert all(q.device_id == device_id for q in quotes)


def test_the_prices_cover_exactly_the_catalogue_devices() -> None:
    assert sorted(PRICES.prices) == sorted(DEVICE_IDS)


@pytest.mark.parametrize("part_id", PART_IDS)
def test_prices_are_in_sensible_ranges(part_id: str) -> None:
    low, high = RANGES[part_id]
    for device_id in DEVICE_IDS:
        quote = PRICES.quote(device_id, part_id)
        assert quote is not None
        assert low <= quote.price_yuan <= high, (device_id, part_id, quote.price_yuan)


def test_flagship_screens_cost_more_than_ace_screens() -> None:
    screens = {d: PRICES.prices[d]["screen"] for d in DEVICE_IDS}
    ace = [p for d, p in screens.items() if "-ace-" in d]
    flagship = [p for d, p in screens.items() if "-ace-" not in d]
    assert ace and flagship
    assert all(900 <= p <= 1600 for p in flagship)
    assert all(500 <= p <= 900 for p in ace)
    assert max(ace) < min(flagship)


def test_a_screen_costs_more_than_a_battery_on_every_device() -> None:
    for device_id, row in PRICES.prices.items():
        assert row["screen"] > row["battery"], device_id


# --------------------------------------------------------------------------- lookups


def test_quote() -> None:
    assert PRICES.quote("oneplus-12", "charging_port") == PriceQuote(
        "oneplus-12",
        "charging_port",
        "充电口（尾插）",
        PRICES.prices["oneplus-12"]["charging_port"],
    )


@pytest.mark.parametrize(
    ("device_id", "part_id"),
    [("oneplus-99", "screen"), ("oneplus-12", "speaker"), ("", "")],
)
def test_quote_for_unknown_ids(device_id: str, part_id: str) -> None:
    assert PRICES.quote(device_id, part_id) is None


def test_quotes_for_an_unknown_device() -> None:
    assert PRICES.quotes_for_device("iphone-15") == []


# --------------------------------------------------------------------------- validation

DEVICES = {
    "devices": [
        {"id": "phone-a", "name": "A", "launch_date": "2024-01-01"},
        {"id": "phone-b", "name": "B", "launch_date": "2024-01-01"},
    ]
}
PARTS = [
    {"id": "screen", "name": "屏幕总成", "keywords": ["屏幕"]},
    {"id": "battery", "name": "电池", "keywords": ["换电池"]},
]
ROW = {"screen": 999, "battery": 199}


def _write(folder: Path, **change: object) -> Path:
    data: dict[str, object] = {
        "currency": "CNY",
        "list_line": "· {part}：{price} 元",
        "parts": PARTS,
        "prices": {"phone-a": dict(ROW), "phone-b": dict(ROW)},
        **change,
    }
    (folder / "devices.yml").write_text(yaml.safe_dump(DEVICES), "utf-8")
    (folder / "repair_prices.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return folder


def test_a_minimal_price_file_loads(tmp_path: Path) -> None:
    prices = load_prices(_write(tmp_path))
    assert prices.quote("phone-b", "battery") == PriceQuote("phone-b", "battery", "电池", 199)
    assert load_prices(str(tmp_path)) is prices


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prices": {"phone-a": ROW}}, "no prices for device(s) phone-b"),
        (
            {"prices": {"phone-a": ROW, "phone-b": ROW, "phone-x": ROW}},
            "unknown device id(s) phone-x",
        ),
        (
            {"prices": {"phone-a": ROW, "phone-b": {"screen": 999}}},
            "prices of 'phone-b': missing part(s) battery",
        ),
        (
            {"prices": {"phone-a": ROW, "phone-b": {**ROW, "speaker": 99}}},
            "prices of 'phone-b': unknown part id(s) speaker",
        ),
        (
            {"prices": {"phone-a": ROW, "phone-b": {**ROW, "screen": 0}}},
            "'phone-b', screen: price must be a positive whole number",
        ),
        (
            {"prices": {"phone-a": ROW, "phone-b": {**ROW, "screen": "999元"}}},
            "price must be a positive whole number",
        ),
        ({"parts": [*PARTS, {"id": "screen", "name": "屏"}]}, "duplicate id 'screen'"),
        ({"parts": []}, "no parts"),
        ({"currency": ""}, "missing 'currency'"),
        ({"list_line": ""}, "missing 'list_line'"),
        ({"labour_yuan": -1}, "labour_yuan must be a whole number"),
    ],
)
def test_a_bad_price_file_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_prices(_write(tmp_path, **change))


def test_errors_are_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_prices(_write(tmp_path, prices={}))
