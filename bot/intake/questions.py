"""Whether a message asks something instead of stating it: "保修期一般是多久？".

The intake form uses this to tell a question ("保修多长时间", "寄修要钱吗") from an answer
("去年三月买的", "138 0013 8000", "寄修"), whatever the intent classifier thought. It only
looks at the wording:

* a question mark (``?`` or ``？``), or the particle 吗 anywhere;
* a final 么 (``可以么``) or a final 不 after a verb (``能修不``), a final ``了没(有)``
  (``修好了没``), an elliptical ``……呢`` (``那电池呢``);
* a question word: 多久 多长 多少 多大 多远 怎么 怎样 如何 什么 啥 咋 哪 谁 为何 是否 能否
  可否 请问 干嘛, 几 before a measure word (``保修几年``), or an A-not-A pair (``能不能``,
  ``有没有``, ``保不保``).

What reads like a question word but states something is not a question: indefinites and
idioms (``没什么``, ``怎么也``, ``哪里都``, ``没多久``, ``动不动``, ``几个月前``,
``这几天``, ``哪怕``), continuation 呢 (``还没修好呢``) and questions embedded with
不知道 / 不记得 / 忘了 (``不知道怎么回事就黑屏了``, ``哪天买的忘了``), unless a question
mark or 吗 says otherwise. Whether a question that also holds the awaited value is an
answer is the caller's decision (see ``bot/actions/intake_form.py``).

Pure: no Rasa, SDK or database imports.
"""

from __future__ import annotations

import re

from bot.intake.normalize import to_halfwidth

__all__ = ["is_question"]

# Clause boundaries: a question word in one clause says nothing about the next.
_CLAUSES = re.compile(r"[,.;:!~\s、。，；：！～…]+")
# Wording that contains a question word but states something; removed before looking.
_STATEMENTS = re.compile(
    r"没什么|不是什么|什么的|什么都|什么也"
    r"|没啥|不是啥|啥都|啥也"
    r"|不怎么|没怎么|不怎样|怎么都|怎么也"
    r"|哪里都|哪儿都|哪都|哪里也|哪儿也|哪也|哪怕"
    r"|谁都|谁也"
    r"|没多久|不多久|没多少|多少有点|多少有些|没多大|没多长"
    r"|动不动|时不时"
)
# Verbs after which a question word is embedded: "不知道怎么回事" is a statement.
_EMBEDDING = re.compile(r"不知道|不清楚|不记得|记不清|记不得|忘了|忘记了|不确定|不晓得")
_WORDS = re.compile(
    r"多久|多长|多少|多大|多远|怎么|怎样|如何|什么|啥|咋|哪|谁|为何|是否|能否|可否"
    r"|请问|干嘛"
)
# 么 as a final particle, not the end of 什么 / 怎么 / 这么 / 那么 / 多么 / 要么.
_FINAL_ME = re.compile(r"(?<![什怎这那多要么])么$")
# A verb followed by a final 不: "能修不", "还保修不"; not "我就不", "才不".
_FINAL_BU = re.compile(r"(?<=[\u4e00-\u9fff])(?<![就也才并偏说的不没])不$")
_FINAL_LE_MEI = re.compile(r"了没有?$")
# A-not-A: "能不能", "有没有", "可不可以", "保不保"; not a repeated "no": "不对不对", "没有没有".
_A_NOT_A = re.compile(r"(?<![不没])([\u4e00-\u9fff])[不没]\1")
_NOT_A_NOT_A = frozenset("不没")
# 呢 after a short topic ("那电池呢", "然后呢"); with these it continues a statement
# ("还没修好呢", "刚买呢", "正在充电呢", "好的呢").
_NE_TOPIC_CHARS = 4
_NE_STATEMENT = re.compile(r"[还没正在刚着了呀的]")
# 几 + measure word asks "how many"; not "几个月前" / "几年了" / "泡了几分钟" (a few),
# "十几天", "这几天".
_JI = "几"
_JI_NOT_AFTER = frozenset("十好这那前近过几一了0123456789")
_JI_MEASURES = (
    "小时",
    "分钟",
    "星期",
    "礼拜",
    "年",
    "月",
    "天",
    "日",
    "号",
    "次",
    "周",
    "点",
    "岁",
    "台",
    "部",
    "块",
    "百",
    "千",
    "万",
    "个",
)
_JI_STATEMENT_NEXT = frozenset("前后了多来")


def is_question(text: str) -> bool:
    """Whether ``text`` asks something ("保修期一般是多久？", "寄修要钱吗", "能不能上门").

    Args:
        text: A user message.

    Returns:
        ``True`` when the wording is a question; answers ("去年三月买的", "寄修",
        "138 0013 8000", "不知道") and statements ("几个月前买的", "买了没多久") are not.
    """
    normalized = to_halfwidth(text).strip()
    if "?" in normalized or "吗" in normalized:
        return True
    return any(_clause_is_question(clause) for clause in _CLAUSES.split(normalized) if clause)


def _clause_is_question(clause: str) -> bool:
    """Whether one clause (no punctuation inside) asks something."""
    if _EMBEDDING.search(clause):
        # "不知道怎么回事", "什么时候买的忘了": the question is embedded, not asked.
        return False
    clause = _STATEMENTS.sub("", clause)
    if not clause:
        return False
    return bool(
        _WORDS.search(clause)
        or _FINAL_ME.search(clause)
        or _FINAL_BU.search(clause)
        or _FINAL_LE_MEI.search(clause)
        or _asks_a_not_a(clause)
        or _asks_ne(clause)
        or _asks_how_many(clause)
    )


def _asks_a_not_a(clause: str) -> bool:
    return any(match.group(1) not in _NOT_A_NOT_A for match in _A_NOT_A.finditer(clause))


def _asks_ne(clause: str) -> bool:
    if not clause.endswith("呢"):
        return False
    topic = clause[:-1]
    return 0 < len(topic) <= _NE_TOPIC_CHARS and not _NE_STATEMENT.search(topic)


def _asks_how_many(clause: str) -> bool:
    for index, char in enumerate(clause):
        if char != _JI or (index > 0 and clause[index - 1] in _JI_NOT_AFTER):
            continue
        rest = clause[index + 1 :]
        if rest.startswith("个") and any(rest[1:].startswith(m) for m in _JI_MEASURES):
            rest = rest[1:]
        measure = next((m for m in _JI_MEASURES if rest.startswith(m)), None)
        if measure is None:
            continue
        after = rest[len(measure) :]
        if not after or after[0] not in _JI_STATEMENT_NEXT:
            return True
    return False
