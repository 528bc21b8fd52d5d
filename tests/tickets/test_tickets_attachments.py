"""Attachments (photos of the fault): recorded, linked to tickets, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets import TicketNotFound
from bot.tickets.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentNotFound,
    add_attachment,
    attach_to_ticket,
    link_intake_attachments,
    list_attachments,
)
from bot.tickets.models import Attachment

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def photo(session: Session, **overrides: object):
    values: dict[str, object] = {
        "sender_id": "user-1",
        "channel": "socketio",
        "content_type": "image/jpeg",
        "size_bytes": 123_456,
        "storage_key": "uploads/ab/cd.jpg",
        "intake_id": "intake-a",
        "now": T0,
    }
    values.update(overrides)
    return add_attachment(session, **values)  # type: ignore[arg-type]


def test_an_intake_photo_is_linked_when_the_ticket_is_created(session, make_ticket):
    first = photo(session)
    second = photo(session, storage_key="uploads/ef.png", content_type="image/png", now=T0)
    photo(session, intake_id="intake-b")
    photo(session, sender_id="someone-else")
    ticket = make_ticket(intake_id="intake-a", sender_id="user-1")

    linked = link_intake_attachments(
        session, sender_id="user-1", intake_id="intake-a", ticket_no=ticket.ticket_no
    )

    assert linked == 2
    stored = list_attachments(session, ticket_no=ticket.ticket_no.lower())
    assert [a.public_id for a in stored] == [first.public_id, second.public_id]
    assert {a.ticket_no for a in stored} == {ticket.ticket_no}
    assert stored[0].content_type == "image/jpeg" and stored[0].size_bytes == 123_456
    assert len(first.public_id) == 32 and first.public_id != second.public_id


def test_linking_twice_links_nothing_more(session, make_ticket):
    photo(session)
    ticket = make_ticket(intake_id="intake-a")
    assert (
        link_intake_attachments(
            session, sender_id="user-1", intake_id="intake-a", ticket_no=ticket.ticket_no
        )
        == 1
    )
    assert (
        link_intake_attachments(
            session, sender_id="user-1", intake_id="intake-a", ticket_no=ticket.ticket_no
        )
        == 0
    )


def test_a_photo_sent_after_the_ticket_is_attached_directly(session, make_ticket):
    ticket = make_ticket()
    later = photo(session, intake_id=None, channel="wechat", source_ref="MEDIA_ID_1")

    record = attach_to_ticket(session, public_id=later.public_id, ticket_no=ticket.ticket_no)

    assert record.ticket_no == ticket.ticket_no
    assert [a.source_ref for a in list_attachments(session, ticket_no=ticket.ticket_no)] == [
        "MEDIA_ID_1"
    ]


def test_a_photo_of_another_conversation_is_not_attached(session, make_ticket):
    ticket = make_ticket(sender_id="user-1")
    foreign = photo(session, sender_id="intruder", intake_id=None)

    with pytest.raises(ValueError, match="different conversations"):
        attach_to_ticket(session, public_id=foreign.public_id, ticket_no=ticket.ticket_no)
    assert list_attachments(session, ticket_no=ticket.ticket_no) == []


def test_a_photo_linked_to_one_ticket_is_not_moved_to_another(session, make_ticket):
    first = make_ticket(intake_id="intake-a")
    second = make_ticket(intake_id="intake-b")
    taken = photo(session)
    link_intake_attachments(
        session, sender_id="user-1", intake_id="intake-a", ticket_no=first.ticket_no
    )

    with pytest.raises(ValueError, match="another ticket"):
        attach_to_ticket(session, public_id=taken.public_id, ticket_no=second.ticket_no)


def test_unknown_attachment_and_unknown_ticket(session, make_ticket):
    ticket = make_ticket()
    with pytest.raises(AttachmentNotFound):
        attach_to_ticket(session, public_id="0" * 32, ticket_no=ticket.ticket_no)
    with pytest.raises(TicketNotFound):
        list_attachments(session, ticket_no="R20991231-0001")
    with pytest.raises(TicketNotFound):
        link_intake_attachments(
            session, sender_id="user-1", intake_id="x", ticket_no="R20991231-0001"
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "video"}, "kind must be one of"),
        ({"size_bytes": -1}, "size_bytes must be between"),
        ({"size_bytes": MAX_ATTACHMENT_BYTES + 1}, "size_bytes must be between"),
        ({"size_bytes": True}, "whole number"),
        ({"content_type": "  "}, "content_type must be a non-empty string"),
        ({"storage_key": ""}, "storage_key must be a non-empty string"),
        ({"sender_id": "x" * 256}, "sender_id is longer than 255"),
        ({"now": dt.datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_attachments_are_refused(session, overrides, message):
    with pytest.raises(ValueError, match=message):
        photo(session, **overrides)


def test_the_database_refuses_an_unknown_kind_and_a_negative_size(session):
    row = {
        "public_id": "p" * 32,
        "sender_id": "user-1",
        "channel": "rest",
        "kind": "image",
        "content_type": "image/jpeg",
        "size_bytes": 1,
        "storage_key": "k",
        "created_at": T0,
    }
    for bad in ({"kind": "video"}, {"size_bytes": -5}):
        nested = session.begin_nested()
        with pytest.raises(IntegrityError):
            session.execute(insert(Attachment).values(**{**row, **bad}))
        nested.rollback()
