"""What the admin command lines share: exit codes, a usage error, and running one command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bot.tickets.db import TicketStoreUnavailable

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input found after argument parsing."""


def run_command(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], None],
    argv: Sequence[str] | None,
    usage_errors: tuple[type[Exception], ...] = (),
) -> int:
    """Parse ``argv`` and run the command, turning known failures into an exit code.

    Args:
        parser: The command line's parser.
        run: Runs the parsed command.
        argv: Arguments without the program name; default ``sys.argv[1:]``.
        usage_errors: Exceptions that mean bad input (besides :class:`UsageError` and
            ``ValueError``); their message is printed.

    Returns:
        The exit code: 0 success, 1 database unavailable, 2 bad input.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the message
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    bad_input: tuple[type[Exception], ...] = (UsageError, ValueError, *usage_errors)
    try:
        run(args)
    except bad_input as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TicketStoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return EXIT_OK
