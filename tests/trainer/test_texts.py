"""The trainer tools' texts: ``trainer.yml`` against the keys ``bot/trainer`` looks up."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter
from typing import Any

import pytest

from bot.catalog.texts import leaf_keys
from bot.trainer.texts import TRAINER_TEXTS, load_trainer_texts, section_texts, trainer_text

TRAINER_DIR = Path(__file__).resolve().parents[2] / "bot" / "trainer"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: Modules whose Chinese literals are data, not texts: stop-words, masking placeholders,
#: the user's turns of the conversation test ``make new-fault`` writes, and the bot's button
#: label quoted in ``make eval``'s English console summary.
DATA_MODULES = {"paraphrases.py", "inbox/masking.py", "new_fault.py", "evaluate.py"}


def modules() -> list[Path]:
    return sorted(TRAINER_DIR.rglob("*.py"))


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _lookups(tree: ast.Module) -> list[tuple[str, ast.expr]]:
    """``(prefix, key argument)`` of every ``trainer_text(...)`` and ``section_texts`` call."""
    return [(prefix, arg) for prefix, arg, _ in _calls(tree)]


def _calls(tree: ast.Module) -> list[tuple[str, ast.expr, ast.Call]]:
    """``(prefix, key argument, call)`` of every lookup in ``tree``."""
    bound = {
        node.targets[0].id: f"{node.value.args[0].value!s}."
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "section_texts"
        and isinstance(node.value.args[0], ast.Constant)
    }
    bound["trainer_text"] = ""
    return [
        (bound[node.func.id], node.args[0], node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in bound
        and node.args
    ]


def used_keys() -> tuple[set[str], set[str], set[str]]:
    """Keys looked up literally; prefixes of keys built in f-strings; keys such prefixes reach.

    A built key is ``prefix + {name}``: it reaches every catalogue key that is the prefix
    followed by a string literal of the same module.
    """
    exact, prefixes, reached = set[str](), set[str](), set[str]()
    known = leaf_keys(load_trainer_texts())
    for path in modules():
        if path.name == "texts.py":  # the loader itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        for prefix, arg in _lookups(tree):
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                exact.add(prefix + arg.value)
            elif isinstance(arg, ast.JoinedStr):
                head = arg.values[0]
                start = head.value if isinstance(head, ast.Constant) else ""
                prefixes.add(prefix + str(start))
                reached |= {prefix + str(start) + s for s in literals} & known
    return exact, prefixes, reached


def test_the_scan_finds_literal_and_built_keys() -> None:
    exact, prefixes, reached = used_keys()
    assert {"validate.passed", "inbox.cli.exported", "report.title"} <= exact
    assert {"validate.dialogue.", "report.metrics."} <= prefixes
    assert {"validate.dialogue.form_unknown", "report.metrics.intent_macro_f1"} <= reached


def test_every_key_the_trainer_tools_use_is_a_text_of_the_catalogue() -> None:
    exact, prefixes, _ = used_keys()
    texts = load_trainer_texts()
    assert exact - leaf_keys(texts) == set()
    for prefix in prefixes:
        node: object = texts
        for part in prefix.rstrip(".").split("."):
            assert isinstance(node, dict) and part in node, f"trainer.yml lacks {prefix}"
            node = node[part]
        assert isinstance(node, dict), f"trainer.yml: {prefix} is not a section"


def test_every_text_of_the_catalogue_is_used() -> None:
    exact, _, reached = used_keys()
    assert leaf_keys(load_trainer_texts()) - exact - reached == set()


def test_every_literal_lookup_fills_the_texts_placeholders() -> None:
    """A call names each placeholder of its text (a missing one fails only when it runs)."""
    texts = load_trainer_texts()
    wrong = {}
    for path in modules():
        if path.name == "texts.py":
            continue
        for prefix, arg, call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                continue
            key = prefix + arg.value
            text: Any = texts
            for part in key.split("."):
                text = text[part]
            wanted = {name for _, name, _, _ in Formatter().parse(text) if name}
            given = {k.arg for k in call.keywords}
            if None not in given and wanted != given:
                wrong[key] = (sorted(wanted), sorted(str(g) for g in given))
    assert wrong == {}


def test_the_trainer_tools_hold_chinese_only_as_data() -> None:
    found = set()
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        if any(
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and CHINESE.search(node.value)
            for node in ast.walk(tree)
        ):
            found.add(path.relative_to(TRAINER_DIR).as_posix())
    assert found - DATA_MODULES == set()


def test_a_text_is_found_by_its_dotted_key_and_filled() -> None:
    assert trainer_text("validate.passed", notes=2) == "项目检查通过（2 条提醒）。"
    assert section_texts("inbox.cli")("problem", line=3, message="x") == "  第 3 行：x"
    assert trainer_text("inbox.source.unreadable_conversation", key="k1", error="x") == (
        "读不了对话 k1：x"
    )
    assert TRAINER_TEXTS.name == "trainer.yml"


@pytest.mark.parametrize(
    ("key", "params", "message"),
    [
        ("validate.nothing_here", {}, "trainer.yml has no text 'validate.nothing_here'"),
        ("validate.passed.deeper", {}, "no text 'validate.passed.deeper'"),
        ("report.headings", {}, "'report.headings' is a section, not a text"),
        ("validate.passed", {}, "'validate.passed' needs the parameter 'notes'"),
    ],
)
def test_a_missing_text_or_parameter_is_a_clear_key_error(
    key: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(KeyError, match=re.escape(message)):
        trainer_text(key, **params)
