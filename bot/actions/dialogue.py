"""The part each slot and intent plays in the dialogue, each list defined once.

What the domain says is read from ``domain.yml`` (the form's slots, in order, and the short
response texts the actions put into other responses); the rest is data in
``bot/data/catalog/dialogue.yml``, which ``make validate`` checks against the domain
(:func:`bot.trainer.validate.check_dialogue`). Both files are read once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.catalog import CATALOG_DIR
from bot.catalog.loader import CatalogueError
from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
DIALOGUE_FILE = CATALOG_DIR / "dialogue.yml"
#: Rasa's own slot for the question a form asks; the domain does not declare it.
REQUESTED_SLOT = "requested_slot"
#: Responses that are parts of other responses (a date, "not given"), never said alone.
PART_PREFIX = "utter_part_"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_LOADER) or {}
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a mapping at the top level")
    return data


def _names(entries: Any) -> tuple[str, ...]:
    """The names of a domain list whose entries are names or ``{name: options}``."""
    names: list[str] = []
    for entry in entries or []:
        names += [str(key) for key in entry] if isinstance(entry, dict) else [str(entry)]
    return tuple(names)


@dataclass(frozen=True)
class Domain:
    """What the actions and their checks need of a domain file."""

    intents: tuple[str, ...]
    slots: tuple[str, ...]
    forms: Mapping[str, tuple[str, ...]]
    actions: tuple[str, ...]
    #: The first text of each response, by name.
    texts: Mapping[str, str]

    @property
    def responses(self) -> tuple[str, ...]:
        """The names of the responses."""
        return tuple(self.texts)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Domain:
        """The parts of a parsed domain file; a missing section is empty."""
        forms = data.get("forms") or {}
        texts: dict[str, str] = {}
        for name, variants in (data.get("responses") or {}).items():
            first = variants[0] if isinstance(variants, list) and variants else {}
            texts[str(name)] = str(first.get("text") or "") if isinstance(first, dict) else ""
        return cls(
            intents=_names(data.get("intents")),
            slots=tuple(str(name) for name in data.get("slots") or {}),
            forms=MappingProxyType(
                {
                    str(name): tuple(str(s) for s in (spec or {}).get("required_slots") or [])
                    for name, spec in forms.items()
                }
            ),
            actions=_names(data.get("actions")),
            texts=MappingProxyType(texts),
        )


@dataclass(frozen=True)
class Dialogue:
    """The lists of ``dialogue.yml``, as written there (see its comments)."""

    form: str
    intake_slots: tuple[str, ...]
    optional_slots: tuple[str, ...]
    pending_slots: tuple[str, ...]
    carried_over: tuple[str, ...]
    never_value_intents: tuple[str, ...]
    answer_intents: tuple[str, ...]
    fault_answer_intents: tuple[str, ...]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Dialogue:
        """The lists of a parsed ``dialogue.yml``.

        Raises:
            CatalogueError: The form is missing or a list is not a list of names.
        """
        slots, intents = data.get("slots") or {}, data.get("intents") or {}

        def names(section: Mapping[str, Any], key: str) -> tuple[str, ...]:
            value = section.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CatalogueError(f"dialogue.yml: {key} must be a list of names")
            return tuple(value)

        if not isinstance(data.get("form"), str):
            raise CatalogueError("dialogue.yml: form must name the intake form")
        return cls(
            form=data["form"],
            intake_slots=names(slots, "intake"),
            optional_slots=names(slots, "optional"),
            pending_slots=names(slots, "pending"),
            carried_over=names(slots, "carried_over"),
            never_value_intents=names(intents, "never_values"),
            answer_intents=names(intents, "answers"),
            fault_answer_intents=names(intents, "fault_answers"),
        )

    def form_slots(self, domain: Domain) -> tuple[str, ...]:
        """The slots the form asks for, in order: the domain form's required slots."""
        return domain.forms.get(self.form, ())

    def all_intake_slots(self, domain: Domain) -> tuple[str, ...]:
        """The form's slots and the intake's others, in the domain's order.

        A listed slot the domain lacks comes last, for ``make validate`` to report.
        """
        wanted = {*self.form_slots(domain), *self.intake_slots}
        order = {slot: index for index, slot in enumerate(domain.slots)}
        return tuple(sorted(wanted, key=lambda slot: (order.get(slot, len(order)), slot)))


@lru_cache(maxsize=4)
def load_domain(path: Path = DOMAIN_FILE) -> Domain:
    """The domain file's names and texts (read once)."""
    return Domain.from_mapping(_read_yaml(path))


@lru_cache(maxsize=4)
def load_dialogue(path: Path = DIALOGUE_FILE) -> Dialogue:
    """The lists of ``dialogue.yml`` (read once)."""
    return Dialogue.from_mapping(_read_yaml(path))


def part(name: str, **params: object) -> str:
    """The text of the response ``utter_part_<name>`` with ``params`` filled in."""
    return load_domain().texts[PART_PREFIX + name].format(**params)


_DOMAIN, DIALOGUE = load_domain(), load_dialogue()
#: The slots the intake form asks for, in order.
FORM_SLOTS = DIALOGUE.form_slots(_DOMAIN)
#: Every slot of one intake; cleared when a ticket is created or the intake is cancelled.
INTAKE_SLOTS = (*DIALOGUE.all_intake_slots(_DOMAIN), REQUESTED_SLOT)
#: Follow-up questions outside the intake: the bot asked something and waits for the answer.
PENDING_SLOTS = DIALOGUE.pending_slots
