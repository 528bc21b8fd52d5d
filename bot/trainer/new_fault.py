"""Scaffold a new fault type: ``make new-fault`` / ``python -m bot.trainer.new_fault``.

From an id, a Chinese name and a few examples it writes everything the bot needs, all of it
data, no Python: the catalogue entry (``bot/data/catalog/faults.yml``), the intent with its
examples (``bot/data/nlu/faults.yml``), the intent in ``domain.yml``, the rule that starts the
intake (``bot/data/rules/faults.yml``, regenerated) and a whole conversation test that opens a
ticket with the new category (``tests/conversations/dialogues/faults.yml``). Diagnosis steps
(``--steps``, yes/no questions) become a chain: "yes" solves the problem, "no" goes to the next
step, and "no" at the last one goes on with the repair; trainers edit the graph in the YAML.

Nothing is written when a check fails: an id that exists, too few examples, or an example that
is already an example of another intent. The reasons are printed in Chinese for the trainer.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.diagnosis import REPAIR, SOLVED, Answer, Diagnosis, DiagnosisStep
from bot.catalog.loader import CATALOG_DIR, Catalogue, Fault, load_catalogue
from bot.intake.serial import luhn_valid
from bot.intake.warranty import detect_damage
from bot.settings import PROJECT_ROOT
from bot.trainer import fault_rules, paths
from bot.trainer.nlu_files import intent_block, load_examples, normalise, plain_text, read_domain
from bot.trainer.texts import section_texts

_t = section_texts("new_fault")

MIN_EXAMPLES = 5
FAULT_ID = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
FAULTS_NLU = paths.DATA_DIR / "nlu" / "faults.yml"
FAULT_DIALOGUES = PROJECT_ROOT / "tests" / "conversations" / "dialogues" / "faults.yml"
SPLIT = re.compile(r"[|\n]+")

# The conversation test: a phone, a purchase date and a contact every fault test shares.
DIALOGUE_DEVICE = ("一加12", "oneplus-12")
DIALOGUE_PURCHASE = ("去年三月", "{last_year}-03-01")
DIALOGUE_PHONE = "13912345678"
# Descriptions too short for their follow-up question get this answer to it.
FOLLOW_UP_ANSWER = "一直都是这样，重启之后也没有好"
# The owner's answer to every diagnosis step of the conversation test: none of them helps.
DIAGNOSIS_ANSWER = "否"
_WARRANTY_RESPONSES = {
    "liquid": "utter_warranty_out_liquid",
    "physical": "utter_warranty_out_physical",
}


@dataclass
class NewFault:
    """What the trainer asked for."""

    id: str
    name: str
    examples: list[str]
    tips: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    covered: bool = True
    steps: list[str] = field(default_factory=list)

    @property
    def intent(self) -> str:
        """The NLU intent of the new fault."""
        return f"fault_{self.id}"

    def as_fault(self) -> Fault:
        """The catalogue entry as the loader would read it."""
        return Fault(
            id=self.id,
            name=self.name,
            covered=self.covered,
            damage=None,
            keywords=tuple(self.keywords),
            self_help=tuple(self.tips),
            follow_up=tuple(self.questions),
            diagnosis=chain(self.steps),
        )


def chain(questions: Sequence[str]) -> Diagnosis:
    """Diagnosis steps ``check1``, ``check2`` ...: yes solves it, no asks the next (or repairs)."""
    ids = [f"check{n}" for n in range(1, len(questions) + 1)]
    return Diagnosis(
        tuple(
            DiagnosisStep(step_id, question, SOLVED, ids[n + 1] if n + 1 < len(ids) else REPAIR)
            for n, (step_id, question) in enumerate(zip(ids, questions, strict=True))
        )
    )


def split_values(values: Sequence[str]) -> list[str]:
    """Values given as repeated options or joined with ``|`` or new lines; blanks dropped."""
    return [part.strip() for value in values for part in SPLIT.split(value) if part.strip()]


def check_new_fault(
    new: NewFault, catalogue: Catalogue, intents: Collection[str], nlu_dirs: Sequence[Path]
) -> list[str]:
    """Why the fault cannot be added, in Chinese; empty when it can."""
    problems: list[str] = []
    if not FAULT_ID.match(new.id):
        problems.append(_t("bad_id", id=new.id))
    if catalogue.fault(new.id):
        problems.append(_t("fault_exists", id=new.id))
    if new.intent in intents:
        problems.append(_t("intent_exists", intent=new.intent))
    if not new.name.strip():
        problems.append(_t("no_name"))
    for fault in catalogue.faults:
        if fault.name == new.name.strip():
            problems.append(_t("name_taken", name=new.name, id=fault.id))
    distinct = {normalise(e): e for e in new.examples}
    if len(distinct) < MIN_EXAMPLES:
        problems.append(_t("few_examples", minimum=MIN_EXAMPLES, count=len(distinct)))
    known = {normalise(e.text): e for e in load_examples(nlu_dirs)}
    for key, text in distinct.items():
        other = known.get(key)
        if other is not None:
            problems.append(
                _t("example_taken", text=text, intent=other.intent, file=other.path.name)
            )
    return problems


def catalogue_entry(new: NewFault) -> str:
    """The YAML lines of the new catalogue entry, in the file's own layout."""

    def flow(values: list[str]) -> str:
        return "[" + ", ".join(_flow_scalar(v) for v in values) + "]"

    steps = "".join(
        f"      - id: {step.id}\n"
        f"        question: {_flow_scalar(step.question)}\n"
        f"        yes: {step.yes}\n"
        f"        no: {step.no}\n"
        for step in chain(new.steps).steps
    )
    return (
        f"  - id: {new.id}\n"
        f"    name: {_flow_scalar(new.name)}\n"
        f"    covered: {'true' if new.covered else 'false'}\n"
        f"    keywords: {flow(new.keywords)}\n"
        f"    self_help: {flow(new.tips)}\n"
        f"    follow_up: {flow(new.questions)}\n" + (f"    diagnosis:\n{steps}" if steps else "")
    )


def _flow_scalar(value: str) -> str:
    """A scalar safe inside a YAML flow sequence (quoted when it needs to be)."""
    dumped = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=10_000)
    return dumped.strip()[1:-1]


def insert_catalogue_entry(text: str, new: NewFault) -> str:
    """``faults.yml`` with the entry added before ``other`` (which stays last)."""
    marker = "  - id: other\n"
    if marker not in text:
        raise ValueError("faults.yml has no 'other' entry")
    return text.replace(marker, catalogue_entry(new) + marker, 1)


def insert_domain_intent(text: str, intent: str) -> str:
    """``domain.yml`` with ``intent`` after the last fault intent (or at the end of the list)."""
    lines = text.splitlines(keepends=True)
    start = lines.index("intents:\n")
    anchor = last = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "#")):
            break
        if line.startswith("  - "):
            last = i
            if line.startswith("  - fault_"):
                anchor = i
    lines.insert((anchor if anchor != start else last) + 1, f"  - {intent}\n")
    return "".join(lines)


def dialogue_imei(fault_id: str) -> str:
    """A valid IMEI of its own for the fault's conversation test (no duplicate-ticket prompt)."""
    number = int(hashlib.sha256(fault_id.encode()).hexdigest(), 16) % 10**12
    body = f"86{number:012d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def opening_example(examples: Sequence[str], catalogue: Catalogue) -> str:
    """The example the conversation test opens with: the longest that names no phone model.

    The test then asks for the model, so an example that names one (annotated or not) would
    skip that question; plain text is used either way.
    """
    texts = [plain_text(e) for e in examples]
    aliases = [n.lower() for d in catalogue.devices for n in d.names]
    plain = [
        t
        for t, raw in zip(texts, examples, strict=True)
        if t == raw.strip() and not any(alias in t.lower() for alias in aliases)
    ]
    return max(plain or texts, key=len)


def fault_dialogue(fault: Fault, example: str, catalogue: Catalogue) -> dict[str, Any]:
    """A whole intake conversation that starts with ``example`` and ends with a ticket."""
    first_turns: list[dict[str, Any]] = []
    description = example
    asks_device = ["utter_ask_device_model"]
    if fault.follow_up and len(example.strip()) < catalogue.follow_up_below_chars:
        first_turns.append({"user": example, "bot": ["utter_fault_follow_up"]})
        description = f"{example}；{FOLLOW_UP_ANSWER}"
    # Steps to go through (none when the description names damage), else the tips.
    steps = fault.diagnosis.steps if detect_damage(description, catalogue) is None else ()
    opening = ["utter_diagnosis_start"] if steps else []
    tips = ["utter_fault_self_help"] if fault.self_help and not steps else []
    first = {"user": FOLLOW_UP_ANSWER if first_turns else example}
    first_turns.append({**first, "bot": [*tips, *(opening or asks_device)]})
    first_turns[-1]["slots"] = {"fault_category": fault.id}
    turns, path = _diagnosis_turns(steps, asks_device)
    first_turns += turns
    record: list[tuple[DiagnosisStep, Answer]] = [(step, "no") for step in path]
    ticket_description = catalogue.diagnosis_record.render(description, record)
    kinds = {detect_damage(description, catalogue), fault.damage}
    damage = "liquid" if "liquid" in kinds else ("physical" if "physical" in kinds else None)
    if damage:
        warranty, status = _WARRANTY_RESPONSES[damage], "out_of_warranty"
    elif fault.covered:
        warranty, status = "utter_warranty_in_warranty", "in_warranty"
    else:
        warranty, status = "utter_warranty_out_category", "out_of_warranty"
    imei = dialogue_imei(fault.id)
    return {
        "name": f"a {fault.id} fault opens a ticket",
        "turns": [
            *first_turns,
            {
                "user": DIALOGUE_DEVICE[0],
                "bot": ["utter_ask_purchase_date"],
                "slots": {"device_model": DIALOGUE_DEVICE[1]},
            },
            {"user": DIALOGUE_PURCHASE[0], "bot": ["utter_ask_serial_number"]},
            {"user": imei, "bot": ["utter_ask_service_type"]},
            {"user": "寄修", "bot": ["utter_ask_contact_phone"]},
            {
                "user": DIALOGUE_PHONE,
                "bot": ["utter_intake_summary", warranty, "utter_ask_intake_confirmed"],
                "says": [fault.name],
            },
            {
                "user": "确认",
                "bot": [
                    "utter_ticket_created",
                    "utter_next_step_mail_in",
                    _privacy_response(catalogue),
                    "utter_ask_rating",
                ],
            },
        ],
        "ticket": {
            "fault_category": fault.id,
            "fault_description": ticket_description,
            "device_model_id": DIALOGUE_DEVICE[1],
            "serial_number": imei,
            "purchase_date": DIALOGUE_PURCHASE[1],
            "warranty_status": status,
            "service_type": "mail_in",
            "contact_phone": DIALOGUE_PHONE,
        },
    }


def _diagnosis_turns(
    steps: Sequence[DiagnosisStep], asks_device: list[str]
) -> tuple[list[dict[str, Any]], list[DiagnosisStep]]:
    """The owner answers 否 to each step on the "no" path until the repair goes on.

    Returns:
        The turns, and the steps they went through.
    """
    turns: list[dict[str, Any]] = []
    path: list[DiagnosisStep] = []
    by_id = {step.id: step for step in steps}
    step = steps[0] if steps else None
    while step is not None and step not in path:
        path.append(step)
        following = by_id.get(step.no)
        bot = ["utter_diagnosis_step"] if following else ["utter_diagnosis_repair", *asks_device]
        turns.append({"user": DIAGNOSIS_ANSWER, "bot": bot})
        step = following
    return turns, path


def _privacy_response(catalogue: Catalogue) -> str:
    """The privacy checklist after the test's mail-in ticket, for the test's phone."""
    device = catalogue.device(DIALOGUE_DEVICE[1])
    if device is not None and device.maintenance_mode:
        return "utter_privacy_checklist_maintenance"
    return "utter_privacy_checklist"


def render_dialogue(dialogue: dict[str, Any]) -> str:
    """One conversation as an item of the dialogue file's ``conversations`` list."""
    body = yaml.safe_dump(
        [dialogue], allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000
    )
    return "".join(f"  {line}\n" for line in body.splitlines()) + "\n"


def dialogue_file_header() -> str:
    """The start of a new fault dialogue file."""
    return (
        "# One whole intake conversation per fault category (see bot/data/catalog/faults.yml).\n"
        "# `make new-fault` appends one for every fault it adds; edit them freely.\n"
        "conversations:\n"
    )


@dataclass
class Project:
    """The files a new fault touches; the current project by default (tests use a copy)."""

    catalog_dir: Path = CATALOG_DIR
    faults_nlu: Path = FAULTS_NLU
    domain: Path = paths.DOMAIN
    rules: Path = fault_rules.RULES_FILE
    dialogues: Path = FAULT_DIALOGUES
    nlu_dirs: tuple[Path, ...] = (paths.DATA_DIR / "nlu", paths.HELDOUT.parent)


def add_fault(new: NewFault, project: Project | None = None) -> list[Path]:
    """Check, then write every file of the new fault.

    Returns:
        The files written.

    Raises:
        ValueError: The checks failed; the message lists every reason, in Chinese.
    """
    where = project or Project()
    catalogue = load_catalogue(where.catalog_dir)
    intents = read_domain(where.domain).intents
    problems = check_new_fault(new, catalogue, intents, where.nlu_dirs)
    if problems:
        raise ValueError("\n".join(f"- {p}" for p in problems))
    faults_file = where.catalog_dir / "faults.yml"
    dialogue = fault_dialogue(new.as_fault(), opening_example(new.examples, catalogue), catalogue)
    contents = {
        faults_file: insert_catalogue_entry(faults_file.read_text(encoding="utf-8"), new),
        where.domain: insert_domain_intent(where.domain.read_text(encoding="utf-8"), new.intent),
        where.faults_nlu: _with_block(where.faults_nlu, intent_block(new.intent, new.examples)),
        where.dialogues: _with_block(where.dialogues, render_dialogue(dialogue)),
    }
    for path, content in contents.items():
        path.write_text(content, encoding="utf-8")
    updated = load_catalogue(where.catalog_dir, fresh=True)
    fault_rules.write_rules(where.rules, updated)
    return [*contents, where.rules]


def _with_block(path: Path, block: str) -> str:
    text = path.read_text(encoding="utf-8") if path.exists() else dialogue_file_header()
    return text.rstrip("\n") + "\n" + block


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--id", required=True, help="fault id, e.g. fingerprint")
    parser.add_argument("--name", required=True, help="Chinese name, e.g. 指纹识别问题")
    parser.add_argument("--examples", action="append", default=[], help="examples, '|'-joined")
    parser.add_argument("--examples-file", type=Path, help="a file with one example per line")
    parser.add_argument("--tips", action="append", default=[], help="self-help tips, '|'-joined")
    parser.add_argument("--questions", action="append", default=[], help="follow-up questions")
    parser.add_argument("--keywords", action="append", default=[], help="words jieba keeps whole")
    parser.add_argument(
        "--steps", action="append", default=[], help="diagnosis steps: yes/no questions, in order"
    )
    parser.add_argument("--not-covered", action="store_true", help="not covered by warranty")
    args = parser.parse_args(argv)
    examples = split_values(args.examples)
    if args.examples_file:
        try:
            examples += split_values([args.examples_file.read_text(encoding="utf-8")])
        except (OSError, UnicodeDecodeError) as exc:
            print(_t("unreadable_examples", path=args.examples_file, error=exc), file=sys.stderr)
            return 2
    fault_id = args.id.strip().removeprefix("fault_")
    new = NewFault(
        id=fault_id,
        name=args.name.strip(),
        examples=examples,
        tips=split_values(args.tips),
        questions=split_values(args.questions),
        keywords=split_values(args.keywords),
        covered=not args.not_covered,
        steps=split_values(args.steps),
    )
    try:
        written = add_fault(new)
    except ValueError as exc:
        print(_t("not_added", id=fault_id, reasons=exc), file=sys.stderr)
        return 1
    print(_t("added", id=fault_id, name=new.name))
    for path in written:
        shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        print(f"  {shown}")
    if not new.tips:
        print(_t("no_tips"))
    if not new.questions:
        print(_t("no_questions"))
    print(_t("next_steps"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
