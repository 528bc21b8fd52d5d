import datetime as dt

import pytest

from bot.intake.dates import (
    DateError,
    DateParse,
    DatePrecision,
    check_purchase_date,
    find_date_expression,
    parse_date_expression,
)

D = dt.date
DAY = DatePrecision.DAY
MONTH = DatePrecision.MONTH
YEAR = DatePrecision.YEAR
TODAY = D(2026, 11, 22)  # a Sunday

# (text, date, precision); the whole text is the matched expression.
EXPRESSIONS: list[tuple[str, dt.date, DatePrecision]] = [
    # absolute, full dates
    ("2025年3月15日", D(2025, 3, 15), DAY),
    ("2025年3月15号", D(2025, 3, 15), DAY),
    ("2025年03月05日", D(2025, 3, 5), DAY),
    ("2025 年 3 月 15 日", D(2025, 3, 15), DAY),
    ("２０２５年３月１５日", D(2025, 3, 15), DAY),
    ("二〇二五年三月十五日", D(2025, 3, 15), DAY),
    ("2025-03-15", D(2025, 3, 15), DAY),
    ("2025/3/15", D(2025, 3, 15), DAY),
    ("2025.3.15", D(2025, 3, 15), DAY),
    ("20250315", D(2025, 3, 15), DAY),
    ("19991231", D(1999, 12, 31), DAY),
    ("25年3月15日", D(2025, 3, 15), DAY),
    # absolute, month or year
    ("25年3月", D(2025, 3, 1), MONTH),
    ("2025年3月", D(2025, 3, 1), MONTH),
    ("2025年三月", D(2025, 3, 1), MONTH),
    ("二〇二五年三月", D(2025, 3, 1), MONTH),
    ("2025年3月份", D(2025, 3, 1), MONTH),
    ("2025-03", D(2025, 3, 1), MONTH),
    ("2025/3", D(2025, 3, 1), MONTH),
    ("2025.12", D(2025, 12, 1), MONTH),
    ("2025年底", D(2025, 12, 1), MONTH),
    ("2025年初", D(2025, 1, 1), MONTH),
    ("2025年", D(2025, 1, 1), YEAR),
    # relative years
    ("去年三月", D(2025, 3, 1), MONTH),
    ("去年3月份", D(2025, 3, 1), MONTH),
    ("去年3月15号", D(2025, 3, 15), DAY),
    ("今年1月", D(2026, 1, 1), MONTH),
    ("前年年底", D(2024, 12, 1), MONTH),
    ("大前年年底", D(2023, 12, 1), MONTH),
    ("去年年初", D(2025, 1, 1), MONTH),
    ("去年年中", D(2025, 6, 1), MONTH),
    ("去年年底", D(2025, 12, 1), MONTH),
    ("去年年末", D(2025, 12, 1), MONTH),
    ("去年上半年", D(2025, 1, 1), MONTH),
    ("去年下半年", D(2025, 7, 1), MONTH),
    ("去年十月中旬", D(2025, 10, 1), MONTH),
    ("去年", D(2025, 1, 1), YEAR),
    ("前年", D(2024, 1, 1), YEAR),
    ("今年", D(2026, 1, 1), YEAR),
    # relative months
    ("上个月", D(2026, 10, 1), MONTH),
    ("上月", D(2026, 10, 1), MONTH),
    ("上上个月", D(2026, 9, 1), MONTH),
    ("这个月", D(2026, 11, 1), MONTH),
    ("本月", D(2026, 11, 1), MONTH),
    ("三个月前", D(2026, 8, 1), MONTH),
    ("3个月前", D(2026, 8, 1), MONTH),
    ("两个月之前", D(2026, 9, 1), MONTH),
    ("十个月以前", D(2026, 1, 1), MONTH),
    ("一个半月前", D(2026, 10, 1), MONTH),
    ("半个月前", D(2026, 11, 7), DAY),
    ("半年前", D(2026, 5, 1), MONTH),
    ("一年前", D(2025, 11, 1), MONTH),
    ("一年多前", D(2025, 11, 1), MONTH),
    ("一年半前", D(2025, 5, 1), MONTH),
    ("两年前", D(2024, 11, 1), MONTH),
    ("2年之前", D(2024, 11, 1), MONTH),
    # relative days and weeks
    ("上周", D(2026, 11, 15), DAY),
    ("上个星期", D(2026, 11, 15), DAY),
    ("上礼拜", D(2026, 11, 15), DAY),
    ("上上周", D(2026, 11, 8), DAY),
    ("上周三", D(2026, 11, 11), DAY),
    ("上周日", D(2026, 11, 15), DAY),
    ("一周前", D(2026, 11, 15), DAY),
    ("两个星期前", D(2026, 11, 8), DAY),
    ("大前天", D(2026, 11, 19), DAY),
    ("前天", D(2026, 11, 20), DAY),
    ("昨天", D(2026, 11, 21), DAY),
    ("今天", D(2026, 11, 22), DAY),
    ("三天前", D(2026, 11, 19), DAY),
    ("10天之前", D(2026, 11, 12), DAY),
    # festivals
    ("去年双十一", D(2025, 11, 11), DAY),
    ("去年双11", D(2025, 11, 11), DAY),
    ("今年双十一", D(2026, 11, 11), DAY),
    ("双十一", D(2026, 11, 11), DAY),
    ("双十二", D(2025, 12, 12), DAY),
    ("今年618", D(2026, 6, 18), DAY),
    ("去年618", D(2025, 6, 18), DAY),
    ("去年六一八", D(2025, 6, 18), DAY),
    ("618", D(2026, 6, 18), DAY),
    ("去年春节", D(2025, 1, 29), DAY),
    ("春节", D(2026, 2, 17), DAY),
    ("2024年春节", D(2024, 2, 10), DAY),
    ("2018年春节", D(2018, 2, 16), DAY),
    ("去年国庆", D(2025, 10, 1), DAY),
    ("去年国庆节", D(2025, 10, 1), DAY),
    ("去年五一", D(2025, 5, 1), DAY),
    ("今年元旦", D(2026, 1, 1), DAY),
    # no year: most recent past occurrence
    ("3月15号", D(2026, 3, 15), DAY),
    ("3月15日", D(2026, 3, 15), DAY),
    ("三月十五", D(2026, 3, 15), DAY),
    ("11月22日", D(2026, 11, 22), DAY),
    ("11月23日", D(2025, 11, 23), DAY),
    ("2月29日", D(2024, 2, 29), DAY),
    ("3月份", D(2026, 3, 1), MONTH),
    ("12月", D(2025, 12, 1), MONTH),
    ("十月中旬", D(2026, 10, 1), MONTH),
    ("十月底", D(2026, 10, 1), MONTH),
]


@pytest.mark.parametrize(("text", "expected", "precision"), EXPRESSIONS)
def test_parse_date_expression(text: str, expected: dt.date, precision: DatePrecision) -> None:
    assert parse_date_expression(text, TODAY) == DateParse(expected, precision, text.strip())


@pytest.mark.parametrize(("text", "expected", "precision"), EXPRESSIONS)
def test_find_date_expression_alone(text: str, expected: dt.date, precision: DatePrecision) -> None:
    assert find_date_expression(text, TODAY) == DateParse(expected, precision, text.strip())


UNPARSEABLE = [
    "不记得了",
    "很久以前",
    "13912345678",
    "139 1234 5678",
    "861234567890127",
    "R20261122-0007",
    "20261122-0007",
    "asdf",
    "",
    "一加12",
    "2月30日",
    "2025年2月30日",
    "2025年13月",
    "2025.13.1",
    "20251332",
    "1889年",
    "12345678",
    "五一",
    "屏幕碎了",
]


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unparseable(text: str) -> None:
    assert parse_date_expression(text, TODAY) is None
    assert find_date_expression(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected", "precision", "matched"),
    [
        ("我这手机是去年三月买的", D(2025, 3, 1), MONTH, "去年三月"),
        ("大概25年3月份在京东买的", D(2025, 3, 1), MONTH, "25年3月份"),
        ("订单号R20261122-0007，去年双十一买的", D(2025, 11, 11), DAY, "去年双十一"),
        ("电话13912345678，前年年底买的", D(2024, 12, 1), MONTH, "前年年底"),
        ("IMEI 861234567890127 2025年3月15日购买", D(2025, 3, 15), DAY, "2025年3月15日"),
        ("发票上写的是20250315", D(2025, 3, 15), DAY, "20250315"),
        ("3月份买的，三天前坏了", D(2026, 3, 1), MONTH, "3月份"),
        ("我的一加十二是两个月之前入手的", D(2026, 9, 1), MONTH, "两个月之前"),
        ("Bought on ２０２５／３／１５.", D(2025, 3, 15), DAY, "２０２５／３／１５"),
    ],
)
def test_find_date_expression_in_sentence(
    text: str, expected: dt.date, precision: DatePrecision, matched: str
) -> None:
    assert find_date_expression(text, TODAY) == DateParse(expected, precision, matched)


@pytest.mark.parametrize(
    ("text", "expected", "matched"),
    [
        ("去年三月份买的", D(2025, 3, 1), "去年三月份"),
        ("大概是去年年底吧", D(2025, 12, 1), "去年年底"),
        ("我这手机是去年三月买的", D(2025, 3, 1), "去年三月"),
        ("  2025-03-15。", D(2025, 3, 15), "2025-03-15"),
        ("半年前左右", D(2026, 5, 1), "半年前"),
    ],
)
def test_parse_date_expression_accepts_filler(text: str, expected: dt.date, matched: str) -> None:
    result = parse_date_expression(text, TODAY)
    assert result is not None
    assert (result.date, result.matched) == (expected, matched)


@pytest.mark.parametrize(
    "text",
    ["大概25年3月份在京东买的", "我的订单号是123，去年买的", "3月份买的，三天前坏了"],
)
def test_parse_date_expression_refuses_other_words(text: str) -> None:
    assert parse_date_expression(text, TODAY) is None
    assert find_date_expression(text, TODAY) is not None


@pytest.mark.parametrize(
    ("today", "text", "expected", "precision"),
    [
        # early January: most things are last year
        (D(2026, 1, 5), "上个月", D(2025, 12, 1), MONTH),
        (D(2026, 1, 5), "上上个月", D(2025, 11, 1), MONTH),
        (D(2026, 1, 5), "12月", D(2025, 12, 1), MONTH),
        (D(2026, 1, 5), "1月", D(2026, 1, 1), MONTH),
        (D(2026, 1, 5), "3月15日", D(2025, 3, 15), DAY),
        (D(2026, 1, 5), "双十二", D(2025, 12, 12), DAY),
        (D(2026, 1, 5), "双十一", D(2025, 11, 11), DAY),
        (D(2026, 1, 5), "春节", D(2025, 1, 29), DAY),
        (D(2026, 1, 5), "上周", D(2025, 12, 29), DAY),
        (D(2026, 1, 5), "三天前", D(2026, 1, 2), DAY),
        (D(2026, 1, 5), "三个月前", D(2025, 10, 1), MONTH),
        (D(2026, 1, 5), "去年年底", D(2025, 12, 1), MONTH),
        (D(2026, 1, 5), "今年双十一", D(2026, 11, 11), DAY),
        (D(2026, 1, 5), "2026年1月", D(2026, 1, 1), MONTH),
        # new year's eve
        (D(2025, 12, 31), "今年双十二", D(2025, 12, 12), DAY),
        (D(2025, 12, 31), "12月31日", D(2025, 12, 31), DAY),
        (D(2025, 12, 31), "上个月", D(2025, 11, 1), MONTH),
        # new year's day
        (D(2026, 1, 1), "昨天", D(2025, 12, 31), DAY),
        (D(2026, 1, 1), "去年", D(2025, 1, 1), YEAR),
        (D(2026, 1, 1), "一周前", D(2025, 12, 25), DAY),
        # month-end clamping
        (D(2026, 3, 31), "一个月前", D(2026, 2, 1), MONTH),
        (D(2024, 2, 29), "一年前", D(2023, 2, 1), MONTH),
        # Spring Festival day itself
        (D(2026, 2, 17), "春节", D(2026, 2, 17), DAY),
        (D(2026, 2, 16), "春节", D(2025, 1, 29), DAY),
        # beyond the 2030 of the former table, and beyond the lunar calendar (2100)
        (D(2031, 6, 1), "今年春节", D(2031, 1, 23), DAY),
        (D(2033, 3, 1), "春节", D(2033, 1, 31), DAY),
        (D(2100, 12, 1), "明年春节", D(2101, 2, 1), MONTH),
        # two-digit year of the last century
        (D(2026, 1, 5), "99年3月", D(1999, 3, 1), MONTH),
    ],
)
def test_parse_around_year_boundaries(
    today: dt.date, text: str, expected: dt.date, precision: DatePrecision
) -> None:
    result = parse_date_expression(text, today)
    assert result is not None
    assert (result.date, result.precision) == (expected, precision)


def test_at_least_sixty_expressions_are_tested() -> None:
    assert len(EXPRESSIONS) + len(UNPARSEABLE) >= 60


LAUNCH = D(2023, 12, 5)


@pytest.mark.parametrize(
    ("value", "precision", "launch", "expected"),
    [
        (D(2025, 3, 15), DAY, LAUNCH, None),
        (TODAY, DAY, LAUNCH, None),
        (D(2026, 11, 23), DAY, LAUNCH, DateError.FUTURE),
        (D(2026, 11, 1), MONTH, LAUNCH, None),
        (D(2026, 12, 1), MONTH, LAUNCH, DateError.FUTURE),
        (D(2026, 1, 1), YEAR, LAUNCH, None),
        (D(2027, 1, 1), YEAR, LAUNCH, DateError.FUTURE),
        (LAUNCH, DAY, LAUNCH, None),
        (D(2023, 12, 4), DAY, LAUNCH, DateError.BEFORE_LAUNCH),
        (D(2023, 12, 1), MONTH, LAUNCH, None),
        (D(2023, 11, 1), MONTH, LAUNCH, DateError.BEFORE_LAUNCH),
        (D(2023, 1, 1), YEAR, LAUNCH, None),
        (D(2022, 1, 1), YEAR, LAUNCH, DateError.BEFORE_LAUNCH),
        (D(2016, 11, 22), DAY, None, None),
        (D(2016, 11, 21), DAY, None, DateError.TOO_OLD),
        (D(2010, 1, 1), DAY, D(2009, 1, 1), DateError.TOO_OLD),
        (D(2010, 1, 1), DAY, LAUNCH, DateError.BEFORE_LAUNCH),
        (D(2030, 1, 1), DAY, LAUNCH, DateError.FUTURE),
    ],
)
def test_check_purchase_date(
    value: dt.date, precision: DatePrecision, launch: dt.date | None, expected: DateError | None
) -> None:
    assert check_purchase_date(value, today=TODAY, launch_date=launch, precision=precision) == (
        expected
    )


@pytest.mark.parametrize(("precision", "expected"), [("month", None), ("day", DateError.FUTURE)])
def test_check_purchase_date_accepts_precision_strings(
    precision: str, expected: DateError | None
) -> None:
    value = D(2026, 11, 30)
    assert check_purchase_date(value, today=TODAY, launch_date=None, precision=precision) == (
        expected
    )


def test_check_purchase_date_age_limit_can_be_disabled() -> None:
    old = D(2000, 1, 1)
    assert check_purchase_date(old, today=TODAY, launch_date=None, max_age_years=None) is None


@pytest.mark.parametrize(
    "text",
    [
        "\r\n静安区6294980668682654V5CJ1M2DVBAGİ",  # found by make bench-fuzz
        "İ2025年3月15日",
        "2025年3月İ",
    ],
)
def test_characters_that_lower_case_to_two_do_not_break_parsing(text: str) -> None:
    parse_date_expression(text, TODAY)
    found = find_date_expression(text, TODAY)
    if "2025年3月" in text:
        assert found is not None and found.date.year == 2025
