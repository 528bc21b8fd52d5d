"""Service centres by city or district; mail-in and the nearest city where there is none."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import catalogue, clear_pending, in_form, latest_entity, latest_text
from bot.catalog.service_centers import Place, ServiceCentre, load_service_centres
from bot.intake.places import load_places

#: Centres listed in one answer at most.
MAX_CENTRES_SHOWN = 5


def places_in_message(tracker: Tracker) -> list[Place]:
    """Cities and districts the latest message names (the city entity disambiguates)."""
    names = load_places()
    places = names.find_places(latest_text(tracker))
    entity = latest_entity(tracker, "city")
    city = names.resolve_city(entity) if entity else None
    if city is None:
        return places
    in_city = [p for p in places if p.city.id == city.id]
    return in_city or [Place(city=city, district=None)]


def ambiguous_district(places: list[Place]) -> bool:
    """Whether the places are one district name found in several cities (none named)."""
    cities = {p.city.id for p in places}
    return len(cities) > 1 and all(p.district for p in places)


def utter_centre(dispatcher: CollectingDispatcher, centre: ServiceCentre, city: str) -> None:
    """Say one centre's address, phone, hours and services."""
    names = [
        service.name
        for service_id in centre.services
        if (service := catalogue().service_type(service_id)) is not None
    ]
    dispatcher.utter_message(
        response="utter_centre",
        name=centre.name,
        city=city,
        district=centre.district,
        address=centre.address,
        phone=centre.phone,
        hours=centre.hours,
        services="、".join(names),
    )


def utter_centres(dispatcher: CollectingDispatcher, place: Place) -> None:
    """List the centres of a place, or say where the nearest ones are."""
    centres = load_service_centres()
    city = place.city
    in_city = centres.centres_in(city.id)
    if not in_city:
        nearest, distance = centres.nearest_with_centre(city.id)
        dispatcher.utter_message(
            response="utter_centres_none_in_city",
            city=city.name,
            nearest_city=nearest.name,
            distance=round(distance),
        )
        return
    shown = in_city
    if place.district:
        in_district = [c for c in in_city if c.district == place.district]
        if in_district:
            shown = in_district
            dispatcher.utter_message(
                response="utter_centres_in_district", city=city.name, district=place.district
            )
        else:
            dispatcher.utter_message(
                response="utter_centres_none_in_district", city=city.name, district=place.district
            )
    else:
        dispatcher.utter_message(response="utter_centres_in_city", city=city.name, count=len(shown))
    for centre in shown[:MAX_CENTRES_SHOWN]:
        utter_centre(dispatcher, centre, city.name)


class ActionFindServiceCentre(Action):
    """Answers "where can I get it repaired?"."""

    def name(self) -> str:
        """Action name."""
        return "action_find_service_center"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Find the place, then list its centres; ask for the city when none is known."""
        events = clear_pending()
        places = places_in_message(tracker)
        if not places and tracker.get_slot("centre_city_asked"):
            text = latest_entity(tracker, "city") or latest_text(tracker)
            dispatcher.utter_message(response="utter_centre_city_unknown", user_text=text)
            return [*events, SlotSet("centre_city_asked", True)]
        if not places:
            known = tracker.get_slot("city")
            city = load_places().resolve_city(known) if known else None
            if city is not None:
                places = [Place(city=city, district=None)]
        if not places:
            dispatcher.utter_message(response="utter_ask_centre_city")
            return events if in_form(tracker) else [*events, SlotSet("centre_city_asked", True)]
        if ambiguous_district(places):
            district = next((p.district for p in places if p.district), "")
            buttons = [
                {"title": p.city.name, "payload": f"{p.city.name}{p.district or ''}的服务网点"}
                for p in places
            ]
            dispatcher.utter_message(
                response="utter_centre_which_city", district=district, buttons=buttons
            )
            return events
        utter_centres(dispatcher, places[0])
        return events
