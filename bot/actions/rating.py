"""Satisfaction rating (1–5) after a ticket or an answered question."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    action_names,
    bot_responses,
    latest_entity,
    latest_intent,
    latest_text,
)
from bot.intake.rating import parse_rating
from bot.tickets import TicketStoreUnavailable, record_rating, session_scope

logger = logging.getLogger(__name__)

#: Actions and responses that answer a question; after one, thanks means "resolved".
ANSWER_ACTIONS = frozenset(
    {
        "action_check_repair_status",
        "action_answer_warranty",
        "action_find_service_center",
        "action_quote_price",
        "utter_faq",
    }
)
#: Scores at or below this get an apology and the offer of a person.
LOW_SCORE = 2


def ask_rating(dispatcher: CollectingDispatcher, context: str) -> list[EventType]:
    """Ask for a 1–5 score and remember what it will be about."""
    dispatcher.utter_message(response="utter_ask_rating")
    return [SlotSet("rating_pending", True), SlotSet("rating_context", context)]


def answered_since_last_rating(tracker: Tracker) -> bool:
    """Whether the bot answered a question since the last rating request of the session."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and bot_responses([event]) == ["utter_ask_rating"]:
            return False
        if action_names([event]) and action_names([event])[0] in ANSWER_ACTIONS:
            return True
    return False


class ActionOfferRating(Action):
    """After thanks or goodbye that follow an answer, ask once for a rating."""

    def name(self) -> str:
        """Action name."""
        return "action_offer_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask unless already asked or nothing was answered."""
        if tracker.get_slot("rating_pending") or not answered_since_last_rating(tracker):
            return []
        return ask_rating(dispatcher, "question")


class ActionStoreRating(Action):
    """Stores the score the user gave."""

    def name(self) -> str:
        """Action name."""
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the score (button or text), store it, thank the user."""
        entity = latest_entity(tracker, "rating")
        score = parse_rating(entity) if entity else parse_rating(latest_text(tracker))
        if score is None and latest_intent(tracker) == "rate":
            dispatcher.utter_message(response="utter_rating_not_understood")
            return [SlotSet("rating_pending", True)]
        if score is None:
            # Something else than a score while a rating was asked: let the rating go.
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("rating_pending", None), SlotSet("rating_context", None)]
        context = tracker.get_slot("rating_context") or "question"
        try:
            with session_scope() as session:
                record_rating(
                    session,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel() or "unknown",
                    score=score,
                    context=context,
                    ticket_no=tracker.get_slot("ticket_no") if context == "ticket" else None,
                )
        except TicketStoreUnavailable:
            logger.error("ticket store unavailable; rating %s of %s lost", score, tracker.sender_id)
        response = "utter_rating_thanks_low" if score <= LOW_SCORE else "utter_rating_thanks"
        dispatcher.utter_message(response=response)
        return [SlotSet("rating_pending", None), SlotSet("rating_context", None)]
