"""Reference prices of out-of-warranty repairs, by model and part."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import catalogue, clear_pending, in_form, latest_entity, latest_text
from bot.catalog import Device
from bot.catalog.prices import RepairPart, load_prices
from bot.intake.devices import MatchKind, match_device
from bot.intake.parts import load_parts


def device_in_message(tracker: Tracker) -> Device | None:
    """The device the latest message names (entity first, then the text)."""
    cat = catalogue()
    entity = latest_entity(tracker, "device_model")
    if entity and cat.device(entity):
        return cat.device(entity)
    text = latest_text(tracker)
    for candidate in (entity, text):
        if candidate:
            match = match_device(candidate, cat)
            if match.kind in (MatchKind.EXACT, MatchKind.FUZZY) and match.device:
                return match.device
    return None


def part_in_message(tracker: Tracker) -> RepairPart | None:
    """The part the latest message names (catalogue keywords), or a pending question's."""
    names = load_parts()
    text = latest_text(tracker)
    part = names.match_part(text) if text else None
    if part is not None:
        return part
    pending = tracker.get_slot("price_part")
    return names.match_part(pending) if pending else None


class ActionQuotePrice(Action):
    """Answers "how much is a new screen for my 一加 12?"."""

    def name(self) -> str:
        """Action name."""
        return "action_quote_price"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Quote one part, or list the parts of the model; ask for the model if unknown."""
        events = clear_pending()
        prices = load_prices()
        part = part_in_message(tracker)
        device = device_in_message(tracker)
        if device is None and tracker.get_slot("price_asked"):
            dispatcher.utter_message(
                response="utter_price_unknown_model", user_text=latest_text(tracker)
            )
            return [*events, SlotSet("price_asked", True), SlotSet("price_part", part and part.id)]
        for remembered in ("price_device", "device_model"):
            if device is None:
                device = catalogue().device(tracker.get_slot(remembered) or "")
        if device is None:
            dispatcher.utter_message(response="utter_ask_price_model")
            if in_form(tracker):
                return events
            return [*events, SlotSet("price_asked", True), SlotSet("price_part", part and part.id)]
        events.append(SlotSet("price_device", device.id))
        if part is not None:
            quote = prices.quote(device.id, part.id)
            if quote is not None:
                dispatcher.utter_message(
                    response="utter_price_quote",
                    device_name=device.name,
                    part_name=quote.part_name,
                    price=quote.price_yuan,
                )
                dispatcher.utter_message(response="utter_price_estimate_note")
                return events
        lines = "\n".join(
            prices.list_line.format(part=q.part_name, price=q.price_yuan)
            for q in prices.quotes_for_device(device.id)
        )
        dispatcher.utter_message(response="utter_price_list", device_name=device.name, lines=lines)
        dispatcher.utter_message(response="utter_price_estimate_note")
        return events
