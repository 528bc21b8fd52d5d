"""Delivery of due notices: retries, failures, opt-outs, claims (``bot.notify.worker``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading

import pytest

from bot.notify.policy import RetryPolicy
from bot.notify.senders import Notice
from bot.notify.worker import deliver_due
from bot.tickets import session_scope
from bot.tickets.history import set_status
from bot.tickets.models import metadata
from bot.tickets.notices import list_notices
from bot.tickets.optouts import opt_out
from tests.notify.conftest import PHONE, T0, make_ticket

LATER = T0 + dt.timedelta(hours=1)
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, max_seconds=100, claim_seconds=60)


def change(url: str, number: str, status: str, when: dt.datetime = LATER) -> None:
    with session_scope(url) as session:
        set_status(session, ticket_no=number, status=status, changed_by="staff", now=when)


def notices(url: str, number: str):
    with session_scope(url) as session:
        return list_notices(session, ticket_no=number)


def run(factory, senders, now, policy=POLICY):
    return asyncio.run(deliver_due(factory, senders, now, policy=policy))


def test_policy_backs_off_exponentially_up_to_the_cap():
    policy = RetryPolicy(max_attempts=4, base_seconds=30, max_seconds=100)
    delays = [policy.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 200)]
    assert delays == [30, 60, 100, 100, 100]
    assert [policy.gives_up(n) for n in (1, 3, 4, 5)] == [False, False, True, True]


def test_a_status_change_becomes_an_sms_on_the_provider(store, factory, sms, sms_sender):
    number = make_ticket(store)
    change(store, number, "received")
    report = run(factory, {"sms": sms_sender}, LATER)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [message] = sms.messages()
    assert message["to"] == PHONE
    assert message["text"].startswith(f"您的维修单 {number} 有新进度：已收到手机。")
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts, notice.sent_at) == ("sent", 1, LATER)
    assert message["key"] == f"notice-{notice.id}"
    assert run(factory, {"sms": sms_sender}, LATER).sent == 0  # sent once only


def test_a_provider_that_is_down_leaves_the_notice_pending_until_a_later_run(
    store, factory, sms, sms_sender
):
    number = make_ticket(store)
    change(store, number, "received")
    sms.set_status(503)
    report = run(factory, {"sms": sms_sender}, LATER)
    assert (report.sent, report.retried) == (0, 1)
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.next_attempt_at == LATER + dt.timedelta(seconds=30)
    assert notice.last_error == "sms: HTTP 503"
    # Not due yet: nothing is tried.
    assert run(factory, {"sms": sms_sender}, LATER + dt.timedelta(seconds=29)).retried == 0
    sms.set_status(200)
    report = run(factory, {"sms": sms_sender}, LATER + dt.timedelta(seconds=30))
    assert report.sent == 1
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 2, None)
    assert len(sms.messages()) == 1


def test_after_the_last_attempt_the_notice_is_failed_and_says_why(store, factory, sms, sms_sender):
    number = make_ticket(store)
    change(store, number, "received")
    sms.set_status(503)
    when = LATER
    for _ in range(POLICY.max_attempts):
        run(factory, {"sms": sms_sender}, when)
        when += dt.timedelta(hours=1)
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts, notice.last_error) == ("failed", 3, "sms: HTTP 503")
    sms.set_status(200)
    assert run(factory, {"sms": sms_sender}, when).sent == 0
    assert sms.messages() == []


def test_a_refusal_for_good_fails_at_once(store, factory, sms, sms_sender):
    number = make_ticket(store)
    change(store, number, "received")
    sms.set_status(400)
    assert run(factory, {"sms": sms_sender}, LATER).failed == 1
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("failed", 1)


def test_a_channel_without_sender_waits_untouched(store, factory, sms_sender):
    number = make_ticket(store, channel="wechat", sender_id="oOwner")
    change(store, number, "received")
    report = run(factory, {"sms": sms_sender}, LATER)
    assert report.waiting == {"wechat": 1}
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("pending", 0)


def test_an_opt_out_after_the_change_skips_the_notice(store, factory, sms, sms_sender):
    number = make_ticket(store, channel="rest", sender_id="u9")
    change(store, number, "received")
    with session_scope(store) as session:
        # As if the notice had been written before the opt-out and missed by it.
        session.execute(
            metadata.tables["notice_opt_outs"]
            .insert()
            .values(channel="rest", sender_id="u9", created_at=LATER)
        )
    report = run(factory, {"sms": sms_sender}, LATER)
    assert (report.skipped, report.sent) == (1, 0)
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("skipped", 0)
    assert sms.messages() == []
    with session_scope(store) as session:
        assert opt_out(session, channel="rest", sender_id="u9") == 0


class Crashing:
    """A sender with a bug."""

    async def send(self, notice: Notice) -> None:
        raise KeyError("bug")


def test_a_crashing_sender_loses_nothing(store, factory):
    number = make_ticket(store)
    change(store, number, "received")
    assert run(factory, {"sms": Crashing()}, LATER).retried == 1
    [notice] = notices(store, number)
    assert (notice.status, notice.last_error) == ("pending", "KeyError: 'bug'")


class Absent:
    """A widget sender whose session closed after the claim."""

    def __init__(self, sessions: set[str]) -> None:
        self.sessions = sessions

    def local_recipients(self) -> set[str]:
        return self.sessions

    async def send(self, notice: Notice) -> None:
        from bot.notify.senders import RecipientAbsent

        raise RecipientAbsent("the widget is not open")


def test_a_widget_notice_nobody_takes_becomes_an_sms(store, factory, sms, sms_sender):
    number = make_ticket(store, channel="socketio", sender_id="sess-1")
    change(store, number, "received")
    policy = RetryPolicy(widget_wait_seconds=60)
    # No widget of this session open here: not claimed, still a widget notice.
    report = run(factory, {"web": Absent(set()), "sms": sms_sender}, LATER, policy)
    assert report.sent == 0
    [notice] = notices(store, number)
    assert (notice.channel, notice.recipient, notice.status) == ("web", "sess-1", "pending")
    # Its socket closed between the claim and the push: an SMS at once.
    report = run(factory, {"web": Absent({"sess-1"}), "sms": sms_sender}, LATER, policy)
    assert report.to_sms == 1
    [notice] = notices(store, number)
    assert (notice.channel, notice.recipient, notice.attempts) == ("sms", PHONE, 0)
    assert run(factory, {"sms": sms_sender}, LATER, policy).sent == 1
    assert [m["to"] for m in sms.messages()] == [PHONE]


def test_a_widget_notice_becomes_an_sms_after_the_wait(store, factory, sms, sms_sender):
    number = make_ticket(store, channel="socketio", sender_id="sess-2")
    change(store, number, "received")
    policy = RetryPolicy(widget_wait_seconds=60)
    assert run(factory, {"sms": sms_sender}, LATER + dt.timedelta(seconds=59), policy).sent == 0
    report = run(factory, {"sms": sms_sender}, LATER + dt.timedelta(seconds=60), policy)
    assert (report.to_sms, report.sent) == (1, 1)
    assert [m["to"] for m in sms.messages()] == [PHONE]


class Slow:
    """Counts sends of each notice; slow enough for two runs to overlap."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.lock = threading.Lock()

    async def send(self, notice: Notice) -> None:
        await asyncio.sleep(0.05)
        with self.lock:
            self.sent.append(notice.id)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_runs_at_the_same_time_never_send_a_notice_twice(backend, store, request):
    url = store
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.create_database()
        from bot.tickets.migrate import upgrade

        upgrade(url)
    numbers = [make_ticket(url, sender_id=f"u{i}") for i in range(12)]
    for number in numbers:
        change(url, number, "received")
    sender = Slow()
    factory = functools.partial(session_scope, url)
    policy = RetryPolicy(batch_size=5)

    def one_run() -> None:
        for _ in range(4):
            asyncio.run(deliver_due(factory, {"sms": sender}, LATER, policy=policy))

    threads = [threading.Thread(target=one_run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sender.sent) == len(set(sender.sent)) == 12
    for number in numbers:
        [notice] = notices(url, number)
        assert (notice.status, notice.attempts) == ("sent", 1)


def test_a_claimed_notice_of_a_run_that_died_is_due_again_after_the_lease(store, factory):
    number = make_ticket(store)
    change(store, number, "received")

    class Dies:
        async def send(self, notice: Notice) -> None:
            raise SystemExit  # the process ends mid-send: nothing is recorded

    with pytest.raises(SystemExit):
        run(factory, {"sms": Dies()}, LATER)
    [notice] = notices(store, number)
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.next_attempt_at == LATER + dt.timedelta(seconds=POLICY.claim_seconds)
    sender = Slow()
    assert run(factory, {"sms": sender}, LATER + dt.timedelta(seconds=59)).sent == 0
    assert run(factory, {"sms": sender}, LATER + dt.timedelta(seconds=60)).sent == 1
