"""Pickup addresses: province / city / district / street, parsed with ``cpca``.

``cpca`` (MIT; the national administrative division codes ship in its wheel, nothing is
downloaded) finds the province, city and district in free Chinese text. It builds its
Aho-Corasick automaton and imports pandas when first imported, so it is imported only when an
address is parsed, never when Rasa or the action server starts.

Pure: no Rasa, SDK or database imports. Problems come back as reason codes; the Chinese text
of each reason is a domain response (``utter_pickup_address_<reason>``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from bot.intake.normalize import to_halfwidth

#: Why an address cannot be used for a pickup.
AddressProblem = Literal["empty", "no_region", "no_district", "no_street", "too_long"]

#: Longest address text accepted (the street column holds 255 characters).
MAX_ADDRESS_CHARS = 200
#: A street part shorter than this cannot lead a courier to a door ("路" alone).
MIN_STREET_CHARS = 3
# cpca's placeholders for the "city" level of municipalities and directly governed counties.
_PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_SPACES = re.compile(r"\s+")
_LEADING_PUNCT = re.compile(r"^[\s,，、:：;；.。-]+")

#: Words of a change request that mean the address changes (else only the time).
_ADDRESS_WORDS = ("地址", "地点", "搬家", "换个地方", "换地方")

_lock = threading.Lock()
_cpca: ModuleType | None = None


@dataclass(frozen=True)
class Address:
    """A checked address, its parts as the national division names them."""

    province: str
    city: str
    district: str
    street: str

    @property
    def text(self) -> str:
        """The whole address in one line, without repeating a municipality's name."""
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.district}{self.street}"


@dataclass(frozen=True)
class AddressResult:
    """An address, or the reason it is not usable."""

    address: Address | None = None
    problem: AddressProblem | None = None

    @property
    def ok(self) -> bool:
        """Whether an address was found."""
        return self.address is not None


def _library() -> ModuleType:
    """Import cpca once, on first use (it loads its data then)."""
    global _cpca
    with _lock:
        if _cpca is None:
            import cpca

            _cpca = cpca
        return _cpca


def _without_districts(adcode: str) -> bool:
    """Whether ``adcode`` is a city that has no districts (东莞, 中山: towns directly)."""
    if len(adcode) != 6 or not adcode.endswith("00") or adcode.endswith("0000"):
        return False
    prefix = adcode[:4]
    divisions: dict[str, Any] = _library().ad_2_addr_dict
    return not any(
        code.startswith(prefix) and code[4:6] != "00" for code in divisions if len(code) >= 6
    )


def mentions_address(text: str) -> bool:
    """Whether a change request is about the address ("取件地址填错了"), not only the time."""
    return any(word in text for word in _ADDRESS_WORDS)


def _clean(text: str) -> str:
    return _SPACES.sub("", to_halfwidth(text))


def parse_address(text: str | None) -> AddressResult:
    """Split a Chinese address into province, city, district and street.

    The province or the city must be written (a district name alone is ambiguous:
    there is a 朝阳区 in Beijing and in Changchun), and a street part (road, number,
    building) must follow the district.

    Args:
        text: The address as the owner wrote it.

    Returns:
        The address, or the problem: ``empty``, ``too_long``, ``no_region`` (neither
        province nor city found), ``no_district``, ``no_street``.
    """
    cleaned = _clean(text or "")
    if not cleaned:
        return AddressResult(problem="empty")
    if len(cleaned) > MAX_ADDRESS_CHARS:
        return AddressResult(problem="too_long")
    frame = _library().transform([cleaned], pos_sensitive=True)
    row: dict[str, Any] = frame.to_dict("records")[0]
    province, city, district = row.get("省"), row.get("市"), row.get("区")
    if not province or (row.get("省_pos", -1) < 0 and row.get("市_pos", -1) < 0):
        return AddressResult(problem="no_region")
    if not district and not _without_districts(str(row.get("adcode") or "")):
        return AddressResult(problem="no_district")
    street = _LEADING_PUNCT.sub("", str(row.get("地址") or ""))
    if len(street) < MIN_STREET_CHARS:
        return AddressResult(problem="no_street")
    city_name = province if not city or city in _PLACEHOLDER_CITIES else str(city)
    return AddressResult(
        address=Address(
            province=str(province),
            city=city_name,
            district=str(district or ""),
            street=street,
        )
    )
