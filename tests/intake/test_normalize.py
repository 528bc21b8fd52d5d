import pytest

from bot.intake.normalize import (
    chinese_number,
    compact,
    lower_same_length,
    to_arabic,
    to_arabic_with_map,
    to_halfwidth,
    to_halfwidth_with_map,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１３９１２３４５６７８", "13912345678"),
        ("ＯｎｅＰｌｕｓ　１２", "OnePlus 12"),
        ("ＩＭＥＩ：８６", "IMEI:86"),
        ("（１）", "(1)"),
        ("－／．", "-/."),
        ("一加12", "一加12"),
        ("", ""),
        ("abc", "abc"),
    ],
)
def test_to_halfwidth(text: str, expected: str) -> None:
    assert to_halfwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("139-1234-5678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("１３９－１２３４　５６７８", "13912345678"),
        ("2025.03.15", "20250315"),
        ("2025/3/15", "2025315"),
        ("AB_CD\\EF", "ABCDEF"),
        ("86—1234–5678", "8612345678"),
        ("一加 Ace 3", "一加Ace3"),
        ("", ""),
    ],
)
def test_compact(text: str, expected: str) -> None:
    assert compact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("零", 0),
        ("〇", 0),
        ("一", 1),
        ("两", 2),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("一百", 100),
        ("一百零五", 105),
        ("三百五", 350),
        ("两千零二十五", 2025),
        ("两千五", 2500),
        ("二〇二五", 2025),
        ("一九九九", 1999),
        ("一二", 12),
        ("一万", 10000),
        ("三万零一", 30001),
        ("", None),
        ("十十", None),
        ("二三十", None),
        ("百", None),
        ("万", None),
        ("一万万", None),
        ("十二a", None),
        ("12", None),
    ],
)
def test_chinese_number(text: str, expected: int | None) -> None:
    assert chinese_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一加十二", "一加12"),
        ("一加九", "一加9"),
        ("一加ace三", "一加ace3"),
        ("一加十三T", "一加13T"),
        ("一加九Pro", "一加9Pro"),
        ("一加", "一加"),
        ("我的一加手机", "我的一加手机"),
        ("一加一加", "一加一加"),
        ("两台一加十二", "2台一加12"),
        ("一一加二", "1一加2"),
        ("二十三", "23"),
        ("两个月之前", "2个月之前"),
        ("二〇二五年三月", "2025年3月"),
        ("去年十月中旬", "去年10月中旬"),
        ("一年半前", "1年半前"),
        ("双十一", "双11"),
        ("六一八", "618"),
        ("零", "0"),
        ("〇", "0"),
        ("十十", "十十"),
        ("no numerals", "no numerals"),
        ("", ""),
    ],
)
def test_to_arabic(text: str, expected: str) -> None:
    assert to_arabic(text) == expected


def test_to_arabic_with_map_points_back_to_the_numeral() -> None:
    text, spans = to_arabic_with_map("去年十二月")
    assert text == "去年12月"
    assert spans == [(0, 1), (1, 2), (2, 4), (2, 4), (4, 5)]


def test_to_halfwidth_with_map_keeps_one_span_per_character() -> None:
    text, spans = to_halfwidth_with_map("ａ１")
    assert text == "a1"
    assert spans == [(0, 1), (1, 2)]


def test_lower_same_length_keeps_offsets() -> None:
    assert lower_same_length("ABC 一加 Pro") == "abc 一加 pro"
    # "İ".lower() is two characters: it stays as it is, so offsets still match the input
    assert lower_same_length("İ2025年") == "İ2025年"
    assert len(lower_same_length("XİY" * 5)) == 15
