"""The inbox's command line: ``export`` writes the inbox file, ``import`` reads it back.

Run as ``python -m bot.trainer.inbox export|import`` (``make inbox``, ``make inbox-import``).
Messages are in Chinese, for the trainer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import warnings
from collections import Counter
from pathlib import Path

from bot.trainer import inbox, paths
from bot.trainer.inbox.build import build_inbox, known_keys
from bot.trainer.inbox.csvfile import COL_LABEL, InboxFileError, read_inbox, write_inbox
from bot.trainer.inbox.events import DEFAULT_BELOW, Message, Reason, messages_from_events
from bot.trainer.inbox.importer import apply_plan, load_vocabulary, plan_import, relative
from bot.trainer.nlu_files import load_examples
from bot.trainer.texts import section_texts

_t = section_texts("inbox.cli")


def _keep_annotated(out: Path) -> Path | None:
    """Move an existing inbox with annotations aside, so that an export never loses them."""
    try:
        annotated = any(row.label.strip() for row in read_inbox(out))
    except InboxFileError:
        return None
    if not annotated:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = out.with_name(f"{out.stem}.{stamp}{out.suffix}")
    out.rename(backup)
    return backup


async def _collect(
    endpoints: Path, *, below: float, since: dt.datetime | None
) -> tuple[int, list[Message]]:
    """How many conversations the tracker store holds, and their messages for the inbox."""
    from bot.trainer.inbox import source

    conversations, messages = 0, list[Message]()
    async for events in source.conversations(endpoints, domain=paths.DOMAIN):
        conversations += 1
        messages.extend(messages_from_events(events, below=below, since=since))
    return conversations, messages


def export(args: argparse.Namespace) -> int:
    """``export``: read the tracker store and write the inbox file."""
    from bot.settings import get_settings

    warnings.simplefilter("ignore", DeprecationWarning)  # Rasa's and SQLAlchemy's, not ours
    from bot.trainer.inbox.source import NoConversations, SourceError

    tz = get_settings().tz
    since = dt.datetime.combine(args.since, dt.time(), tz) if args.since else None
    conversations, messages = 0, list[Message]()
    try:
        conversations, messages = asyncio.run(
            _collect(args.endpoints, below=args.below, since=since)
        )
    except NoConversations as note:
        print(_t("note", note=note))
    except SourceError as error:
        print(_t("export_failed", error=error), file=sys.stderr)
        return 1
    known = known_keys(load_examples([args.nlu])) | known_keys(load_examples([args.heldout]))
    rows = build_inbox(messages, known=known, tz=tz)
    if args.out.exists() and (backup := _keep_annotated(args.out)) is not None:
        print(_t("kept_backup", path=relative(backup)))
    write_inbox(args.out, rows)
    if not rows:
        print(_t("nothing_found", conversations=conversations, path=relative(args.out)))
        return 0
    counts = Counter(reason for row in rows for reason in row.reasons)
    detail = _t("reason_separator").join(
        _t("reason_count", reason=r.value, count=counts[r]) for r in Reason
    )
    print(
        _t(
            "exported",
            conversations=conversations,
            messages=len(messages),
            rows=len(rows),
            detail=detail,
            path=relative(args.out),
        )
    )
    print(_t("annotate", column=COL_LABEL))
    print(_t("then_import"))
    return 0


def import_(args: argparse.Namespace) -> int:
    """``import``: add the annotated rows to the NLU files, or change nothing."""
    try:
        rows = read_inbox(args.file)
    except InboxFileError as error:
        print(_t("import_failed", error=error), file=sys.stderr)
        return 1
    vocabulary = load_vocabulary(args.nlu, args.domain)
    plan = plan_import(
        rows,
        vocabulary=vocabulary,
        examples=load_examples([args.nlu]),
        heldout=load_examples([args.heldout]),
    )
    if plan.problems:
        print(_t("problems", count=len(plan.problems)), file=sys.stderr)
        for problem in plan.problems:
            print(_t("problem", line=problem.line, message=problem.message), file=sys.stderr)
        return 1
    added = apply_plan(plan)
    for intent, count in added.items():
        print(_t("added", intent=intent, count=count, path=relative(plan.files[intent])))
    print(
        _t(
            "summary",
            added=sum(added.values()),
            present=plan.present,
            duplicates=plan.duplicates,
            unlabelled=plan.unlabelled,
            ignored=plan.ignored,
        )
    )
    if added:
        print(_t("next_steps"))
    return 0


def _parser() -> argparse.ArgumentParser:
    description = (inbox.__doc__ or "").splitlines()[0]  # the package's summary line
    parser = argparse.ArgumentParser(prog="python -m bot.trainer.inbox", description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    out = paths.REPORTS_DIR / "inbox.csv"
    nlu = paths.DATA_DIR / "nlu"

    ex = commands.add_parser("export", help="write the inbox file from the tracker store")
    ex.add_argument("--out", type=Path, default=out)
    endpoints = Path(os.environ.get("ENDPOINTS") or "endpoints.yml")
    ex.add_argument("--endpoints", type=Path, default=endpoints)
    ex.add_argument("--below", type=float, default=DEFAULT_BELOW, help="low confidence limit")
    ex.add_argument("--since", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    ex.add_argument("--nlu", type=Path, default=nlu, help=argparse.SUPPRESS)
    ex.add_argument("--heldout", type=Path, default=paths.HELDOUT.parent, help=argparse.SUPPRESS)
    ex.set_defaults(run=export)

    im = commands.add_parser("import", help="add the annotated rows to the NLU files")
    im.add_argument("file", type=Path, nargs="?", default=out)
    im.add_argument("--nlu", type=Path, default=nlu, help=argparse.SUPPRESS)
    im.add_argument("--domain", type=Path, default=paths.DOMAIN, help=argparse.SUPPRESS)
    im.add_argument("--heldout", type=Path, default=paths.HELDOUT.parent, help=argparse.SUPPRESS)
    im.set_defaults(run=import_)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = _parser().parse_args(argv)
    return int(args.run(args))
