"""The project's own consistency checks, run by ``make validate`` after ``rasa data validate``.

- every catalogue fault has its intent in the domain, enough examples, the rule that starts
  the intake, the texts the bot says for it and a conversation test;
- every ``fault_*`` intent has a catalogue entry;
- no sentence is an example of two intents, and no held-out sentence is a training example;
- jieba keeps every device alias and fault keyword whole;
- the generated rule files are up to date;
- the dialogue's lists (``bot/data/catalog/dialogue.yml``) name only the domain's slots and
  intents, and the form asks for each of its slots.

Findings are errors (exit 1) or notes, written in Chinese for the trainers
(``validate`` in ``bot/data/catalog/trainer.yml``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rasa.shared.core.constants import DEFAULT_INTENTS

from bot.catalog.canned_replies import check_canned_replies
from bot.catalog.courier import check_courier
from bot.catalog.handoff import load_handoff_policy
from bot.catalog.loader import Catalogue, CatalogueError, load_catalogue
from bot.catalog.sanbao import check_sanbao
from bot.intake.parts import check_part_keywords
from bot.intake.places import check_place_names
from bot.nlu.segmenter import catalogue_words, get_segmenter, normalize_chars, segment
from bot.settings import PROJECT_ROOT
from bot.tickets.draft_checks import check_ticket_fields
from bot.tickets.models.pickups import PICKUP_STATUSES
from bot.trainer import fault_rules, handoff_rules, paths
from bot.trainer.diagnosis_checks import diagnosis_problems
from bot.trainer.new_fault import FAULT_DIALOGUES, MIN_EXAMPLES
from bot.trainer.nlu_files import Example, load_examples, normalise, read_domain
from bot.trainer.texts import trainer_text

if TYPE_CHECKING:
    from bot.actions.dialogue import Dialogue, Domain

ERROR, NOTE = trainer_text("validate.levels.error"), trainer_text("validate.levels.note")
FAULT_RESPONSES = ("utter_fault_self_help", "utter_fault_follow_up")
DIALOGUE = "bot/data/catalog/dialogue.yml"
INTAKE_RULES = paths.DATA_DIR / "rules" / "intake.yml"


@dataclass(frozen=True)
class Finding:
    """One problem or note."""

    level: str
    message: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.message}"


def _rel(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def dialogue_categories(folder: Path) -> set[str]:
    """The fault categories the conversation tests in ``folder`` end a ticket with or set."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("conversations") or []:
            ticket = case.get("ticket") or {}
            if ticket.get("fault_category"):
                found.add(str(ticket["fault_category"]))
            for turn in case.get("turns") or []:
                category = (turn.get("slots") or {}).get("fault_category")
                if category:
                    found.add(str(category))
    return found


def check_faults(
    catalogue: Catalogue,
    intents: Iterable[str],
    responses: Iterable[str],
    examples: list[Example],
    heldout: list[Example],
    tested: set[str],
) -> list[Finding]:
    """Every fault is complete, and every fault intent is in the catalogue."""
    intents, responses = set(intents), set(responses)
    findings: list[Finding] = []
    counts: dict[str, int] = defaultdict(int)
    for example in examples:
        counts[example.intent] += 1
    heldout_intents = {e.intent for e in heldout}
    findings += [
        Finding(ERROR, trainer_text("validate.missing_response", name=name))
        for name in FAULT_RESPONSES
        if name not in responses
    ]
    for fault in catalogue.faults:
        if not fault.intent:
            continue
        label = trainer_text("validate.fault_label", id=fault.id, name=fault.name)
        checks = [
            (ERROR, fault.intent not in intents, "missing_intent"),
            (ERROR, counts[fault.intent] < MIN_EXAMPLES, "few_examples"),
            (ERROR, fault.id not in tested, "no_dialogue"),
            (NOTE, not fault.self_help, "no_self_help"),
            (NOTE, not fault.follow_up, "no_follow_up"),
            (NOTE, fault.intent not in heldout_intents, "no_heldout"),
        ]
        findings += [
            Finding(
                level,
                trainer_text(
                    f"validate.{key}",
                    label=label,
                    intent=fault.intent,
                    count=counts[fault.intent],
                    minimum=MIN_EXAMPLES,
                ),
            )
            for level, failed, key in checks
            if failed
        ]
    catalogued = {f.intent for f in catalogue.faults if f.intent}
    for intent in sorted((intents | set(counts)) - catalogued):
        if intent.startswith("fault_"):
            findings.append(
                Finding(ERROR, trainer_text("validate.uncatalogued_intent", intent=intent))
            )
    return findings


def check_duplicates(examples: list[Example], heldout: list[Example]) -> list[Finding]:
    """No sentence under two intents; no held-out sentence among the training examples."""
    findings: list[Finding] = []
    by_key: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_key[normalise(example.text)].append(example)
    for group in by_key.values():
        intents = sorted({e.intent for e in group})
        if len(intents) > 1:
            where = trainer_text("validate.list_separator").join(
                trainer_text("validate.duplicate_owner", intent=e.intent, file=e.path.name)
                for e in group
            )
            findings.append(
                Finding(
                    ERROR,
                    trainer_text("validate.duplicate_example", text=group[0].text, owners=where),
                )
            )
    for example in heldout:
        same = by_key.get(normalise(example.text))
        if same:
            findings.append(
                Finding(
                    ERROR,
                    trainer_text(
                        "validate.heldout_in_training",
                        text=example.text,
                        intent=same[0].intent,
                        file=same[0].path.name,
                    ),
                )
            )
    return findings


def check_dictionary(catalogue: Catalogue) -> list[Finding]:
    """Check that jieba keeps every device alias and fault keyword in one piece."""
    segmenter = get_segmenter(tuple(catalogue_words(catalogue)))
    words = [(d.name, alias) for d in catalogue.devices for alias in d.names]
    words += [(f.name, keyword) for f in catalogue.faults for keyword in f.keywords]
    findings = []
    for owner, word in words:
        compact = normalize_chars(word).replace(" ", "")
        tokens = [t for t, _, _ in segment(segmenter, compact)]
        if len(tokens) != 1:
            findings.append(
                Finding(
                    ERROR,
                    trainer_text(
                        "validate.split_word", word=word, owner=owner, tokens=" / ".join(tokens)
                    ),
                )
            )
    return findings


def check_generated(catalogue: Catalogue) -> list[Finding]:
    """The rule files generated from the catalogues match them."""
    findings = []
    pairs = [
        (fault_rules.RULES_FILE, fault_rules.render_rules(catalogue), "fault_rules"),
        (
            handoff_rules.RULES_FILE,
            handoff_rules.render_rules(load_handoff_policy()),
            "handoff_rules",
        ),
    ]
    for path, expected, module in pairs:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != expected:
            findings.append(
                Finding(
                    ERROR, trainer_text("validate.stale_generated", path=_rel(path), module=module)
                )
            )
    return findings


def intake_question_rules(path: Path, form: str) -> set[str]:
    """The intents whose questions a rule answers during ``form`` (action_fallback, then the form).

    Without such a rule a question the form refuses gets Rasa's core fallback, which takes the
    message back and does not ask the form's question again.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    answered: set[str] = set()
    for rule in data.get("rules") or []:
        steps = rule.get("steps") or []
        if (
            {"active_loop": form} in (rule.get("condition") or [])
            and len(steps) > 1
            and steps[0].get("intent")
            and steps[1] == {"action": "action_fallback"}
            and {"action": form} in steps
        ):
            answered.add(str(steps[0]["intent"]))
    return answered


def _each(
    names: Iterable[str], where: Iterable[str], wanted: bool, key: str, **params: object
) -> list[str]:
    """Text ``validate.dialogue.<key>`` on each name not in ``where`` (not ``wanted``: in it)."""
    known = set(where)
    return [
        trainer_text(f"validate.dialogue.{key}", name=name, **params)
        for name in names
        if (name in known) is not wanted
    ]


def check_dialogue(dialogue: Dialogue, domain: Domain, answered: set[str]) -> list[Finding]:
    """``dialogue.yml`` names only the domain's slots and intents, and its lists agree.

    Args:
        dialogue: The lists of ``dialogue.yml``.
        domain: The domain they are checked against.
        answered: The intents whose questions an intake rule answers
            (:func:`intake_question_rules`).
    """
    form, form_slots = dialogue.form, dialogue.form_slots(domain)
    problems = _each([form], domain.forms, True, "form_unknown")
    for group, names in (
        ("intake", dialogue.intake_slots),
        ("optional", dialogue.optional_slots),
        ("pending", dialogue.pending_slots),
        ("carried_over", dialogue.carried_over),
    ):
        problems += _each(names, domain.slots, True, "slot_unknown", group=group)
    problems += _each(dialogue.optional_slots, form_slots, True, "optional_not_in_form")
    problems += _each(dialogue.intake_slots, form_slots, False, "intake_repeats_form")
    intents = {*domain.intents, *DEFAULT_INTENTS}
    never = dialogue.never_value_intents
    for group, names in (
        ("never_values", never),
        ("answers", dialogue.answer_intents),
        ("fault_answers", dialogue.fault_answer_intents),
    ):
        problems += _each(names, intents, True, "intent_unknown", group=group)
        if group != "never_values":
            problems += _each(names, never, False, "intent_also_never", group=group)
    askers = {*domain.responses, *domain.actions}
    problems += [
        trainer_text("validate.dialogue.slot_not_asked", slot=slot)
        for slot in form_slots
        if not {
            f"{kind}_ask_{name}"
            for kind in ("utter", "action")
            for name in (slot, f"{form}_{slot}")
        }
        & askers
    ]
    problems += _each(
        dialogue.answer_intents,
        answered,
        True,
        "missing_rule",
        rules=_rel(INTAKE_RULES),
    )
    return [
        Finding(ERROR, trainer_text("validate.dialogue.problem", file=DIALOGUE, problem=problem))
        for problem in problems
    ]


def dialogue_findings() -> list[Finding]:
    """:func:`check_dialogue` on the project's files; a broken ``dialogue.yml`` is one error."""
    try:
        # Imported here: the actions package reads dialogue.yml when it is imported.
        from bot.actions.dialogue import load_dialogue, load_domain

        dialogue, domain = load_dialogue(), load_domain(paths.DOMAIN)
    except (CatalogueError, yaml.YAMLError) as exc:
        return [Finding(ERROR, trainer_text("validate.dialogue.broken", file=DIALOGUE, error=exc))]
    return check_dialogue(dialogue, domain, intake_question_rules(INTAKE_RULES, dialogue.form))


def definition_findings(domain: Mapping[str, Any]) -> list[Finding]:
    """The code's definitions against the data: ticket fields, place names, part keywords.

    Args:
        domain: The parsed ``domain.yml``.
    """
    problems = [*check_ticket_fields(domain), *check_place_names(), *check_part_keywords()]
    problems += check_sanbao()  # after-sales: 三包 periods
    problems += check_courier(PICKUP_STATUSES)  # after-sales: pickup hours and status names
    problems += check_canned_replies()  # agent console: 快捷回复
    return [Finding(ERROR, problem) for problem in problems]


def run_checks() -> list[Finding]:
    """Every check on the project's files."""
    try:
        catalogue = load_catalogue(fresh=True)
    except CatalogueError as exc:
        return [Finding(ERROR, trainer_text("validate.broken_catalogue", error=exc))]
    examples = load_examples([paths.DATA_DIR / "nlu"])
    heldout = load_examples([paths.HELDOUT.parent])
    domain = read_domain(paths.DOMAIN)
    return [
        *check_faults(
            catalogue,
            domain.intents,
            domain.responses,
            examples,
            heldout,
            dialogue_categories(FAULT_DIALOGUES.parent),
        ),
        *check_duplicates(examples, heldout),
        *check_dictionary(catalogue),
        *check_generated(catalogue),
        *dialogue_findings(),
        *definition_findings(yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8")) or {}),
        *(Finding(ERROR, problem) for problem in diagnosis_problems(catalogue)),
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the findings; exit 1 when there is an error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print errors only")
    args = parser.parse_args(argv)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    findings = run_checks()
    errors = [f for f in findings if f.level == ERROR]
    for finding in findings:
        if finding.level == ERROR or not args.quiet:
            print(finding)
    notes = len(findings) - len(errors)
    if errors:
        print(trainer_text("validate.failed", errors=len(errors), notes=notes), file=sys.stderr)
        return 1
    print(trainer_text("validate.passed", notes=notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
