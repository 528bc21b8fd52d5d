"""The held-out evaluation report: pure rendering, and the page as a browser shows it."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from bot.trainer.report import render_report
from tests.channels.servers import launch_chromium, tiny_png


def scores(f1: float, support: int = 10) -> dict[str, float]:
    return {"precision": f1, "recall": f1, "f1-score": f1, "support": support}


def entity(f1: float, support: int = 5) -> dict[str, float]:
    return {"precision": f1, "recall": f1, "f1": f1, "support": support}


def error(text: str, intent: str, predicted: str, confidence: float) -> dict[str, Any]:
    return {"text": text, "intent": intent, "predicted": predicted, "confidence": confidence}


def make_summary(**intent_f1: float) -> dict[str, Any]:
    intents = {name: scores(f1) for name, f1 in intent_f1.items()}
    return {
        "generated_at": "2024-06-02T10:00:00+08:00",
        "model": "bot/models/shouhou.tar.gz",
        "model_modified": "2024-06-02T09:30:00+08:00",
        "intent_macro_f1": sum(intent_f1.values()) / len(intent_f1),
        "intent_accuracy": 0.95,
        "intent_and_faq_macro_f1": 0.93,
        "entity_f1": 0.97,
        "entities": {
            "device_model": entity(0.98),
            "city": entity(0.9),
            "overall": entity(0.97, 10),
        },
        "intents": intents,
        "intents_and_faq_keys": {**intents, "faq/hotline": scores(1.0, 3)},
        "examples": 40,
        "errors": [
            error("屏幕碎了", "greet", "fault_screen", 0.61),
            error("<script>alert(1)</script>", "ask_price", "rate", 0.5),
        ],
        "paraphrases": paraphrase_scores(greet=0.8, **{"faq/hotline": 0.5}),
    }


def paraphrase_scores(**label_f1: float) -> dict[str, Any]:
    labels = {name: scores(f1, 4) for name, f1 in label_f1.items()}
    return {
        "file": "bot/data/heldout/paraphrases.yml",
        "examples": 4 * len(labels),
        "intent_macro_f1": 0.75,
        "intent_accuracy": 0.8,
        "faq_key_macro_f1": 0.5,
        "intent_and_faq_macro_f1": sum(label_f1.values()) / len(label_f1),
        "intent_and_faq_accuracy": 0.7,
        "intents": {"greet": scores(0.8, 4), "faq": scores(0.7, 4)},
        "intents_and_faq_keys": labels,
        "errors": [error("拨哪个号<能>找到你们", "faq/hotline", "faq/accessories", 0.42)],
    }


@pytest.fixture
def current() -> dict[str, Any]:
    return make_summary(greet=0.9, fault_screen=0.8, ask_price=0.95, send_photo=0.7)


@pytest.fixture
def previous() -> dict[str, Any]:
    summary = make_summary(greet=0.8, fault_screen=0.9, ask_price=0.952, cancel=1.0)
    summary.update(
        generated_at="2024-06-01T09:00:00+08:00",
        examples=38,
        entity_f1=0.99,
        errors=[],
    )
    summary["entities"]["city"] = entity(0.8)
    return summary


def row_of(page: str, table_id: str, name: str) -> str:
    table = page.split(f'<table id="{table_id}">', 1)[1].split("</table>", 1)[0]
    match = re.search(rf'<tr data-name="{re.escape(name)}">(.*?)</tr>', table, re.S)
    assert match, f"no row {name} in #{table_id}"
    return match.group(1)


def section(page: str, section_id: str) -> str:
    return page.split(f'<section id="{section_id}">', 1)[1].split("</section>", 1)[0]


def test_page_is_one_self_contained_chinese_document(current, previous):
    page = render_report(current, previous, tiny_png())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    for heading in ["意图得分", "混淆矩阵", "分错的例句", "实体得分", "与上次评估相比"]:
        assert heading in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="(?!data:)', page), "only data URLs: the page opens alone"
    picture = re.search(r'<img id="confusion" [^>]*src="data:image/png;base64,([^"]+)"', page)
    assert picture and base64.b64decode(picture.group(1)) == tiny_png()


def test_example_texts_and_names_are_escaped(current):
    current["intents"]["<b>x</b>"] = scores(0.5)
    current["model"] = 'a"b<c>'
    page = render_report(current, None, None)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    assert 'data-name="&lt;b&gt;x&lt;/b&gt;"' in page
    assert "a&quot;b&lt;c&gt;" in page


def test_f1_deltas_have_signs_and_new_intents_are_marked(current, previous):
    page = render_report(current, previous, None)
    assert '<span class="up">▲ 0.100</span>' in row_of(page, "intents", "greet")
    assert '<span class="down">▼ 0.100</span>' in row_of(page, "intents", "fault_screen")
    assert '<span class="down">▼ 0.002</span>' in row_of(page, "intents", "ask_price")
    assert '<span class="new">新</span>' in row_of(page, "intents", "send_photo")
    assert '<td class="num f1">0.900</td>' in row_of(page, "intents", "greet")
    assert 'data-name="cancel"' not in page.split('<table id="intents">')[1].split("</table>")[0]
    assert '<span class="up">▲ 0.100</span>' in row_of(page, "entities", "city")
    assert '<span class="same">±0.000</span>' in row_of(page, "entities", "device_model")
    overview = page.split('<table id="overview">')[1].split("</table>")[0]
    assert '<span class="down">▼ 0.020</span>' in overview  # entity F1 0.99 → 0.97
    assert '<span class="up">▲ 2</span>' in overview  # 38 → 40 examples
    assert "2024-06-01T09:00:00+08:00" in overview


def test_comparison_lists_changes_beyond_the_threshold(current, previous):
    comparison = section(render_report(current, previous, None), "comparison")
    better = comparison.split('<ul id="better">')[1].split("</ul>")[0]
    worse = comparison.split('<ul id="worse">')[1].split("</ul>")[0]
    assert "greet：0.800 → 0.900" in better
    assert "fault_screen：0.900 → 0.800" in worse
    assert "ask_price" not in comparison  # −0.002 is within the threshold
    assert "send_photo" in comparison.split('id="added"')[1]
    assert "cancel" in comparison.split('id="removed"')[1]
    assert "2024-06-01T09:00:00+08:00" in comparison


def test_without_a_previous_report_nothing_is_compared(current):
    page = render_report(current, None, None)
    assert "没有上次的评估报告" in section(page, "comparison")
    assert "新" not in page.split('<table id="intents">')[1].split("</table>")[0]
    assert "▲" not in page and "▼" not in page
    assert '<img id="confusion"' not in page
    assert "没有混淆矩阵图片" in page


def test_a_malformed_previous_summary_does_not_break_the_page(current):
    broken = {"intents": {"greet": {"f1-score": "high"}, "cancel": 3}, "entity_f1": None}
    page = render_report(current, broken, None)
    assert '<span class="none">—</span>' in row_of(page, "intents", "greet")
    assert '<span class="new">新</span>' in row_of(page, "intents", "fault_screen")
    overview = page.split('<table id="overview">')[1].split("</table>")[0]
    assert "新" not in overview and "▲" not in overview and "▼" not in overview
    assert '<p id="better" class="none">无</p>' in section(page, "comparison")
    current["errors"] = []
    assert "没有分错的例句" in render_report(current, None, None)


def test_errors_are_sorted_by_expected_intent(current):
    page = render_report(current, None, None)
    table = page.split('<table id="errors">')[1].split("</table>")[0]
    assert table.index("ask_price") < table.index("greet")
    assert "<td>fault_screen</td>" in table and "0.610" in table
    assert "分错的例句（2 句）" in page


def test_paraphrases_have_a_section_of_their_own(current, previous):
    previous["paraphrases"] = paraphrase_scores(greet=0.6, **{"faq/accessories": 1.0})
    previous["paraphrases"]["intent_macro_f1"] = 0.7
    page = render_report(current, previous, None)
    part = section(page, "paraphrases")
    assert "换一种说法的例句" in part and "bot/data/heldout/paraphrases.yml" in part
    overview = part.split('<table id="paraphrase-overview">')[1].split("</table>")[0]
    assert '<span class="up">▲ 0.050</span>' in overview  # intent macro-F1 0.70 → 0.75
    assert "意图 + FAQ 子类准确率" in overview and "0.700" in overview
    assert '<span class="up">▲ 0.200</span>' in row_of(part, "paraphrase-labels", "greet")
    assert '<span class="new">新</span>' in row_of(part, "paraphrase-labels", "faq/hotline")
    assert 'data-name="faq/accessories"' not in part
    errors = part.split('<table id="paraphrase-errors">')[1].split("</table>")[0]
    assert "<th>标注的意图或 FAQ 子类</th>" in errors
    assert "拨哪个号&lt;能&gt;找到你们" in errors and "faq/accessories" in errors
    assert "分错的例句（1 句）" in part
    # The held-out split's tables are not the paraphrases'.
    intents = page.split('<table id="intents">')[1].split("</table>")[0]
    assert 'data-name="faq/hotline"' not in intents


def test_paraphrases_missing_now_or_before(current, previous):
    del previous["paraphrases"]  # a summary written before paraphrases were scored
    page = render_report(current, previous, None)
    part = section(page, "paraphrases")
    assert "▲" not in part and "▼" not in part and "新" not in part
    assert '<td class="num f1">0.800</td>' in row_of(part, "paraphrase-labels", "greet")
    current["paraphrases"]["errors"] = []
    assert "没有分错的例句" in section(render_report(current, None, None), "paraphrases")
    current["paraphrases"] = None
    assert "本次没有评估换一种说法的例句" in section(
        render_report(current, None, None), "paraphrases"
    )
    previous["paraphrases"] = "broken"
    del current["paraphrases"]
    assert "本次没有评估" in section(render_report(current, previous, None), "paraphrases")


def test_faq_key_macro_f1_is_in_the_overview(current, previous):
    current["faq_key_macro_f1"] = 0.91
    previous["faq_key_macro_f1"] = 0.88
    overview = render_report(current, previous, None).split('<table id="overview">')[1]
    row = overview.split("FAQ 子类 macro-F1</th>")[1].split("</tr>")[0]
    assert "0.910" in row and '<span class="up">▲ 0.030</span>' in row


@pytest.mark.slow
def test_the_report_in_a_browser(current, previous, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_report(current, previous, tiny_png()), encoding="utf-8")
    with launch_chromium() as browser:
        page = browser.new_page()
        page.goto(report.as_uri())
        assert page.locator("html").get_attribute("lang") == "zh-CN"

        rows = page.locator("#intents tbody tr")
        assert rows.count() == 4
        table = {
            cells[0]: cells[1:]
            for cells in (rows.nth(i).locator("td").all_inner_texts() for i in range(4))
        }
        assert sorted(table) == ["ask_price", "fault_screen", "greet", "send_photo"]
        assert table["greet"][2] == "0.900"
        assert table["greet"][4] == "▲ 0.100"
        assert table["fault_screen"][2] == "0.800"
        assert table["fault_screen"][4] == "▼ 0.100"
        assert table["send_photo"][4] == "新"

        errors = page.locator("#errors tbody tr")
        assert errors.count() == 2
        assert errors.nth(0).locator("td").all_inner_texts() == [
            "<script>alert(1)</script>",
            "ask_price",
            "rate",
            "0.500",
        ]
        assert errors.nth(1).locator("td").all_inner_texts()[:3] == [
            "屏幕碎了",
            "greet",
            "fault_screen",
        ]

        entities = page.locator("#entities tbody tr td:first-child").all_inner_texts()
        assert entities == ["city", "device_model"]
        assert "全部" in page.locator("#entities tfoot").inner_text()

        assert page.locator("#better li").all_inner_texts() == ["greet：0.800 → 0.900（▲ 0.100）"]
        assert page.locator("#worse li").all_inner_texts() == [
            "fault_screen：0.900 → 0.800（▼ 0.100）"
        ]
        assert page.locator("#added li").all_inner_texts() == ["send_photo"]
        assert page.locator("#removed li").all_inner_texts() == ["cancel"]

        reworded = page.locator("#paraphrase-labels tbody tr td:first-child").all_inner_texts()
        assert reworded == ["faq/hotline", "greet"]
        assert page.locator("#paraphrase-errors tbody tr").nth(0).locator(
            "td"
        ).all_inner_texts() == ["拨哪个号<能>找到你们", "faq/hotline", "faq/accessories", "0.420"]

        confusion = page.locator("img#confusion")
        assert confusion.evaluate("img => img.complete && img.naturalWidth") == 2
        assert page.locator("script").count() == 0
