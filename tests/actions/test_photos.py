"""ActionReceivePhoto: a photo joins the intake, the open ticket, or waits for the next intake."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from bot.actions.photos import ActionReceivePhoto
from bot.actions.submit import ActionSubmitTicket
from bot.intake.photos import PHOTO_METADATA_KEY, PhotoRef
from bot.tickets import list_attachments, session_scope
from bot.tickets.models import Attachment
from tests.actions.helpers import msg

PHOTO = PhotoRef("5f0c0ffee5f0c0ffee5f0c0ffee5f0c0.jpg", "image/jpeg", 123_456)
WECHAT_MEDIA = PhotoRef("wechat-media:MEDIA_1", "image/jpeg", 0, "MEDIA_1")


def stored() -> list[dict[str, Any]]:
    with session_scope() as session:
        rows = session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
        return [
            {
                "sender_id": row.sender_id,
                "channel": row.channel,
                "intake_id": row.intake_id,
                "ticket_id": row.ticket_id,
                "storage_key": row.storage_key,
                "content_type": row.content_type,
                "size_bytes": row.size_bytes,
                "source_ref": row.source_ref,
            }
            for row in rows
        ]


@pytest.fixture
def send_photo(run, make_tracker):
    def _send(
        photo: PhotoRef | None = PHOTO,
        *,
        active_loop: str | None = None,
        sender_id: str = "user-7",
        input_channel: str = "socketio",
        text: str = "/send_photo",
        **slots: Any,
    ):
        metadata = {PHOTO_METADATA_KEY: photo.as_metadata()} if photo else {"photo_id": "abc"}
        tracker = make_tracker(
            slots,
            text,
            "send_photo",
            sender_id=sender_id,
            input_channel=input_channel,
            active_loop=active_loop,
            parse_extra={"metadata": metadata},
        )
        return run(ActionReceivePhoto(), tracker)

    return _send


def test_a_message_without_a_photo_explains_how_to_send_one(send_photo):
    events, dispatcher = send_photo(None, text="我可以发照片给你吗")
    assert dispatcher.messages == [msg("utter_photo_how_to")]
    assert events == []
    assert stored() == []


def test_a_photo_during_the_intake_goes_with_its_ticket(send_photo, run, make_tracker, full_intake):
    events, dispatcher = send_photo(active_loop="repair_form", intake_id=full_intake["intake_id"])
    assert dispatcher.messages == [msg("utter_photo_received_intake")]
    assert events == []
    [row] = stored()
    assert row == {
        "sender_id": "user-7",
        "channel": "socketio",
        "intake_id": full_intake["intake_id"],
        "ticket_id": None,
        "storage_key": PHOTO.storage_key,
        "content_type": "image/jpeg",
        "size_bytes": 123_456,
        "source_ref": None,
    }
    # the intake is confirmed and submitted: the photo is on the new ticket
    tracker = make_tracker(
        {**full_intake, "intake_confirmed": True},
        "确认",
        "affirm",
        sender_id="user-7",
        input_channel="socketio",
        active_loop=None,
    )
    _, submitted = run(ActionSubmitTicket(), tracker)
    ticket_no = submitted.messages[0]["ticket_no"]
    with session_scope() as session:
        [attachment] = list_attachments(session, ticket_no=ticket_no)
    assert attachment.storage_key == PHOTO.storage_key


def test_a_photo_before_the_first_question_gets_the_intake_id(send_photo):
    events, dispatcher = send_photo(active_loop="repair_form")
    assert dispatcher.messages == [msg("utter_photo_received_intake")]
    [event] = events
    assert event["name"] == "intake_id" and len(event["value"]) == 32
    assert stored()[0]["intake_id"] == event["value"]


def test_a_photo_while_the_ticket_waits_for_the_store_stays_with_the_intake(
    send_photo, ticket_factory
):
    ticket_factory(sender_id="user-7", intake_id="older")
    _, dispatcher = send_photo(ticket_pending=True, intake_id="b" * 32)
    assert dispatcher.messages == [msg("utter_photo_received_intake")]
    assert stored()[0]["intake_id"] == "b" * 32 and stored()[0]["ticket_id"] is None


def test_a_photo_after_the_ticket_is_added_to_it(send_photo, ticket_factory):
    ticket = ticket_factory(sender_id="user-7", channel="wechat")
    events, dispatcher = send_photo(
        WECHAT_MEDIA, sender_id="user-7", input_channel="wechat", ticket_no=ticket.ticket_no
    )
    assert dispatcher.messages == [msg("utter_photo_attached", ticket_no=ticket.ticket_no)]
    assert events == []
    with session_scope() as session:
        [attachment] = list_attachments(session, ticket_no=ticket.ticket_no)
    assert (attachment.channel, attachment.storage_key, attachment.source_ref) == (
        "wechat",
        "wechat-media:MEDIA_1",
        "MEDIA_1",
    )
    assert attachment.intake_id is None


def test_someone_elses_ticket_never_gets_the_photo(send_photo, ticket_factory):
    ticket_factory(sender_id="someone-else")
    events, dispatcher = send_photo(sender_id="user-7")
    assert dispatcher.messages == [msg("utter_photo_received")]
    [event] = events
    assert event == SlotSet("intake_id", event["value"])
    [row] = stored()
    assert (row["sender_id"], row["ticket_id"], row["intake_id"]) == (
        "user-7",
        None,
        event["value"],
    )


def test_a_photo_before_any_intake_waits_for_the_next_one(
    send_photo, run, make_tracker, full_intake
):
    events, _ = send_photo(sender_id="user-7")
    intake_id = events[0]["value"]
    # a second photo joins the same waiting intake
    events, dispatcher = send_photo(sender_id="user-7", intake_id=intake_id)
    assert dispatcher.messages == [msg("utter_photo_received")]
    assert events == []
    tracker = make_tracker(
        {**full_intake, "intake_id": intake_id, "intake_confirmed": True},
        "确认",
        "affirm",
        sender_id="user-7",
        active_loop=None,
    )
    _, submitted = run(ActionSubmitTicket(), tracker)
    with session_scope() as session:
        photos = list_attachments(session, ticket_no=submitted.messages[0]["ticket_no"])
    assert len(photos) == 2


def test_store_down_says_so_and_keeps_serving(send_photo, db_down):
    db_down()
    events, dispatcher = send_photo(active_loop="repair_form", intake_id="c" * 32)
    assert dispatcher.messages == [msg("utter_photo_not_saved")]
    assert events == []


def test_a_reference_the_store_refuses_is_reported(send_photo):
    too_long = PhotoRef("x.jpg", "image/jpeg", 1, "M" * 300)
    _, dispatcher = send_photo(too_long, active_loop="repair_form", intake_id="d" * 32)
    assert dispatcher.messages == [msg("utter_photo_not_saved")]
    assert stored() == []
