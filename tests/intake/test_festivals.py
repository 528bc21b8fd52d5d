import datetime as dt

import pytest

from bot.intake.festivals import SPRING_FESTIVAL, festival_day

D = dt.date
# Published Spring Festival days (the table this module had up to 2030, and after it).
KNOWN = [
    D(2019, 2, 5),
    D(2020, 1, 25),
    D(2021, 2, 12),
    D(2022, 2, 1),
    D(2023, 1, 22),
    D(2024, 2, 10),
    D(2025, 1, 29),
    D(2026, 2, 17),
    D(2027, 2, 6),
    D(2028, 1, 26),
    D(2029, 2, 13),
    D(2030, 2, 3),
    D(2031, 1, 23),
    D(2032, 2, 11),
    D(2033, 1, 31),
]


@pytest.mark.parametrize("day", KNOWN, ids=str)
def test_the_spring_festival_of_a_known_year(day: dt.date) -> None:
    assert SPRING_FESTIVAL[day.year] == day
    assert festival_day("春节", day.year) == festival_day("过年", day.year) == day


def test_every_spring_festival_is_between_21_january_and_20_february() -> None:
    for year, day in SPRING_FESTIVAL.items():
        assert D(year, 1, 21) <= day <= D(year, 2, 20), year


def test_the_calendar_reaches_well_past_next_year() -> None:
    # Purchase dates name years up to next year; fail long before the calendar runs out.
    assert max(SPRING_FESTIVAL) >= dt.date.today().year + 10
    assert min(SPRING_FESTIVAL) <= 1990


def test_a_year_outside_the_calendar_has_no_spring_festival() -> None:
    assert festival_day("春节", max(SPRING_FESTIVAL) + 1) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("双11", D(2030, 11, 11)),
        ("双 12", D(2030, 12, 12)),
        ("618", D(2030, 6, 18)),
        ("国庆节", D(2030, 10, 1)),
        ("元旦", D(2030, 1, 1)),
        ("51", D(2030, 5, 1)),
    ],
)
def test_fixed_festivals(name: str, expected: dt.date) -> None:
    assert festival_day(name, 2030) == expected


def test_an_unknown_festival_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        festival_day("圣诞节", 2030)
