import datetime as dt

import pytest

from bot.catalog import Catalogue, Device, load_catalogue
from bot.intake.devices import (
    FUZZY_THRESHOLD,
    DeviceIndex,
    DeviceMatch,
    MatchKind,
    device_key,
    match_device,
    typo_spellings,
)

CATALOGUE = load_catalogue()
ACE_FAMILY = [d.id for d in CATALOGUE.devices if d.family == "一加 Ace 系列"]
ALL_NAMES = [(device.id, name) for device in CATALOGUE.devices for name in device.names]


@pytest.mark.parametrize(("device_id", "name"), ALL_NAMES)
def test_every_catalogue_name_and_alias_resolves_to_its_device(device_id: str, name: str) -> None:
    match = match_device(name, CATALOGUE)
    assert (match.kind, match.device and match.device.id) == (MatchKind.EXACT, device_id)
    assert match.score == 100.0


@pytest.mark.parametrize(("device_id", "name"), ALL_NAMES)
def test_every_alias_resolves_in_a_sentence(device_id: str, name: str) -> None:
    match = match_device(f"我的手机是{name}，屏幕坏了", CATALOGUE)
    assert (match.kind, match.device and match.device.id) == (MatchKind.EXACT, device_id)


@pytest.mark.parametrize(
    ("text", "device_id"),
    [
        ("ONEPLUS 12", "oneplus-12"),
        ("oneplus12", "oneplus-12"),
        ("OnePlus  12", "oneplus-12"),
        ("ＯＮＥＰＬＵＳ　１２", "oneplus-12"),
        ("一加十二", "oneplus-12"),
        ("一加１２", "oneplus-12"),
        ("1+12", "oneplus-12"),
        ("１＋１２", "oneplus-12"),
        ("op12", "oneplus-12"),
        ("OP12", "oneplus-12"),
        ("一加12手机", "oneplus-12"),
        ("我的是一加12", "oneplus-12"),
        ("一加 Ace 3 Pro 的", "oneplus-ace-3-pro"),
        ("用的一加13t", "oneplus-13t"),
        ("一加十三T", "oneplus-13t"),
        ("一加13T", "oneplus-13t"),
        ("一加13", "oneplus-13"),
        ("一加十三", "oneplus-13"),
        ("一加9", "oneplus-9"),
        ("一加九", "oneplus-9"),
        ("一加9 pro", "oneplus-9-pro"),
        ("一加九pro", "oneplus-9-pro"),
        ("一加9r", "oneplus-9r"),
        ("一加9RT", "oneplus-9rt"),
        ("一加ace3", "oneplus-ace-3"),
        ("一加ACE 3", "oneplus-ace-3"),
        ("一加ace三", "oneplus-ace-3"),
        ("一加ace3v", "oneplus-ace-3v"),
        ("ace 5 pro", "oneplus-ace-5-pro"),
        ("Ace2V", "oneplus-ace-2v"),
        ("9pro", "oneplus-9-pro"),
        ("10pro", "oneplus-10-pro"),
        ("一加十五", "oneplus-15"),
        ("一加11,用了两年", "oneplus-11"),
        ("从iPhone换成了一加12", "oneplus-12"),
    ],
)
def test_exact(text: str, device_id: str) -> None:
    match = match_device(text, CATALOGUE)
    assert match.kind is MatchKind.EXACT
    assert match.device is not None and match.device.id == device_id
    assert match.candidates == (match.device,)
    assert match.brand is None
    assert match.score == 100.0


@pytest.mark.parametrize(
    ("text", "device_id", "score"),
    [
        ("一家12", "oneplus-12", 90.0),
        ("一家十三T", "oneplus-13t", 90.0),
        ("壹加12", "oneplus-12", 90.0),
        ("一加Ace3pr0", "oneplus-ace-3-pro", 90.0),
        ("oneplsu 12", "oneplus-12", 88.9),
        ("onepls 13t", "oneplus-13t", 94.7),
        ("oneplus13tt", "oneplus-13t", 90.9),
        ("acee3", "oneplus-ace-3", 88.9),
        ("一加9proo", "oneplus-9-pro", 92.3),
        ("一加10", "oneplus-10-pro", 90.0),
        ("一加15系列", "oneplus-15", 90.0),
    ],
)
def test_fuzzy(text: str, device_id: str, score: float) -> None:
    match = match_device(text, CATALOGUE)
    assert match.kind is MatchKind.FUZZY
    assert match.device is not None and match.device.id == device_id
    assert match.candidates == (match.device,)
    assert match.score == pytest.approx(score, abs=0.1)
    assert match.score >= FUZZY_THRESHOLD


@pytest.mark.parametrize(
    ("text", "candidate_ids"),
    [
        ("一加Ace", ACE_FAMILY),
        ("一加 ace 的", ACE_FAMILY),
        ("ace", ACE_FAMILY),
        ("ACE", ACE_FAMILY),
        ("一加Ace系列", ACE_FAMILY),
        ("一加13系列", ["oneplus-13", "oneplus-13t"]),
        ("一加9系列", ["oneplus-9", "oneplus-9-pro", "oneplus-9r", "oneplus-9rt"]),
        ("一加ace pro", ["oneplus-ace-2-pro", "oneplus-ace-3-pro", "oneplus-ace-5-pro"]),
        ("一加acev", ["oneplus-ace-2v", "oneplus-ace-3v"]),
    ],
)
def test_ambiguous(text: str, candidate_ids: list[str]) -> None:
    match = match_device(text, CATALOGUE)
    assert match.kind is MatchKind.AMBIGUOUS
    assert match.device is None
    assert [d.id for d in match.candidates] == candidate_ids


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("iPhone 15", "iPhone"),
        ("iphone15 pro max", "iPhone"),
        ("苹果15", "苹果"),
        ("华为Mate60", "华为"),
        ("小米14", "小米"),
        ("小米9pro", "小米"),
        ("红米K70", "红米"),
        ("redmi note 13", "Redmi"),
        ("OPPO Find X7", "OPPO"),
        ("vivo X100", "vivo"),
        ("三星S24", "三星"),
        ("荣耀magic6", "荣耀"),
        ("Pixel 8", "Pixel"),
    ],
)
def test_other_brand(text: str, brand: str) -> None:
    assert match_device(text, CATALOGUE) == DeviceMatch(
        MatchKind.OTHER_BRAND, None, (), brand, 100.0
    )


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("一加8", "一加"),
        ("一加 7 Pro", "一加"),
        ("oneplus 8t", "一加"),
        ("一加12pro", "一加"),
        ("一加13s", "一加"),
        ("一加ace6", "一加"),
        ("我换了一加", "一加"),
        ("屏幕碎了", None),
        ("12", None),
        ("asdfgh", None),
        ("acer", None),
        ("replace the screen", None),
        ("", None),
        ("   ", None),
        ("我不知道型号", None),
    ],
)
def test_not_found(text: str, brand: str | None) -> None:
    assert match_device(text, CATALOGUE) == DeviceMatch(MatchKind.NOT_FOUND, None, (), brand, 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OnePlus Ace 3 Pro", "一加ace3pro"),
        ("1+9 Pro", "一加9pro"),
        ("op13t", "一加13t"),
        ("一加十三T", "一加13t"),
        ("一家12", "1家12"),
        ("oppo", "oppo"),
        ("一加 12！", "一加12"),
    ],
)
def test_device_key(text: str, expected: str) -> None:
    assert device_key(text) == expected


def test_device_key_fixes_typos_on_request() -> None:
    assert device_key("一家12", fix_typos=True) == "一加12"
    assert device_key("一佳13", fix_typos=True) == "一加13"


def test_typo_spellings_are_the_typos_the_key_corrects() -> None:
    spellings = typo_spellings("一加12 Pro")
    assert "一家12 pro" in spellings
    assert "一佳12 pro" in spellings
    assert "一加12 pr0" in spellings
    assert all(device_key(s, fix_typos=True) == device_key("一加12 Pro") for s in spellings)
    assert typo_spellings("Ace 3") == []


def test_prebuilt_index_gives_the_same_answers() -> None:
    index = DeviceIndex.from_catalogue(CATALOGUE)
    assert index.brand == "一加"
    for text in ("一加12", "ace", "iPhone 15", "一加8"):
        assert match_device(text, index) == match_device(text, CATALOGUE)
        assert index.match(text) == match_device(text, CATALOGUE)


def _device(device_id: str, name: str, family: str, aliases: tuple[str, ...]) -> Device:
    return Device(device_id, name, family, dt.date(2024, 1, 1), 24, aliases)


def test_index_is_cached_per_catalogue_object() -> None:
    first = Catalogue(
        devices=(_device("x-1", "星辰 1", "星辰 系列", ("星辰1",)),),
        faults=CATALOGUE.faults,
        damage_keywords=CATALOGUE.damage_keywords,
        damage_names=CATALOGUE.damage_names,
    )
    second = Catalogue(
        devices=(_device("x-2", "星辰 2", "星辰 系列", ("星辰2",)),),
        faults=CATALOGUE.faults,
        damage_keywords=CATALOGUE.damage_keywords,
        damage_names=CATALOGUE.damage_names,
    )
    assert match_device("星辰1", first).device == first.devices[0]
    assert match_device("星辰2", second).device == second.devices[0]
    assert match_device("星辰2", first).kind is MatchKind.NOT_FOUND
    assert match_device("一加12", first).kind is MatchKind.NOT_FOUND
