"""The replies a channel gives itself come from the domain's utter_channel_* responses."""

from __future__ import annotations

import yaml

from bot.channels.replies import DOMAIN_FILE, channel_replies, response_texts


def test_every_channel_reply_is_a_domain_response() -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    replies = channel_replies()
    assert set(replies) == {n for n in domain["responses"] if n.startswith("utter_channel_")}
    assert replies["utter_channel_empty"] == domain["responses"]["utter_channel_empty"][0]["text"]


def test_only_channel_responses_with_text_are_taken() -> None:
    responses = {
        "utter_channel_a": [{"text": "甲"}, {"text": "乙"}],
        "utter_channel_blank": [{"text": "  "}],
        "utter_channel_image_only": [{"image": "https://x/y.png"}],
        "utter_channel_none": [],
        "utter_greet": [{"text": "您好"}],
    }
    assert response_texts(responses) == {"utter_channel_a": "甲"}
