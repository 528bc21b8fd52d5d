"""Conversations as Rasa 3.6 records and publishes them, built with Rasa's own event classes.

Each event is ``Event.as_dict()`` with the conversation's ``sender_id`` added, which is the
body Rasa's tracker store hands to its event broker (``TrackerStore._stream_new_events``).
The events after an action are those the project's actions return (``bot/actions``), in the
order Rasa logs them: ``action``, then the action's ``bot`` messages, then its events.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)


class Dialogue:
    """One conversation's events, in order."""

    def __init__(self, sender_id: str, channel: str = "socketio") -> None:
        self.sender_id = sender_id
        self.channel = channel
        self.events: list[Event] = []

    def add(self, *events: Event) -> Dialogue:
        self.events.extend(events)
        return self

    def session(self, *carried: Event) -> Dialogue:
        """``action_session_start`` (bot/actions/session.py): new session, kept slots, listen."""
        return self.add(
            ActionExecuted("action_session_start"),
            SessionStarted(),
            *carried,
            ActionExecuted("action_listen"),
        )

    def user(
        self,
        text: str,
        intent: str,
        *entities: tuple[str, str],
        faq_key: str | None = None,
    ) -> Dialogue:
        """A message the user typed, as the NLU read it."""
        entity_list = [
            {"entity": name, "value": value, "start": 0, "end": len(text)}
            for name, value in entities
        ]
        parse: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.93},
            "entities": entity_list,
            "intent_ranking": [{"name": intent, "confidence": 0.93}],
        }
        if faq_key:
            parse["response_selector"] = {
                "all_retrieval_intents": ["faq"],
                "faq": {
                    "response": {"intent_response_key": faq_key, "confidence": 0.9},
                    "ranking": [],
                },
            }
        return self.add(
            UserUttered(
                text,
                intent=parse["intent"],
                entities=entity_list,
                parse_data=parse,
                input_channel=self.channel,
            )
        )

    def external(self, intent: str) -> Dialogue:
        """A reminder's intent (Rasa's ``trigger_external_user_uttered``)."""
        return self.add(UserUttered.create_external(intent, [], self.channel))

    def act(self, name: str, *events: Event) -> Dialogue:
        """An action and what it returned."""
        return self.add(ActionExecuted(name), *events)

    def listen(self) -> Dialogue:
        return self.add(ActionExecuted("action_listen"))

    def bodies(self) -> list[dict[str, Any]]:
        """The broker messages' bodies."""
        return [{"sender_id": self.sender_id, **event.as_dict()} for event in self.events]


def said(response: str) -> BotUttered:
    """A response the bot sent (Rasa records its name as ``utter_action``)."""
    return BotUttered("…", metadata={"utter_action": response})


def reset_intake() -> list[SlotSet]:
    """Some of the ``SlotSet(..., None)`` of ``bot.actions.common.reset_intake``."""
    return [SlotSet(slot, None) for slot in ("device_model", "serial_number", "intake_id")]


def repair_with_ticket(sender_id: str, ticket_no: str, channel: str = "socketio") -> Dialogue:
    """An intake (with a FAQ in the middle) that ends in a ticket, then a five-star rating."""
    d = Dialogue(sender_id, channel).session()
    d.user("你好", "greet").act("action_greet", said("utter_greet")).listen()
    d.user("手机屏幕碎了要修", "fault_screen").act(
        "repair_form",
        ActiveLoop("repair_form"),
        SlotSet("fault_description", "屏幕碎了"),
        SlotSet("requested_slot", "device_model"),
        said("utter_ask_device_model"),
    ).listen()
    # A question inside the intake: the form refuses it, a rule answers, the form resumes.
    d.user("保修多久", "faq", faq_key="faq/warranty_policy").add(
        ActionExecutionRejected("repair_form"),
        LoopInterrupted(True),
    ).act("utter_faq", said("utter_faq/warranty_policy")).act(
        "repair_form", LoopInterrupted(False), said("utter_ask_device_model")
    ).listen()
    d.user("一加12", "inform", ("device_model", "oneplus-12")).add(
        SlotSet("device_model", "oneplus-12")
    ).act(
        "repair_form",
        SlotSet("device_model", "oneplus-12"),
        SlotSet("requested_slot", "intake_confirmed"),
        said("utter_ask_intake_confirmed"),
    ).listen()
    d.user("对", "affirm").act(
        "repair_form",
        SlotSet("intake_confirmed", True),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
    ).act(
        "action_submit_ticket",
        said("utter_ticket_created"),
        said("utter_next_step_mail_in"),
        *reset_intake(),
        SlotSet("ticket_no", ticket_no),
        said("utter_ask_rating"),
        SlotSet("rating_pending", True),
        SlotSet("rating_context", "ticket"),
    ).listen()
    d.user("五星", "rate", ("rating", "五星")).act(
        "action_store_rating",
        said("utter_rating_thanks"),
        SlotSet("rating_pending", None),
        SlotSet("rating_context", None),
    ).listen()
    return d


def status_check(sender_id: str, ticket_no: str, channel: str = "rest") -> Dialogue:
    """A ticket number typed by the user sets ``ticket_no`` too: not a ticket of this chat."""
    d = Dialogue(sender_id, channel).session()
    d.user(f"查一下{ticket_no}的进度", "check_repair_status", ("ticket_no", ticket_no))
    d.add(SlotSet("ticket_no", ticket_no))
    d.act("action_check_repair_status", said("utter_ask_status_phone")).listen()
    return d


def fallbacks_then_agent(sender_id: str, channel: str = "wechat") -> Dialogue:
    """Two misses, the second hands over (queued); the agent closes and gets a 3."""
    d = Dialogue(sender_id, channel).session()
    d.user("呃呃呃", "nlu_fallback").act(
        "action_fallback", said("utter_fallback_suggest"), SlotSet("callback_step", None)
    ).listen()
    d.user("啊啊", "nlu_fallback").act(
        "action_fallback",
        said("utter_fallback_handing_over"),
        said("utter_handoff_queued_first"),
        SlotSet("callback_step", None),
        SlotSet("handoff_reason", None),
        ConversationPaused(),
    )
    # Paused: the user's messages go to the agent, nothing runs after them.
    d.user("人呢", "request_human")
    # The agent console (bot/console/conversations.py): joined, a reply, back to the bot.
    d.add(said("utter_channel_agent_joined"), BotUttered("您好，我是客服小王"))
    d.add(ConversationResumed(), said("utter_channel_handoff_returned"))
    d.listen()
    d.act(
        "action_ask_handoff_rating",
        said("utter_ask_rating"),
        SlotSet("rating_pending", True),
        SlotSet("rating_context", "handoff"),
    ).listen()
    d.user("3分", "rate", ("rating", "3分")).act(
        "action_store_rating",
        said("utter_rating_thanks"),
        SlotSet("rating_pending", None),
        SlotSet("rating_context", None),
    ).listen()
    return d


def after_hours_callback(sender_id: str, channel: str = "socketio") -> Dialogue:
    """A person asked for after hours: a callback is offered and taken."""
    d = Dialogue(sender_id, channel).session()
    d.user("转人工", "request_human").act(
        "action_handoff",
        said("utter_handoff_after_hours"),
        SlotSet("callback_step", "offered"),
        SlotSet("handoff_reason", "request_human"),
    ).listen()
    d.user("13912345678", "inform", ("phone_number", "13912345678")).act(
        "action_request_callback",
        said("utter_callback_recorded"),
        SlotSet("callback_step", None),
        SlotSet("handoff_reason", None),
    ).listen()
    return d


def hotline_when_store_down(sender_id: str) -> Dialogue:
    """A person asked for while the ticket store is down: the hotline is given."""
    d = Dialogue(sender_id, "rest").session()
    d.user("我要投诉找人工", "request_human").act(
        "action_handoff", said("utter_human_hotline"), SlotSet("callback_step", None)
    ).listen()
    return d


def kept_ticket_retried(sender_id: str, ticket_no: str) -> Dialogue:
    """The store was down at submission; a reminder's retry creates the ticket."""
    d = Dialogue(sender_id, "socketio").session()
    d.user("屏幕坏了", "fault_screen").act(
        "repair_form", ActiveLoop("repair_form"), said("utter_ask_device_model")
    ).listen()
    d.user("对", "affirm").act("repair_form", ActiveLoop(None)).act(
        "action_submit_ticket",
        said("utter_ticket_deferred"),
        SlotSet("ticket_pending", True),
        SlotSet("ticket_retries", 0.0),
    ).listen()
    d.external("EXTERNAL_retry_ticket").act(
        "action_submit_ticket", said("utter_ticket_created"), SlotSet("ticket_no", ticket_no)
    ).listen()
    return d


def returning_paused_owner(sender_id: str, ticket_no: str) -> Dialogue:
    """A new session keeps the ticket number and the pause: neither is new."""
    return Dialogue(sender_id, "wechat").session(
        SlotSet("ticket_no", ticket_no), ConversationPaused()
    )


def question_then_low_rating(sender_id: str, channel: str = "rest") -> Dialogue:
    """A FAQ answered, thanks, a rating asked; "很差" is a 1 about the question."""
    d = Dialogue(sender_id, channel).session()
    d.user("客服电话多少", "faq", faq_key="faq/hotline").act(
        "utter_faq", said("utter_faq/hotline")
    ).listen()
    d.user("谢谢", "thank").act(
        "action_offer_rating",
        said("utter_ask_rating"),
        SlotSet("rating_pending", True),
        SlotSet("rating_context", "question"),
    ).listen()
    d.user("嗯", "rate").act(
        "action_store_rating", said("utter_rating_not_understood"), SlotSet("rating_pending", True)
    ).listen()
    d.user("很差", "rate").act(
        "action_store_rating",
        said("utter_rating_thanks_low"),
        SlotSet("rating_pending", None),
        SlotSet("rating_context", None),
    ).listen()
    return d


def cancelled_then_new_intake(sender_id: str) -> Dialogue:
    """An intake cancelled, a second one started the next session and left open."""
    d = Dialogue(sender_id, "socketio").session()
    d.user("我要修手机", "request_repair").act(
        "repair_form", ActiveLoop("repair_form"), said("utter_ask_fault_description")
    ).listen()
    d.user("算了不修了", "cancel").act(
        "action_ask_cancel_intake", said("utter_ask_cancel_intake"), SlotSet("cancel_pending", True)
    ).listen()
    d.user("是的", "affirm").act(
        "action_cancel_intake", said("utter_intake_cancelled"), ActiveLoop(None), *reset_intake()
    ).listen()
    d.session()
    d.user("还是修一下吧", "request_repair").act(
        "repair_form", ActiveLoop("repair_form"), said("utter_ask_fault_description")
    ).listen()
    return d


def every_scenario(prefix: str) -> list[Dialogue]:
    """One conversation of each kind, with ``prefix`` in their ids."""
    return [
        repair_with_ticket(f"{prefix}-repair", "R20261122-0001"),
        status_check(f"{prefix}-status", "R20261120-0042"),
        fallbacks_then_agent(f"{prefix}-agent"),
        after_hours_callback(f"{prefix}-callback"),
        hotline_when_store_down(f"{prefix}-hotline"),
        kept_ticket_retried(f"{prefix}-kept", "R20261122-0002"),
        returning_paused_owner(f"{prefix}-returning", "R20261101-0003"),
        question_then_low_rating(f"{prefix}-question"),
        cancelled_then_new_intake(f"{prefix}-cancelled"),
    ]
