"""``scripts/run.sh`` started for a test module, and small helpers of the channel tests."""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, free_port, missing, wait_for_http

__all__ = ["missing"]  # re-exported for the tests that import it from here

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOT_TIMEOUT_MS = 60_000


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright (missing: a skip, or a failure in CI)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def tiny_png() -> bytes:
    """A valid 2×2 red PNG, made here so the test ships no binary file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xeb\x00\x28" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Servers:
    """``scripts/run.sh`` with its own ports, databases, endpoints and VAR_DIR."""

    def __init__(self, tmp: Path, env: Mapping[str, str] | None = None) -> None:
        self.tmp = tmp
        self.extra_env = dict(env or {})
        self.rasa_port, self.action_port = free_port(), free_port()
        self.ticket_url = f"sqlite:///{tmp / 'tickets.db'}"
        self.var_dir = tmp / "var"
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://localhost:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n'
        )
        self.log = tmp / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/socketio/"

    def start(self) -> None:
        env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ENDPOINTS": str(self.endpoints),
            "DATABASE_URL": self.ticket_url,
            "VAR_DIR": str(self.var_dir),
            **self.extra_env,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["./scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 120, self.process)
        wait_for_http(f"http://127.0.0.1:{self.rasa_port}/", 300, self.process)

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=60)
            self.process = None


class Widget:
    """The widget on a page, seen the way a user sees it (Playwright pierces its shadow root)."""

    def __init__(self, page) -> None:
        self.page = page

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.ready()

    def ready(self) -> None:
        launcher = self.page.locator(".sh-launcher")
        self.page.locator(".sh-launcher:visible, .sh-panel:visible").first.wait_for()
        if launcher.is_visible():
            launcher.click()
        self.page.locator(".sh-status", has_text="在线").wait_for(timeout=30_000)

    def bot_texts(self) -> list[str]:
        return self.page.locator(".sh-msg.sh-bot").all_text_contents()

    def say(self, text: str, expect: str) -> list[str]:
        before = self.page.locator(".sh-msg.sh-bot").count()
        box = self.page.locator(".sh-input")
        box.fill(text)
        box.press("Enter")
        return self._after(before, expect)

    def click(self, title: str, expect: str) -> list[str]:
        before = self.page.locator(".sh-msg.sh-bot").count()
        self.page.locator(".sh-button:not([disabled])", has_text=title).last.click()
        return self._after(before, expect)

    def _after(self, before: int, expect: str) -> list[str]:
        self.page.wait_for_function(
            """([before, needle]) => {
                const host = document.querySelector('#shouhou-chat-widget');
                const bubbles = [...host.shadowRoot.querySelectorAll('.sh-msg.sh-bot')];
                return bubbles.slice(before).some(b => b.textContent.includes(needle));
            }""",
            arg=[before, expect],
            timeout=BOT_TIMEOUT_MS,
        )
        # Let the rest of the bot's burst arrive before the next turn.
        self.page.wait_for_timeout(500)
        return self.bot_texts()[before:]

    def send_photo(self, expect: str) -> list[str]:
        before = self.page.locator(".sh-msg.sh-bot").count()
        self.page.locator(".sh-file").set_input_files(
            files=[{"name": "fault.png", "mimeType": "image/png", "buffer": tiny_png()}]
        )
        return self._after(before, expect)

    def session_id(self) -> str:
        return str(self.page.evaluate("JSON.parse(localStorage.getItem('shouhou-chat:session'))"))


@contextmanager
def running_servers(
    folder: Path, log_to: Path, env: Mapping[str, str] | None = None
) -> Iterator[Servers]:
    """The browser tests' stack: the npm scripts installed, ``scripts/run.sh`` started.

    Args:
        folder: The run's own folder.
        log_to: Where the run's log is copied when it stops (for a failed test's reader).
        env: Settings of the run.
    """
    if not shutil.which("npm"):
        missing("npm is not installed: the widget's and the console's scripts come from npm")
    subprocess.run(["./scripts/web_setup.sh"], cwd=ROOT, check=True, timeout=300)
    servers = Servers(folder, dict(env or {}))
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()
        log_to.parent.mkdir(parents=True, exist_ok=True)
        log_to.write_bytes(servers.log.read_bytes())
