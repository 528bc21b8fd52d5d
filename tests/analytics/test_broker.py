"""The event broker of an endpoints file, read as Rasa reads it."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

import pytest

from bot.analytics.broker import BrokerConfig, BrokerConfigError, read_broker_config
from bot.analytics.consume import options_from
from bot.cluster.profile import PRODUCTION_ENDPOINTS, profile_environment
from tests.analytics import rabbit


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_broker_with_variables_substituted(endpoints: Path, names: rabbit.Names) -> None:
    assert read_broker_config(endpoints) == BrokerConfig(
        host="127.0.0.1",
        port=5672,
        username="guest",
        password="guest",
        queues=(names.queue,),
        exchange=names.exchange,
    )


def test_the_production_profile_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in profile_environment({}).items():
        monkeypatch.setenv(name, value)
    for name in ("RABBITMQ_HOST", "RABBITMQ_QUEUE"):
        assert os.environ[name]
    config = read_broker_config(PRODUCTION_ENDPOINTS)
    assert (config.host, config.port, config.queues) == ("127.0.0.1", 5672, ("shouhou_events",))
    assert (config.username, config.exchange) == ("guest", "rasa-exchange")


def test_a_quoted_variable_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path, 'event_broker:\n  type: pika\n  url: "${TEST_RABBITMQ_HOST}"\n')
    with pytest.raises(BrokerConfigError, match="unquoted"):
        read_broker_config(path)


def test_an_unset_variable_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "event_broker:\n  type: pika\n  url: ${NO_SUCH_VARIABLE_17}\n")
    with pytest.raises(BrokerConfigError, match="NO_SUCH_VARIABLE_17"):
        read_broker_config(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("action_endpoint:\n  url: http://x\n", "no event_broker"),
        ("event_broker:\n  type: kafka\n  url: x\n", "not 'pika'"),
        ("event_broker:\n  type: pika\n  url: x\n  port: abc\n", "not a number"),
        ("event_broker:\n  type: pika\n  url: x\n  queues: ['']\n", "empty queue"),
    ],
)
def test_unusable_brokers(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(BrokerConfigError, match=reason):
        read_broker_config(write(tmp_path, text))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BrokerConfigError, match="no endpoints file"):
        read_broker_config(tmp_path / "missing.yml")


def test_queues_as_rasa_reads_them(tmp_path: Path) -> None:
    one = read_broker_config(
        write(tmp_path, "event_broker:\n  type: pika\n  url: h\n  queues: q\n")
    )
    none = read_broker_config(write(tmp_path, "event_broker:\n  type: pika\n  url: h\n"))
    assert (one.queues, none.queues) == (("q",), ("rasa_core_events",))
    assert none.exchange == "rasa-exchange"


def test_connection_urls() -> None:
    plain = BrokerConfig("rabbit", 5673, "us er", "p@ss", ("q",))
    assert plain.url() == "amqp://us%20er:p%40ss@rabbit:5673/"
    assert plain.where() == "rabbit:5673"
    url = BrokerConfig("amqps://mq.example.com/vhost?heartbeat=30", 5671, "u", "p", ("q",))
    assert url.url() == "amqps://u:p@mq.example.com:5671/vhost?heartbeat=30"
    given = BrokerConfig("amqp://a:b@mq:1234/", 5672, "u", "p", ("q",))
    assert given.url() == "amqp://a:b@mq:1234/"
    assert given.where() == "mq:1234"


def _args(**values: object) -> argparse.Namespace:
    defaults: dict[str, object] = {
        "queue": None,
        "dead_letter_queue": None,
        "batch": 100,
        "linger": 0.25,
        "prefetch": 200,
        "idle_exit": None,
        "keep_keys_days": 7.0,
        "keep_messages_days": 400.0,
    }
    return argparse.Namespace(**{**defaults, **values})


def test_the_consumer_reads_one_of_the_brokers_queues() -> None:
    config = BrokerConfig("h", 5672, "u", "p", ("first", "second"))
    options = options_from(_args(), config)
    assert (options.queue, options.dead_letter_queue) == ("first", "first.rejected")
    assert options_from(_args(queue="second"), config).queue == "second"
    with pytest.raises(BrokerConfigError, match="not one of the broker's queues"):
        options_from(_args(queue="third"), config)
    with pytest.raises(BrokerConfigError, match="--prefetch"):
        options_from(_args(batch=10, prefetch=5), config)
    assert options_from(_args(linger=0.5), config).linger == 0.5
    kept = options_from(_args(keep_messages_days=30), config).message_retention
    assert kept == dt.timedelta(days=30)
    with pytest.raises(BrokerConfigError, match="--keep-messages-days"):
        options_from(_args(keep_messages_days=0), config)
    with pytest.raises(BrokerConfigError, match="--linger"):
        options_from(_args(linger=-1), config)
