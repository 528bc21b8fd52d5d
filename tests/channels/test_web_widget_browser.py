"""The web widget in headless Chromium, against the servers `make run` starts.

Starts ``scripts/run.sh`` (action server + Rasa with ``credentials.yml``, which enables
``bot.channels.web.WebChatInput``) on free ports, opens the demo page served by the Rasa server
and chats through a whole repair intake by typing and by clicking buttons; then reloads the page
and checks that the history is shown and the same conversation goes on. Also checks the widget's
HTTP routes, photo uploads and safe rendering. Screenshots go to ``test-output/web-widget/``.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright`` package (its own
browser downloads are never used), and ``scripts/web_setup.sh`` (npm) for socket.io's client.
"""

from __future__ import annotations

import asyncio
import http.server
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import requests
import socketio
from PIL import Image
from sqlalchemy import select

from bot.channels.replies import channel_replies
from bot.tickets import list_attachments, session_scope
from bot.tickets.models import Ticket
from tests.channels.servers import (
    BOT_TIMEOUT_MS,
    Servers,
    Widget,
    launch_chromium,
    running_servers,
    tiny_png,
)
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]

OUT = ROOT / "test-output" / "web-widget"
IMEI = "864752047771234"  # Luhn-valid, used by no other test


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("web"), OUT / "run.log") as servers:
        yield servers


@pytest.fixture(scope="module")
def browser(servers):
    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_widget_routes_and_demo_page(servers):
    widget = requests.get(servers.base + "widget.js", timeout=10)
    assert widget.status_code == 200
    assert widget.headers["content-type"].startswith("application/javascript")
    # every text is rendered with textContent / text nodes, never parsed as markup
    assert not re.search(r"\.(inner|outer)HTML|insertAdjacentHTML|document\.write", widget.text)
    client = requests.get(servers.base + "vendor/socket.io.min.js", timeout=10)
    assert client.status_code == 200 and "Socket.IO" in client.text[:400]
    demo = requests.get(servers.base + "demo", timeout=10)
    assert demo.status_code == 200 and "一加 售后服务" in demo.text
    assert '<script src="/webhooks/socketio/widget.js"' in demo.text


def widget_token(servers: Servers) -> str:
    """A session token, asked for the way the widget asks (socket.io ``session_request``)."""
    confirmed = threading.Event()
    tokens: list[str] = []
    client = socketio.Client(reconnection=False)
    client.on("session_confirm", lambda token: (tokens.append(token), confirmed.set()))
    client.connect(f"http://127.0.0.1:{servers.rasa_port}", transports=["polling"], wait_timeout=20)
    client.emit("session_request", {"session_id": None})
    confirmed.wait(20)
    client.disconnect()
    return tokens[0]


def test_photo_upload_checks_type_size_and_stores_under_a_random_name(servers):
    url = servers.base + "upload"
    token = widget_token(servers)
    ok = requests.post(
        url, files={"photo": ("fault.png", tiny_png(), "image/png")},
        data={"session_id": token}, timeout=10,
    )  # fmt: skip
    assert ok.status_code == 201, ok.text
    body = ok.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"]) and body["content_type"] == "image/png"
    stored = servers.var_dir / "uploads" / f"{body['id']}.png"
    with Image.open(stored) as image:  # written again, without metadata
        assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", (2, 2), (235, 0, 40))
    served = requests.get(servers.base + body["url"], timeout=10)  # the signed link
    assert served.status_code == 200 and served.content == stored.read_bytes()
    assert served.headers["x-content-type-options"] == "nosniff"
    assert requests.get(servers.base + f"uploads/{body['id']}", timeout=10).status_code == 401

    def post(content: bytes, mime: str = "image/png", session: str = token) -> int:
        files = {"photo": ("x", content, mime)}
        try:
            reply = requests.post(url, files=files, data={"session_id": session}, timeout=30)
        except requests.ConnectionError:
            return 0  # the server answered and closed before the whole body was sent
        return reply.status_code

    assert post(b"<svg onload=alert(1)>", "image/png") == 415  # declared type is not trusted
    assert post(tiny_png(), session="") == 401
    assert post(b"\xff\xd8\xff" + b"\x00" * (9 * 1024 * 1024), "image/jpeg") in (413, 0)
    assert requests.post(url, data={"session_id": token}, timeout=10).status_code == 400
    as_session = {"X-Widget-Session": token}
    for path in ("uploads/..%2F..%2Fetc%2Fpasswd", "uploads/" + "0" * 32):
        assert requests.get(servers.base + path, timeout=10).status_code == 401
        assert requests.get(servers.base + path, headers=as_session, timeout=10).status_code == 404


def test_repair_intake_in_the_browser_survives_a_reload(servers, page):
    OUT.mkdir(parents=True, exist_ok=True)
    widget = Widget(page)
    widget.open(servers.base + "demo")

    page.evaluate(
        """() => {
            const typing = document.querySelector('#shouhou-chat-widget')
                .shadowRoot.querySelector('.sh-typing');
            window.__typingSeen = false;
            new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
                .observe(typing, {attributes: true});
        }"""
    )
    assert any("什么问题" in t for t in widget.say("我要报修", "什么问题"))
    assert page.evaluate("window.__typingSeen") is True
    page.locator(".sh-typing").wait_for(state="hidden")
    widget.say("屏幕上有一条绿线", "触摸不灵")  # the screen fault's guided diagnosis first
    widget.click("否", "型号")
    # a photo of the fault in the middle of the intake: received, then the same question again
    during = widget.send_photo("随这次报修")
    assert any("型号" in t for t in during), during
    widget.say("一加12", "什么时候买")
    widget.say("去年三月", "IMEI")
    widget.say(IMEI, "哪种方式")
    assert page.locator(".sh-button", has_text="到店维修").count() == 1
    widget.click("寄修", "手机号")
    # the button's title is shown as the user's message and the buttons are used up
    assert page.locator(".sh-msg.sh-user").last.text_content() == "寄修"
    assert page.locator(".sh-button", has_text="到店维修").is_disabled()
    summary = widget.say("13912345678", "以上信息正确吗")
    assert any("一加 12" in t and "139****5678" in t for t in summary)
    page.screenshot(path=str(OUT / "1-confirmation.png"))
    done = widget.click("确认提交", "工单号")
    ticket_no = re.search(r"R\d{8}-\d{4}", " ".join(done))
    assert ticket_no, done
    page.locator(".sh-button", has_text="5 非常满意").wait_for()
    page.screenshot(path=str(OUT / "2-ticket.png"))

    session_id = widget.session_id()
    with session_scope(servers.ticket_url) as session:
        ticket = session.execute(select(Ticket).where(Ticket.sender_id == session_id)).scalar_one()
        assert (ticket.ticket_no, ticket.channel) == (ticket_no.group(), "socketio")
        assert (ticket.serial_number, ticket.service_type) == (IMEI, "mail_in")

    # A reload shows the whole conversation again and goes on with the same Rasa conversation.
    count = page.locator(".sh-msg").count()
    page.reload()
    widget.ready()
    assert widget.session_id() == session_id
    assert page.locator(".sh-msg").count() == count
    assert ticket_no.group() in " ".join(widget.bot_texts())
    assert page.locator(".sh-button", has_text="寄修").is_disabled()
    page.wait_for_function(  # scrolled to the latest message
        """() => { const log = document.querySelector('#shouhou-chat-widget')
                       .shadowRoot.querySelector('.sh-log');
                   return log.scrollTop + log.clientHeight >= log.scrollHeight - 2; }"""
    )
    page.screenshot(path=str(OUT / "3-after-reload.png"))
    widget.click("5 非常满意", "感谢您的评价")

    # A photo after the ticket: uploaded, shown in the conversation, added to the ticket.
    assert any(ticket_no.group() in t for t in widget.send_photo("已添加到工单"))
    image = page.locator(".sh-msg.sh-user img.sh-image").last
    image.wait_for()
    page.wait_for_function(
        """() => [...document.querySelector('#shouhou-chat-widget').shadowRoot
                   .querySelectorAll('.sh-user img.sh-image')].every(i => i.naturalWidth > 0)"""
    )
    photo_id = re.fullmatch(r"[0-9a-f]{32}", image.get_attribute("data-photo-id") or "")
    assert photo_id
    assert f"uploads/{photo_id.group()}?exp=" in (image.get_attribute("src") or "")
    assert (servers.var_dir / "uploads" / f"{photo_id.group()}.json").is_file()
    page.screenshot(path=str(OUT / "4-photo.png"))
    # both photos are the ticket's: the one from the intake and the one sent afterwards
    with session_scope(servers.ticket_url) as session:
        photos = list_attachments(session, ticket_no=ticket_no.group())
    assert [(p.channel, p.sender_id, p.content_type) for p in photos] == [
        ("socketio", session_id, "image/png")
    ] * 2
    assert photos[1].storage_key == f"{photo_id.group()}.png"
    for photo in photos:
        assert (servers.var_dir / "uploads" / photo.storage_key).is_file()


def test_user_and_bot_text_is_never_markup(servers, page):
    widget = Widget(page)
    widget.open(servers.base + "demo")
    attack = '<img src=x onerror="window.__pwned=1">看看 https://example.com/a?b=1'
    box = page.locator(".sh-input")
    box.fill(attack)
    box.press("Enter")
    bubble = page.locator(".sh-msg.sh-user").last
    bubble.wait_for()
    assert bubble.text_content() == attack
    assert bubble.locator("img").count() == 0
    link = bubble.locator("a.sh-link")
    assert link.get_attribute("href") == "https://example.com/a?b=1"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.evaluate("window.__pwned") is None
    page.locator(".sh-msg.sh-bot").first.wait_for(timeout=BOT_TIMEOUT_MS)  # the bot still answers

    # "新对话" clears the history and starts a new Rasa conversation.
    first_session = widget.session_id()
    page.locator(".sh-reset").click()
    assert page.locator(".sh-msg.sh-user").count() == 0
    page.wait_for_function(
        "old => { const s = JSON.parse(localStorage.getItem('shouhou-chat:session'));"
        " return s && s !== old; }",
        arg=first_session,
    )
    page.locator(".sh-status", has_text="在线").wait_for()
    widget.say("你好", "")


def test_bad_socketio_input_gets_an_answer_or_is_dropped_and_the_server_keeps_serving(servers):
    async def scenario() -> dict[str, list[str]]:
        replies: list[str] = []
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        client = socketio.AsyncClient(reconnection=False)
        client.on("bot_uttered", lambda message: replies.append(str(message.get("text", ""))))
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        await client.connect(
            f"http://127.0.0.1:{servers.rasa_port}", transports=["polling"], wait_timeout=20
        )
        # A forged or malformed session id is replaced by a fresh one, in a signed token.
        await client.emit("session_request", {"session_id": "x y\n" * 40})
        session_id = await asyncio.wait_for(confirmed, 20)
        assert re.fullmatch(r"[0-9a-f]{32}\.[0-9a-f]+\.[A-Za-z0-9_-]{43}", session_id)

        async def say(payload: object, wait: float) -> list[str]:
            before = len(replies)
            await client.emit("user_uttered", payload)
            deadline = asyncio.get_running_loop().time() + wait
            while asyncio.get_running_loop().time() < deadline and len(replies) == before:
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)
            return replies[before:]

        replayed = {"message": "你好", "session_id": session_id, "message_id": "ab" * 16}
        seen = {
            "empty": await say({"message": "   ", "session_id": session_id}, 10),
            "first": await say(replayed, 60),
            "replayed": await say(replayed, 5),
            "not an object": await say("我要报修", 3),
            "no session": await say({"message": "我要报修"}, 3),
            "long": await say({"message": "屏幕坏了" * 2500, "session_id": session_id}, 60),
            "emoji": await say({"message": "😭😭😭", "session_id": session_id}, 60),
            "after": await say({"message": "你好", "session_id": session_id}, 60),
        }
        await client.disconnect()
        return seen

    # Playwright's sync API keeps an event loop running in this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(lambda: asyncio.run(scenario())).result(timeout=300)
    # an empty message is answered by the channel, a replay of a processed message is not
    # processed again; messages that are not from a widget session are dropped (logged)
    assert seen["empty"] == [channel_replies()["utter_channel_empty"]]
    assert seen["first"] and seen["replayed"] == []
    assert seen["not an object"] == seen["no session"] == []
    assert seen["long"] and seen["emoji"] and seen["after"]
    assert requests.get(servers.base + "demo", timeout=10).status_code == 200


def test_one_script_tag_on_a_brand_page_of_another_origin(servers, page, tmp_path):
    """A brand's own page (another origin) embeds the widget with one tag and chats through it."""
    (tmp_path / "brand.html").write_text(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>品牌官网</title>'
        "<body><h1>品牌官网</h1>"
        f'<script src="{servers.base}widget.js" data-title="品牌 售后" data-open="true" defer>'
        "</script></body></html>",
        encoding="utf-8",
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as brand:
        threading.Thread(target=brand.serve_forever, daemon=True).start()
        try:
            widget = Widget(page)
            # localhost and 127.0.0.1 are different origins for the browser
            widget.open(f"http://localhost:{brand.server_address[1]}/brand.html")
            assert page.locator(".sh-title").text_content() == "品牌 售后"
            widget.say("我的一加12进水了", "什么时候买")
            page.locator(".sh-file").set_input_files(
                files=[{"name": "fault.png", "mimeType": "image/png", "buffer": tiny_png()}]
            )
            page.locator(".sh-msg.sh-user img.sh-image").wait_for()
            page.wait_for_function(  # loaded from the Rasa origin
                """() => [...document.querySelector('#shouhou-chat-widget').shadowRoot
                    .querySelectorAll('.sh-user img.sh-image')].every(i => i.naturalWidth === 2)"""
            )
            page.screenshot(path=str(OUT / "5-brand-page.png"))
        finally:
            brand.shutdown()
