"""Attack: read personal data out of the logs.

SQL parameters (phones, IMEIs) were printed with logged exceptions (``hide_parameters`` was
not set), and phones, IMEIs and widget session ids (bearer secrets) appeared in log lines and
in Sanic's access log. Now every record is masked (bot.runtime.log_masking) and the engines
hide SQL parameters.
"""

from __future__ import annotations

import copy
import io
import logging
import logging.config
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sanic.log import LOGGING_CONFIG_DEFAULTS

from bot.intake.masking import mask_personal_data
from bot.runtime import log_masking
from bot.tickets.db import build_engine
from tests.conftest import ROOT, free_port, wait_for_http

PHONE = "13912345678"
IMEI = "861234567890127"
SESSION = uuid.uuid4().hex
SIGNED = f"{uuid.uuid4().hex}.6571a2b3.WRkJoh_vshfxIFM7UvBstUp575_c_UeFAGobB81XeNw"
SECRETS = [PHONE, IMEI, SESSION, SIGNED, SIGNED.rsplit(".", 1)[1], "1234-5678"]


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def masking() -> Iterator[None]:
    log_masking.install()
    yield
    log_masking.uninstall()


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler with a plain formatter on a fresh logger, added after install()."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("bot.test_log_masking")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield stream
    logger.removeHandler(handler)


# --- the pure masking -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"电话 {PHONE}", "电话 139****5678"),
        ("+86 139-1234-5678", "139****5678"),
        ("电话１３９１２３４５６７８", "电话１３９****５６７８"),
        (f"IMEI:{IMEI}", "IMEI:8612*******0127"),
        ("SN K7X2M9Q4P1A", "SN K7X2***4P1A"),
        (f"sender {SESSION}", f"sender {SESSION[:4]}****"),
        (f"token={SIGNED}&x=1", f"token={SIGNED[:4]}****&x=1"),
        ("openid oLVPpjqs9BhvzwPj5A-vTYAX3GLc", "openid oLVP****"),
        # what must stay readable
        ("ticket R20260315-0042 at 2026-03-15 12:00", "ticket R20260315-0042 at 2026-03-15 12:00"),
        ("models/20231202-154233-brave-gate.tar.gz", "models/20231202-154233-brave-gate.tar.gz"),
        ("python3.11 utf-8 x86_64 100% 1701529400", "python3.11 utf-8 x86_64 100% 1701529400"),
        (
            "Linux-6.18.44-fc-v1098-x86_64-with-glibc2.36",
            "Linux-6.18.44-fc-v1098-x86_64-with-glibc2.36",
        ),
        ("/tmp/test_rasa_run_logs_nothing_per0/x", "/tmp/test_rasa_run_logs_nothing_per0/x"),
    ],
)
def test_mask_personal_data(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected
    assert mask_personal_data(expected) == expected  # stable


# --- records of every kind ---------------------------------------------------------------


def test_message_args_extras_and_stack_are_masked(masking: None, captured: io.StringIO) -> None:
    logger = logging.getLogger("bot.test_log_masking")
    logger.info("user %s phone %s imei %s token %s", SESSION, PHONE, IMEI, SIGNED)
    logger.warning("mapping %(phone)s", {"phone": PHONE})
    logger.info(f"f-string {PHONE} {SESSION}")  # what careless code does
    logger.error("bad format %d", PHONE)  # a broken call still logs, masked
    logger.info("with stack %s", PHONE, stack_info=True)
    out = captured.getvalue()
    assert leaked(out) == [], out
    assert out.count("139****5678") == 5 and "8612*******0127" in out
    assert f"{SESSION[:4]}****" in out


def test_sqlalchemy_errors_with_parameters_are_masked(
    masking: None, captured: io.StringIO, tmp_path: Path
) -> None:
    logger = logging.getLogger("bot.test_log_masking")
    raw = sa.create_engine(f"sqlite:///{tmp_path / 'raw.db'}")  # SQLAlchemy's default
    with raw.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (phone TEXT UNIQUE, imei TEXT, sender TEXT)")
    insert = sa.text("INSERT INTO t VALUES (:p, :i, :s)")
    values = {"p": PHONE, "i": IMEI, "s": SESSION}
    with pytest.raises(sa.exc.IntegrityError) as integrity, raw.begin() as connection:
        connection.execute(insert, values)
        connection.execute(insert, values)
    assert PHONE in str(integrity.value)  # the attack: parameters are in the exception text
    try:
        raise RuntimeError("while saving the ticket") from integrity.value
    except RuntimeError:
        logger.exception("ticket for %s not saved", SESSION)
    try:
        with raw.connect() as connection:
            connection.execute(sa.text("SELECT * FROM missing WHERE p = :p"), values)
    except sa.exc.OperationalError as error:
        logger.error("query failed", exc_info=error)
    out = captured.getvalue()
    assert "IntegrityError" in out and "OperationalError" in out and "Traceback" in out
    assert "139****5678" in out
    assert leaked(out) == [], out


def test_the_ticket_and_tracker_engines_hide_parameters(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.runtime import sqlite_tracker

    engine = build_engine(f"sqlite:///{tmp_path / 'tickets.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (phone TEXT UNIQUE)")
    with pytest.raises(sa.exc.IntegrityError) as error, engine.begin() as connection:
        for _ in range(2):
            connection.execute(sa.text("INSERT INTO t VALUES (:p)"), {"p": PHONE})
    assert PHONE not in str(error.value) and "SQL parameters hidden" in str(error.value)

    sqlite_tracker.install()
    for db in [str(tmp_path / "trackers.db"), ""]:  # an SQLite file, and Rasa's own engine
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=db)
        assert store.engine.hide_parameters, db


def test_sanic_access_log_and_dict_config_after_install(masking: None) -> None:
    """Sanic's own logging config (dictConfig, as ``Sanic()`` applies it) comes after install."""
    stream = io.StringIO()
    config = copy.deepcopy({k: v for k, v in LOGGING_CONFIG_DEFAULTS.items() if k != "handlers"})
    config["handlers"] = {
        name: {**handler, "stream": stream}
        for name, handler in LOGGING_CONFIG_DEFAULTS["handlers"].items()
    }
    names = ["sanic.root", "sanic.error", "sanic.access"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    try:
        logging.config.dictConfig(config)
        access = logging.getLogger("sanic.access")
        access.info(
            "",
            extra={
                "status": 200,
                "byte": 12,
                "host": "127.0.0.1:5000",
                "request": f"GET http://x/webhooks/rest/webhook?sender={SESSION}&phone={PHONE}",
            },
        )
        try:
            raise ValueError(f"bad imei {IMEI}")
        except ValueError:
            logging.getLogger("sanic.error").exception("Exception occurred handling %s", PHONE)
    finally:
        for name, (handlers, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.setLevel(level)
    out = stream.getvalue()
    assert "GET http://x/webhooks/rest/webhook?sender=" in out and " 200 12" in out
    assert "ValueError: bad imei 8612*******0127" in out
    assert leaked(out) == [], out


def test_uninstall_restores_plain_records(captured: io.StringIO) -> None:
    log_masking.install()
    log_masking.install()  # idempotent
    assert log_masking.installed()
    log_masking.uninstall()
    assert not log_masking.installed()
    logging.getLogger("bot.test_log_masking").info("plain %s", PHONE)
    assert PHONE in captured.getvalue()  # the control: without install() the number shows


# --- the real thing: Rasa's command line configures logging after install() ----------------


SCRIPT = """
import sys
from bot.runtime import log_masking
log_masking.install()  # what bot.serve's main() does first
from rasa.__main__ import main
sys.argv = ["rasa", *sys.argv[1:]]
main()
"""


@pytest.mark.timeout(300)
def test_rasa_run_logs_nothing_personal(tmp_path: Path) -> None:
    """``rasa run`` (Rasa's configure_logging, coloredlogs, structlog, Sanic's dictConfig and
    access log, all at DEBUG) with a channel that logs SQL errors: nothing personal printed."""
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\ntests.security.log_probe.ProbeInput:\n", encoding="utf-8")
    (tmp_path / "endpoints.yml").write_text("", encoding="utf-8")
    port = free_port()
    log = tmp_path / "rasa.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "DEBUG",
        "LOG_LEVEL_LIBRARIES": "DEBUG",
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_ACCESS_LOG": "true",
    }
    args = ["run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "--debug",
            "--credentials", str(credentials), "--endpoints", str(tmp_path / "endpoints.yml"),
            "--model", str(tmp_path / "no-model")]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(base + "/", 180, process)
            query = {"phone": PHONE, "imei": IMEI, "session": SESSION, "token": SIGNED}
            assert requests.get(base + "/webhooks/probe/sql", params=query, timeout=30).status_code
            requests.post(
                base + "/webhooks/rest/webhook",
                json={"sender": SESSION, "message": f"电话 139-1234-5678 IMEI {IMEI}"},
                timeout=30,
            )
            requests.get(base + f"/conversations/{SESSION}/tracker?phone={PHONE}", timeout=30)
            time.sleep(1.0)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    text = log.read_text(encoding="utf-8", errors="replace")
    # the records were logged (masked) ...
    assert "conversation " + SESSION[:4] + "**** gave phone 139****5678" in text, text[-3000:]
    assert "IntegrityError" in text and "OperationalError" in text, text[-3000:]
    assert "/webhooks/probe/sql?phone=139****5678" in text, text[-3000:]  # Sanic's access log
    # ... and nothing personal got through
    assert leaked(text) == [], [line for line in text.splitlines() if leaked(line)]
