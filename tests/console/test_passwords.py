"""Agent password hashing: format, verification, tampering, policy."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from bot.console import passwords
from bot.console.passwords import (
    check_password_policy,
    hash_password,
    hash_token,
    verify_password,
)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def _replace(stored: str, index: int, value: str) -> str:
    parts = stored.split("$")
    parts[index] = value
    return "$".join(parts)


def _flip(text: str) -> str:
    """Change the first base64 character of ``text`` to another one."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def test_hash_format(stored: str) -> None:
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt, validate=True)) == 16
    expected = hashlib.scrypt(
        PASSWORD.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1, dklen=32
    )
    assert base64.b64decode(key, validate=True) == expected
    assert PASSWORD not in stored
    assert len(stored) <= 255


def test_verify_accepts_the_password_only(stored: str) -> None:
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + " ", stored)
    assert not verify_password(PASSWORD.upper(), stored)
    assert not verify_password("", stored)


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_unicode_passwords() -> None:
    stored = hash_password("售后密码售后密码售后密码")
    assert verify_password("售后密码售后密码售后密码", stored)
    assert not verify_password("售后密码售后密码售后密", stored)


@pytest.mark.parametrize(
    ("index", "change"),
    [
        (5, _flip),  # the hash
        (4, _flip),  # the salt
        (1, lambda _: "8192"),  # cost parameters
        (2, lambda _: "4"),
        (3, lambda _: "2"),
        (0, lambda _: "pbkdf2"),
    ],
)
def test_tampered_hashes_do_not_verify(stored: str, index: int, change: Any) -> None:
    tampered = _replace(stored, index, change(stored.split("$")[index]))
    assert tampered != stored
    assert not verify_password(PASSWORD, tampered)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain-text-password",
        "scrypt$16384$8$1$c2FsdA==",  # a field missing
        "scrypt$16384$8$1$c2FsdA==$aGFzaA==$extra",
        "scrypt$abc$8$1$c2FsdA==$" + "A" * 44,
        "scrypt$16383$8$1$c2FsdA==$" + "A" * 44,  # n not a power of two
        "scrypt$1$8$1$c2FsdA==$" + "A" * 44,
        "scrypt$16384$0$1$c2FsdA==$" + "A" * 44,
        "scrypt$16384$8$0$c2FsdA==$" + "A" * 44,
        "scrypt$-16384$8$1$c2FsdA==$" + "A" * 44,
        "scrypt$16384$8$1$not base64!$" + "A" * 44,
        "scrypt$16384$8$1$c2FsdA==$not-base64",
        "scrypt$16384$8$1$$" + "A" * 44,  # empty salt
        "scrypt$16384$8$1$c2FsdA==$aGFzaA==",  # key too short
        "$2b$12$abcdefghijklmnopqrstuuPn4gAb5b5fWbD3y0vaXGqVjOeY8gZLu",  # bcrypt
    ],
)
def test_malformed_hashes_are_a_mismatch(bad: str) -> None:
    assert verify_password(PASSWORD, bad) is False


def test_non_string_values_are_a_mismatch(stored: str) -> None:
    assert verify_password(PASSWORD, None) is False  # type: ignore[arg-type]
    assert verify_password(None, stored) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "r", "p"),
    [
        (2**30, 8, 1),
        (2**21, 8, 1),
        (2**20, 8, 1),
        (2**17, 8, 1),
        (2**14, 1000, 1),
        (2**14, 8, 1000),
    ],
)
def test_huge_cost_parameters_are_refused_without_work(
    monkeypatch: pytest.MonkeyPatch, n: int, r: int, p: int
) -> None:
    def no_scrypt(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("scrypt must not run for these parameters")

    monkeypatch.setattr(passwords.hashlib, "scrypt", no_scrypt)
    assert verify_password(PASSWORD, f"scrypt${n}${r}${p}$c2FsdA==${'A' * 44}") is False


def test_the_largest_accepted_cost_still_verifies() -> None:
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**16, r=8, p=1, dklen=32, maxmem=2**27)
    stored = f"scrypt$65536$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    assert verify_password(PASSWORD, stored)


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch, stored: str) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = passwords.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    assert verify_password(PASSWORD, stored)
    assert not verify_password("wrong password", stored)
    assert len(calls) == 2


@pytest.mark.parametrize("password", ["", "short", "123456789", "九个字符九个字符九"])
def test_policy_refuses_short_passwords(password: str) -> None:
    with pytest.raises(ValueError, match="at least 10 characters"):
        check_password_policy(password)


@pytest.mark.parametrize("password", ["1234567890", "十个字符十个字符十个", PASSWORD])
def test_policy_accepts_ten_characters_and_more(password: str) -> None:
    assert check_password_policy(password) is None


def test_policy_refuses_non_text() -> None:
    with pytest.raises(ValueError, match="must be text"):
        check_password_policy(12345678901)  # type: ignore[arg-type]


def test_token_hash_is_sha256_hex() -> None:
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
