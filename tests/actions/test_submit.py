"""ActionSubmitTicket: one ticket per intake, next steps, and a store that is down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from bot.actions.common import INTAKE_SLOTS
from bot.actions.submit import ActionSubmitTicket
from bot.settings import get_settings
from bot.tickets import add_attachment, list_attachments, session_scope
from bot.tickets.db import dispose_engines
from bot.tickets.models import Ticket, TicketStatusHistory
from bot.tickets.retrier import drain
from bot.tickets.spool import default_spool
from tests.actions.helpers import INTAKE, msg
from tests.actions.lookup_helpers import KEHUABEILU, ZONGFULU

RESET = [SlotSet(slot, None) for slot in INTAKE_SLOTS]
ASK_RATING = [SlotSet("rating_pending", True), SlotSet("rating_context", "ticket")]
# The walk-in centres of 成都 in bot/data/catalog/service_centers.yml (both take walk-ins).
CHENGDU_CENTRES = [
    msg("utter_next_step_store_centres", city="成都"),
    ZONGFULU,
    KEHUABEILU,
]
# The privacy checklist after a store or mail-in ticket (一加 12 has a maintenance mode).
PRIVACY = msg("utter_privacy_checklist_maintenance", device_name="一加 12")


def rows() -> list[dict[str, Any]]:
    with session_scope() as session:
        tickets = session.execute(select(Ticket).order_by(Ticket.id)).scalars().all()
        return [{c.name: getattr(t, c.name) for c in Ticket.__table__.columns} for t in tickets]


def history_count() -> int:
    with session_scope() as session:
        return len(session.execute(select(TicketStatusHistory)).scalars().all())


def first_ticket_no() -> str:
    return f"R{get_settings().today():%Y%m%d}-0001"


@pytest.fixture
def submit(run, make_tracker, full_intake):
    def _submit(
        sender_id: str = "test-user",
        input_channel: str = "rest",
        text: str = "好的",
        intent: str = "affirm",
        **slot_values: Any,
    ):
        tracker = make_tracker(
            {**full_intake, "intake_confirmed": True, **slot_values},
            text,
            intent,
            sender_id=sender_id,
            input_channel=input_channel,
            active_loop=None,
        )
        return run(ActionSubmitTicket(), tracker)

    return _submit


def test_creates_one_ticket_with_the_intake(submit, imei):
    events, dispatcher = submit(
        input_channel="socketio",
        purchase_date="2025-03-01",
        purchase_date_precision="month",
        warranty_status="in_warranty",
    )

    ticket_no = first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]
    [row] = rows()
    row.pop("id")
    created_at, updated_at = row.pop("created_at"), row.pop("updated_at")
    assert row == {
        "ticket_no": ticket_no,
        "intake_id": "a" * 32,
        "sender_id": "test-user",
        "channel": "socketio",
        "device_model_id": "oneplus-12",
        "serial_number": imei,
        "purchase_date": dt.date(2025, 3, 1),
        "warranty_status": "in_warranty",
        "fault_category": "screen",
        "fault_description": "屏幕有绿线",
        "service_type": "store",
        "city": "成都",
        "contact_phone": "13912345678",
        "remedy": None,
        "status": "submitted",
    }
    assert created_at == updated_at
    assert abs(dt.datetime.now(dt.timezone.utc) - created_at) < dt.timedelta(minutes=5)
    assert history_count() == 1


def test_reset_covers_every_intake_slot(submit):
    events, _ = submit()

    reset = {e["name"] for e in events if e["value"] is None}
    assert reset == set(INTAKE)


@pytest.mark.parametrize(
    ("service", "city", "response", "kwargs"),
    [
        ("mail_in", None, "utter_next_step_mail_in", {"city": "", "phone": "13912345678"}),
        ("home", "北京", "utter_next_step_home", {"city": "北京", "phone": "13912345678"}),
    ],
)
def test_next_step_depends_on_the_service(submit, service, city, response, kwargs):
    events, dispatcher = submit(service_type=service, city=city)

    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=first_ticket_no()),
        msg(response, **kwargs),
        *([PRIVACY] if service == "mail_in" else []),
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", first_ticket_no()), *ASK_RATING]
    [row] = rows()
    assert (row["service_type"], row["city"]) == (service, city)


def test_warranty_is_assessed_when_the_summary_did_not(submit, today):
    bought = today - dt.timedelta(days=60)

    submit(purchase_date=bought.isoformat(), purchase_date_precision="day")

    [row] = rows()
    assert row["warranty_status"] == "in_warranty"
    assert row["purchase_date"] == bought


def test_unknown_purchase_date_is_stored_as_to_verify(submit):
    submit(serial_number=None, skipped_slots=["serial_number", "purchase_date"])

    [row] = rows()
    assert (row["warranty_status"], row["serial_number"], row["purchase_date"]) == (
        "to_verify",
        None,
        None,
    )


def test_same_intake_twice_creates_no_second_ticket(submit):
    first_events, first = submit()
    second_events, second = submit()

    ticket_no = first_ticket_no()
    assert first.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert first_events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]
    # Nothing was created the second time: no second rating request.
    assert second.messages == [
        msg("utter_ticket_exists_already", ticket_no=ticket_no),
        *CHENGDU_CENTRES,
        PRIVACY,
    ]
    assert second_events == [*RESET, SlotSet("ticket_no", ticket_no)]
    assert len(rows()) == 1
    assert history_count() == 1


def test_another_intake_gets_the_next_number(submit):
    submit()
    events, dispatcher = submit(intake_id="b" * 32)

    second_no = f"R{get_settings().today():%Y%m%d}-0002"
    assert dispatcher.messages[0] == msg("utter_ticket_created", ticket_no=second_no)
    assert events == [*RESET, SlotSet("ticket_no", second_no), *ASK_RATING]
    assert [r["ticket_no"] for r in rows()] == [first_ticket_no(), second_no]


def test_declined_duplicate_creates_nothing(submit):
    events, dispatcher = submit(
        existing_ticket_no="R20260101-0007", duplicate_confirmed=False, intake_confirmed=None
    )

    assert dispatcher.messages == [
        msg("utter_duplicate_declined", existing_ticket_no="R20260101-0007")
    ]
    assert events == RESET
    assert rows() == []


def test_accepted_duplicate_creates_a_second_ticket(submit, ticket_factory, imei):
    existing = ticket_factory(serial_number=imei)

    events, dispatcher = submit(existing_ticket_no=existing.ticket_no, duplicate_confirmed=True)

    second_no = f"R{get_settings().today():%Y%m%d}-0002"
    assert existing.ticket_no == first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=second_no),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", second_no), *ASK_RATING]
    assert [r["serial_number"] for r in rows()] == [imei, imei]


@pytest.mark.parametrize(
    "slot_values", [{"intake_confirmed": None}, {"intake_id": None}, {"intake_confirmed": False}]
)
def test_unconfirmed_intake_is_not_submitted(submit, slot_values):
    events, dispatcher = submit(**slot_values)

    assert dispatcher.messages == [msg("utter_default")]
    assert events == []
    assert rows() == []


def test_store_down_keeps_the_intake_then_retry_creates_it(submit, db_down, ticket_db, monkeypatch):
    db_down()

    events, dispatcher = submit()

    assert dispatcher.messages == [msg("utter_ticket_deferred")]
    reminder = events[-1]
    assert events[:-1] == [SlotSet("ticket_pending", True), SlotSet("ticket_retries", 0.0)]
    assert reminder["event"] == "reminder"
    assert reminder["intent"] == "EXTERNAL_retry_ticket"
    assert reminder["kill_on_user_msg"] is False
    # Nothing the user typed is reset.
    assert not any(e["event"] == "slot" and e["value"] is None for e in events)

    # The store is back: the retry (same slots, same intake) creates the ticket.
    monkeypatch.setenv("DATABASE_URL", ticket_db)
    get_settings.cache_clear()
    dispose_engines()

    events, dispatcher = submit(ticket_pending=True)

    ticket_no = first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]
    assert len(rows()) == 1


def test_automatic_retries_back_off_then_stop_and_say_so(submit, db_down):
    from bot.actions.submit import MAX_AUTOMATIC_RETRIES, RETRY_INTENT, retry_delay

    assert [retry_delay(n).total_seconds() / 60 for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    db_down()

    events, dispatcher = submit(
        text="", intent=RETRY_INTENT, ticket_pending=True, ticket_retries=1.0
    )
    assert dispatcher.messages == []  # a silent retry: the user was told already
    assert events[:2] == [SlotSet("ticket_pending", True), SlotSet("ticket_retries", 2.0)]
    assert events[2]["event"] == "reminder"

    events, dispatcher = submit(
        text="",
        intent=RETRY_INTENT,
        ticket_pending=True,
        ticket_retries=float(MAX_AUTOMATIC_RETRIES - 1),
    )
    assert dispatcher.messages == [msg("utter_ticket_still_pending")]
    assert events == [
        SlotSet("ticket_pending", True),
        SlotSet("ticket_retries", float(MAX_AUTOMATIC_RETRIES)),
    ]


def test_a_kept_intake_is_in_the_spool_before_the_owner_is_told(submit, db_down, full_intake):
    db_down()

    _, dispatcher = submit(purchase_date="2025-03-01", warranty_status="in_warranty")

    assert dispatcher.messages == [msg("utter_ticket_deferred")]
    entry = default_spool().get(full_intake["intake_id"])
    assert entry is not None and entry.state == "pending"
    assert entry.ticket.sender_id == "test-user"
    assert entry.ticket.purchase_date == dt.date(2025, 3, 1)
    assert entry.ticket.contact_phone == "13912345678"


def test_the_reminder_announces_a_ticket_the_retrier_created(
    submit, db_down, ticket_db, monkeypatch, full_intake
):
    from bot.actions.submit import RETRY_INTENT

    db_down()
    submit()
    # The store is back; the action server's retrier creates the ticket first.
    monkeypatch.setenv("DATABASE_URL", ticket_db)
    get_settings.cache_clear()
    dispose_engines()
    assert drain() == 1
    entry = default_spool().get(full_intake["intake_id"])
    assert entry is not None and entry.state == "created"

    # Then the conversation's reminder fires: the owner hears the number, as a new ticket.
    events, dispatcher = submit(text="", intent=RETRY_INTENT, ticket_pending=True)

    ticket_no = first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]
    assert default_spool().get(full_intake["intake_id"]) is None
    assert len(rows()) == 1 and history_count() == 1


def test_an_unwritable_spool_does_not_promise_the_request_is_kept(
    submit, db_down, tmp_path, monkeypatch
):
    db_down()
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("VAR_DIR", str(blocked))
    get_settings.cache_clear()

    events, dispatcher = submit()

    assert dispatcher.messages == [msg("utter_ticket_not_kept")]
    # The conversation still keeps the intake and retries it.
    assert events[:-1] == [SlotSet("ticket_pending", True), SlotSet("ticket_retries", 0.0)]
    assert events[-1]["event"] == "reminder"


def test_store_service_in_a_city_without_centre_names_the_nearest(submit):
    events, dispatcher = submit(city="东莞")

    ticket_no = first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        msg("utter_next_step_store_no_centre", city="东莞", nearest_city="广州", distance=52),
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]


def test_store_service_in_a_city_the_catalogue_does_not_know(submit):
    events, dispatcher = submit(city="火星")

    ticket_no = first_ticket_no()
    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=ticket_no),
        msg("utter_next_step_store", city="火星"),
        PRIVACY,
        msg("utter_ask_rating"),
    ]
    assert events == [*RESET, SlotSet("ticket_no", ticket_no), *ASK_RATING]
    [row] = rows()
    assert row["city"] == "火星"


def test_store_service_city_with_its_suffix(submit):
    _events, dispatcher = submit(city="成都市")

    assert dispatcher.messages == [
        msg("utter_ticket_created", ticket_no=first_ticket_no()),
        *CHENGDU_CENTRES,
        PRIVACY,
        msg("utter_ask_rating"),
    ]


def test_photos_sent_during_the_intake_are_linked_to_the_ticket(submit, full_intake):
    with session_scope() as session:
        mine = add_attachment(
            session,
            sender_id="test-user",
            channel="socketio",
            content_type="image/jpeg",
            size_bytes=2048,
            storage_key="uploads/a.jpg",
            intake_id=full_intake["intake_id"],
        )
        add_attachment(
            session,
            sender_id="test-user",
            channel="socketio",
            content_type="image/jpeg",
            size_bytes=2048,
            storage_key="uploads/b.jpg",
            intake_id="another-intake",
        )

    submit()

    with session_scope() as session:
        linked = list_attachments(session, ticket_no=first_ticket_no())
    assert [a.public_id for a in linked] == [mine.public_id]
