"""Strict, small XML parsing for WeChat's flat ``<xml>`` documents, and reply rendering."""

from __future__ import annotations

import re
import time
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class MalformedXml(ValueError):
    """A body that is not one of WeChat's ``<xml>`` documents."""


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """Parse a WeChat ``<xml>`` document into its top-level fields.

    Entities and DTDs are refused (xmltodict disables entities), so entity-expansion
    bombs fail fast.

    Raises:
        MalformedXml: not UTF-8, not well-formed, or not ``<xml>`` with child elements.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedXml("not UTF-8") from error
    if not body.strip():
        raise MalformedXml("empty body")
    try:
        document = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as error:
        raise MalformedXml(str(error)) from error
    fields = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise MalformedXml("root element is not <xml> with fields")
    return dict(fields)


def _cdata(value: str) -> str:
    """Wrap ``value`` in CDATA, splitting any ``]]>`` and dropping characters XML forbids."""
    clean = _XML_FORBIDDEN.sub("", value)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text_reply(to_user: str, from_account: str, content: str) -> str:
    """Return a passive text reply (``MsgType`` ``text``) as WeChat expects it."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(from_account)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )
