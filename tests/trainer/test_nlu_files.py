"""NLU file helpers: plain text, normalised keys, reading and appending examples."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.trainer import paths
from bot.trainer.nlu_files import (
    DomainNames,
    append_examples,
    intent_block,
    intent_files,
    load_examples,
    normalise,
    plain_text,
    read_domain,
    read_examples,
)

# Comments, an annotated example, and every kind of block that is not an intent.
NLU = """\
version: "3.1"
nlu:
# Screen faults.
- intent: fault_screen
  examples: |
    - 碎屏
    - 我的[一加12](device_model)屏幕碎了，想[寄修](service_type:mail_in)
    # a comment inside the block

# Synonyms are not examples.
- synonym: mail_in
  examples: |
    - 寄修
    - 邮寄
- regex: ticket_no
  examples: |
    - [Rr][0-9]{8}
- lookup: city
  examples: |
    - 北京
- intent: greet
  examples: |
    - 你好
    - 您好
# The end.
"""


@pytest.fixture
def nlu_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(NLU, encoding="utf-8")
    return path


def test_plain_text_strips_annotations() -> None:
    assert plain_text("我的[一加12](device_model)") == "我的一加12"
    assert plain_text("想[寄修](service_type:mail_in)") == "想寄修"
    assert plain_text('[一加12]{"entity": "device_model"}坏了') == "一加12坏了"
    assert plain_text("屏幕[有]坏点") == "屏幕[有]坏点"  # brackets without a label stay


def test_normalise_folds_width_punctuation_and_case() -> None:
    assert normalise("屏幕碎了！") == normalise("屏幕碎了") == "屏幕碎了"
    assert normalise("ＯｎｅＰｌｕｓ　１２？") == normalise("oneplus 12") == "oneplus12"
    assert normalise("[一加12](device_model)坏了。") == normalise("一加12坏了")


def test_normalise_keeps_emoji_only_texts_apart() -> None:
    assert normalise("👍") == "👍"
    assert normalise("👍") != normalise("👎")
    assert normalise("👍 ") == normalise("👍")
    assert normalise("😭😭") != normalise("😭")


def test_read_examples_skips_synonyms_regexes_and_lookups(nlu_file: Path) -> None:
    examples = read_examples(nlu_file)
    assert [(e.intent, e.text) for e in examples] == [
        ("fault_screen", "碎屏"),
        ("fault_screen", "我的一加12屏幕碎了，想寄修"),
        ("greet", "你好"),
        ("greet", "您好"),
    ]
    assert examples[1].raw == "我的[一加12](device_model)屏幕碎了，想[寄修](service_type:mail_in)"
    assert {e.path for e in examples} == {nlu_file}


def test_load_examples_reads_every_file_below_the_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "sub" / "b.yml").write_text(
        "nlu:\n" + intent_block("thank", ["谢谢"]), encoding="utf-8"
    )
    assert [e.text for e in load_examples([tmp_path])][-1] == "谢谢"
    assert len(load_examples([tmp_path])) == 5


def test_append_examples_changes_nothing_else(nlu_file: Path) -> None:
    assert append_examples(nlu_file, "fault_screen", ["屏幕有绿线", "  ", " 花屏了 "]) == 2
    text = nlu_file.read_text(encoding="utf-8")
    expected = NLU.replace(
        "    - 我的[一加12](device_model)屏幕碎了，想[寄修](service_type:mail_in)\n",
        "    - 我的[一加12](device_model)屏幕碎了，想[寄修](service_type:mail_in)\n"
        "    - 屏幕有绿线\n"
        "    - 花屏了\n",
    )
    assert text == expected
    assert [e.text for e in read_examples(nlu_file) if e.intent == "fault_screen"][-2:] == [
        "屏幕有绿线",
        "花屏了",
    ]
    assert yaml.safe_load(text)["nlu"][1]["synonym"] == "mail_in"


def test_append_examples_to_the_last_block(nlu_file: Path) -> None:
    assert append_examples(nlu_file, "greet", ["在吗"]) == 1
    text = nlu_file.read_text(encoding="utf-8")
    assert text == NLU.replace("    - 您好\n", "    - 您好\n    - 在吗\n")
    assert text.endswith("# The end.\n")


def test_append_nothing_leaves_the_file_alone(nlu_file: Path) -> None:
    assert append_examples(nlu_file, "greet", [" ", ""]) == 0
    assert nlu_file.read_text(encoding="utf-8") == NLU


def test_append_examples_to_a_missing_intent_raises(nlu_file: Path) -> None:
    with pytest.raises(ValueError, match="no examples for intent goodbye"):
        append_examples(nlu_file, "goodbye", ["再见"])
    assert nlu_file.read_text(encoding="utf-8") == NLU


def test_intent_files_names_the_first_file_of_each_intent(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "b.yml").write_text(
        "nlu:\n" + intent_block("greet", ["嗨"]) + intent_block("faq/hotline", ["客服电话"]),
        encoding="utf-8",
    )
    assert intent_files(tmp_path) == {
        "fault_screen": tmp_path / "a.yml",
        "greet": tmp_path / "a.yml",
        "faq/hotline": tmp_path / "b.yml",
    }


# Names and one-key mappings mixed, in an order that is not alphabetical.
DOMAIN = """\
version: "3.1"
intents:
  - greet
  - fault_screen:
      use_entities: []
  - affirm
entities:
  - device_model:
      roles: [old, new]
  - city
responses:
  utter_greet:
    - text: 你好
  utter_ask_city:
    - text: 哪个城市？
slots: {}
"""


def _domain(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "domain.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_domain_takes_names_and_mapping_keys_in_file_order(tmp_path: Path) -> None:
    assert read_domain(_domain(tmp_path, DOMAIN)) == DomainNames(
        intents=("greet", "fault_screen", "affirm"),
        entities=("device_model", "city"),
        responses=("utter_greet", "utter_ask_city"),
    )


@pytest.mark.parametrize(
    "text",
    ["", 'version: "3.1"\n', "intents:\nentities:\nresponses:\n"],
    ids=["empty file", "no sections", "empty sections"],
)
def test_read_domain_missing_sections_are_empty(tmp_path: Path, text: str) -> None:
    assert read_domain(_domain(tmp_path, text)) == DomainNames((), (), ())


def test_read_domain_of_the_project() -> None:
    domain = read_domain(paths.DOMAIN)
    assert domain.intents[:2] == ("greet", "goodbye")
    assert "fault_screen" in domain.intents
    assert "device_model" in domain.entities
    assert {"utter_fault_self_help", "utter_fault_follow_up"} <= set(domain.responses)
