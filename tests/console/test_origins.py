"""Parsing origins and telling the console's own origin from others."""

from __future__ import annotations

import pytest

from bot.console.origins import Origin, is_own_origin, parse_allowed_origins, parse_origin


def test_parse_origin() -> None:
    assert parse_origin("https://Admin.Example") == Origin("https", "admin.example", 443)
    assert parse_origin("http://127.0.0.1:5005") == Origin("http", "127.0.0.1", 5005)
    assert parse_origin("http://[::1]:8080") == Origin("http", "::1", 8080)
    assert str(Origin("https", "admin.example", 443)) == "https://admin.example"
    assert str(Origin("http", "::1", 8080)) == "http://[::1]:8080"
    for bad in (
        "null",
        "",
        "ftp://x",
        "https://",
        "https://u:p@host",
        "https://h/path",
        "https://h?q",
        "https://h:99999",
        "https://例子.cn",
        "x" * 400,
    ):
        assert parse_origin(bad) is None, bad


def test_allowed_origins_setting() -> None:
    assert parse_allowed_origins("") == frozenset()
    assert parse_allowed_origins("https://a.example, http://10.0.0.5:8080 https://a.example/") == {
        Origin("https", "a.example", 443),
        Origin("http", "10.0.0.5", 8080),
    }
    for bad in ("a.example", "https://a.example/console", "null"):
        with pytest.raises(ValueError, match="CONSOLE_ALLOWED_ORIGINS"):
            parse_allowed_origins(bad)


def test_own_origin() -> None:
    origin = parse_origin("https://console.example")
    assert origin is not None
    assert is_own_origin(origin, "console.example", "https")
    assert is_own_origin(origin, "Console.Example", "http")  # TLS ended by an unknown proxy
    assert is_own_origin(origin, "console.example:443", "https")
    assert not is_own_origin(origin, "console.example:8443", "https")
    assert not is_own_origin(origin, "www.example", "https")
    plain = parse_origin("http://console.example")
    assert plain is not None and not is_own_origin(plain, "console.example", "https")
    local = parse_origin("http://127.0.0.1:5005")
    assert local is not None and is_own_origin(local, "127.0.0.1:5005", "http")
    assert not is_own_origin(local, "127.0.0.1:5006", "http")
    assert not is_own_origin(local, "127.0.0.1", "http")
    assert not is_own_origin(local, "", "http") and not is_own_origin(local, "[bad", "http")
