"""Match what the user calls their phone against the device catalogue.

Matching order (the first step that finds something wins):
    1. A catalogue name or alias, or a family name, that starts with the brand
       (``一加12``, ``OnePlus 12``, ``1+12``, ``op12``, ``一加Ace``, ``一加13系列``).
    2. Another brand (``iPhone 15``, ``华为Mate60``) → ``OTHER_BRAND``.
    3. A brand-less alias or family word (``ace3``, ``9pro``, ``ace``).
    4. Common typos fixed (``一家12``, ``pr0``) then steps 1 and 3 again → ``FUZZY``.
    5. rapidfuzz on the letter-and-digit tokens of the text → ``FUZZY`` when one
       device scores at least ``FUZZY_THRESHOLD``, the token has exactly the same
       numbers as the alias and a similar variant suffix (so ``一加12pro`` never becomes
       ``一加 12`` and ``一加13s`` never becomes ``一加 13T``); a tie → ``AMBIGUOUS``.
    6. A family followed by a variant (``一加acepro``) → the family members with that
       variant (``AMBIGUOUS``, or ``FUZZY`` when only one).
    7. Otherwise ``NOT_FOUND``; ``brand`` is the catalogue brand (``一加``) when the text
       names it (``一加8``: a model we do not service) and ``None`` otherwise.

Steps 1 and 3 give ``EXACT`` for one device and ``AMBIGUOUS`` for a family with
several devices (``一加Ace``, ``ace``); a family with a single device (``一加10`` for
the 10 series, which only holds the 10 Pro) gives ``FUZZY`` so the user confirms.

Texts are compared in a key form: half-width, lower-case, Arabic numerals, no spaces
or punctuation, ``oneplus``/``1+``/``op`` spelt as the brand. The longest mention wins
and must not run on into more letters or digits (``一加13`` inside ``一加13t`` does not
count). A number alone (``12``) is ``NOT_FOUND``: pure-digit aliases are never indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

from bot.catalog import Catalogue, Device
from bot.intake.normalize import to_arabic, to_halfwidth

__all__ = [
    "FUZZY_THRESHOLD",
    "TYPO_SCORE",
    "DeviceIndex",
    "DeviceMatch",
    "MatchKind",
    "device_key",
    "match_device",
    "typo_spellings",
]

FUZZY_THRESHOLD = 85.0
TYPO_SCORE = 90.0
EXACT_SCORE = 100.0
_MIN_FUZZY_TOKEN = 4
_VARIANT_THRESHOLD = 66.0

_TYPOS: tuple[tuple[str, str], ...] = (
    ("一家", "一加"),
    ("一佳", "一加"),
    ("一嘉", "一加"),
    ("壹加", "一加"),
    ("依加", "一加"),
    ("亿加", "一加"),
    ("1家", "一加"),
    ("pr0", "pro"),
    ("prp", "pro"),
)
_DROP = re.compile(r"[^0-9a-z+\u4e00-\u9fff]+")
_SERIES = re.compile(r"(?:系列|series)$")
_TOKEN = re.compile(r"(?:一加)?[0-9a-z]+")
_NUMBERS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9a-z]")


class MatchKind(str, Enum):
    """How the text relates to the catalogue."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    AMBIGUOUS = "ambiguous"
    OTHER_BRAND = "other_brand"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class DeviceMatch:
    """Outcome of :func:`match_device`.

    Attributes:
        kind: How the text matched.
        device: The device for ``EXACT`` and ``FUZZY``; ``None`` otherwise.
        candidates: The device for ``EXACT``/``FUZZY``, the choices for ``AMBIGUOUS``,
            empty otherwise.
        brand: The other brand for ``OTHER_BRAND``; the catalogue brand for
            ``NOT_FOUND`` when the text names it; ``None`` otherwise.
        score: 100 for exact matches, the similarity (0–100) for fuzzy ones, 0 if none.
    """

    kind: MatchKind
    device: Device | None = None
    candidates: tuple[Device, ...] = ()
    brand: str | None = None
    score: float = 0.0


def _base_key(text: str, *, fix_typos: bool = False) -> str:
    """Lower-case, half-width, Arabic numerals, no spaces or punctuation."""
    key = to_halfwidth(text).lower()
    if fix_typos:
        for wrong, right in _TYPOS:
            key = key.replace(wrong, right)
    return _DROP.sub("", to_arabic(key))


def _brand_key(base: str, brand: str) -> str:
    """Spell the brand's Latin names and shorthands as the brand itself."""
    key = base.replace("oneplus", brand).replace("1+", brand).replace("1加", brand)
    key = re.sub(r"(?<![a-z])op(?=[0-9]|ace)", brand, key)
    return key.replace("+", "")


def typo_spellings(name: str) -> list[str]:
    """``name`` (lower-cased) misspelt by each known typo it can carry.

    ``"一加12 Pro"`` gives ``"一家12 pro"``, ``"一佳12 pro"``, ... and ``"一加12 pr0"``: the
    device ruler recognises what the matcher's typo step (4.) corrects.
    """
    lower = name.lower()
    return [lower.replace(right, wrong) for wrong, right in _TYPOS if right in lower]


def device_key(text: str, brand: str = "一加", *, fix_typos: bool = False) -> str:
    """Key form of a device name or of user text, as used for matching.

    Args:
        text: A device name, alias or message.
        brand: The catalogue brand that ``oneplus``, ``1+`` and ``op`` stand for.
        fix_typos: Also correct common typos (``一家`` → ``一加``).

    Returns:
        The key, e.g. ``"一加ace3pro"`` for ``"OnePlus Ace 3 Pro"``.
    """
    return _brand_key(_base_key(text, fix_typos=fix_typos), brand)


@dataclass(frozen=True)
class _Entry:
    key: str
    devices: tuple[Device, ...]
    family: bool


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    entry: _Entry


def _bounded(key: str, start: int, end: int) -> bool:
    """Whether ``key[start:end]`` does not run on into other letters or digits."""
    before = key[start - 1] if start else ""
    after = key[end] if end < len(key) else ""
    return not (before and _ALNUM.match(before)) and not (after and _ALNUM.match(after))


def _common_brand(devices: tuple[Device, ...]) -> str:
    """The first word shared by every display name (``一加``)."""
    firsts = {d.name.split()[0] for d in devices if d.name.split()}
    return firsts.pop() if len(firsts) == 1 else "一加"


def _variant(key: str) -> str:
    """Letters after the last number (``pro`` in ``一加9pro``): the model variant."""
    numbers = list(_NUMBERS.finditer(key))
    return key[numbers[-1].end() :] if numbers else ""


def _same_variant(token: str, alias: str) -> bool:
    mine, theirs = _variant(token), _variant(alias)
    if not mine or not theirs:
        return mine == theirs
    return fuzz.ratio(mine, theirs) >= _VARIANT_THRESHOLD


@dataclass(frozen=True)
class DeviceIndex:
    """Alias index of one catalogue; build it once with :meth:`from_catalogue`."""

    brand: str
    devices: tuple[Device, ...]
    branded: tuple[_Entry, ...]
    brandless: tuple[_Entry, ...]
    fuzzy_keys: tuple[tuple[str, Device], ...]
    other_brands: tuple[tuple[str, str], ...]

    @property
    def _brand_key(self) -> str:
        return _base_key(self.brand)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> DeviceIndex:
        """Index every name, alias and family of the catalogue.

        Args:
            catalogue: The loaded catalogue.

        Returns:
            The index.
        """
        brand = _common_brand(catalogue.devices)
        brand_key = _base_key(brand)
        by_key: dict[str, list[Device]] = {}
        raw: dict[tuple[str, str], Device] = {}
        for device in catalogue.devices:
            for name in device.names:
                base = _base_key(name)
                raw[(base, device.id)] = device
                key = _brand_key(base, brand_key)
                if key and not key.isdigit() and device not in by_key.get(key, []):
                    by_key.setdefault(key, []).append(device)
        entries = {key: _Entry(key, tuple(devs), False) for key, devs in by_key.items()}
        families: dict[str, list[Device]] = {}
        for device in catalogue.devices:
            families.setdefault(device.family, []).append(device)
        for family, members in families.items():
            full = device_key(family, brand_key)
            short = _SERIES.sub("", full)
            bare = short.removeprefix(brand_key)
            for key in (full, short, bare):
                if key and not key.isdigit() and key != brand_key and key not in entries:
                    entries[key] = _Entry(key, tuple(members), True)
        ordered = sorted(entries.values(), key=lambda e: -len(e.key))
        return cls(
            brand=brand,
            devices=catalogue.devices,
            branded=tuple(e for e in ordered if e.key.startswith(brand_key)),
            brandless=tuple(e for e in ordered if not e.key.startswith(brand_key)),
            fuzzy_keys=tuple(
                (key, device)
                for key, device in (
                    *((base, dev) for (base, _), dev in raw.items()),
                    *((k, d) for k, devs in by_key.items() for d in devs),
                )
                if len(key) >= _MIN_FUZZY_TOKEN
            ),
            other_brands=tuple((_base_key(b), b) for b in catalogue.other_brands if b.strip()),
        )

    def match(self, text: str) -> DeviceMatch:
        """Match user text against this index; see the module docstring for the rules.

        Args:
            text: The user's message, e.g. ``"我的是一加12"``.

        Returns:
            The match; never raises.
        """
        brand_key = self._brand_key
        key = device_key(text, brand_key)
        found = self._scan(key, self.branded)
        if found is not None:
            return found
        other = self._other_brand(key)
        if other is not None:
            return DeviceMatch(MatchKind.OTHER_BRAND, brand=other, score=EXACT_SCORE)
        found = self._scan(key, self.brandless)
        if found is not None:
            return found
        fixed = device_key(text, brand_key, fix_typos=True)
        if fixed != key:
            found = self._scan(fixed, self.branded) or self._scan(fixed, self.brandless)
            if found is not None:
                if found.kind is MatchKind.EXACT:
                    return DeviceMatch(
                        MatchKind.FUZZY, found.device, found.candidates, score=TYPO_SCORE
                    )
                return found
        fuzzy = self._fuzzy(fixed)
        if fuzzy is not None:
            return fuzzy
        family = self._family_variant(fixed)
        if family is not None:
            return family
        own = self.brand if brand_key in fixed else None
        return DeviceMatch(MatchKind.NOT_FOUND, brand=own)

    def _scan(self, key: str, entries: tuple[_Entry, ...]) -> DeviceMatch | None:
        mentions: list[_Mention] = []
        for entry in entries:
            start = key.find(entry.key)
            while start != -1:
                end = start + len(entry.key)
                if _bounded(key, start, end):
                    mentions.append(_Mention(start, end, entry))
                start = key.find(entry.key, start + 1)
        if not mentions:
            return None
        best = min(mentions, key=lambda m: (-(m.end - m.start), m.start))
        devices = best.entry.devices
        if len(devices) > 1:
            return DeviceMatch(MatchKind.AMBIGUOUS, candidates=devices, score=EXACT_SCORE)
        if best.entry.family:
            # A one-model family ("一加10" for the 10 series): ask the user to confirm.
            return DeviceMatch(MatchKind.FUZZY, devices[0], devices, score=TYPO_SCORE)
        return DeviceMatch(MatchKind.EXACT, devices[0], devices, score=EXACT_SCORE)

    def _family_variant(self, key: str) -> DeviceMatch | None:
        """A family followed by a variant, e.g. ``一加acepro`` → the Ace Pro models."""
        for entry in (*self.branded, *self.brandless):
            if not entry.family:
                continue
            start = key.find(entry.key)
            if start == -1 or (start and _ALNUM.match(key[start - 1])):
                continue
            letters = re.match(r"[a-z]+", key[start + len(entry.key) :])
            if letters is None:
                continue
            members = tuple(
                d
                for d in entry.devices
                if _variant(device_key(d.name, self._brand_key)).startswith(letters.group())
            )
            if len(members) == 1:
                return DeviceMatch(MatchKind.FUZZY, members[0], members, score=TYPO_SCORE)
            if members:
                return DeviceMatch(MatchKind.AMBIGUOUS, candidates=members, score=TYPO_SCORE)
        return None

    def _other_brand(self, key: str) -> str | None:
        hits = [(key.find(k), b) for k, b in self.other_brands if k and k in key]
        return min(hits)[1] if hits else None

    def _fuzzy(self, key: str) -> DeviceMatch | None:
        scores: dict[str, tuple[float, Device]] = {}
        for token in _TOKEN.findall(key):
            if len(token) < _MIN_FUZZY_TOKEN:
                continue
            numbers = _NUMBERS.findall(token)
            for alias, device in self.fuzzy_keys:
                if _NUMBERS.findall(alias) != numbers or not _same_variant(token, alias):
                    continue
                score = float(fuzz.ratio(token, alias))
                if score >= FUZZY_THRESHOLD and score > scores.get(device.id, (0.0,))[0]:
                    scores[device.id] = (score, device)
        if not scores:
            return None
        top = max(score for score, _ in scores.values())
        best = tuple(d for d in self.devices if d.id in scores and scores[d.id][0] == top)
        if len(best) == 1:
            return DeviceMatch(MatchKind.FUZZY, best[0], best, score=top)
        return DeviceMatch(MatchKind.AMBIGUOUS, candidates=best, score=top)


_CACHE: dict[int, tuple[Catalogue, DeviceIndex]] = {}
_CACHE_SIZE = 8


def _index_for(catalogue: Catalogue) -> DeviceIndex:
    cached = _CACHE.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    index = DeviceIndex.from_catalogue(catalogue)
    _CACHE[id(catalogue)] = (catalogue, index)
    return index


def match_device(text: str, catalogue: Catalogue | DeviceIndex) -> DeviceMatch:
    """Match what the user calls their phone against the catalogue.

    Args:
        text: The user's message, e.g. ``"用的一加13t"``.
        catalogue: The catalogue (its index is built once and cached) or a prebuilt index.

    Returns:
        The match: ``EXACT``, ``FUZZY``, ``AMBIGUOUS``, ``OTHER_BRAND`` or ``NOT_FOUND``.
    """
    index = catalogue if isinstance(catalogue, DeviceIndex) else _index_for(catalogue)
    return index.match(text)
