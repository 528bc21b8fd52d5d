"""The production profile's environment: ``endpoints.production.yml`` and the settings.

The endpoints file names its services with ``${VAR}``; :func:`profile_environment` fills in
this machine's services on their standard loopback ports for every variable that is unset,
so that ``make run-cluster`` and ``python -m bot.analytics.consume`` start on embedded
defaults, and an operator overrides any of them in the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from bot.settings import PROJECT_ROOT

PRODUCTION_ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"

DEFAULTS: dict[str, str] = {
    "PGHOST": "127.0.0.1",
    "PGPORT": "5432",
    "PGDATABASE": "shouhou",
    "PGUSER": "postgres",
    "PGPASSWORD": "",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_LOCK_DB": "0",
    "REDIS_PASSWORD": "",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_PASSWORD": "guest",
    "RABBITMQ_QUEUE": "shouhou_events",
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
}
"""This machine's services (``env``), for every variable of the profile left unset."""


def database_url(env: Mapping[str, str]) -> str:
    """The SQLAlchemy URL of the profile's PostgreSQL (tickets share it with the trackers)."""
    password = env["PGPASSWORD"]
    user = quote(env["PGUSER"], safe="")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgresql+psycopg2://{auth}@{env['PGHOST']}:{env['PGPORT']}/{env['PGDATABASE']}"


def redis_url(env: Mapping[str, str], db: int) -> str:
    """A ``redis://`` URL of the profile's Redis, database ``db``."""
    password = env["REDIS_PASSWORD"]
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{env['REDIS_HOST']}:{env['REDIS_PORT']}/{db}"


def amqp_url(env: Mapping[str, str]) -> str:
    """An ``amqp://`` URL of the profile's RabbitMQ (default virtual host)."""
    user = quote(env["RABBITMQ_USER"], safe="")
    password = quote(env["RABBITMQ_PASSWORD"], safe="")
    return f"amqp://{user}:{password}@{env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']}/"


def profile_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the profile's defaults for what is unset, and the URLs derived from them.

    ``DATABASE_URL`` (tickets), ``SOCKETIO_REDIS_URL`` and ``WECHAT_REDIS_URL`` point at the
    same services unless set; socket.io and WeChat use the Redis database after the locks'.

    Raises:
        ValueError: ``REDIS_LOCK_DB`` is not a Redis database number (0 to 14).
    """
    result = dict(env)
    for name, value in DEFAULTS.items():
        result.setdefault(name, value)
    lock_db = result["REDIS_LOCK_DB"].strip()
    if not lock_db.isdigit() or int(lock_db) > 14:
        raise ValueError(f"REDIS_LOCK_DB must be a Redis database number 0 to 14, not {lock_db!r}")
    shared_db = int(lock_db) + 1
    result.setdefault("DATABASE_URL", database_url(result))
    result.setdefault("SOCKETIO_REDIS_URL", redis_url(result, shared_db))
    result.setdefault("WECHAT_REDIS_URL", redis_url(result, shared_db))
    return result


def endpoints_path(env: Mapping[str, str]) -> Path:
    """``ENDPOINTS`` if set, else the production endpoints file."""
    value = env.get("ENDPOINTS", "")
    return Path(value) if value else PRODUCTION_ENDPOINTS
