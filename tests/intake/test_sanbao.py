"""三包 rules (bot/intake/sanbao.py) and their catalogue (bot/catalog/sanbao.py, sanbao.yml)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import Fault, load_catalogue
from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.catalog.sanbao import REMEDY_IDS, SanbaoPart, check_sanbao, load_sanbao, parse_sanbao
from bot.intake.sanbao import SanbaoPeriod, assess_sanbao, remedy_named, repair_months
from bot.tickets.draft import REMEDIES

D = dt.date
TODAY = D(2026, 12, 3)
SANBAO = load_sanbao()
CATALOGUE = load_catalogue()
MAIN = SANBAO.main_unit
SCREEN = CATALOGUE.fault("screen")
WATER = CATALOGUE.fault("water_damage")
assert SCREEN is not None and WATER is not None
NOT_COVERED = Fault("accessory", "配件", False, None, (), ())
ALL = ("return", "exchange", "repair")


def _assess(
    start: dt.date | None,
    *,
    exact: bool = True,
    part: SanbaoPart = MAIN,
    fault: Fault = SCREEN,
    damage: Any = None,
    months: int = 24,
) -> Any:
    return assess_sanbao(
        start=start,
        exact=exact,
        today=TODAY,
        part=part,
        device_warranty_months=months,
        fault=fault,
        damage=damage,
    )


def test_the_shipped_catalogue() -> None:
    assert (SANBAO.return_days, SANBAO.exchange_days) == (7, 15)
    periods = {p.id: p.repair_months for p in SANBAO.parts}
    assert periods == {
        "main_unit": 12,
        "battery": 6,
        "charger": 12,
        "data_cable": 3,
        "earphones": 3,
    }
    assert [r.name for r in SANBAO.remedies] == ["退货", "换货", "维修"]
    assert SANBAO.part_for_fault("battery") is MAIN  # a built-in battery is the phone's
    assert SANBAO.part_for_fault(None) is MAIN


def test_remedy_ids_are_the_ticket_columns_values() -> None:
    assert REMEDY_IDS == REMEDIES


@pytest.mark.parametrize(
    ("days_ago", "period", "remedies"),
    [
        (0, SanbaoPeriod.RETURN, ALL),
        (7, SanbaoPeriod.RETURN, ALL),  # bought on the 26th: the 3rd is day 7
        (8, SanbaoPeriod.EXCHANGE, ("exchange", "repair")),
        (15, SanbaoPeriod.EXCHANGE, ("exchange", "repair")),
        (16, SanbaoPeriod.REPAIR, ("repair",)),
        (700, SanbaoPeriod.REPAIR, ("repair",)),  # the brand's 24 months
        (800, SanbaoPeriod.EXPIRED, ()),
    ],
)
def test_periods_of_the_main_unit(
    days_ago: int, period: SanbaoPeriod, remedies: tuple[str, ...]
) -> None:
    result = _assess(TODAY - dt.timedelta(days=days_ago))
    assert (result.period, result.remedies, result.days) == (period, remedies, days_ago)
    assert result.has_choice is (len(remedies) > 1)


def test_the_main_unit_keeps_the_national_year_when_the_brand_gives_less() -> None:
    start = D(2026, 3, 1)
    assert _assess(start, months=6).period is SanbaoPeriod.REPAIR
    assert _assess(start, months=6).repair_until == D(2027, 2, 28)
    assert _assess(D(2025, 11, 1), months=6).period is SanbaoPeriod.EXPIRED


def test_an_accessory_has_its_own_period_and_no_return() -> None:
    battery = SANBAO.part("battery")
    assert battery is not None
    assert _assess(TODAY - dt.timedelta(days=3), part=battery).remedies == ("exchange", "repair")
    bought = D(2026, 6, 3)  # 6 months: covered through 2026-12-02
    result = _assess(bought, part=battery)
    assert (result.period, result.repair_until) == (SanbaoPeriod.EXPIRED, D(2026, 12, 2))
    longer = dataclasses.replace(battery, brand_months=12)
    assert _assess(bought, part=longer).period is SanbaoPeriod.REPAIR
    assert repair_months(longer, 24) == 12  # the phone's months are the main unit's only


@pytest.mark.parametrize(
    ("fault", "damage"),
    [(SCREEN, "physical"), (SCREEN, "liquid"), (WATER, None), (NOT_COVERED, None)],
)
def test_damage_and_uncovered_faults_exclude_every_option(fault: Fault, damage: Any) -> None:
    result = _assess(TODAY - dt.timedelta(days=2), fault=fault, damage=damage)
    assert (result.period, result.remedies) == (SanbaoPeriod.EXCLUDED, ())


def test_a_date_known_only_to_the_month_opens_no_return_or_exchange() -> None:
    result = _assess(D(2026, 12, 1), exact=False)
    assert (result.period, result.remedies) == (SanbaoPeriod.REPAIR, ("repair",))


@pytest.mark.parametrize("start", [None, D(2026, 12, 4)])
def test_an_unknown_or_future_start(start: dt.date | None) -> None:
    result = _assess(start)
    assert (result.period, result.remedies) == (SanbaoPeriod.UNKNOWN_DATE, ())


def _raw() -> dict[str, Any]:
    return yaml.safe_load((CATALOG_DIR / "sanbao.yml").read_text(encoding="utf-8"))


def test_a_trainer_changes_periods_in_yaml_only(tmp_path: Path) -> None:
    raw = _raw()
    raw["return_days"], raw["exchange_days"] = 10, 30
    for part in raw["parts"]:
        if part["id"] == "earphones":
            part["repair_months"] = 6
    raw["fault_parts"] = {"audio": "earphones"}
    (tmp_path / "sanbao.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    changed = load_sanbao(tmp_path)
    earphones = changed.part_for_fault("audio")
    assert (earphones.id, earphones.repair_months) == ("earphones", 6)
    assert _assess(TODAY - dt.timedelta(days=10), part=changed.main_unit).remedies == ALL
    assert _assess(TODAY - dt.timedelta(days=30), part=changed.main_unit).has_choice
    assert _assess(TODAY - dt.timedelta(days=150), part=earphones).period is SanbaoPeriod.REPAIR


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(return_days=-1), "return_days"),
        (lambda r: r.update(exchange_days="15"), "exchange_days"),
        (lambda r: r["parts"].pop(0), "main_unit"),
        (lambda r: r["parts"].append(dict(r["parts"][1])), "twice"),
        (lambda r: r["parts"][1].update(repair_months=0), "parts.battery.repair_months"),
        (lambda r: r["parts"][1].update(name=""), "parts.battery"),
        (lambda r: r.update(fault_parts={"audio": "speaker"}), "fault_parts"),
        (lambda r: r["remedies"].pop("return"), "remedies"),
        (lambda r: r["remedies"]["repair"].update(keywords="维修"), "remedies.repair.keywords"),
        (lambda r: r["parts"][2].update(keywords="充电头"), "parts.charger.keywords"),
    ],
)
def test_a_malformed_catalogue_is_refused(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_sanbao(raw)


def test_make_validate_names_an_unknown_fault_and_a_broken_file(tmp_path: Path) -> None:
    assert check_sanbao() == []
    for name in ("devices.yml", "faults.yml", "service_types.yml"):
        (tmp_path / name).write_text((CATALOG_DIR / name).read_text("utf-8"), "utf-8")
    raw = _raw()
    raw["fault_parts"] = {"earphone_fault": "earphones"}
    (tmp_path / "sanbao.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    assert check_sanbao(tmp_path) == [
        "sanbao.yml: fault_parts names 'earphone_fault', which is not a fault of faults.yml"
    ]
    (tmp_path / "sanbao.yml").write_text("return_days: 7\n", "utf-8")
    assert check_sanbao(tmp_path) == [
        "sanbao.yml: exchange_days must be a whole number from 0 to 365"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("退货", "return"),
        ("那就换货吧", "exchange"),
        ("换新机", "exchange"),
        ("修一下吧", "repair"),
        ("ＥＸＣＨＡＮＧＥ", "exchange"),
        ("不退货，换货", "exchange"),
        ("不要换新", None),
        ("退货还是换货", None),
        ("好的", None),
    ],
)
def test_remedy_named(text: str, expected: str | None) -> None:
    assert remedy_named(text, SANBAO) == expected


@pytest.mark.parametrize(
    ("days_ago", "return_left", "exchange_left"),
    [(0, 7, 15), (2, 5, 13), (7, 0, 8), (10, None, 5), (15, None, 0), (16, None, None)],
)
def test_days_left_of_a_return_and_an_exchange(
    days_ago: int, return_left: int | None, exchange_left: int | None
) -> None:
    result = _assess(TODAY - dt.timedelta(days=days_ago))
    assert (result.days_left("return"), result.days_left("exchange")) == (
        return_left,
        exchange_left,
    )
    assert result.days_left("repair") is None


def test_no_days_left_without_a_date_known_to_the_day() -> None:
    result = _assess(TODAY - dt.timedelta(days=2), exact=False)
    assert result.days_left("return") is None and result.days_left("exchange") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("充电器还在保修吗", "charger"),
        ("充电头坏了保修吗", "charger"),
        ("我的耳机还保修吗", "earphones"),
        ("有线耳机保多久", "earphones"),
        ("充电线还在保修期吗", "data_cable"),
        ("我的手机还在保修吗", None),
        ("充不进电了还保修吗", None),
    ],
)
def test_an_accessory_named_by_its_name_or_a_keyword(text: str, expected: str | None) -> None:
    part = SANBAO.accessory_named(text)
    assert (part.id if part else None) == expected
