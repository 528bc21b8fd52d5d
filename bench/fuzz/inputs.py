"""Hypothesis strategies for what users and clients send: chat text, JSON, bytes, XML.

Text mixes any Unicode with the pieces the parsers look for (digits in every width, Chinese
numerals, date words, separators, ``+86``, names from the catalogues), so that generated
inputs reach deep into the parsers instead of being refused at the first character.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

_PIECES = (
    "0123456789０１２３４５６７８９"
    "零〇一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾"
    "年月日号周天星期半季度上下前后去今明初底末春夏秋冬节"
    " -/.:：+()（）—_,，。、!！?？~～\t\n"
    "分星颗个满意差好评价"
    "IMEISNsn/＃#@"
)
_WORDS = (
    "+86", "0086", "86", "IMEI:", "SN：", "S/N", "串号", "序列号", "手机号", "电话",
    "去年", "前年", "今年", "上个月", "上上个月", "半年前", "三个月前", "两年前", "昨天", "前天",
    "上周", "春节", "国庆", "双十一", "618", "2月29日", "2024年2月30日", "13月", "0月", "9999年",
    "五星", "4分", "10分", "0分", "非常满意", "不满意", "还行", "差评",
    "一加", "OnePlus", "oneplus", "Ace", "Pro", "Nord", "12R", "11", "Turbo", "华为", "iPhone",
    "北京", "上海市", "朝阳区", "浦东", "广东省深圳市南山区", "附近", "维修点", "屏幕", "电池",
    "换屏", "后盖", "多少钱", "进水", "摔了", "\u200b", "\u202e", "\ufeff", "\x00", "\r\n",
    "🙂", "👍🏻", "ｅ", "é", "ǅ", "İ", "ß", "\ufffd",
)  # fmt: skip


def _mobile(prefix: str, second: int, rest: int, sep: str) -> str:
    digits = f"1{second}{rest:09d}"
    return f"{prefix}{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"


def _date(year: int, month: int, day: int, style: int) -> str:
    if style == 0:
        return f"{year}年{month}月{day}日"
    if style == 1:
        return f"{year}-{month:02d}-{day:02d}"
    if style == 2:
        return f"{year}{month:02d}{day:02d}"
    return f"{month}月{day}号"


def shaped_text() -> SearchStrategy[str]:
    """Values shaped like what the parsers accept (phones, IMEIs, serials, dates, tickets)."""
    return st.one_of(
        st.builds(_mobile, st.sampled_from(["", "+86", "0086", "86 ", "+86-"]),
                  st.integers(0, 9), st.integers(0, 10**9 - 1), st.sampled_from(["", " ", "-"])),
        st.integers(10**13, 10**16).map(str),
        st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=6, max_size=22),
        st.builds(_date, st.integers(1900, 2100), st.integers(0, 13), st.integers(0, 32),
                  st.integers(0, 3)),
        st.integers(0, 10**8).map(lambda n: f"R{n:06d}"),
    )  # fmt: skip


def chat_text(extra_words: Iterable[str] = (), *, max_pieces: int = 12) -> SearchStrategy[str]:
    """What a user might type: any Unicode, parser-flavoured pieces, very long runs."""
    words = st.sampled_from(sorted(set(_WORDS) | set(extra_words)))
    piece = st.one_of(
        words,
        shaped_text(),
        st.text(alphabet=_PIECES, max_size=8),
        st.integers(min_value=0, max_value=10**22).map(str),
        st.text(max_size=4),
    )
    return st.one_of(
        st.text(max_size=60),
        st.lists(piece, max_size=max_pieces).map("".join),
        st.lists(piece, max_size=max_pieces).map("".join),
        st.text(alphabet=_PIECES, max_size=40),
        st.text(alphabet=_PIECES, min_size=200, max_size=3000),
    )


def surrogate_text() -> SearchStrategy[str]:
    """Strings with lone surrogates (valid in JSON as an escape, not encodable in UTF-8)."""
    return st.lists(
        st.one_of(st.characters(categories=["Cs"]), st.text(max_size=3)), min_size=1, max_size=6
    ).map("".join)


def any_text(extra_words: Iterable[str] = ()) -> SearchStrategy[str]:
    """Chat text, sometimes with lone surrogates."""
    return st.one_of(chat_text(extra_words), chat_text(extra_words), surrogate_text())


def json_values(max_leaves: int = 12) -> SearchStrategy[Any]:
    """Any JSON value (NaN and infinities included: ``json.dumps`` writes them)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        any_text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(any_text(), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def json_bytes(value: Any) -> bytes:
    """``value`` as the JSON a client sends (surrogates escaped, NaN written as ``NaN``)."""
    return json.dumps(value).encode("ascii")


def garbage_bytes() -> SearchStrategy[bytes]:
    """Raw bodies: random bytes, truncated or broken JSON and XML, huge nesting."""
    return st.one_of(
        st.binary(max_size=300),
        chat_text().map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"{",
                b"[",
                b"null",
                b"{}",
                b"[]",
                b'"x"',
                b"1e999999",
                b"-0",
                b'{"a":' * 2000,
                b"[" * 50000 + b"]" * 50000,
                b"<xml>",
                b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><xml>&a;</xml>",
                b"\xff\xfe\x00<\x00x\x00",
                b"\x00" * 100,
            ]
        ),
    )


def headers_noise() -> SearchStrategy[dict[str, str]]:
    """Extra request headers a client might send (content types, forwarded-for, cookies)."""
    value = st.one_of(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=gbk",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=zz",
                "application/xml",
                "*/*",
                "",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    )
    names = st.sampled_from(["Content-Type", "X-Forwarded-For", "Cookie", "Origin", "Accept"])
    return st.dictionaries(names, value, max_size=3)


def focused_text(words: Iterable[str]) -> SearchStrategy[str]:
    """Chat text in which ``words`` (catalogue names) are frequent, with noise around them."""
    names = st.sampled_from(sorted(set(words)))
    noise = st.text(alphabet=_PIECES, max_size=3)
    return st.one_of(
        chat_text(words),
        st.lists(st.one_of(names, names, noise, st.text(max_size=2)), min_size=1, max_size=5).map(
            "".join
        ),
    )
