"""The paraphrase checker, and the held-out paraphrases checked against the training data."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.trainer import paths
from bot.trainer.nlu_files import Example, load_examples, normalise, read_examples
from bot.trainer.paraphrases import (
    FUNCTION_WORDS,
    PARAPHRASES,
    ParaphraseChecker,
    content_bigrams,
    content_runs,
    content_words,
    default_segmenter,
    is_function_word,
    load_checker,
    main,
)


class SpaceSegmenter:
    """Words are what the test writes between spaces (and each space is a token)."""

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\s+|[^\s]+", text)]


SPACES = SpaceSegmenter()


def example(intent: str, text: str, name: str = "faq.yml") -> Example:
    return Example(intent, text, text, Path(name))


@pytest.fixture(scope="module")
def jieba() -> Any:
    return default_segmenter()


@pytest.fixture(scope="module")
def checker() -> ParaphraseChecker:
    return load_checker()


# Function words


@pytest.mark.parametrize("word", ["的", "了", "吗", "我", "您", "是", "在", "有", "怎么", "什么"])
def test_particles_pronouns_and_auxiliaries_are_function_words(word: str) -> None:
    assert word in FUNCTION_WORDS
    assert is_function_word(word)


@pytest.mark.parametrize("word", ["我要", "不了", "有没有", "是不是", "还是", "不要", "我的"])
def test_a_word_of_function_characters_only_is_a_function_word(word: str) -> None:
    assert word not in FUNCTION_WORDS
    assert is_function_word(word)


@pytest.mark.parametrize("word", ["，", "!", "？", "…", " ", "~", "～", "+"])
def test_punctuation_and_space_are_not_content(word: str) -> None:
    assert is_function_word(word)


@pytest.mark.parametrize("word", ["手机", "修", "一加", "多少", "多久", "有人", "在家", "到", "👋"])
def test_topic_words_and_question_topics_are_content(word: str) -> None:
    assert not is_function_word(word)


def test_the_function_word_list_stays_small() -> None:
    assert len(FUNCTION_WORDS) < 90


# Content words, runs and bigrams


def test_runs_are_broken_by_function_words_and_punctuation() -> None:
    text = "我 的 屏幕 碎 了 ， 想 换 新 屏"
    assert content_runs(SPACES, text) == [["屏幕", "碎"], ["换", "新", "屏"]]
    assert content_words(SPACES, text) == {"屏幕", "碎", "换", "新", "屏"}


def test_bigrams_cross_adjacent_content_words_but_not_function_words() -> None:
    assert content_bigrams(SPACES, "保修 期 多久") == {"保修", "修期", "期多", "多久"}
    # 电量 / 电池 share only 电, next to a function word: no bigram in common.
    assert content_bigrams(SPACES, "我 的 电量") == {"电量"}
    assert content_bigrams(SPACES, "我 的 电池").isdisjoint(content_bigrams(SPACES, "我 的 电量"))


def test_a_one_character_run_has_no_bigram() -> None:
    assert content_bigrams(SPACES, "修 吗") == set()
    assert content_words(SPACES, "修 吗") == {"修"}


def test_text_is_folded_to_half_width_and_lower_case() -> None:
    assert content_words(SPACES, "ＷＩＦＩ 连 不上") == content_words(SPACES, "wifi 连 不上")
    assert "wifi" in content_words(SPACES, "WiFi")


def test_latin_letters_and_digits_make_no_bigrams() -> None:
    assert content_bigrams(SPACES, "hello") == set()
    assert content_bigrams(SPACES, "5g 信号") == {"信号"}
    assert content_bigrams(SPACES, "op12 屏幕") == {"屏幕"}


def test_only_function_words_have_no_content(jieba: Any) -> None:
    assert content_runs(jieba, "在吗？在不在") == []
    assert content_words(jieba, "你们是不是") == set()


def test_the_project_segmenter_keeps_catalogue_words_whole(jieba: Any) -> None:
    assert "一加12" in content_words(jieba, "我的一加12坏了")


# The checker


def test_a_shared_content_word_fails_and_names_the_example() -> None:
    checker = ParaphraseChecker([example("faq/hotline", "客服 电话 多少")], SPACES)
    verdict = checker.check("faq/hotline", "你们 的 电话 给 一下")
    assert not verdict.passed
    (overlap,) = verdict.overlaps
    assert overlap.example.text == "客服 电话 多少"
    assert overlap.words == ("电话",)
    assert overlap.bigrams == ("电话",)
    explained = verdict.explain()
    assert "客服 电话 多少" in explained and "faq.yml" in explained
    assert "word 电话" in explained and "bigram 电话" in explained


def test_a_word_jieba_cuts_differently_is_caught_by_its_bigram() -> None:
    checker = ParaphraseChecker([example("ask_warranty", "保修 多久")], SPACES)
    verdict = checker.check("ask_warranty", "保修期 还 剩 几天")
    assert not verdict.passed
    assert verdict.overlaps[0].words == ()
    assert verdict.overlaps[0].bigrams == ("保修",)


def test_function_words_may_be_shared() -> None:
    checker = ParaphraseChecker([example("greet", "你 在 吗")], SPACES)
    assert checker.check("greet", "午安 ， 你 在 吗").passed


def test_only_the_same_label_is_compared() -> None:
    training = [example("fault_screen", "屏幕 碎 了"), example("ask_price", "换 屏幕 多少钱")]
    checker = ParaphraseChecker(training, SPACES)
    verdict = checker.check("ask_price", "屏幕 碎 了 换 一块")
    assert [o.example.intent for o in verdict.overlaps] == ["ask_price"]
    assert checker.check("fault_screen", "面板 裂 了").passed
    assert checker.labels == {"fault_screen", "ask_price"}


def test_faq_keys_are_labels_of_their_own() -> None:
    training = [example("faq/hotline", "热线 电话"), example("faq/accessories", "原装 充电器")]
    checker = ParaphraseChecker(training, SPACES)
    assert checker.check("faq/hotline", "原装 充电器").passed
    assert not checker.check("faq/accessories", "原装 充电器").passed


def test_every_overlapping_example_is_listed_in_training_order() -> None:
    training = [
        example("cancel", "取消 工单"),
        example("cancel", "不 修 了"),
        example("cancel", "工单 作废"),
    ]
    verdict = ParaphraseChecker(training, SPACES).check("cancel", "工单 不要 了")
    assert [o.example.text for o in verdict.overlaps] == ["取消 工单", "工单 作废"]


def test_an_unknown_label_fails() -> None:
    checker = ParaphraseChecker([example("greet", "你好")], SPACES)
    verdict = checker.check("greeting", "午安")
    assert not verdict.passed and not verdict.known_label
    assert "no training example has this label" in verdict.explain()


def test_a_text_of_function_words_only_fails() -> None:
    checker = ParaphraseChecker([example("greet", "你好")], SPACES)
    verdict = checker.check("greet", "在 吗")
    assert not verdict.passed and not verdict.has_content and not verdict.overlaps
    assert "only function words" in verdict.explain()


def test_check_examples_keeps_the_order() -> None:
    checker = ParaphraseChecker([example("greet", "你好")], SPACES)
    verdicts = checker.check_examples([example("greet", "午安"), example("greet", "你好 呀")])
    assert [v.passed for v in verdicts] == [True, False]


# The command line, on the real training data


def test_command_line_checks_candidates_of_a_label(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--label", "ask_price", "多少钱"]) == 1
    out, err = capsys.readouterr()
    assert "ask_price “多少钱” shares wording" in out
    assert err.strip() == "0 of 1 pass"
    assert main(["--label", "ask_price", "龘龘"]) == 0
    capsys.readouterr()
    assert main(["--label", "greet", "[在吗](device_model)"]) == 1  # annotations removed
    assert "greet “在吗”: only function words" in capsys.readouterr().out


def test_command_line_checks_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "candidates.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: faq/hotline\n  examples: |\n'
        "    - 热线电话是多少\n    - 龘龘\n- intent: no_such_intent\n  examples: |\n"
        "    - 龘龘\n",
        encoding="utf-8",
    )
    assert main(["--file", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "faq/hotline “热线电话是多少”" in out
    assert "no_such_intent “龘龘”: no training example has this label" in out
    assert err.strip() == "1 of 3 pass"


# The held-out paraphrases


def paraphrases() -> list[Example]:
    return read_examples(PARAPHRASES)


def test_every_paraphrase_shares_no_wording_with_its_labels_training_examples(
    checker: ParaphraseChecker,
) -> None:
    failed = [v.explain() for v in checker.check_examples(paraphrases()) if not v.passed]
    assert not failed, (
        f"{len(failed)} paraphrase(s) in {PARAPHRASES.name} share wording with the training "
        "data; rewrite them (python -m bot.trainer.paraphrases):\n" + "\n".join(failed)
    )


def test_no_paraphrase_is_a_training_or_heldout_sentence() -> None:
    known = {
        normalise(e.text): e
        for e in [*load_examples([paths.DATA_DIR / "nlu"]), *read_examples(paths.HELDOUT)]
    }
    leaked = [
        f"“{e.text}” is also “{known[normalise(e.text)].text}” in "
        f"{known[normalise(e.text)].path.name}"
        for e in paraphrases()
        if normalise(e.text) in known
    ]
    assert not leaked, "\n".join(leaked)
    counts = Counter(normalise(e.text) for e in paraphrases())
    assert [key for key, n in counts.items() if n > 1] == []


def test_the_paraphrases_cover_what_owners_ask() -> None:
    examples = paraphrases()
    assert 80 <= len(examples) <= 120
    per_label = Counter(e.intent for e in examples)
    training = {e.intent for e in load_examples([paths.DATA_DIR / "nlu"])}
    # Every fault and every FAQ key, as the training data has them today.
    wanted = {label for label in training if label.startswith(("fault_", "faq/"))}
    wanted |= {
        "request_repair",
        "ask_warranty",
        "check_repair_status",
        "find_service_center",
        "ask_price",
        "cancel",
        "request_human",
        "greet",
        "goodbye",
        "thank",
    }
    assert wanted - set(per_label) == set()
    assert min(per_label.values()) >= 2


def test_rasa_reads_the_paraphrases_like_the_heldout_split() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    messages = load_data(str(PARAPHRASES)).intent_examples
    assert len(messages) == len(paraphrases())
    faq = [m for m in messages if m.get("intent") == "faq"]
    assert faq and all(str(m.get("intent_response_key")).startswith("faq/") for m in faq)
