"""``make validate``: every fault's diagnosis steps end on every path (in Chinese for trainers).

The graph check itself is :func:`bot.catalog.diagnosis.check_graph`; this module words its
findings with the texts of ``validate.diagnosis`` in ``bot/data/catalog/trainer.yml``.
"""

from __future__ import annotations

from bot.catalog.diagnosis import GraphProblem, check_graph
from bot.catalog.loader import Catalogue
from bot.trainer.texts import trainer_text


def diagnosis_problems(catalogue: Catalogue) -> list[str]:
    """One message per step that would trap or lose an owner; empty when every graph is sound."""
    return [
        _message(problem, trainer_text("validate.fault_label", id=fault.id, name=fault.name))
        for fault in catalogue.faults
        for problem in check_graph(fault.diagnosis)
    ]


def _message(problem: GraphProblem, label: str) -> str:
    if problem.kind == "unknown_step":
        return trainer_text(
            "validate.diagnosis.unknown_step",
            label=label,
            step=problem.step,
            answer=problem.answer,
            target=problem.target,
        )
    if problem.kind == "unreachable":
        return trainer_text("validate.diagnosis.unreachable", label=label, step=problem.step)
    return trainer_text("validate.diagnosis.cycle", label=label, path=problem.target)
