"""The Chinese labels the dashboard's rows carry, from the catalogues.

Reasons of handoffs: ``handoff.yml`` (as agents see them in the queue); funnel stages: the
ticket field a slot fills (``ticket_fields.yml``, as the console's ticket form shows it),
else ``page.dashboard.stages`` of ``console.yml``; rating contexts: ``page.dashboard
.csat_context``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.catalog import load_catalogue
from bot.catalog.handoff import load_handoff_policy
from bot.catalog.labels import load_intent_labels
from bot.catalog.ticket_fields import load_ticket_field_texts
from bot.dashboard.figures import TEXT_PREFIX, Labels
from bot.tickets.draft import ticket_fields


def dashboard_labels(text: Callable[[str], str]) -> Labels:
    """The labels of the shipped catalogues.

    Args:
        text: The console catalogue's text of a key (``bot.console.texts.console_text``);
            a key it lacks (``KeyError``) is shown as the value itself.
    """
    policy = load_handoff_policy()
    fields = load_ticket_field_texts()
    slots = {spec.slot: spec.name for spec in ticket_fields() if spec.slot is not None}

    def page(section: str, value: str) -> str:
        try:
            return text(f"{TEXT_PREFIX}{section}.{value}")
        except KeyError:
            return value

    def stage(value: str) -> str:
        return fields.label(slots[value]) if value in slots else page("stages", value)

    return Labels(
        reason=policy.label,
        stage=stage,
        context=lambda value: page("csat_context", value),
        intent=intent_label,
    )


def intent_label(intent: str) -> str:
    """What an intent means, as the bot's "did you mean" buttons say it (``intent_labels.yml``).

    A FAQ key (``faq/hotline``) gets its question's title, a fault intent the fault's name;
    an intent without a label is shown as it is.
    """
    labels = load_intent_labels()
    _, _, key = intent.partition("/")
    if key and key in labels.faq:
        return labels.faq[key].title
    if intent in labels.intents:
        return labels.intents[intent]
    fault = load_catalogue().fault_for_intent(intent)
    return labels.fault_format.format(name=fault.name) if fault else intent
