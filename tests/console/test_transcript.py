"""The console's view of a conversation's events."""

from __future__ import annotations

from bot.console.transcript import photo_text, system_text, transcript

BUTTONS = [{"title": "寄修", "payload": '/inform{"service_type":"mail_in"}'}]
EVENTS = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 1.0},
    {"event": "user", "text": "我要报修", "timestamp": 2.0},
    {"event": "bot", "text": "请选择服务方式", "data": {"buttons": BUTTONS}, "timestamp": 3.0},
    {"event": "user", "text": '/inform{"service_type":"mail_in"}', "timestamp": 4.0},
    {
        "event": "user",
        "text": "/send_photo",
        "metadata": {"photo": {"storage_key": "0123456789abcdef0123456789abcdef.png"}},
        "timestamp": 5.0,
    },
    {"event": "pause", "timestamp": 6.0},
    {"event": "user", "text": "<img src=x onerror=alert(1)>", "timestamp": 7.0},
    {
        "event": "bot",
        "text": "您好，我来帮您",
        "metadata": {"agent": "zhang", "agent_name": "张三"},
        "timestamp": 8.0,
    },
    {"event": "resume", "timestamp": 9.0},
    {"event": "slot", "name": "x", "value": 1, "timestamp": 9.5},
    {"event": "bot", "text": "", "data": {}, "timestamp": 10.0},
]


def test_every_kind_of_entry() -> None:
    entries = transcript(EVENTS)
    assert [(e["index"], e["kind"], e["text"]) for e in entries] == [
        (1, "system", system_text("session_started")),
        (2, "user", "我要报修"),
        (3, "bot", "请选择服务方式"),
        (4, "user", "寄修"),  # the button's title, not its payload
        (5, "user", photo_text()),
        (6, "system", system_text("pause")),
        (7, "user", "<img src=x onerror=alert(1)>"),  # text: the console shows it as text
        (8, "agent", "您好，我来帮您"),
        (9, "system", system_text("resume")),
    ]
    assert entries[2]["buttons"] == [{"title": "寄修"}]
    assert entries[4]["photo"] == "0123456789abcdef0123456789abcdef.png"
    assert "photo" not in entries[1]
    assert entries[7]["agent_name"] == "张三"
    assert entries[0]["at"] == "1970-01-01T00:00:01+00:00"


def test_only_what_came_after() -> None:
    assert [e["index"] for e in transcript(EVENTS, after=6)] == [7, 8, 9]
    assert transcript(EVENTS, after=11) == []
    assert transcript([]) == []


def test_an_unknown_payload_is_shown_as_sent() -> None:
    entries = transcript([{"event": "user", "text": "/request_human"}])
    assert entries == [{"index": 0, "kind": "user", "text": "/request_human", "at": None}]


def test_only_stored_photos_get_a_file() -> None:
    for key in ("wechat-media:M1", "../../etc/passwd", "x.jpg", 5):
        event = {
            "event": "user",
            "text": "/send_photo",
            "metadata": {"photo": {"storage_key": key}},
        }
        [entry] = transcript([event])
        assert entry["text"] == photo_text() and "photo" not in entry


def test_system_and_photo_texts_come_from_the_console_catalogue() -> None:
    assert [system_text(e) for e in ("pause", "resume", "session_started")] == [
        "已转人工，机器人暂停回复",
        "已转回机器人",
        "新会话开始",
    ]
    assert photo_text() == "［照片］"
