"""The held-out evaluation as one self-contained HTML page: ``reports/heldout/report.html``.

Pure: renders the summaries ``bot.trainer.evaluate`` writes (this run and, when there is one,
the previous run) and the confusion matrix PNG, embedded as a data URL so the page opens alone
in a browser. Headings are Chinese: the readers are the trainers who write the NLU data.
Every value from a summary is escaped; values of the wrong type in an old or hand-edited
previous summary are shown as missing instead of failing. The paraphrases, scored apart, have
a section of their own, compared with the previous run's paraphrases.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from bot.trainer.texts import section_texts

_t = section_texts("report")

# An intent's F1 must change by more than this to be listed as better or worse.
CHANGE_THRESHOLD = 0.005

_CSS = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
thead th{background:#f3f3f3}tfoot td{font-weight:bold}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:#1b7f3b}.down{color:#c62828}.new{color:#1565c0}.same,.none,.meta{color:#777}
img#confusion{max-width:100%;height:auto;border:1px solid #ccc}
""".strip()


def render_report(
    summary: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    confusion_png: bytes | None,
) -> str:
    """Render the whole report page.

    Args:
        summary: This run's ``heldout_summary.json``.
        previous: The summary compared against, or ``None`` when there is none.
        confusion_png: The confusion matrix picture, or ``None`` when there is none.

    Returns:
        One UTF-8 HTML document with inline CSS and the picture as a data URL.
    """
    if previous is not None and not isinstance(previous, Mapping):
        previous = None
    title = _t("title")
    compared = previous is not None
    intents = _score_table(
        "intents",
        _t("labels.intent"),
        _rows(summary, "intents"),
        _rows(previous, "intents"),
        compared,
    )
    faq_key = "intents_and_faq_keys"
    faq = _score_table(
        "faq",
        _t("labels.intent_or_faq"),
        _rows(summary, faq_key),
        _rows(previous, faq_key),
        compared,
    )
    body = "\n".join(
        [
            f"<h1>{title}</h1>",
            _overview(summary, previous),
            _comparison(summary, previous),
            f"<h2>{_t('headings.intents')}</h2>",
            intents,
            _confusion(confusion_png),
            _errors(summary),
            f"<h2>{_t('headings.faq')}</h2>",
            faq,
            f"<h2>{_t('headings.entities')}</h2>",
            _entity_table(summary, previous),
            _paraphrases(summary, previous),
            f'<p class="meta">{_t("generated_by", command="<code>make eval</code>")}</p>',
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _number(value: object) -> float | None:
    """A float, or ``None`` for anything that is not a number (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _rows(summary: Mapping[str, Any] | None, key: str) -> dict[str, Mapping[str, Any]]:
    """The per-label score rows under ``key`` that are mappings, by label."""
    rows = summary.get(key) if summary is not None else None
    if not isinstance(rows, Mapping):
        return {}
    return {str(name): row for name, row in rows.items() if isinstance(row, Mapping)}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _delta(
    current: float | None,
    before: float | None,
    *,
    compared: bool,
    new: bool = False,
    digits: int = 3,
) -> str:
    """The change as a coloured ▲/▼ with its value; 新 when ``new``; — when unknown."""
    if compared and new:
        return f'<span class="new">{_t("new")}</span>'
    if not compared or current is None or before is None:
        return '<span class="none">—</span>'
    change = round(current - before, digits)
    if change > 0:
        return f'<span class="up">▲ {change:.{digits}f}</span>'
    if change < 0:
        return f'<span class="down">▼ {-change:.{digits}f}</span>'
    return f'<span class="same">±{0:.{digits}f}</span>'


def _text(value: object) -> str:
    return "—" if value is None or value == "" else _e(value)


def _metric_rows(
    summary: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    metrics: list[tuple[str, int]],
) -> list[str]:
    """One row per ``(key, digits)``: this run, the previous one and the change."""
    compared = previous is not None
    before = previous or {}
    rows = []
    for key, digits in metrics:
        label = _t(f"metrics.{key}")
        now, then = _number(summary.get(key)), _number(before.get(key))
        rows.append(
            f'<tr><th scope="row">{label}</th><td class="num">{_fmt(now, digits)}</td>'
            f'<td class="num">{_fmt(then, digits) if compared else "—"}</td>'
            f'<td class="num">{_delta(now, then, compared=compared, digits=digits)}</td></tr>'
        )
    return rows


def _metric_table(table_id: str, rows: list[str]) -> str:
    return (
        f'<table id="{table_id}">\n<thead><tr>{_headers("metric", "now", "before", "change")}'
        "</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _overview(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    compared = previous is not None
    before = previous or {}
    metrics = [
        ("intent_macro_f1", 3),
        ("intent_accuracy", 3),
        ("faq_key_macro_f1", 3),
        ("intent_and_faq_macro_f1", 3),
        ("entity_f1", 3),
        ("examples", 0),
    ]
    rows = _metric_rows(summary, previous, metrics)
    for key in ("generated_at", "model", "model_modified"):
        label = _t(f"metrics.{key}")
        then_text = _text(before.get(key)) if compared else "—"
        rows.append(
            f'<tr><th scope="row">{label}</th><td>{_text(summary.get(key))}</td>'
            f"<td>{then_text}</td><td></td></tr>"
        )
    return _metric_table("overview", rows)


def _score_cells(row: Mapping[str, Any], f1_key: str) -> tuple[str, float | None]:
    f1 = _number(row.get(f1_key))
    support = _number(row.get("support"))
    cells = (
        f'<td class="num">{_fmt(_number(row.get("precision")))}</td>'
        f'<td class="num">{_fmt(_number(row.get("recall")))}</td>'
        f'<td class="num f1">{_fmt(f1)}</td>'
        f'<td class="num">{_fmt(support, 0)}</td>'
    )
    return cells, f1


def _score_row(name: str, shown: str, cells: str, delta: str) -> str:
    return f'<tr data-name="{_e(name)}"><td>{shown}</td>{cells}<td class="num">{delta}</td></tr>'


def _score_table(
    table_id: str,
    label: str,
    rows: Mapping[str, Mapping[str, Any]],
    before: Mapping[str, Mapping[str, Any]],
    compared: bool,
) -> str:
    body = []
    for name in sorted(rows):
        cells, f1 = _score_cells(rows[name], "f1-score")
        then = _number(before[name].get("f1-score")) if name in before else None
        delta = _delta(f1, then, compared=compared, new=name not in before)
        body.append(_score_row(name, _e(name), cells, delta))
    return (
        f'<table id="{table_id}">\n<thead><tr><th>{label}</th>{_headers("precision", "recall")}'
        f"<th>F1</th>{_headers('examples', 'f1_change')}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


def _entity_table(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    rows = _rows(summary, "entities")
    before = _rows(previous, "entities")
    compared = previous is not None
    body, foot = [], ""
    for name in sorted(rows, key=lambda n: (n == "overall", n)):
        cells, f1 = _score_cells(rows[name], "f1")
        then = _number(before[name].get("f1")) if name in before else None
        delta = _delta(f1, then, compared=compared, new=name not in before)
        shown = _t("labels.entity_overall") if name == "overall" else _e(name)
        row = _score_row(name, shown, cells, delta)
        if name == "overall":
            foot = f"<tfoot>\n{row}\n</tfoot>\n"
        else:
            body.append(row)
    return (
        f'<table id="entities">\n<thead><tr><th>{_t("labels.entity_type")}</th>'
        f"{_headers('precision', 'recall')}<th>F1</th>{_headers('count', 'f1_change')}"
        "</tr></thead>\n<tbody>\n" + "\n".join(body) + f"\n</tbody>\n{foot}</table>"
    )


def _confusion(png: bytes | None) -> str:
    heading = f"<h2>{_t('headings.confusion')}</h2>\n"
    if not png:
        return heading + f'<p class="none">{_t("no_confusion")}</p>'
    data = base64.b64encode(png).decode("ascii")
    return (
        heading + f'<p class="meta">{_t("confusion_axes")}</p>\n'
        f'<img id="confusion" alt="{_t("confusion_alt")}" src="data:image/png;base64,{data}">'
    )


def _errors(
    summary: Mapping[str, Any],
    table_id: str = "errors",
    level: str = "h2",
    label: str = "intent",
) -> str:
    """The misclassified examples; ``label`` names the column (``report.labels.<label>``)."""
    raw = summary.get("errors")
    errors = [e for e in raw if isinstance(e, Mapping)] if isinstance(raw, list) else []
    if not errors:
        heading = _t("headings.errors")
        return f'<{level}>{heading}</{level}>\n<p class="none">{_t("no_errors")}</p>'
    errors.sort(key=lambda e: (str(e.get("intent", "")), str(e.get("text", ""))))
    body = [
        f"<tr><td>{_text(e.get('text'))}</td><td>{_text(e.get('intent'))}</td>"
        f"<td>{_text(e.get('predicted'))}</td>"
        f'<td class="num">{_fmt(_number(e.get("confidence")))}</td></tr>'
        for e in errors
    ]
    shown = _t(f"labels.{label}")
    return (
        f"<{level}>{_t('headings.errors_counted', count=len(errors))}</{level}>\n"
        f'<table id="{table_id}">\n<thead><tr>{_headers("sentence")}'
        f"<th>{_t('columns.expected', label=shown)}</th>"
        f"<th>{_t('columns.predicted', label=shown)}</th>{_headers('confidence')}"
        "</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"
    )


def _paraphrases(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    """The paraphrases' scores, per label and misclassified, compared with the last run's."""
    head = f'<section id="paraphrases">\n<h2>{_t("headings.paraphrases")}</h2>\n'
    scores = summary.get("paraphrases")
    if not isinstance(scores, Mapping):
        return head + f'<p class="none">{_t("no_paraphrases")}</p>\n</section>'
    before = previous.get("paraphrases") if previous is not None else None
    if not isinstance(before, Mapping):
        before = None
    metrics = [
        ("intent_macro_f1", 3),
        ("intent_accuracy", 3),
        ("faq_key_macro_f1", 3),
        ("intent_and_faq_macro_f1", 3),
        ("intent_and_faq_accuracy", 3),
        ("examples", 0),
    ]
    key = "intents_and_faq_keys"
    labels = _score_table(
        "paraphrase-labels",
        _t("labels.intent_or_faq"),
        _rows(scores, key),
        _rows(before, key),
        before is not None,
    )
    parts = [
        f'<p class="meta">{_t("paraphrase_note", file=_text(scores.get("file")))}</p>',
        _metric_table("paraphrase-overview", _metric_rows(scores, before, metrics)),
        labels,
        _errors(scores, "paraphrase-errors", "h3", "intent_or_faq"),
    ]
    return head + "\n".join(parts) + "\n</section>"


def _comparison(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    head = f'<section id="comparison">\n<h2>{_t("headings.comparison")}</h2>\n'
    if previous is None:
        return head + f'<p class="none">{_t("no_previous")}</p>\n</section>'
    now, before = _rows(summary, "intents"), _rows(previous, "intents")
    changes: list[tuple[float, str, float, float]] = []
    for name in sorted(set(now) & set(before)):
        f1, then = _number(now[name].get("f1-score")), _number(before[name].get("f1-score"))
        if f1 is not None and then is not None and abs(f1 - then) > CHANGE_THRESHOLD:
            changes.append((f1 - then, name, then, f1))

    def items(selected: list[tuple[float, str, float, float]]) -> list[str]:
        return [
            "<li>"
            + _t(
                "change",
                name=_e(name),
                before=f"{then:.3f}",
                now=f"{f1:.3f}",
                delta=_delta(f1, then, compared=True),
            )
            + "</li>"
            for _, name, then, f1 in selected
        ]

    better = sorted((c for c in changes if c[0] > 0), reverse=True)
    worse = sorted(c for c in changes if c[0] < 0)
    parts = [
        "<p>"
        + _t(
            "previous_run",
            generated_at=_text(previous.get("generated_at")),
            model=_text(previous.get("model")),
            threshold=CHANGE_THRESHOLD,
        )
        + "</p>",
        _list("better", items(better)),
        _list("worse", items(worse)),
    ]
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    if added:
        parts.append(_list("added", [f"<li>{_e(n)}</li>" for n in added]))
    if removed:
        parts.append(_list("removed", [f"<li>{_e(n)}</li>" for n in removed]))
    return head + "\n".join(parts) + "\n</section>"


def _headers(*columns: str) -> str:
    """Header cells with the texts ``report.columns.<column>``."""
    return "".join(f"<th>{_t(f'columns.{column}')}</th>" for column in columns)


def _list(list_id: str, items: list[str]) -> str:
    """A list under the heading ``report.headings.<list_id>``; 无 when empty."""
    heading = _t(f"headings.{list_id}")
    if not items:
        return f'<h3>{heading}</h3>\n<p id="{list_id}" class="none">{_t("nothing")}</p>'
    return f'<h3>{heading}</h3>\n<ul id="{list_id}">\n' + "\n".join(items) + "\n</ul>"
