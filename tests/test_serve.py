"""``python -m bot.serve``: Rasa's command line with the project's channel keys."""

from __future__ import annotations

import subprocess
import sys

from rasa.core.channels import BUILTIN_CHANNELS

from bot.channels.rest import ServerRestInput
from bot.channels.web import WebChatInput
from bot.channels.wechat import WeChatInput
from bot.serve import register_channels
from tests.conftest import ROOT


def test_short_keys_name_the_project_channels() -> None:
    register_channels()
    assert BUILTIN_CHANNELS["socketio"] is WebChatInput
    assert BUILTIN_CHANNELS["wechat"] is WeChatInput
    assert BUILTIN_CHANNELS["rest"] is ServerRestInput  # locked for server-to-server use
    assert BUILTIN_CHANNELS["callback"].__name__ == "CallbackInput"  # Rasa's others stay


def test_the_command_line_is_rasas() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.serve", "run", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "--credentials" in result.stdout and "--enable-api" in result.stdout
