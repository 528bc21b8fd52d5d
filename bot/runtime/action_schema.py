"""Action-server responses checked by a JSON-schema validator built once per process.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result,
spec)`` after every custom action: each call picks the validator class, checks Rasa's event
schema against its meta-schema (``check_schema``, most of the cost) and builds a new
validator. :func:`install` builds the validator once, for the draft the schema needs
(``validator_for``: the schema has no ``$schema``, so the latest draft, as ``validate``
picks; a Draft 4 validator ignores ``const``, every branch of the events' ``oneOf`` matches
and every action fails), and puts :func:`validate_action_result` in place of Rasa's method.

One more saving, with the same verdicts: an event is checked against the ``oneOf`` branch its
``event`` name selects (:func:`_one_of`) instead of all 23 branches, each failing with an
error object. The branches differ by a ``const`` on ``event``, so an event is valid under the
``oneOf`` exactly when it is valid under the branch of its name; anything else (no or an
unknown name, an invalid event) goes through the draft's own ``oneOf``, so the errors are the
draft's.

It behaves as Rasa's: ``True`` for a valid response; for an invalid one, the error
``jsonschema.validate`` would raise (``best_match`` of the same errors), its message extended
with the same hint, raised. Nothing is logged there; the processor logs the exception.
``bot.serve`` installs it before Rasa's command line starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import extend, validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

#: Rasa's own method, kept for subclasses with another spec and for comparisons (bench, tests).
STOCK_VALIDATE = RemoteAction._validate_action_result
_STOCK_SPEC = RemoteAction.action_response_format_spec

# Appended to the error's message, word for word as Rasa 3.6 does.
_HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)

_validator: Validator | None = None


def _discriminator(branches: Sequence[Any]) -> dict[str, int] | None:
    """``{"slot": 2, ...}`` when every branch requires its own string ``const`` of ``event``."""
    names: dict[str, int] = {}
    for index, branch in enumerate(branches):
        if not isinstance(branch, dict):
            return None
        const = branch.get("properties", {}).get("event", {}).get("const")
        if not isinstance(const, str) or const in names:
            return None
        names[const] = index
    return names


def _dispatching_one_of(draft: type[Validator]) -> Any:
    """The draft's ``oneOf`` with a shortcut for a valid instance of a discriminated ``oneOf``."""
    stock = draft.VALIDATORS["oneOf"]
    # id(branches) → (branches, name → index); the schema is built once and kept alive.
    seen: dict[int, tuple[Sequence[Any], dict[str, int] | None]] = {}

    def one_of(
        validator: Validator, branches: Sequence[Any], instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        entry = seen.get(id(branches))
        if entry is None or entry[0] is not branches:
            entry = seen[id(branches)] = (branches, _discriminator(branches))
        names = entry[1]
        if names is not None and isinstance(instance, dict):
            name = instance.get("event")
            index = names.get(name) if isinstance(name, str) else None
            if index is not None and validator.evolve(schema=branches[index]).is_valid(instance):
                return  # valid under its branch and, by its const, under no other
        yield from stock(validator, branches, instance, schema)

    return one_of


def build_validator(schema: dict[str, Any] | None = None) -> Validator:
    """A validator for ``schema`` (Rasa's response spec by default), the schema checked once.

    Its class is the draft ``validator_for`` picks, with :func:`_dispatching_one_of`.

    Raises:
        jsonschema.exceptions.SchemaError: The schema is not valid for its draft.
    """
    spec = _STOCK_SPEC() if schema is None else schema
    draft = validator_for(spec)
    draft.check_schema(spec)
    cls = extend(draft, {"oneOf": _dispatching_one_of(draft)})
    return cls(spec)  # type: ignore[no-any-return]


def response_validator() -> Validator:
    """The process's validator of action responses, built on first use."""
    global _validator
    if _validator is None:
        _validator = build_validator()
    return _validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once.

    Raises:
        jsonschema.ValidationError: ``result`` does not follow the spec (message as Rasa's).
    """
    if type(self).action_response_format_spec is not _STOCK_SPEC:
        return bool(STOCK_VALIDATE(self, result))  # a subclass with its own spec: Rasa's way
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += _HINT
    raise error


def install() -> None:
    """Build the validator now and make every ``RemoteAction`` use it (idempotent)."""
    response_validator()
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return RemoteAction._validate_action_result is validate_action_result
