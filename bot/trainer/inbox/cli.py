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
        print(f"{note}。")
    except SourceError as error:
        print(f"导出失败：{error}", file=sys.stderr)
        return 1
    known = known_keys(load_examples([args.nlu])) | known_keys(load_examples([args.heldout]))
    rows = build_inbox(messages, known=known, tz=tz)
    if args.out.exists() and (backup := _keep_annotated(args.out)) is not None:
        print(f"旧的收件箱里有标注，已改名保存为 {relative(backup)}（还没导入的话请先导入它）。")
    write_inbox(args.out, rows)
    if not rows:
        empty = relative(args.out)
        print(f"读了 {conversations} 个对话，没有需要标注的消息；已写入空的收件箱 {empty}。")
        return 0
    counts = Counter(reason for row in rows for reason in row.reasons)
    detail = "，".join(f"{r.value} {counts[r]} 行" for r in Reason)
    print(
        f"读了 {conversations} 个对话，找到 {len(messages)} 条需要看看的消息，"
        f"去重后 {len(rows)} 行（{detail}），已写入 {relative(args.out)}。"
    )
    print(f"请在「{COL_LABEL}」列填写正确的意图（留空表示这次不导入，写 - 表示忽略），")
    print("然后运行 make inbox-import。")
    return 0


def import_(args: argparse.Namespace) -> int:
    """``import``: add the annotated rows to the NLU files, or change nothing."""
    try:
        rows = read_inbox(args.file)
    except InboxFileError as error:
        print(f"导入失败：{error}", file=sys.stderr)
        return 1
    vocabulary = load_vocabulary(args.nlu, args.domain)
    plan = plan_import(
        rows,
        vocabulary=vocabulary,
        examples=load_examples([args.nlu]),
        heldout=load_examples([args.heldout]),
    )
    if plan.problems:
        print(f"有 {len(plan.problems)} 个问题，没有修改任何文件：", file=sys.stderr)
        for problem in plan.problems:
            print(f"  第 {problem.line} 行：{problem.message}", file=sys.stderr)
        return 1
    added = apply_plan(plan)
    for intent, count in added.items():
        print(f"  {intent}：新增 {count} 条 → {relative(plan.files[intent])}")
    print(
        f"共新增 {sum(added.values())} 条；已有相同例句跳过 {plan.present} 条，"
        f"文件内重复 {plan.duplicates} 条，未标注 {plan.unlabelled} 条，忽略 {plan.ignored} 条。"
    )
    if added:
        print("接下来请运行 make validate 检查数据，再运行 make train 重新训练。")
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
