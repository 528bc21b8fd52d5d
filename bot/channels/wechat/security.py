"""Signatures and safe-mode (AES) encryption of WeChat webhook traffic.

WeChat signs every request with ``sha1(sorted(token, timestamp, nonce))`` in the query
string; in safe mode the body is ``<xml><Encrypt>...</Encrypt></xml>`` and the query also
carries ``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))``. Signatures are
computed with wechatpy and compared in constant time (wechatpy's own checks use ``!=``).

A signature proves only that WeChat made the URL at ``timestamp``: :func:`is_fresh` refuses
old (replayed) and future timestamps, so a URL seen in a log cannot be used again later.
"""

from __future__ import annotations

import binascii
import hmac
import secrets
import struct
import time

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from bot.channels.wechat.xmlio import MalformedXml, parse_xml


class UndecryptableBody(ValueError):
    """A safe-mode body that is not valid ciphertext for this account."""


def sign(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """Return WeChat's signature of ``token``, ``timestamp``, ``nonce`` and ``extra``."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *extra)
    return str(signer.signature)


def is_valid_signature(token: str, signature: str, timestamp: str, nonce: str, *extra: str) -> bool:
    """Whether ``signature`` is WeChat's signature of the other values, in constant time."""
    if not (signature and timestamp and nonce):
        return False
    expected = sign(token, timestamp, nonce, *extra)
    return hmac.compare_digest(expected.encode(), signature.encode())


def is_fresh(timestamp: str, *, now: float, max_age: float) -> bool:
    """Whether WeChat's ``timestamp`` (Unix seconds) is at most ``max_age`` seconds from ``now``.

    Anything but plain ASCII digits is not fresh.
    """
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now) <= max_age


class SafeMode:
    """Decrypts safe-mode requests and encrypts passive replies for one account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("the EncodingAESKey must be 43 characters")
        try:
            self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)
        except (binascii.Error, AssertionError) as error:
            raise ValueError("the EncodingAESKey is not valid base64 for 32 bytes") from error
        self._token = token

    def encrypted_field(self, body: bytes) -> str:
        """Return the ``Encrypt`` field of a safe-mode body.

        Raises:
            MalformedXml: the body is not ``<xml>`` with an ``Encrypt`` text field.
        """
        fields = parse_xml(body)
        encrypted = fields.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise MalformedXml("no Encrypt field")
        return encrypted

    def has_valid_msg_signature(
        self, msg_signature: str, timestamp: str, nonce: str, encrypted: str
    ) -> bool:
        """Whether ``msg_signature`` signs ``encrypted`` for this account."""
        return is_valid_signature(self._token, msg_signature, timestamp, nonce, encrypted)

    def decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """Return the plain XML inside ``encrypted`` (checked with :meth:`has_valid_msg_signature`).

        Raises:
            UndecryptableBody: not ciphertext of this key, or addressed to another app id.
        """
        try:
            plain = self._crypto.decrypt_message(
                {"Encrypt": encrypted}, msg_signature, timestamp, nonce
            )
        except InvalidSignatureException as error:  # checked before: only if misused
            raise UndecryptableBody("signature mismatch") from error
        except InvalidAppIdException as error:
            raise UndecryptableBody("message for another app id") from error
        except (ValueError, TypeError, IndexError, struct.error, UnicodeDecodeError) as error:
            # bad base64, a length that is not a whole number of AES blocks, bad padding
            raise UndecryptableBody(type(error).__name__) from error
        return str(plain)

    def encrypt(self, reply_xml: str) -> str:
        """Return ``reply_xml`` wrapped as a signed, encrypted passive reply."""
        nonce = secrets.token_hex(8)
        return str(self._crypto.encrypt_message(reply_xml, nonce, str(int(time.time()))))
