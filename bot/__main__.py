"""`python -m bot …` = the `studybot` CLI, and the one place where everything is wired together."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from .config import ConfigError, Settings, load_settings
from .content import Bank, ContentError, bundled_dir, format_stats, load_bank
from .core.app import StudyBot
from .core.clock import UTC, ManualClock
from .store import Store

log = logging.getLogger("studybot")


def load_content(settings: Settings) -> Bank:
    return load_bank(bundled_dir(), *settings.extra_content())


async def build(settings: Settings, chat, clock, bank: Bank | None = None) -> StudyBot:
    store = await Store.open(settings.database)
    return StudyBot(store, bank or load_content(settings), chat, clock, grace=settings.grace)


async def run_console(settings: Settings, start: datetime | None, stdin=sys.stdin, stdout=sys.stdout,
                      bank: Bank | None = None) -> None:
    from .adapters.console import HELP, Console, ConsoleChat, ConsolePlatform, Printer

    interactive = stdin.isatty()
    clock = ManualClock(start or datetime.now(UTC).replace(second=0, microsecond=0))
    platform = ConsolePlatform(clock, Printer(stdout, colour=stdout.isatty()))
    bank = bank or load_content(settings)  # once: a broken bank stops us before anything starts

    async def start_bot():
        return await build(settings, ConsoleChat(platform), clock, bank)

    async def stop_bot(bot):
        await bot.store.close()

    async def read_line():
        line = await asyncio.to_thread(stdin.readline)
        return line or None

    if interactive:
        print(f"studybot console — database {settings.database}, {len(bank.questions)} questions.\n"
              "Time stands still here until you /advance it. You are 'you', an admin. Try /help.\n\n" + HELP + "\n",
              file=stdout)
    await Console(platform, start_bot, stop_bot).run(read_line, interactive)


def content_command(args, settings: Settings) -> int:
    """`studybot content check|stats|export|import`: the bank's tooling for CI and organisers."""
    from .content_csv import export_csv, import_csv, write_csv

    if args.action == "import":
        try:
            written = import_csv(args.csv, args.into, standalone=args.standalone, replace=args.replace)
        except ContentError as exc:
            print(f"Nothing was imported: {args.csv} has {len(exc.problems)} problem(s):", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        print(f"Imported into {args.into}: " + ", ".join(str(p) for p in written))
        return 0
    # Folders named on the command line are checked as the bot would load them: on top of the bundled bank.
    extra = [Path(p) for p in args.folders] if args.folders else settings.extra_content()
    if args.standalone and not extra:
        print("--standalone needs the content folders to load", file=sys.stderr)
        return 2
    folders = extra if args.standalone else [bundled_dir(), *extra]
    folders = list({f.resolve(): f for f in folders}.values())  # naming the bundled folder too loads it once
    bank = load_bank(*folders, check_minimums=args.action == "check")  # stats shows what is short instead
    if args.action == "stats":
        print(format_stats(bank))
    elif args.action == "export":
        if args.out:
            count = export_csv(bank, args.out)
            print(f"Exported {count} questions to {args.out}", file=sys.stderr)
        else:
            write_csv(bank.questions.values(), sys.stdout)
    else:
        print(f"OK: {len(bank.questions)} questions in {len(bank.topics)} topics, no problems.")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studybot", description="A study-group bot for Discord, Slack and the terminal.")
    sub = p.add_subparsers(dest="command")
    console = sub.add_parser("console", help="run the bot in this terminal (the default)")
    console.add_argument("--database", type=Path, help="SQLite file (default: $STUDYBOT_DATABASE or studybot.db)")
    console.add_argument("--start", type=datetime.fromisoformat,
                         help="the console clock's starting instant, ISO 8601 (default: now); for scripts")
    content = sub.add_parser("content", help="check, summarise, export or import the question bank (docs/content.md)")
    actions = content.add_subparsers(dest="action", required=True)
    for action, text in (("check", "validate the bank; exit 1 listing every problem"),
                         ("stats", "count questions per topic, kind and difficulty"),
                         ("export", "write the loaded bank as CSV, one row per question")):
        a = actions.add_parser(action, help=text)
        a.add_argument("folders", nargs="*", type=Path,
                       help="extra content folders (default: STUDYBOT_CONTENT_DIRS), loaded on top of the bundled bank")
        a.add_argument("--standalone", action="store_true", help="load only the given folders, not the bundled bank")
        if action == "export":
            a.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    imp = actions.add_parser("import", help="validate a CSV and write it as YAML into a content folder")
    imp.add_argument("csv", type=Path, metavar="FILE.csv")
    imp.add_argument("--into", type=Path, required=True, metavar="FOLDER", help="content folder to write questions/ into")
    imp.add_argument("--standalone", action="store_true", help="check against FOLDER only, not the bundled bank")
    imp.add_argument("--replace", action="store_true", help="overwrite existing FOLDER/questions/<topic>.yaml files")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        command = args.command or "console"
        if command == "content":
            return content_command(args, settings)
        if command == "console":
            if getattr(args, "database", None):
                settings = settings.model_copy(update={"database": args.database})
            start = getattr(args, "start", None)
            if start and start.tzinfo is None:
                start = start.replace(tzinfo=UTC)
            if not sys.stdin.isatty():
                logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            asyncio.run(run_console(settings, start))
            return 0
    except ContentError as exc:
        print(f"The question bank has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
