"""Render ``docs/benchmarks.md`` from the JSON reports the benchmarks wrote.

Usage: ``python bench/report.py [--results bench/results] [--out docs/benchmarks.md]``
(``make bench-report``); ``--check`` exits 1 when the file on disk is not what the JSON gives.
Every figure comes from a JSON file in ``--results`` through a JMESPath expression of
:data:`BENCHES`; a benchmark without a file says so and names the command that records it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "docs" / "benchmarks.md"
MISSING = "—"


@dataclass(frozen=True)
class Figure:
    """One row of a benchmark's table: JMESPath expressions into its JSON report.

    Attributes:
        label: What the row measures, with its unit.
        project: Expression of the project's value.
        other: Expression of the alternative's value; None when there is no alternative.
        scale: Factor applied to numbers (bytes to MB, for instance).
    """

    label: str
    project: str
    other: str | None = None
    scale: float = 1.0


@dataclass(frozen=True)
class Bench:
    """A benchmark: its JSON file, what it compares, its command and its figures."""

    name: str
    title: str
    compares: str
    command: str
    figures: tuple[Figure, ...]
    columns: tuple[str, str] = ("project", "alternative")
    context: tuple[tuple[str, str], ...] = ()

    @property
    def file(self) -> str:
        """The JSON file's name in the results folder."""
        return f"{self.name}.json"


def _pick(items: str, key: str, literal: str, field: str) -> str:
    """JMESPath: ``field`` of the first element of ``items`` whose ``key`` equals ``literal``."""
    return f"{items}[?{key}=={literal}] | [0].{field}"


def _picked(
    items: str, key: str, literals: tuple[str, str], rows: tuple[tuple[str, str], ...]
) -> tuple[Figure, ...]:
    """A figure per ``(label, field)`` row: the list elements whose ``key`` is each literal."""
    mine, theirs = literals
    return tuple(
        Figure(label, _pick(items, key, mine, field), _pick(items, key, theirs, field))
        for label, field in rows
    )


def _configs(
    field: str, label: str, project: str = "project", other: str = "stock", scale: float = 1.0
) -> Figure:
    """A figure read from ``configurations.<name>.<field>`` of both configurations."""
    return Figure(
        label, f'configurations."{project}".{field}', f'configurations."{other}".{field}', scale
    )


_LOAD = "scenarios.saturation"
_SOAK = "configurations.cluster.scenarios.soak"
_BEST_MEAN = "max_by(rows, &sum([smp2017.cv.macro_f1, product.cv.macro_f1]))"

BENCHES: tuple[Bench, ...] = (
    Bench(
        "action_validation",
        "Action-response validation",
        "Checking an action server's response: the project's JSON-schema validator, built once "
        "(`bot/runtime/action_schema.py`), against Rasa 3.6's check, which builds the schema "
        "and a validator on every call.",
        "make bench-validation",
        (
            Figure("µs per call, mixed responses", "installed_us_per_call", "stock_us_per_call"),
            *(
                Figure(
                    f"µs per call, {name}",
                    f'per_response."{name}".installed_us',
                    f'per_response."{name}".stock_us',
                )
                for name in ("answer, no events", "ticket created")
            ),
        ),
        ("built once", "Rasa per call"),
        (("Python", "python"),),
    ),
    Bench(
        "analytics-consumer",
        "Analytics consumer",
        "CPU time of `python -m bot.analytics.consume` per conversation event at a steady rate "
        "from RabbitMQ into PostgreSQL: with its batch linger against storing whatever arrived.",
        "make bench-analytics",
        _picked(
            "results",
            "linger_s",
            ("`0.25`", "`0`"),
            (
                ("consumer CPU ms per event", "cpu_ms_per_event"),
                ("share of a core at the rate", "core_share_at_rate"),
                ("events", "events"),
            ),
        ),
        ("linger 0.25 s", "no linger"),
        (("events per second", "options.rate"), ("seconds", "options.seconds")),
    ),
    Bench(
        "load",
        "Load: simulated owners over REST",
        "`make run`'s stack with the project's model against stock Rasa's default configuration "
        "(`bench/stock/config.yml`, same script): owners doing repair intakes, closed loop "
        "(saturation) and with think time.",
        "make bench-load",
        (
            _configs(f"{_LOAD}.turns_per_s", "saturation: turns/s"),
            _configs(f"{_LOAD}.latency_ms.p95", "saturation: p95 ms"),
            _configs(f"{_LOAD}.errors", "saturation: errors"),
            _configs(f"{_LOAD}.tickets.lost", "saturation: tickets lost"),
            _configs(f"{_LOAD}.tickets.duplicated", "saturation: tickets duplicated"),
            _configs("scenarios.think.latency_ms.p50", "think time: p50 ms"),
            _configs("scenarios.think.latency_ms.p95", "think time: p95 ms"),
            _configs("start_s", "first REST answer after start, s"),
            _configs("memory_after.rasa.rss_max_mb", "Rasa RSS after, MB"),
        ),
        ("project", "stock Rasa"),
        (("saturation owners", "options.owners"), ("think-time owners", "options.think_owners")),
    ),
    Bench(
        "load-cluster",
        "Load: several servers behind the balancer",
        "The production profile behind HAProxy: two Rasa and two action servers against one of "
        "each, at saturation; then a soak of the two-server cluster with a Rasa server killed "
        "(`kill -9`) at intervals.",
        "make bench-load TARGET=cluster",
        (
            _configs(f"{_LOAD}.turns_per_s", "saturation: turns/s", "cluster", "one server"),
            _configs(f"{_LOAD}.latency_ms.p95", "saturation: p95 ms", "cluster", "one server"),
            _configs(f"{_LOAD}.machine_busy_pct", "machine busy, %", "cluster", "one server"),
            _configs(
                f"{_LOAD}.rasa_cpu_ms_per_turn", "Rasa CPU ms per turn", "cluster", "one server"
            ),
            Figure("soak: turns", f"{_SOAK}.turns"),
            Figure("soak: failed turns", f"{_SOAK}.errors"),
            Figure("soak: kills", f"length({_SOAK}.kills)"),
            Figure("soak: killed server back after, s", f"{_SOAK}.kills[*].back_after_s"),
            Figure("soak: tickets expected", f"{_SOAK}.tickets.expected"),
            Figure("soak: tickets lost", f"{_SOAK}.tickets.lost"),
            Figure("soak: tickets duplicated", f"{_SOAK}.tickets.duplicated"),
            Figure("soak: p95 ms", f"{_SOAK}.latency_ms.p95"),
        ),
        ("two of each", "one of each"),
    ),
    Bench(
        "startup",
        "Start-up and memory",
        "`scripts/run.sh` with the project's model against stock Rasa: seconds from start to the "
        "first REST answer, and the Rasa processes' memory after a thousand turns.",
        "make bench-startup",
        (
            _configs("start_s.median", "first REST answer, s (median)"),
            _configs(
                "memory_after_turns.rasa.rss_max_mb",
                "Rasa RSS after the turns, largest process, MB",
            ),
            _configs(
                "memory_after_turns.rasa.pss_total_mb",
                "Rasa PSS after the turns, all processes, MB",
            ),
            _configs("turns.turns", "turns driven"),
        ),
        ("project", "stock Rasa"),
    ),
    Bench(
        "training_speed",
        "Training speed",
        "Full training and a trainer's wait (one example added → an answer from the new model "
        "in a fresh process): `config.yml` against the configuration before the lean engine "
        "(`bench/lean/before.yml`).",
        "make bench-training",
        tuple(
            Figure(
                label,
                f"rows[?config=='project' && scenario=='{scenario}'] | [0].{key}",
                f"rows[?config=='before' && scenario=='{scenario}'] | [0].{key}",
            )
            for label, scenario, key in (
                ("full training, s", "full", "train_s"),
                ("wait after an added example, s", "example added", "wait_s"),
                ("held-out intent macro-F1 after full training", "full", "intent_macro_f1"),
            )
        ),
        ("project", "before"),
    ),
    Bench(
        "nlu_smp2017",
        "Intents: SMP2017-ECDT task 1",
        "The project's NLU pipeline (from `config.yml`) against stock Rasa (jieba, count "
        "vectors, DIET) on the public Chinese intent benchmark, trained and scored in one run.",
        "make bench-nlu",
        (
            _configs("macro_f1", "macro-F1", other="baseline"),
            _configs("accuracy", "accuracy", other="baseline"),
            _configs("train_s", "training, s", other="baseline"),
            _configs("model_bytes", "model, MB", other="baseline", scale=1e-6),
            _configs("latency_ms.p50", "parse p50, ms", other="baseline"),
            _configs("latency_ms.p95", "parse p95, ms", other="baseline"),
        ),
        ("project", "stock Rasa"),
        (("scored split", "eval_split"), ("examples scored", "counts.evaluation")),
    ),
    Bench(
        "intent_cv",
        "Intent model settings by cross-validation",
        "Settings of the intent model (n-grams, the sentence encoder's shares) by 5-fold "
        "cross-validation on SMP2017 train + develop and on the product's training data; the "
        "test and held-out splits are scored too, never used to choose.",
        "make bench-intent-cv",
        (
            Figure("settings tried", "length(rows)"),
            Figure("chosen (best mean CV)", "best_by_cv.mean"),
            Figure("chosen: SMP2017 CV macro-F1", f"{_BEST_MEAN}.smp2017.cv.macro_f1"),
            Figure("chosen: SMP2017 test macro-F1", f"{_BEST_MEAN}.smp2017.test.macro_f1"),
            Figure("chosen: product CV macro-F1", f"{_BEST_MEAN}.product.cv.macro_f1"),
            Figure("best SMP2017 CV alone", "best_by_cv.smp2017"),
            Figure("sentence encoder RSS, MB", "encoder_rss_mb"),
        ),
        ("value", ""),
    ),
    Bench(
        "pipeline_dev",
        "Pipeline variants on a dev split",
        "NLU pipeline variants trained on the training data minus a dev split and scored on "
        "it: the project's pipeline against the one before the lean engine (DIET, "
        "ResponseSelector).",
        "make bench-pipeline",
        _picked(
            "variants",
            "variant",
            ("'project'", "'before'"),
            (
                ("intent macro-F1", "intent_macro_f1"),
                ("FAQ-key macro-F1", "faq_key_macro_f1"),
                ("entity F1", "entity_f1"),
                ("training, s", "training_s"),
                ("parse p95, ms", "parse_p95_ms"),
            ),
        ),
        ("project", "before"),
        (("dev examples", "dev_examples"),),
    ),
    Bench(
        "tracker_growth",
        "One long conversation",
        "Time of a turn early in a conversation, at its last turn, and at turn 5 of the new "
        "session a returning owner starts (the events Rasa replays each turn).",
        "make bench-tracker",
        (
            Figure("turn 5, ms", "values(summary)[0].ms"),
            Figure("last turn, ms", "values(summary)[1].ms"),
            Figure("new session, turn 5, ms", "values(summary)[2].ms"),
            Figure("events replayed at the last turn", "values(summary)[1].events_retrieved"),
            Figure("last turn ÷ turn 5", "ratio_last_to_5"),
        ),
        ("value", ""),
        (("turns", "turns"),),
    ),
    Bench(
        "dashboard",
        "Manager dashboard",
        "One `GET dashboard` answer for a day of conversations held with the real bot: figures "
        "from the analytics store the event broker feeds, against folding the tracker store "
        "(the fallback without a broker).",
        "make bench-dashboard",
        (
            Figure("GET dashboard, ms", "results.analytics.ms", "results.tracker.ms"),
            Figure(
                "per conversation, ms",
                "results.analytics.ms_per_conversation",
                "results.tracker.ms_per_conversation",
            ),
            Figure("a CSV of a conversation table, ms", "results.analytics_no_messages.ms"),
            Figure("same tables from both sources", "same_tables"),
        ),
        ("analytics store", "tracker store"),
        (("conversations", "conversations"), ("events", "events")),
    ),
    Bench(
        "fuzz",
        "Fuzzing",
        "Generated inputs against every parser and inbound surface: crashes, unhandled "
        "exceptions, 5xx answers and errors logged.",
        "make bench-fuzz",
        (
            Figure("targets", "totals.targets"),
            Figure("inputs", "totals.inputs"),
            Figure("failures", "totals.failures"),
            Figure("seconds", "totals.seconds"),
        ),
        ("value", ""),
        (("inputs per target", "examples_per_target"),),
    ),
)

NOT_RECORDED = (
    ("python3 bench/first_run.py", "clean clone → `make setup` → training → servers ready"),
    ("python bench/intent_dev.py", "intent classifier settings on a dev split"),
)
"""Benchmarks that print their figures but write no JSON report yet."""


def value(report: Any, expression: str, scale: float = 1.0) -> str:
    """The formatted value of ``expression`` in ``report``; :data:`MISSING` when absent."""
    try:
        found = jmespath.search(expression, report)
    except JMESPathError:
        return MISSING
    return formatted(found, scale)


def formatted(found: Any, scale: float = 1.0) -> str:
    """A number, string or list as a table cell."""
    if found is None or found == []:
        return MISSING
    if isinstance(found, list):
        return ", ".join(formatted(item, scale) for item in found)
    if isinstance(found, bool) or not isinstance(found, int | float):
        return str(found).replace("|", "\\|")
    number = found * scale
    if float(number).is_integer() and abs(number) >= 1:
        return f"{int(number):,}"
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"


def ratio(report: Any, figure: Figure) -> str:
    """Project ÷ alternative when both are numbers and the alternative is not zero."""
    if figure.other is None:
        return ""
    try:
        mine, theirs = (jmespath.search(e, report) for e in (figure.project, figure.other))
    except JMESPathError:
        return MISSING
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (mine, theirs))
    return f"{mine / theirs:.3g}" if numbers and theirs else MISSING


def recorded(report: Any) -> str:
    """When and on what the run was recorded, from the fields the JSON has."""
    parts = []
    stamp = next((report[k] for k in ("timestamp", "recorded_at", "date") if k in report), None)
    parts.append(f"recorded {stamp}" if stamp else "date not recorded in the JSON")
    cpus = jmespath.search("machine.at_start.cpus || machine.cpus", report)
    load = jmespath.search("machine.at_start.load_average[0]", report)
    if cpus is not None:
        parts.append(f"{cpus} CPUs" + (f", load average {load:.2f} at start" if load else ""))
    else:
        parts.append("machine not recorded in the JSON")
    return "; ".join(parts)


def section(bench: Bench, results: Path) -> list[str]:
    """The Markdown of one benchmark: what it compares, its command, its figures."""
    path = results / bench.file
    lines = [
        f"## {bench.title}",
        "",
        bench.compares,
        "",
        f"Command: `{bench.command}`, which writes `bench/results/{bench.file}`.",
        "",
    ]
    if not path.is_file():
        return [*lines, f"**No recorded run** — run `{bench.command}`.", ""]
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [*lines, f"**Unreadable report** ({error}) — run `{bench.command}` again.", ""]
    if not isinstance(report, dict):
        return [*lines, f"**Unreadable report** (not an object) — run `{bench.command}`.", ""]
    context = [f"{label} {value(report, e)}" for label, e in bench.context]
    lines += [f"Run: {'; '.join([recorded(report), *context])}.", ""]
    paired = any(f.other is not None for f in bench.figures)
    if paired:
        head = f"| figure | {bench.columns[0]} | {bench.columns[1]} | ratio |"
        lines += [head, "|---|---:|---:|---:|"]
    else:
        lines += [f"| figure | {bench.columns[0]} |", "|---|---:|"]
    for figure in bench.figures:
        cells = [figure.label, value(report, figure.project, figure.scale)]
        if paired:
            other = value(report, figure.other, figure.scale) if figure.other else ""
            cells += [other, ratio(report, figure)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render(results: Path = RESULTS) -> str:
    """The whole ``docs/benchmarks.md``."""
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `make bench-report` (bench/report.py) from bench/results/*.json;",
        "     do not edit: run the benchmark, then `make bench-report`. -->",
        "",
        "Every figure below is read from the JSON report its benchmark wrote into "
        "`bench/results/`; none is typed by hand. Ratios are project ÷ alternative. The "
        "machine is shared, so compare the two columns of one run rather than runs of "
        "different days.",
        "",
    ]
    for bench in BENCHES:
        lines += section(bench, results)
    lines += ["## Benchmarks without a JSON report", ""]
    lines += [f"- `{command}`: {what}; prints its figures only." for command, what in NOT_RECORDED]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or, with ``--check``, compare) the rendered page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not current")
    args = parser.parse_args(argv)
    text = render(args.results)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is not current: run `make bench-report`", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
