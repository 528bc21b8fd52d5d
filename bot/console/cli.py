"""Command line of agent accounts (``python -m bot.console.cli``).

Commands::

    add-agent USERNAME --name NAME [--role ROLE] [--password-stdin]
                                                        create an agent account
    set-role USERNAME agent|supervisor|manager          change an agent's role
    set-password USERNAME [--password-stdin]            give an agent a new password
    disable-agent USERNAME                              stop an agent from signing in
    enable-agent USERNAME                               let a disabled agent sign in again
    unlock USERNAME                                     lift a sign-in lockout of a username
    list-agents                                         every agent, active or not
    presence                                            active agents: presence, chats held
    callbacks                                           open callback requests, oldest first
    callback-done ID --by NAME                          mark a callback request as done

Passwords are prompted for twice (not echoed), or read from the first line of standard
input with ``--password-stdin``; they are never printed. ``--url`` (before the command)
overrides ``DATABASE_URL``. Exit codes: 0 success, 2 bad input (invalid username,
weak or mismatched password, unknown or existing agent, ...), 1 the database cannot
be reached.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.console import accounts
from bot.console.throttle import username_key
from bot.settings import get_settings
from bot.tickets import (
    AGENT_ROLES,
    CallbackNotFound,
    complete_callback,
    list_callbacks,
    session_scope,
)
from bot.tickets.agents import AgentExists, AgentNotFound, AgentRecord
from bot.tickets.command import UsageError, run_command
from bot.tickets.presence import team
from bot.tickets.throttle import unlock


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser.

    Returns:
        The parser of :func:`main`.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.cli", description="售后助手 agent console accounts"
    )
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or SQLite in VAR_DIR)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    add = commands.add_parser("add-agent", help="create an agent account")
    add.add_argument("username", metavar="USERNAME", help="3-32 of a-z 0-9 _ . -")
    add.add_argument("--name", required=True, help="display name shown in the console")
    add.add_argument(
        "--role",
        choices=AGENT_ROLES,
        default="agent",
        help="agent (default), supervisor (also the team view) or manager (also the dashboard)",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    password = commands.add_parser("set-password", help="give an agent a new password")
    password.add_argument("username", metavar="USERNAME")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    role = commands.add_parser("set-role", help="make an agent an agent, supervisor or manager")
    role.add_argument("username", metavar="USERNAME")
    role.add_argument("role", metavar="ROLE", choices=AGENT_ROLES)

    disable = commands.add_parser("disable-agent", help="stop an agent from signing in")
    disable.add_argument("username", metavar="USERNAME")

    enable = commands.add_parser("enable-agent", help="let a disabled agent sign in again")
    enable.add_argument("username", metavar="USERNAME")

    unlock = commands.add_parser("unlock", help="lift a sign-in lockout of a username")
    unlock.add_argument("username", metavar="USERNAME")

    commands.add_parser("list-agents", help="list every agent account")
    commands.add_parser("presence", help="active agents' presence and the chats they hold")
    commands.add_parser("callbacks", help="list open callback requests (after-hours handoffs)")
    done = commands.add_parser("callback-done", help="mark a callback request as done")
    done.add_argument("callback_id", metavar="ID", type=int)
    done.add_argument("--by", required=True, help="who called the user back")
    return parser


def _read_password(from_stdin: bool, stdin: TextIO) -> str:
    """Read a new password: the first line of ``stdin``, or prompted for twice."""
    if from_stdin:
        line = stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise UsageError("no password on standard input")
        return password
    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password (again): ")
    except (EOFError, KeyboardInterrupt):
        raise UsageError("no password entered") from None
    if password != again:
        raise UsageError("the passwords do not match")
    return password


def _local(record: AgentRecord) -> str:
    if record.last_login_at is None:
        return "never"
    return record.last_login_at.astimezone(get_settings().tz).isoformat(timespec="seconds")


def _print_agents(agents: list[AgentRecord], out: TextIO) -> None:
    if not agents:
        print("no agents", file=out)
        return
    width = max(len(agent.username) for agent in agents)
    for agent in agents:
        state = "active" if agent.active else "disabled"
        print(
            f"{agent.username:<{width}}  {state:<8}  {agent.role:<10}  last login {_local(agent)}  "
            f"{agent.display_name}",
            file=out,
        )


def _run(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> None:
    url: str | None = args.url
    if args.command == "add-agent":
        password = _read_password(args.password_stdin, stdin)
        agent = accounts.add_agent(args.username, args.name, password, role=args.role, url=url)
        print(f"{agent.role} {agent.username} ({agent.display_name}) created", file=out)
    elif args.command == "set-role":
        agent = accounts.set_role(args.username, args.role, url=url)
        print(f"{agent.username} is now {agent.role}", file=out)
    elif args.command == "set-password":
        password = _read_password(args.password_stdin, stdin)
        agent = accounts.set_password(args.username, password, url=url)
        print(f"password of {agent.username} changed; their sessions were ended", file=out)
    elif args.command == "disable-agent":
        agent = accounts.disable_agent(args.username, url=url)
        print(f"agent {agent.username} disabled", file=out)
    elif args.command == "enable-agent":
        agent = accounts.enable_agent(args.username, url=url)
        print(f"agent {agent.username} enabled", file=out)
    elif args.command == "unlock":
        with session_scope(url) as session:
            found = unlock(session, key=username_key(args.username))
        state = "unlocked" if found else "had no failed sign-ins"
        print(f"{args.username.strip().lower()} {state}", file=out)
    elif args.command == "list-agents":
        _print_agents(accounts.list_agents(url=url), out)
    elif args.command == "presence":
        with session_scope(url) as session:
            members = team(session)
        width = max((len(m.username) for m in members), default=0)
        for member in members:
            print(
                f"{member.username:<{width}}  {member.presence:<7}  held {member.held}  "
                f"{member.display_name}",
                file=out,
            )
        if not members:
            print("no agents", file=out)
    elif args.command == "callbacks":
        with session_scope(url) as session:
            requests = list_callbacks(session)
        for request in requests:
            when = request.created_at.astimezone(get_settings().tz).isoformat(timespec="minutes")
            print(
                f"{request.id}  {when}  {request.phone}  {request.channel}  {request.reason}",
                file=out,
            )
        if not requests:
            print("no open callback requests", file=out)
    elif args.command == "callback-done":
        with session_scope(url) as session:
            complete_callback(session, callback_id=args.callback_id, done_by=args.by)
        print(f"callback request {args.callback_id} done", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The exit code: 0 success, 1 database unavailable, 2 bad input.
    """
    return run_command(
        build_parser(),
        lambda args: _run(args, sys.stdin, sys.stdout),
        argv,
        (AgentExists, AgentNotFound, CallbackNotFound),
    )


if __name__ == "__main__":
    sys.exit(main())
