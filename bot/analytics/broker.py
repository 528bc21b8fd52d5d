"""The event broker of an endpoints file, and the RabbitMQ topology Rasa's pika broker uses.

The ``event_broker`` section is read with Rasa's own reader (``${VAR}`` substituted from
the environment), and its values are taken as Rasa's ``PikaEventBroker`` takes them:
``url`` is the host (or an ``amqp(s)://`` URL), ``queues`` a list (or one name; Rasa's
default queue when missing), ``exchange_name`` the fanout exchange (``rasa-exchange``).
The consumer declares what Rasa declares, identically (a non-durable fanout exchange,
durable queues bound to it), so whichever of the two starts first, the queues exist and
nothing Rasa publishes is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
from rasa.core.brokers.pika import DEFAULT_QUEUE_NAME, RABBITMQ_EXCHANGE
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

#: The endpoints section and the broker type this consumer reads.
SECTION = "event_broker"
PIKA = "pika"
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


class BrokerConfigError(ValueError):
    """The endpoints file has no usable pika event broker."""


@dataclass(frozen=True)
class BrokerConfig:
    """Where Rasa publishes its events.

    Attributes:
        host: Host name, or an ``amqp://`` / ``amqps://`` URL.
        port: Port (used when ``host`` is not a URL with a port).
        username: User name.
        password: Password.
        queues: The queues bound to the exchange, as Rasa declares them.
        exchange: The fanout exchange Rasa publishes to.
    """

    host: str
    port: int
    username: str
    password: str
    queues: tuple[str, ...]
    exchange: str = RABBITMQ_EXCHANGE

    def url(self) -> str:
        """The AMQP URL to connect to (credentials included), as Rasa builds it."""
        user = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}"
        if self.host.startswith("amqp"):
            parts = urlsplit(self.host)
            netloc = parts.netloc if "@" in parts.netloc else f"{user}@{parts.netloc}"
            if parts.port is None:
                netloc = f"{netloc}:{self.port}"
            return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"amqp://{user}@{host}:{self.port}/"

    def where(self) -> str:
        """Host and port, for logs (no credentials)."""
        if self.host.startswith("amqp"):
            parts = urlsplit(self.host)
            return f"{parts.hostname}:{parts.port or self.port}"
        return f"{self.host}:{self.port}"


def _queues(value: Any) -> tuple[str, ...]:
    """Rasa's reading of ``queues``: a list, one name, or its default queue."""
    if isinstance(value, list | tuple) and value:
        names = tuple(str(name) for name in value)
    elif isinstance(value, str) and value:
        names = (value,)
    else:
        names = (DEFAULT_QUEUE_NAME,)
    if any(not name for name in names):
        raise BrokerConfigError("event_broker.queues has an empty queue name")
    return names


def _unexpanded(name: str, value: Any) -> None:
    """Refuse a ``${VAR}`` left as is: Rasa expands only unquoted YAML values."""
    values = value if isinstance(value, list | tuple) else [value]
    for item in values:
        if isinstance(item, str) and _PLACEHOLDER.search(item):
            raise BrokerConfigError(
                f"event_broker.{name} is {item!r}: Rasa substitutes ${{VAR}} only in unquoted "
                "YAML values (write it without quotes), so its own broker would not connect"
            )


def broker_config(endpoint: EndpointConfig) -> BrokerConfig:
    """The broker of an ``event_broker`` endpoint (as Rasa's ``PikaEventBroker`` reads it).

    Raises:
        BrokerConfigError: Not a pika broker, or a value is missing or unusable.
    """
    if endpoint.type != PIKA:
        raise BrokerConfigError(f"event_broker type is {endpoint.type!r}, not {PIKA!r}")
    kwargs = dict(endpoint.kwargs)
    values = {
        "url": endpoint.url,
        "port": kwargs.get("port", 5672),
        "username": kwargs.get("username"),
        "password": kwargs.get("password"),
        "queues": kwargs.get("queues"),
        "exchange_name": kwargs.get("exchange_name", RABBITMQ_EXCHANGE),
    }
    for name, value in values.items():
        _unexpanded(name, value)
    if not endpoint.url:
        raise BrokerConfigError("event_broker.url (the RabbitMQ host) is missing")
    try:
        port = int(values["port"])
    except (TypeError, ValueError) as exc:
        raise BrokerConfigError(f"event_broker.port {values['port']!r} is not a number") from exc
    return BrokerConfig(
        host=str(endpoint.url),
        port=port,
        username=str(values["username"] or ""),
        password=str(values["password"] or ""),
        queues=_queues(values["queues"]),
        exchange=str(values["exchange_name"] or RABBITMQ_EXCHANGE),
    )


def read_broker_config(path: Path) -> BrokerConfig:
    """The pika event broker of an endpoints file.

    Args:
        path: The endpoints file.

    Raises:
        BrokerConfigError: No such file, no ``event_broker`` section, or not a usable pika
            broker.
    """
    if not path.is_file():
        raise BrokerConfigError(f"no endpoints file at {path}")
    try:
        endpoint = read_endpoint_config(str(path), SECTION)
    except Exception as exc:  # Rasa's reader: YAML errors, a ${VAR} that is not set
        raise BrokerConfigError(f"cannot read {path}: {exc}") from exc
    if endpoint is None:
        raise BrokerConfigError(f"{path} has no {SECTION} section")
    return broker_config(endpoint)


async def declare(
    channel: AbstractChannel, config: BrokerConfig
) -> tuple[AbstractExchange, dict[str, AbstractQueue]]:
    """Declare Rasa's exchange and queues, and bind them, exactly as Rasa does.

    Args:
        channel: An open channel.
        config: The broker.

    Returns:
        The exchange, and the queues by name.
    """
    exchange = await channel.declare_exchange(config.exchange, type=aio_pika.ExchangeType.FANOUT)
    queues: dict[str, AbstractQueue] = {}
    for name in config.queues:
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange, "")
        queues[name] = queue
    return exchange, queues
