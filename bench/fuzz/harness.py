"""Run one fuzz target with hypothesis: count inputs, failures (with the input) and time.

A target is a strategy and a ``check`` that takes one generated value. Anything ``check``
raises is a failure: a parser that raises, a surface that answers 5xx or drops the
connection (``check`` raises :class:`Finding`). Every record logged at ERROR or above while
the target runs is a failure too (Sanic's "Exception occurred while handling uri", a channel's
``logger.exception``, python-socketio's "handler error"), attributed to the input being sent.
Failures are recorded rather than raised, so one run counts all of them over every input.
"""

from __future__ import annotations

import logging
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisWarning
from hypothesis.strategies import SearchStrategy

MAX_KEPT = int(__import__("os").environ.get("FUZZ_KEEP", "5"))
"""Failures kept with their input and traceback, per target (all are counted)."""
MAX_REPR = 600


class Finding(Exception):
    """A surface answered 5xx, dropped the connection or stopped answering."""


@dataclass(frozen=True)
class Target:
    """One parser or inbound surface; ``check`` returns a short outcome label (a status)."""

    name: str
    group: str
    covers: str
    strategy: SearchStrategy[Any]
    check: Callable[[Any], str | None]


@dataclass
class Result:
    """What one target did."""

    name: str
    group: str
    covers: str
    inputs: int = 0
    failures: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, str]] = field(default_factory=list)

    def record(self, value: Any, error: str) -> None:
        """Count a failure; keep the first few with their input."""
        self.failures += 1
        if len(self.examples) < MAX_KEPT:
            self.examples.append({"input": _short(value), "error": error[-4000:]})

    def as_json(self) -> dict[str, Any]:
        """The JSON form of the report."""
        return {
            "name": self.name,
            "group": self.group,
            "covers": self.covers,
            "inputs": self.inputs,
            "failures": self.failures,
            "seconds": round(self.seconds, 2),
            "inputs_per_s": round(self.inputs / self.seconds, 1) if self.seconds else None,
            "outcomes": dict(sorted(self.outcomes.items())),
            "failure_examples": self.examples,
        }


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + f"... ({len(text)} chars)"


class ErrorRecords(logging.Handler):
    """Collects every record at ERROR or above, from any logger, while installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record (its traceback is formatted when reported)."""
        self.records.append(record)

    def take(self) -> list[str]:
        """The records collected since the last call, formatted with their traceback."""
        taken, self.records = self.records, []
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return [formatter.format(r) for r in taken]


# Loggers that do not propagate to the root logger in some configurations: listen on them too.
_LOGGERS = ("", "sanic.error", "sanic.root", "engineio.server", "socketio.server")


@contextmanager
def error_records() -> Iterator[ErrorRecords]:
    """Install an :class:`ErrorRecords` handler on the root logger and Sanic's loggers."""
    handler = ErrorRecords()
    seen: set[int] = set()

    def once(record: logging.LogRecord) -> bool:  # a record reaches several loggers
        if id(record) in seen:
            return False
        seen.add(id(record))
        return True

    handler.addFilter(once)
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    # python-engineio gives its logger a stderr handler: what it logs is collected instead.
    own = {logger: list(logger.handlers) for logger in loggers[3:]}
    for logger in loggers:
        for existing in own.get(logger, []):
            logger.removeHandler(existing)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
            for existing in own.get(logger, []):
                logger.addHandler(existing)


def run_target(
    target: Target,
    examples: int,
    *,
    seed: int | None = None,
    settle: Callable[[], None] | None = None,
) -> Result:
    """Feed ``examples`` generated values to ``target.check``; never raises for a failure.

    Args:
        target: The target.
        examples: How many inputs hypothesis generates (it may stop earlier only when the
            strategy has no more distinct values, which the count shows).
        seed: Fixed seed (``None``: random, printed in the report by the caller).
        settle: Called after the last input, before the final sweep of logged errors (lets a
            server finish what the last inputs started).
    """
    result = Result(target.name, target.group, target.covers)

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
    )
    @given(target.strategy)
    def feed(value: Any) -> None:
        result.inputs += 1
        try:
            outcome = target.check(value)
        except Exception as error:  # every exception is a finding, recorded with its input
            kind = "finding" if isinstance(error, Finding) else "crash"
            result.outcomes[kind] += 1
            result.record(value, "".join(traceback.format_exception(error)))
        else:
            result.outcomes[outcome or "ok"] += 1
        for logged in records.take():
            result.outcomes["error_logged"] += 1
            result.record(value, logged)

    if seed is not None:
        feed = _seeded(feed, seed)
    started = time.perf_counter()
    with error_records() as records, warnings.catch_warnings():
        # The strategies' repr is long; hypothesis warns when it is built. Not a finding.
        warnings.simplefilter("ignore", HypothesisWarning)
        feed()
        if settle is not None:
            settle()
        for logged in records.take():
            result.outcomes["error_logged"] += 1
            result.record("(after the last input)", logged)
    result.seconds = time.perf_counter() - started
    return result


def _seeded(test: Callable[[], None], seed: int) -> Callable[[], None]:
    from hypothesis import seed as hypothesis_seed

    return hypothesis_seed(seed)(test)  # type: ignore[no-any-return]
