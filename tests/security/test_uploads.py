"""Attacks on the widget's photo routes: uploads without a session, reading others' photos,
EXIF left in, oversized chunked bodies; and the retention of old photos.

Each test runs the real channel on a Sanic server and sends real HTTP requests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from PIL import Image

from bot.channels.photos import MAX_PHOTO_BYTES, purge_old_photos, store_photo
from bot.channels.web import WebChatInput
from bot.channels.web.sessions import SessionSigner
from bot.console import accounts
from bot.console.channel import COOKIE
from bot.settings import get_settings
from tests.conftest import migrated_ticket_store
from tests.security.widget_server import WidgetServer, widget_server

pytestmark = pytest.mark.anyio

SIGNER = SessionSigner(b"test-widget-session-key-0123456789abcdef", max_age=86400)
GPS_TAG, MAKE_TAG, ORIENTATION_TAG = 0x8825, 0x010F, 0x0112


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """VAR_DIR and a migrated ticket store (agents sign in against it)."""
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    yield from migrated_ticket_store(monkeypatch, tmp_path)


def channel(upload_dir: Path) -> WebChatInput:
    return WebChatInput(session_persistence=True, upload_dir=upload_dir, signer=SIGNER)


def photo_with_exif(size: tuple[int, int] = (40, 20)) -> bytes:
    """A JPEG as phones write it: GPS position, maker, and rotated by its Orientation tag."""
    exif = Image.Exif()
    exif[MAKE_TAG] = "SecretPhoneMaker"
    exif[ORIENTATION_TAG] = 6  # display rotated 90° clockwise
    exif[GPS_TAG] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (220, 20, 60)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def noise_png(approx_bytes: int) -> bytes:
    """A PNG of random pixels (incompressible): about ``approx_bytes`` long."""
    side = int((approx_bytes / 3) ** 0.5)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


async def upload(
    http: aiohttp.ClientSession,
    server: WidgetServer,
    data: bytes,
    *,
    header: str | None = None,
    field: str | None = None,
    expect100: bool = False,
) -> tuple[int, dict[str, object]]:
    form = aiohttp.FormData()
    form.add_field("photo", data, filename="fault.jpg", content_type="image/jpeg")
    if field is not None:
        form.add_field("session_id", field)
    headers = {"X-Widget-Session": header} if header is not None else {}
    async with http.post(
        server.widget + "upload", data=form, headers=headers, expect100=expect100
    ) as reply:
        return reply.status, await reply.json(content_type=None)


async def get_photo(
    http: aiohttp.ClientSession, server: WidgetServer, path: str, **headers: str
) -> tuple[int, bytes]:
    async with http.get(server.widget + path, headers=headers) as reply:
        return reply.status, await reply.read()


async def test_an_upload_needs_a_genuine_session(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    async with widget_server(channel(uploads)) as server, aiohttp.ClientSession() as http:
        photo = photo_with_exif()
        assert (await upload(http, server, photo))[0] == 401  # no session at all
        # a bare session id (what agents see), a forged and an expired token
        victim = "0123456789abcdef0123456789abcdef"
        other_key = SessionSigner(b"another-key-that-is-not-the-servers", max_age=86400)
        for bad in (victim, other_key.issue(victim), SIGNER.issue(victim, now=time.time() - 2e6)):
            assert (await upload(http, server, photo, header=bad))[0] == 403
            assert (await upload(http, server, photo, field=bad))[0] == 403
        assert not uploads.exists() or list(uploads.iterdir()) == []
        # a genuine token, in the header or in the form
        status, body = await upload(http, server, photo, header=SIGNER.issue(victim))
        assert status == 201, body
        status, body = await upload(http, server, photo, field=SIGNER.issue(victim))
        assert status == 201, body
        assert len(list(uploads.glob("*.jpg"))) == 2


async def test_a_photo_is_served_only_to_its_session_and_to_agents(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    owner, other = SIGNER.issue("owner-session-1"), SIGNER.issue("other-session-2")
    accounts.add_agent("agent1", "王工", "correct-horse-battery-9")
    signed = accounts.sign_in("agent1", "correct-horse-battery-9")
    assert signed is not None
    # A WeChat user's photo, and a sender id equal to the openid (a brand's JWT could name it).
    openid = "oWeChatUser0123456789"
    wechat_photo = store_photo(uploads, photo_with_exif(), session_id=openid, channel="wechat")
    async with widget_server(channel(uploads)) as server, aiohttp.ClientSession() as http:
        status, body = await upload(http, server, photo_with_exif(), header=owner)
        assert status == 201
        path = f"uploads/{body['id']}"
        assert (await get_photo(http, server, path))[0] == 401  # knowing the id is not enough
        assert (await get_photo(http, server, path, **{"X-Widget-Session": other}))[0] == 404
        bad_link = f"{path}?exp={int(time.time()) + 600}&sig={'A' * 43}"
        assert (await get_photo(http, server, bad_link))[0] == 404
        expired = f"{path}?{SIGNER.photo_link(str(body['id']), ttl=-1)}"
        assert (await get_photo(http, server, expired))[0] == 404
        other_photo_link = f"uploads/{wechat_photo.photo_id}?{str(body['url']).split('?')[1]}"
        assert (await get_photo(http, server, other_photo_link))[0] == 404
        status, served = await get_photo(http, server, path, **{"X-Widget-Session": owner})
        assert status == 200 and served[:3] == b"\xff\xd8\xff"
        # the short-lived link of the upload's answer, for <img> tags
        status, linked = await get_photo(http, server, str(body["url"]))
        assert (status, linked) == (200, served)
        # fresh links: for the photo's session only
        for token, expected in ((None, 401), ("forged.1.x", 403), (other, 404), (owner, 200)):
            form = {"session_id": token} if token else {}
            async with http.post(server.widget + f"{path}/link", data=form) as reply:
                assert reply.status == expected, token
                fresh = await reply.json()
        status, linked = await get_photo(http, server, str(fresh["url"]))
        assert (status, linked) == (200, served)
        # WeChat photos: never to a web session, even one whose id is the openid
        wechat_path = f"uploads/{wechat_photo.photo_id}"
        as_openid = {"X-Widget-Session": SIGNER.issue(openid)}
        assert (await get_photo(http, server, wechat_path, **as_openid))[0] == 404
        # signed-in agents see both; a made-up or signed-out cookie does not
        cookie = {"Cookie": f"{COOKIE}={signed[1]}"}
        assert (await get_photo(http, server, path, **cookie))[0] == 200
        assert (await get_photo(http, server, wechat_path, **cookie))[0] == 200
        assert (await get_photo(http, server, path, Cookie=f"{COOKIE}=made-up"))[0] == 401
        accounts.sign_out(signed[1])
        assert (await get_photo(http, server, wechat_path, **cookie))[0] == 401


async def test_exif_is_stripped_and_the_photo_turned_upright(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    token = SIGNER.issue("exif-session")
    original = photo_with_exif(size=(40, 20))
    assert b"SecretPhoneMaker" in original
    async with widget_server(channel(uploads)) as server, aiohttp.ClientSession() as http:
        status, body = await upload(http, server, original, header=token)
        assert status == 201
        path = f"uploads/{body['id']}"
        status, served = await get_photo(http, server, path, **{"X-Widget-Session": token})
    assert status == 200
    stored = (uploads / f"{body['id']}.jpg").read_bytes()
    assert served == stored
    assert b"SecretPhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (20, 40)  # the Orientation was applied, then dropped


def chunked_post(url: str, headers: dict[str, str], total: int) -> tuple[int | None, int]:
    """POST ``total`` bytes of a multipart photo with chunked encoding (no Content-Length).

    Returns the status the server answered (None if none) and how many body bytes were sent
    before it stopped reading.
    """
    parts = urlsplit(url)
    boundary = "shouhou-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff\xd8\xff"
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        request = [
            f"POST {parts.path} HTTP/1.1",
            f"Host: {parts.netloc}",
            f"Content-Type: multipart/form-data; boundary={boundary}",
            "Transfer-Encoding: chunked",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode())
        chunk = head + b"\x00" * (256 * 1024 - len(head))
        try:
            while sent < total:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                chunk = b"\x00" * len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent


async def test_an_oversized_chunked_upload_is_cut_off(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    token = SIGNER.issue("chunked-session")
    async with widget_server(channel(uploads)) as server:
        status, sent = await asyncio.to_thread(
            chunked_post, server.widget + "upload", {"X-Widget-Session": token}, 64 * 1024 * 1024
        )
        # Sanic's own limit (100 MB here) would have let all 64 MiB in before any check
        assert status == 413
        assert sent < 40 * 1024 * 1024
        # no session header (the token may be in the form): cut off at the limit as well
        status, sent = await asyncio.to_thread(
            chunked_post, server.widget + "upload", {}, 64 * 1024 * 1024
        )
        assert status == 413 and sent < 40 * 1024 * 1024
        # a forged header: refused before the body is read
        status, sent = await asyncio.to_thread(
            chunked_post, server.widget + "upload", {"X-Widget-Session": "x.1.y"}, 64 * 1024 * 1024
        )
        assert status in (403, None) and sent < 40 * 1024 * 1024
    assert not uploads.exists() or list(uploads.iterdir()) == []


async def test_a_big_photo_passes_a_small_global_request_limit(tmp_path: Path) -> None:
    """The server's global body limit is small (bot.serve); the upload route has its own."""
    uploads = tmp_path / "uploads"
    token = SIGNER.issue("big-photo-session")
    photo = noise_png(MAX_PHOTO_BYTES - 512 * 1024)
    assert 6 * 1024 * 1024 < len(photo) <= MAX_PHOTO_BYTES
    async with (
        widget_server(channel(uploads), request_max_size=1024 * 1024) as server,
        aiohttp.ClientSession() as http,
    ):
        status, body = await upload(http, server, photo, header=token)
        assert status == 201, body
        # a declared Content-Length over the limit is refused without reading the body
        too_big = photo + b"\x00" * (2 * 1024 * 1024)
        status, _ = await upload(http, server, too_big, header=token, expect100=True)
        assert status == 413


async def test_retention_deletes_old_photos_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = tmp_path / "uploads"
    old = store_photo(uploads, photo_with_exif(), session_id="s-old", channel="socketio")
    new = store_photo(uploads, photo_with_exif(), session_id="s-new", channel="wechat")
    sidecar = uploads / f"{old.photo_id}.json"
    meta = json.loads(sidecar.read_text())
    meta["created_at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=91)).isoformat()
    sidecar.write_text(json.dumps(meta))
    orphan = uploads / f"{'a' * 32}.json"  # a sidecar whose photo is gone
    orphan.write_text("{}")
    os.utime(orphan, (time.time() - 100 * 86400,) * 2)
    unrelated = uploads / "README.txt"
    unrelated.write_text("not a photo")
    monkeypatch.setenv("PHOTO_RETENTION_DAYS", "90")
    get_settings.cache_clear()
    async with widget_server(channel(uploads)):
        deadline = time.monotonic() + 10
        while old.path.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    assert not old.path.exists() and not sidecar.exists() and not orphan.exists()
    assert new.path.exists() and (uploads / f"{new.photo_id}.json").exists()
    assert unrelated.exists()
    # the function itself: 0 keeps everything, a later "now" deletes the rest
    assert (
        purge_old_photos(uploads, days=0, now=dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)) == 0
    )
    assert purge_old_photos(uploads, days=1) == 0
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    assert purge_old_photos(uploads, days=1, now=later) == 1
    assert not new.path.exists()
