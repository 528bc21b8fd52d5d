"""Password hashing of agent accounts (scrypt, standard library only).

Hashes are self-describing strings, ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, so the
cost parameters can be raised later without breaking stored hashes. Verification
compares in constant time and treats any malformed stored value as a mismatch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

#: Name of the scheme, first field of a stored hash.
SCHEME = "scrypt"
#: scrypt cost parameters of new hashes (CPU/memory cost, block size, parallelism).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
#: Bytes of random salt and of derived key in new hashes.
SALT_BYTES = 16
KEY_BYTES = 32
#: Shortest password accepted for an agent account.
MIN_PASSWORD_LENGTH = 10
#: Limits on stored parameters, so a tampered hash cannot make verification eat memory.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16
_MAX_MEMORY = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * (n + p + 2)
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=memory + 1024 * 1024,
        dklen=length,
    )


def check_password_policy(password: str) -> None:
    """Refuse a password too weak for an agent account.

    Raises:
        ValueError: Not a string, or shorter than :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if not isinstance(password, str):
        raise ValueError("the password must be text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


def hash_password(password: str) -> str:
    """Hash a password with scrypt and a new random salt.

    Args:
        password: The password (any length; the policy is checked separately).

    Returns:
        ``scrypt$16384$8$1$<salt b64>$<hash b64>``.
    """
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$") if isinstance(stored, str) else []
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    if not all(part.isascii() and part.isdigit() for part in parts[1:4]):
        return None
    n, r, p = (int(part) for part in parts[1:4])
    if n < 2 or n > _MAX_N or n & (n - 1) or not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P:
        return None
    if 128 * r * n > _MAX_MEMORY:
        return None
    try:
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except (binascii.Error, ValueError):
        return None
    if not salt or not 16 <= len(key) <= 64:
        return None
    return n, r, p, salt, key


def verify_password(password: str, stored: str) -> bool:
    """Tell whether a password matches a stored hash, in constant time.

    Args:
        password: The password typed.
        stored: A hash made by :func:`hash_password`.

    Returns:
        True on a match; False on a mismatch or when ``stored`` is malformed.
    """
    parsed = _parse(stored)
    if parsed is None or not isinstance(password, str):
        return False
    n, r, p, salt, key = parsed
    try:
        candidate = _derive(password, salt, n, r, p, len(key))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, key)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
