"""run_command: one way for the admin command lines to turn failures into exit codes."""

from __future__ import annotations

import argparse

import pytest

from bot.tickets.command import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, UsageError, run_command
from bot.tickets.db import TicketStoreUnavailable


class Refused(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli")
    parser.add_argument("what", choices=["ok", "usage", "value", "refused", "down", "bug"])
    return parser


def run(args: argparse.Namespace) -> None:
    failures: dict[str, Exception] = {
        "usage": UsageError("no such ticket"),
        "value": ValueError("bad date"),
        "refused": Refused("not allowed"),
        "down": TicketStoreUnavailable("database down"),
        "bug": RuntimeError("a bug"),
    }
    if args.what in failures:
        raise failures[args.what]


@pytest.mark.parametrize(
    ("what", "code", "message"),
    [
        ("ok", EXIT_OK, ""),
        ("usage", EXIT_USAGE, "error: no such ticket"),
        ("value", EXIT_USAGE, "error: bad date"),
        ("refused", EXIT_USAGE, "error: not allowed"),
        ("down", EXIT_UNAVAILABLE, "error: database down"),
    ],
)
def test_exit_codes(what: str, code: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(parser(), run, [what], (Refused,)) == code
    assert capsys.readouterr().err.strip() == message


def test_bad_arguments_are_a_usage_error() -> None:
    assert run_command(parser(), run, ["nonsense"]) == EXIT_USAGE


def test_an_unexpected_exception_is_not_swallowed() -> None:
    with pytest.raises(RuntimeError):
        run_command(parser(), run, ["bug"])
    with pytest.raises(Refused):  # only the exceptions the caller names are bad input
        run_command(parser(), run, ["refused"])
