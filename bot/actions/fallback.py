"""Two-stage fallback: suggest what the user may have meant, then hand over to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import action_names, catalogue, latest_intent, user_turns
from bot.actions.handoff import hand_over, policy
from bot.actions.intake_answers import refused_question
from bot.catalog.labels import load_intent_labels

#: Suggestions offered at most.
MAX_SUGGESTIONS = 3
FALLBACK_ACTION = "action_fallback"
NLU_FALLBACK = "nlu_fallback"


def consecutive_misses(tracker: Tracker) -> int:
    """How many user messages in a row, the latest included, the bot did not understand.

    A message counts as a miss when this action answered it; the latest message counts
    because this action is answering it now.
    """
    turns = user_turns(tracker)
    # Only this session counts: a miss before a restart or a new session is forgotten.
    for index in range(len(turns) - 1, -1, -1):
        if any(e.get("event") in ("session_started", "restart") for e in turns[index][1]):
            turns = turns[index + 1 :]
            break
    misses = 0
    for index in range(len(turns) - 1, -1, -1):
        _, after = turns[index]
        if index == len(turns) - 1 or FALLBACK_ACTION in action_names(after):
            misses += 1
        else:
            break
    return misses


def suggested(parse: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The "您是想问…" suggestions of a parse result, best first: (label, button) pairs.

    The label is the intent, or the FAQ key (``faq/hotline``) whose answer the button asks
    for. The ranking is the intent model's, which reads the meaning of the message as well
    as its words (``bot/nlu/intent_model.py``), so a paraphrase is suggested its answer too.
    """
    labels = load_intent_labels()
    found: list[tuple[str, dict[str, str]]] = []
    for ranked in parse.get("intent_ranking") or []:
        name = str(ranked.get("name") or "")
        pair = _suggestion(name, parse, labels)
        if pair and pair[1] not in [button for _, button in found]:
            found.append(pair)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def suggestions(parse: dict[str, Any]) -> list[dict[str, str]]:
    """Buttons for the likeliest intents of a parse result, best first."""
    return [button for _, button in suggested(parse)]


def _suggestion(name: str, parse: dict[str, Any], labels: Any) -> tuple[str, dict[str, str]] | None:
    if name in labels.intents:
        return name, {"title": labels.intents[name], "payload": f"/{name}"}
    fault = catalogue().fault_for_intent(name)
    if fault is not None:
        title = labels.fault_format.format(name=fault.name)
        return name, {"title": title, "payload": f"/{name}"}
    if name == "faq":
        selector = ((parse.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
        for candidate in selector:
            full = str(candidate.get("intent_response_key") or "")
            key = full.partition("/")[2]
            if key in labels.faq:
                faq = labels.faq[key]
                return full, {"title": faq.title, "payload": faq.question}
    return None


class ActionFallback(Action):
    """Answers a message the NLU was unsure about."""

    def name(self) -> str:
        """Action name."""
        return FALLBACK_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """First miss: "did you mean ...?" buttons. Then (``handoff.yml``): hand over.

        Run by the dialogue policies (an intent that fits nowhere, not ``nlu_fallback``), the
        message is also taken back, as Rasa's own default fallback does, so that the bot
        listens again instead of predicting this action once more. A question the intake
        refused is not taken back: the form runs next and asks its question again.
        """
        events: list[EventType] = []
        refused = refused_question(tracker)
        if latest_intent(tracker) != NLU_FALLBACK and not refused:
            events.append(UserUtteranceReverted())
        if consecutive_misses(tracker) < policy().fallbacks_in_a_row:
            events.append(SlotSet("callback_step", None))  # as the rules say
        if consecutive_misses(tracker) >= policy().fallbacks_in_a_row:
            dispatcher.utter_message(response="utter_fallback_handing_over")
            return events + hand_over(dispatcher, tracker, "fallback")
        buttons = suggestions(tracker.latest_message or {})
        if buttons:
            dispatcher.utter_message(response="utter_fallback_suggest", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_default")
        if refused:  # whichever intent it was read as, with or without an intake rule for it
            events.append(FollowupAction(str((tracker.active_loop or {}).get("name"))))
        return events
