import pytest

from bot.catalog import load_catalogue
from bot.nlu.segmenter import (
    catalogue_words,
    get_segmenter,
    normalize_chars,
    read_user_dictionary,
    segment,
    write_user_dictionary,
)


@pytest.fixture(scope="module")
def segmenter():
    return get_segmenter(tuple(catalogue_words(load_catalogue())))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１３９１２３４５６７８", "13912345678"),
        ("ＯｎｅＰｌｕｓ　１２", "OnePlus 12"),
        ("一加12", "一加12"),
        ("屏幕碎了！", "屏幕碎了!"),
    ],
)
def test_normalize_chars_folds_full_width_without_moving_offsets(text, expected):
    folded = normalize_chars(text)
    assert folded == expected
    assert len(folded) == len(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("OnePlus 12 Pro 充不进电", ["OnePlus", "12", "Pro", "充不进电"]),
        ("我的一加12去年三月买的", ["我", "的", "一加12", "去年", "三月", "买", "的"]),
        ("一加Ace3Pro进水了", ["一加Ace3Pro", "进水了"]),
        ("一加ace3pro进水了", ["一加ace3pro", "进水了"]),
        ("想寄修", ["想", "寄修"]),
    ],
)
def test_segment_keeps_catalogue_words_whole_and_drops_whitespace(segmenter, text, words):
    assert [w for w, _, _ in segment(segmenter, text)] == words


def test_segment_offsets_point_into_the_original_text(segmenter):
    text = "ＩＭＥＩ是８６１２３４５６７８９０１２３"
    tokens = segment(segmenter, text)
    assert tokens[-1] == ("861234567890123", 5, 20)
    for word, start, end in tokens:
        assert normalize_chars(text[start:end]) == word


def test_user_dictionary_round_trip(tmp_path):
    words = ["一加12", "一加Ace3Pro", "屏幕碎了"]
    path = write_user_dictionary(words, tmp_path / "dict.txt")
    assert read_user_dictionary(path) == tuple(words)


def test_user_words_do_not_leak_into_the_global_jieba():
    import jieba

    get_segmenter(("一加Ace3Pro",))
    assert "一加Ace3Pro" not in jieba.lcut("一加Ace3Pro")


def test_the_tokenizer_and_the_ruler_share_one_segmenter():
    words = tuple(catalogue_words(load_catalogue()))
    without_spaces = tuple(w for w in words if " " not in w)
    assert len(without_spaces) < len(words)  # the catalogue has spaced names ("OnePlus 12")
    assert get_segmenter(words) is get_segmenter(without_spaces)
