"""Simulated phone owners doing whole repair intakes over REST, project against stock Rasa.

Usage: ``python bench/load.py`` (``make bench-load``). For each configuration (``--configs``,
default ``project,stock``; see ``bench/stack.py``) it starts the stack the way ``make run``
does (``scripts/run.sh``: action server and Rasa, with the configuration's model, free ports
and fresh databases), warms it up, and runs two scenarios against
``POST /webhooks/rest/webhook``:

- ``saturation``: a closed loop, ``--owners`` owners (default 12) with no think time, each
  starting intake after intake for ``--duration`` seconds; intakes under way at the end are
  finished, and every turn counts.
- ``think``: ``--think-owners`` owners (default 50), each waiting an exponentially
  distributed think time (mean ``--think-mean``, 3 s) before each message, ``--think-intakes``
  intakes each (default 2).

An owner answers what the bot asks, like a person would: the bot's questions are recognised
by their texts in ``domain.yml`` (``utter_ask_*``), and each intake (fault, model, purchase
date, IMEI, service type, phone, confirmation) has its own sender id, a valid IMEI and a phone
number of its own, until the ticket number comes back (``utter_ticket_created``). Measured:
turns/s, per-turn latency p50/p95/p99, errors (HTTP errors, timeouts and intakes that did not
reach a ticket, with the bot's last answer), and afterwards the tickets in the ticket
database per intake: expected (the bot gave a number), found, lost, duplicated, and tickets
whose number the owner never saw. The load generator runs on the same 2 cores as the stack.

The stock model is trained with ``--stock-epochs`` (default 40, not Rasa's 100: the cost of a
turn at serving time does not depend on the epochs) and cached in ``reports/bench/cache/``.
Prints a side-by-side table and writes ``bench/results/load.json``. ``--quick``: a tiny run
(for the test of this script). ``--target cluster``: the same owners through the load
balancer of ``make run-cluster``, against one server (``bench/cluster_load.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.stack import (  # noqa: E402
    DEFAULT_STOCK_EPOCHS,
    Stack,
    compare,
    finish,
    latency_ms,
    parse_configs,
)
from bot.catalog import load_catalogue  # noqa: E402
from bot.intake.serial import luhn_valid  # noqa: E402
from bot.trainer import paths  # noqa: E402

#: What an owner says first, and then to each question of the intake (by response name).
FAULT_TEXT = "我的手机充不进电了，插上充电器一点反应都没有"
#: The fault of FAULT_TEXT: its guided diagnosis steps are answered "否" (still not charging).
FAULT_ID = "charging"
DIAGNOSIS_STEP = "utter_diagnosis_step"
ANSWERS: dict[str, str] = {
    "utter_ask_fault_description": FAULT_TEXT,
    "utter_ask_device_model": "一加12",
    "utter_ask_purchase_date": "去年三月",
    "utter_ask_serial_number": "{imei}",
    "utter_ask_service_type": "寄修",
    "utter_ask_city": "杭州",
    "utter_ask_contact_phone": "{phone}",
    "utter_ask_intake_confirmed": "确认",
    DIAGNOSIS_STEP: "否",
}
TICKET_RESPONSE = "utter_ticket_created"
#: An intake that has not reached a ticket after this many messages is stuck.
MAX_TURNS = 16
TARGETS = {"saturation_turns_per_s": 60.0, "think_p95_ms": 150.0}


# --- the owner's script ---------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """The bot's questions (their texts in the domain) and the ticket confirmation."""

    questions: Mapping[str, str]  # bot text → response name
    ticket: re.Pattern[str]  # utter_ticket_created with the number as group "ticket_no"


def response_variants(domain: Mapping[str, Any], name: str) -> list[str]:
    """The texts of every variant of one response of the domain."""
    variants = (domain.get("responses") or {}).get(name) or []
    return [str(v["text"]).strip() for v in variants if isinstance(v, dict) and v.get("text")]


def diagnosis_texts(domain: Mapping[str, Any], fault_id: str = FAULT_ID) -> list[str]:
    """What the bot says at each diagnosis step of the fault (its first with an introduction).

    Raises:
        ValueError: The fault is not in the catalogue.
    """
    fault = load_catalogue().fault(fault_id)
    if fault is None:
        raise ValueError(f"no fault {fault_id} in the catalogue")
    texts = []
    for step in fault.diagnosis.steps:
        for text in response_variants(domain, "utter_diagnosis_start"):
            texts.append(text.format(fault_name=fault.name, question=step.question))
        for text in response_variants(domain, DIAGNOSIS_STEP):
            texts.append(text.format(question=step.question))
    return [text.strip() for text in texts]


def load_script(domain_file: Path = paths.DOMAIN) -> Script:
    """The owner's script from the domain's response texts.

    Raises:
        ValueError: A question or the ticket confirmation is missing from the domain.
    """
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    questions: dict[str, str] = {}
    for name in ANSWERS:
        texts = response_variants(domain, name)
        if not texts:
            raise ValueError(f"{domain_file}: no response {name}")
        questions.update(dict.fromkeys(texts, name))
    questions.update(dict.fromkeys(diagnosis_texts(domain), DIAGNOSIS_STEP))
    confirmations = response_variants(domain, TICKET_RESPONSE)
    if not confirmations or not all("{ticket_no}" in t for t in confirmations):
        raise ValueError(f"{domain_file}: {TICKET_RESPONSE} must name {{ticket_no}}")
    alternatives = [
        re.escape(t).replace(re.escape("{ticket_no}"), r"(?P<ticket_no>[A-Za-z0-9-]+)", 1)
        for t in confirmations
    ]
    return Script(questions, re.compile("|".join(f"(?:{a})" for a in alternatives)))


@dataclass(frozen=True)
class Owner:
    """One intake's owner: the conversation and the identifiers that are theirs alone."""

    sender: str
    imei: str
    phone: str


def imei_for(number: int) -> str:
    """A 15-digit IMEI with a valid Luhn check digit, different for each ``number``."""
    body = f"3520{number % 10**10:010d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def phone_for(number: int) -> str:
    """A mainland mobile number, different for each ``number`` below 10^8."""
    return f"139{number % 10**8:08d}"


def owner_for(prefix: str, owner: int, intake: int, number: int) -> Owner:
    """The owner of intake ``intake`` of owner ``owner``; ``number`` is unique in the run."""
    return Owner(f"{prefix}o{owner}-i{intake}", imei_for(number), phone_for(number))


def next_step(texts: list[str], script: Script, owner: Owner) -> tuple[str, str]:
    """What the owner does after the bot said ``texts``.

    Returns:
        ``("ticket", number)`` when the ticket was confirmed, ``("say", text)`` with the
        answer to the bot's last recognised question, or ``("stuck", "")``.
    """
    for text in texts:
        match = script.ticket.search(text)
        if match:
            return "ticket", match.group("ticket_no")
    for text in reversed(texts):
        name = script.questions.get(text.strip())
        if name:
            return "say", ANSWERS[name].format(imei=owner.imei, phone=owner.phone)
    return "stuck", ""


# --- tickets --------------------------------------------------------------------------------


def match_tickets(
    reported: Mapping[str, str | None], found: Mapping[str, list[str]]
) -> dict[str, int]:
    """Tickets expected (reported to an owner) against tickets found in the database.

    Args:
        reported: Sender id → the ticket number the bot gave, or None, for every intake.
        found: Sender id → the ticket numbers stored for it.

    Returns:
        ``expected``, ``found``, ``lost`` (a number given to an owner but not stored for that
        conversation), ``duplicated`` (more than one ticket for a conversation: the extra
        ones) and ``unconfirmed`` (tickets of conversations that never got a number).
    """
    lost = sum(1 for s, t in reported.items() if t and t not in found.get(s, []))
    return {
        "expected": sum(1 for t in reported.values() if t),
        "found": sum(len(numbers) for numbers in found.values()),
        "lost": lost,
        "duplicated": sum(len(numbers) - 1 for numbers in found.values() if len(numbers) > 1),
        "unconfirmed": sum(len(v) for s, v in found.items() if not reported.get(s)),
    }


# --- running owners -------------------------------------------------------------------------


@dataclass
class Tally:
    """What one scenario measured."""

    latencies: list[float] = field(default_factory=list)
    turn_errors: dict[str, int] = field(default_factory=dict)
    reported: dict[str, str | None] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)
    """``time.monotonic()`` of each failed turn (an answer on retry counts it still)."""
    answered_on_retry: int = 0

    @property
    def turns(self) -> int:
        """Turns sent so far, answered or not."""
        return len(self.latencies) + sum(self.turn_errors.values())

    def error(self, kind: str) -> None:
        """Count one failed turn of ``kind``."""
        self.turn_errors[kind] = self.turn_errors.get(kind, 0) + 1
        self.failed_at.append(time.monotonic())


async def say(session: Any, url: str, sender: str, text: str, tally: Tally) -> list[str] | str:
    """One turn: the bot's texts, or the kind of error (the latency of a good turn is kept)."""
    import aiohttp

    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None) if response.status == 200 else None
            status = response.status
    except asyncio.TimeoutError:
        tally.error("timeout")
        return "timeout"
    except (aiohttp.ClientError, ValueError) as error:
        tally.error("connection")
        return f"connection: {error!r}"[:200]
    if status != 200 or not isinstance(body, list):
        tally.error(f"http_{status}")
        return f"HTTP {status}"
    tally.latencies.append(time.perf_counter() - started)
    return [str(m.get("text") or "") for m in body if isinstance(m, dict)]


async def intake(
    session: Any,
    url: str,
    owner: Owner,
    script: Script,
    tally: Tally,
    think: Callable[[], float],
    retries: int = 0,
) -> None:
    """One whole intake by ``owner``; the ticket number given (or a failure) goes to ``tally``.

    A failed turn is sent again after a second, up to ``retries`` times, like a person would.
    """
    text, last = FAULT_TEXT, ""
    tally.reported[owner.sender] = None
    for _ in range(MAX_TURNS):
        pause = think()
        if pause > 0:
            await asyncio.sleep(pause)
        answer = await say(session, url, owner.sender, text, tally)
        for _ in range(retries if isinstance(answer, str) else 0):
            await asyncio.sleep(1.0)
            answer = await say(session, url, owner.sender, text, tally)
            if not isinstance(answer, str):
                tally.answered_on_retry += 1
                break
        if isinstance(answer, str):
            tally.failures.append({"sender": owner.sender, "reason": answer, "last_answer": last})
            return
        last = " / ".join(answer)[-300:] or last
        step, value = next_step(answer, script, owner)
        if step == "ticket":
            tally.reported[owner.sender] = value
            return
        if step == "stuck":
            break
        text = value
    tally.failures.append({"sender": owner.sender, "reason": "no ticket", "last_answer": last})


async def run_owners(
    url: str,
    script: Script,
    prefix: str,
    owners: int,
    *,
    intakes: int | None = None,
    duration: float | None = None,
    turns: int | None = None,
    think_mean: float = 0.0,
    turn_timeout: float = 30.0,
    seed: int = 42,
    numbers: Iterator[int] | None = None,
    retries: int = 0,
) -> tuple[Tally, float]:
    """``owners`` concurrent owners doing intake after intake.

    Each owner stops starting intakes after ``intakes`` of its own, after ``duration``
    seconds, or once ``turns`` turns were sent by all owners together, whichever comes first;
    an intake under way is finished. ``numbers`` gives each intake its IMEI and phone number
    (several runs against one ticket database must share it).

    Returns:
        The tally and the seconds from the first message to the last answer.
    """
    import aiohttp

    rng = random.Random(seed)
    tally = Tally()
    numbers = numbers if numbers is not None else itertools.count()

    def think() -> float:
        return rng.expovariate(1 / think_mean) if think_mean > 0 else 0.0

    timeout = aiohttp.ClientTimeout(total=turn_timeout)
    connector = aiohttp.TCPConnector(limit=0)
    started = time.monotonic()
    end = started + duration if duration is not None else None
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def one_owner(index: int) -> None:
            count = 0
            while (
                (intakes is None or count < intakes)
                and (end is None or time.monotonic() < end)
                and (turns is None or tally.turns < turns)
            ):
                owner = owner_for(prefix, index, count, next(numbers))
                await intake(session, url, owner, script, tally, think, retries)
                count += 1

        await asyncio.gather(*(one_owner(i) for i in range(owners)))
    return tally, time.monotonic() - started


def summary(
    tally: Tally, seconds: float, owners: int, found: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The figures of one scenario."""
    turns = tally.turns
    stuck = sum(1 for f in tally.failures if f["reason"] == "no ticket")
    completed = sum(1 for t in tally.reported.values() if t)
    return {
        "owners": owners,
        "seconds": round(seconds, 1),
        "intakes_started": len(tally.reported),
        "intakes_completed": completed,
        "turns": turns,
        "turns_per_s": round(turns / seconds, 2) if seconds > 0 else 0.0,
        "intakes_per_s": round(completed / seconds, 3) if seconds > 0 else 0.0,
        "latency_ms": latency_ms(tally.latencies),
        "errors": sum(tally.turn_errors.values()) + stuck,
        "turn_errors": dict(sorted(tally.turn_errors.items())),
        "intakes_without_ticket": len(tally.failures),
        "failures": tally.failures[:20],
        "tickets": match_tickets(tally.reported, found),
    }


class Target(Protocol):
    """What the scenarios run against: a started stack or cluster."""

    @property
    def url(self) -> str:
        """The REST webhook's URL."""

    def tickets(self, sender_prefix: str) -> dict[str, list[str]]:
        """Sender id → the ticket numbers stored for it, for senders with ``sender_prefix``."""


#: Extra figures of one scenario: called with the scenario's sender prefix before it runs, it
#: returns what is called with the tally right after the run and gives the figures to add to the
#: scenario's row and the text to add to its progress line.
Probe = Callable[[str], Callable[[Tally], tuple[dict[str, Any], str]]]


def warmup_and_saturation(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """The plans of the warm-up (``--warmup`` owners, one intake) and of ``saturation``."""
    return [
        ("warmup", {"owners": args.warmup, "intakes": 1}),
        ("saturation", {"owners": args.owners, "duration": args.duration}),
    ]


def scenario_plans(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """Warm-up, ``saturation`` and ``think`` (``--think-owners`` owners with think time)."""
    think = {
        "owners": args.think_owners,
        "intakes": args.think_intakes,
        "think_mean": args.think_mean,
    }
    return [*warmup_and_saturation(args), ("think", think)]


def run_scenarios(
    stack: Target,
    args: argparse.Namespace,
    script: Script,
    tag: str,
    plans: list[tuple[str, dict[str, Any]]],
    *,
    numbers: Iterator[int] | None = None,
    probe: Probe | None = None,
) -> dict[str, Any]:
    """Each plan (scenario name, ``run_owners`` arguments) in turn against a running stack.

    A plan without owners is left out. ``numbers`` gives the intakes their IMEIs and phone
    numbers (shared with any later run against the same ticket database).

    Returns:
        Scenario name → its ``summary`` (with the ``probe``'s figures).
    """
    results: dict[str, Any] = {}
    numbers = numbers if numbers is not None else itertools.count()
    for name, plan in plans:
        if plan["owners"] < 1:
            continue
        prefix = f"bench-{tag}-{name}-"
        print(f"  {name}: {plan}", flush=True)
        measured = probe(prefix) if probe is not None else None
        tally, seconds = asyncio.run(
            run_owners(
                stack.url,
                script,
                prefix,
                turn_timeout=args.turn_timeout,
                numbers=numbers,
                **plan,
            )
        )
        figures, extra = measured(tally) if measured is not None else ({}, "")
        row = results[name] = summary(tally, seconds, plan["owners"], stack.tickets(prefix))
        row.update(figures)
        print(
            f"  {name}: {row['turns']} turns in {row['seconds']} s = {row['turns_per_s']}/s, "
            f"p95 {row['latency_ms']['p95']} ms, errors {row['errors']}, "
            f"tickets {row['tickets']}{extra}",
            flush=True,
        )
    return results


# --- report ---------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(configurations: Mapping[str, Mapping[str, Any]]) -> str:
    """The side-by-side table of both scenarios for every configuration."""
    names = list(configurations)
    lines = [f"{'':<30}" + "".join(f"{n:>14}" for n in names)]
    stack_rows: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = [
        ("first REST answer s", lambda r: r.get("start_s")),
        ("Rasa processes", lambda r: r.get("memory_after", {}).get("rasa", {}).get("count")),
        ("Rasa RSS MB after (total)", lambda r: r["memory_after"]["rasa"]["rss_total_mb"]),
        ("Rasa PSS MB after (total)", lambda r: r["memory_after"]["rasa"]["pss_total_mb"]),
    ]
    for title, get in stack_rows:
        cells = [
            _fmt(get(configurations[n])) if "memory_after" in configurations[n] else "-"
            for n in names
        ]
        lines.append(f"{title:<30}" + "".join(f"{c:>14}" for c in cells))
    rows: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = [
        ("owners", lambda s: s["owners"]),
        ("intakes done / started", lambda s: f"{s['intakes_completed']}/{s['intakes_started']}"),
        ("turns", lambda s: s["turns"]),
        ("turns/s", lambda s: s["turns_per_s"]),
        ("latency p50 ms", lambda s: s["latency_ms"]["p50"]),
        ("latency p95 ms", lambda s: s["latency_ms"]["p95"]),
        ("latency p99 ms", lambda s: s["latency_ms"]["p99"]),
        ("errors", lambda s: s["errors"]),
        (
            "tickets expected / found",
            lambda s: f"{s['tickets']['expected']}/{s['tickets']['found']}",
        ),
        ("tickets lost", lambda s: s["tickets"]["lost"]),
        ("tickets duplicated", lambda s: s["tickets"]["duplicated"]),
        ("tickets unconfirmed", lambda s: s["tickets"]["unconfirmed"]),
    ]
    for scenario in ("saturation", "think"):
        lines.append(scenario)
        for title, get in rows:
            cells = []
            for name in names:
                result = configurations[name]
                data = (result.get("scenarios") or {}).get(scenario)
                cells.append(
                    _fmt(get(data)) if data else ("failed" if result.get("error") else "-")
                )
            lines.append(f"  {title:<28}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


def targets(result: Mapping[str, Any]) -> dict[str, bool | None]:
    """The issue's targets for one configuration (None when the scenario did not run)."""
    scenarios = result.get("scenarios") or {}
    saturation, think = scenarios.get("saturation"), scenarios.get("think")
    checks: dict[str, bool | None] = {"saturation": None, "think_p95": None}
    if saturation:
        tickets = saturation["tickets"]
        checks["saturation"] = (
            saturation["turns_per_s"] >= TARGETS["saturation_turns_per_s"]
            and saturation["errors"] == 0
            and tickets["lost"] == 0
            and tickets["duplicated"] == 0
        )
    if think and think["latency_ms"]["p95"] is not None:
        checks["think_p95"] = think["latency_ms"]["p95"] <= TARGETS["think_p95_ms"]
    return checks


# --- main -----------------------------------------------------------------------------------


def options(argv: list[str] | None) -> argparse.Namespace:
    """The command line; ``--quick`` shrinks every scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["stack"], default="stack", help="or cluster")
    parser.add_argument("--configs", default="project,stock", help="project and/or stock")
    parser.add_argument("--owners", type=int, default=12, help="saturation: concurrent owners")
    parser.add_argument("--duration", type=float, default=60.0, help="saturation: seconds")
    parser.add_argument("--think-owners", type=int, default=50)
    parser.add_argument("--think-intakes", type=int, default=2, help="intakes per owner")
    parser.add_argument("--think-mean", type=float, default=3.0, help="mean think time, s")
    parser.add_argument("--warmup", type=int, default=4, help="owners doing one intake first")
    parser.add_argument("--turn-timeout", type=float, default=30.0, help="seconds per turn")
    parser.add_argument("--workers", type=int, help="RASA_WORKERS (default: scripts/run.sh's)")
    parser.add_argument("--stock-epochs", type=int, default=DEFAULT_STOCK_EPOCHS)
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/load.json")
    args = parser.parse_args(argv)
    try:
        args.config_names = parse_configs(args.configs)
    except ValueError as error:
        parser.error(str(error))
    if args.quick:
        args.owners, args.duration, args.warmup = 2, 2.0, 1
        args.think_owners, args.think_intakes, args.think_mean = 2, 1, 0.1
    for name in ("owners", "think_owners", "think_intakes", "stock_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("duration", "think_mean", "turn_timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def target_of(argv: list[str]) -> str:
    """``--target``: ``stack`` (``make run``, project against stock) or ``cluster``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--target", choices=["stack", "cluster"], default="stack")
    known, _ = parser.parse_known_args(argv)
    return str(known.target)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios against each configuration, print the table, write the JSON.

    ``--target cluster``: the cluster against one server instead (``bench/cluster_load.py``).
    """
    argv = sys.argv[1:] if argv is None else argv
    if target_of(argv) == "cluster":
        from bench.cluster_load import main as cluster_main

        return cluster_main(argv)
    args = options(argv)
    try:
        script = load_script()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tag = datetime.now().strftime("%H%M%S")

    def measure(name: str, model: Path, folder: Path, result: dict[str, Any]) -> None:
        stack = Stack(model, folder, workers=args.workers)
        with stack:
            result["start_s"] = round(stack.start(), 1)
            print(f"  first REST answer after {result['start_s']} s", flush=True)
            result["scenarios"] = run_scenarios(
                stack, args, script, f"{tag}-{name}", scenario_plans(args)
            )
            result["memory_after"] = stack.memory()

    configurations, started = compare(
        args.config_names,
        prefix="bench-load-",
        stock_epochs=args.stock_epochs,
        measure=measure,
        targets=targets,
    )
    return finish(
        "load",
        configurations,
        started=started,
        table=table(configurations),
        options={
            k: v for k, v in vars(args).items() if k not in {"out", "config_names", "configs"}
        },
        stock_epochs=args.stock_epochs,
        targets=TARGETS,
        out=args.out,
    )


if __name__ == "__main__":
    raise SystemExit(main())
