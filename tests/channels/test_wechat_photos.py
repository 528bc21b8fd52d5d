"""WeChat image messages: the photo is downloaded from WeChat into the upload store (without
its EXIF) and handed to the assistant as a trusted reference; when WeChat cannot deliver it, the
media id is kept."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from bot.channels.photos import MAX_PHOTO_BYTES, owns_photo
from bot.intake.photos import photo_from_metadata
from tests.channels.wechat_fakes import (
    OPENID,
    FakeWeChatApi,
    StubBot,
    WeChatChannel,
    WeChatServer,
    echo,
    message_xml,
    serve_channel,
    wechat_input,
)

pytestmark = pytest.mark.anyio

MAKER = "SecretPhoneMaker"


def _jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF names the camera and holds a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 1.0), 3: "E", 4: (113.0, 56.0, 2.0)}  # GPS IFD
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


JPEG = _jpeg_with_gps()


def image(media_id: str, msg_id: str = "9001") -> str:
    return message_xml(
        "image", msg_id=msg_id, PicUrl="http://mmbiz.example/p.jpg", MediaId=media_id
    )


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_a_photo_is_downloaded_and_handed_over(
    wechat: FakeWeChatApi, wechat_server: WeChatServer, tmp_path: Path, mode: str
) -> None:
    wechat.state.media["MEDIA_OK"] = (JPEG, "image/jpeg")
    bot = StubBot(echo)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe, upload_dir=tmp_path) as client:
        reply = await client.post(image("MEDIA_OK"))
    assert reply.status == 200
    [message] = bot.received
    assert message.text == "/send_photo"
    photo = photo_from_metadata(message.metadata)
    assert photo is not None
    stored = (tmp_path / photo.storage_key).read_bytes()
    assert (photo.content_type, photo.size_bytes, photo.source_ref) == (
        "image/jpeg",
        len(stored),
        "MEDIA_OK",
    )
    # the same picture, without the EXIF (device, GPS position) WeChat delivered
    assert MAKER.encode() in JPEG and MAKER.encode() not in stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (16, 16) and not picture.getexif()
    sidecar = json.loads((tmp_path / photo.storage_key).with_suffix(".json").read_text("utf-8"))
    # the photo belongs to this user's WeChat conversation, never to a web session
    assert (sidecar["session_id"], sidecar["channel"]) == (OPENID, "wechat")
    photo_id = photo.storage_key.split(".")[0]
    assert owns_photo(tmp_path, photo_id, session_id=OPENID, channel="wechat")
    assert not owns_photo(tmp_path, photo_id, session_id=OPENID, channel="socketio")
    assert wechat.state.media_requests == ["MEDIA_OK"]


async def test_a_retried_image_is_downloaded_once(
    wechat: FakeWeChatApi, wechat_server: WeChatServer, tmp_path: Path
) -> None:
    wechat.state.media["MEDIA_OK"] = (JPEG, "image/jpeg")
    bot = StubBot(echo)
    async with wechat_server(bot, upload_dir=tmp_path) as client:
        for _ in range(4):
            assert (await client.post(image("MEDIA_OK", msg_id="77"))).status == 200
    assert len(bot.received) == 1
    assert wechat.state.media_requests == ["MEDIA_OK"]
    assert len(list(tmp_path.glob("*.jpg"))) == 1


async def test_an_expired_token_is_renewed_for_the_download(
    wechat: FakeWeChatApi,
    wechat_channel: WeChatChannel,
    wechat_server: WeChatServer,
    tmp_path: Path,
) -> None:
    wechat.state.media["MEDIA_OK"] = (JPEG, "image/jpeg")
    bot = StubBot(echo)
    input_channel = wechat_channel(upload_dir=tmp_path)
    input_channel.api.access_token()  # a token is cached ...
    wechat.state.expire_tokens()  # ... and WeChat no longer accepts it
    async with wechat_server(bot, channel=input_channel) as client:
        await client.post(image("MEDIA_OK"))
    photo = photo_from_metadata(bot.received[0].metadata)
    assert photo is not None and photo.source_ref == "MEDIA_OK"
    assert photo.size_bytes == (tmp_path / photo.storage_key).stat().st_size > 0
    assert len(wechat.state.token_requests) == 2
    assert wechat.state.media_requests == ["MEDIA_OK", "MEDIA_OK"]


@pytest.mark.parametrize(
    ("media", "why"),
    [
        (None, "WeChat answers 40007 invalid media_id"),
        ((b"GIF89a" + b"\x00" * 64, "image/gif"), "not a JPEG, PNG or WebP"),
        ((b"\xff\xd8\xff" + b"\x00" * (MAX_PHOTO_BYTES + 1), "image/jpeg"), "too large"),
    ],
    ids=["unknown-media", "gif", "too-large"],
)
async def test_a_photo_wechat_cannot_deliver_keeps_its_media_id(
    wechat: FakeWeChatApi,
    wechat_server: WeChatServer,
    tmp_path: Path,
    media: tuple[bytes, str] | None,
    why: str,
) -> None:
    if media is not None:
        wechat.state.media["MEDIA_X"] = media
    bot = StubBot(echo)
    async with wechat_server(bot, upload_dir=tmp_path) as client:
        reply = await client.post(image("MEDIA_X"))
        assert reply.status == 200, why
        # the server keeps serving
        assert (await client.post(message_xml("text", msg_id="2", Content="你好"))).status == 200
    photo = photo_from_metadata(bot.received[0].metadata)
    assert photo is not None, why
    assert (photo.storage_key, photo.size_bytes, photo.source_ref) == (
        "wechat-media:MEDIA_X",
        0,
        "MEDIA_X",
    )
    assert list(tmp_path.glob("*")) == []  # nothing half-stored


async def test_wechat_being_down_does_not_lose_the_photo(tmp_path: Path) -> None:
    fake = FakeWeChatApi().start()
    input_channel = wechat_input(fake, upload_dir=tmp_path, http_timeout=1.0)
    fake.stop()  # nothing listens any more
    bot = StubBot(echo)
    async with serve_channel(input_channel, bot, safe=False) as client:
        reply = await client.post(image("MEDIA_DOWN"))
    assert reply.status == 200
    photo = photo_from_metadata(bot.received[0].metadata)
    assert photo is not None and photo.storage_key == "wechat-media:MEDIA_DOWN"
