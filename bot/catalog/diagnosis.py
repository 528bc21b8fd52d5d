"""Guided diagnosis steps of a fault: a small graph of yes/no questions, and its checks.

A fault of ``faults.yml`` may list ``diagnosis`` steps; the first step is the entry. Each step
asks one yes/no question and names where each answer leads: another step's id, ``solved``
(the owner's problem is gone, no ticket) or ``repair`` (go on with the intake). The loader
(:mod:`bot.catalog.loader`) parses the steps; :func:`check_graph` finds what would trap or lose
an owner (a missing step, a step never reached, a cycle). Pure: no Rasa, SDK or database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: Where an answer ends the diagnosis: the problem is solved, or the phone needs a repair.
SOLVED = "solved"
REPAIR = "repair"
ENDS = frozenset({SOLVED, REPAIR})

Answer = Literal["yes", "no"]
ProblemKind = Literal["unknown_step", "unreachable", "cycle"]


@dataclass(frozen=True)
class DiagnosisStep:
    """One yes/no question and where each answer leads."""

    id: str
    question: str
    yes: str
    no: str

    def next(self, answer: Answer) -> str:
        """The step id (or ``solved`` / ``repair``) that ``answer`` leads to."""
        return self.yes if answer == "yes" else self.no


@dataclass(frozen=True)
class Diagnosis:
    """A fault's diagnosis steps; the first is the entry. Empty: the fault has none."""

    steps: tuple[DiagnosisStep, ...] = ()

    @property
    def first(self) -> DiagnosisStep | None:
        """The step the diagnosis starts with, or ``None`` when there are no steps."""
        return self.steps[0] if self.steps else None

    def step(self, step_id: str) -> DiagnosisStep | None:
        """The step with this id, or ``None``."""
        return next((s for s in self.steps if s.id == step_id), None)

    def __bool__(self) -> bool:
        return bool(self.steps)


@dataclass(frozen=True)
class DiagnosisRecord:
    """How the steps an owner went through are written into the ticket's fault description.

    Attributes:
        note: Added after the description; ``{steps}`` is the steps, joined.
        step: One step; ``{question}`` and ``{answer}`` (``answered_yes`` / ``answered_no``).
        answered_yes: The owner's "yes", as the ticket says it.
        answered_no: The owner's "no".
        separator: Between steps.
    """

    note: str = " ({steps})"
    step: str = "{question} {answer}"
    answered_yes: str = "yes"
    answered_no: str = "no"
    separator: str = "; "

    def render(self, description: str, tried: Sequence[tuple[DiagnosisStep, Answer]]) -> str:
        """``description`` with the steps tried and their answers; unchanged when none."""
        if not tried:
            return description
        steps = self.separator.join(
            self.step.format(
                question=step.question,
                answer=self.answered_yes if answer == "yes" else self.answered_no,
            )
            for step, answer in tried
        )
        return description + self.note.format(steps=steps)


@dataclass(frozen=True)
class GraphProblem:
    """A step the diagnosis graph gets wrong.

    Attributes:
        kind: ``unknown_step`` (an answer leads to a step that does not exist),
            ``unreachable`` (no path from the first step leads here) or ``cycle``
            (the answers can lead back to this step).
        step: The step's id.
        answer: For ``unknown_step``: the answer, ``yes`` or ``no``.
        target: For ``unknown_step``: the missing id; for ``cycle``: the path, joined by
            `` -> ``.
    """

    kind: ProblemKind
    step: str
    answer: str = ""
    target: str = ""


def check_graph(diagnosis: Diagnosis) -> list[GraphProblem]:
    """What keeps ``diagnosis`` from ending on every path; empty when it is sound.

    Every answer must lead to a step of the diagnosis or to an end, every step must be
    reachable from the first, and no path may come back to a step (so every path ends).
    """
    problems: list[GraphProblem] = []
    ids = {s.id for s in diagnosis.steps}
    for step in diagnosis.steps:
        for answer in ("yes", "no"):
            target = step.next(answer)
            if target not in ids and target not in ENDS:
                problems.append(GraphProblem("unknown_step", step.id, answer, target))
    first = diagnosis.first
    if first is None:
        return problems
    reached: set[str] = set()
    pending = [first.id]
    while pending:
        current = diagnosis.step(pending.pop())
        if current is None or current.id in reached:
            continue
        reached.add(current.id)
        pending += [current.yes, current.no]
    problems += [GraphProblem("unreachable", s.id) for s in diagnosis.steps if s.id not in reached]
    problems += [
        GraphProblem("cycle", path[0], target=" -> ".join(path)) for path in _cycles(diagnosis)
    ]
    return problems


def _cycles(diagnosis: Diagnosis) -> list[list[str]]:
    """One path per cycle, from the step it first comes back to (depth-first, in step order)."""
    done: set[str] = set()
    found: list[list[str]] = []

    def visit(step_id: str, path: list[str]) -> None:
        if step_id in path:
            found.append([*path[path.index(step_id) :], step_id])
            return
        step = diagnosis.step(step_id)
        if step is None or step_id in done:
            return
        for target in dict.fromkeys((step.yes, step.no)):
            visit(target, [*path, step_id])
        done.add(step_id)

    for step in diagnosis.steps:
        visit(step.id, [])
    return found
