"""The operators' command line: deliver once, show a ticket's notices, requeue failed ones."""

from __future__ import annotations

from bot.notify import cli
from bot.tickets import cli as tickets_cli
from tests.notify.conftest import make_ticket
from tests.notify.sms_fake import SMS_TOKEN


def test_deliver_show_and_retry_a_failed_notice(store, sms, monkeypatch, capsys):
    monkeypatch.setenv("SMS_URL", sms.url)
    monkeypatch.setenv("SMS_TOKEN", SMS_TOKEN)
    monkeypatch.setenv("NOTIFY_MAX_ATTEMPTS", "1")
    number = make_ticket(store)
    assert tickets_cli.main(["set-status", number, "received"]) == 0
    sms.set_status(503)
    assert cli.main(["deliver"]) == 0
    assert "0 sent, 0 to retry, 1 failed" in capsys.readouterr().out
    assert cli.main(["show", number]) == 0
    line = capsys.readouterr().out.strip()
    assert "status_changed sms failed attempts=1" in line and "sms: HTTP 503" in line
    notice_id = int(line.split()[0].lstrip("#"))

    sms.set_status(200)
    assert cli.main(["retry", str(notice_id)]) == 0
    assert "1 notice(s) pending again" in capsys.readouterr().out
    assert cli.main(["retry", str(notice_id)]) == 2  # pending now, not failed
    assert "only failed ones" in capsys.readouterr().err
    assert cli.main(["deliver"]) == 0
    assert "1 sent" in capsys.readouterr().out
    [message] = sms.messages()
    assert message["text"].startswith(f"您的维修单 {number} 有新进度")


def test_bad_input_and_unknown_tickets_are_usage_errors(store, capsys):
    assert cli.main(["show", "R20990101-0001"]) == 2
    assert "no ticket R20990101-0001" in capsys.readouterr().err
    assert cli.main(["retry", "abc"]) == 2
    assert cli.main([]) == 2


def test_deliver_without_senders_says_what_waits(store, capsys):
    number = make_ticket(store)
    tickets_cli.main(["set-status", number, "received"])
    capsys.readouterr()
    assert cli.main(["deliver"]) == 0
    assert "1 sms notice(s) wait: SMS_URL is not set" in capsys.readouterr().out
