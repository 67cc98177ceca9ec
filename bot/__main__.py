"""`python -m bot …` = the `studybot` CLI, and the one place where everything is wired together."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from pathlib import Path

from .config import ConfigError, Settings, load_settings
from .content import Bank, ContentError, bundled_dir, check_bank, format_stats, load_bank
from .core.app import StudyBot
from .core.clock import UTC, ManualClock, SystemClock
from .store import Store, StoreError

log = logging.getLogger("studybot")


def load_content(settings: Settings) -> Bank:
    return load_bank(bundled_dir(), *settings.extra_content())


async def build(settings: Settings, chat, clock, bank: Bank | None = None) -> StudyBot:
    store = await Store.open(settings.database)
    charts = settings.database.resolve().with_name(f"{settings.database.stem}-charts")  # /stats images, beside the data
    return StudyBot(store, bank or load_content(settings), chat, clock, grace=settings.grace, charts=charts)


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


@asynccontextmanager
async def slack_running(settings: Settings, http: bool = False, port: int = 3000, host: str = "0.0.0.0",
                        clock=None, bank: Bank | None = None):
    """The Slack bot, up and listening: yields (adapter, bot, scheduler); stops them all on exit. While
    events can arrive it touches the heartbeat that `studybot health` checks."""
    from . import health
    from .adapters.slack_adapter import SlackAdapter
    from .scheduler import LiveScheduler

    bot_token, other = settings.require("slack_bot_token", "slack_signing_secret" if http else "slack_app_token")
    bank = bank or load_content(settings)
    adapter = SlackAdapter(bot_token, app_token=None if http else other, signing_secret=other if http else None,
                           api_url=settings.slack_api_url, admins=settings.slack_admins())
    bot = scheduler = beating = None
    heartbeat = health.heartbeat_path(settings.database)
    try:
        await adapter.connect()
        bot = await build(settings, adapter.chat, clock or SystemClock(), bank)
        scheduler = LiveScheduler(bot)
        await adapter.listen(http=http, port=port, host=host)  # a rejected app token stops us here
        await scheduler.start()
        adapter.deliver(scheduler.handle)
        beating = asyncio.create_task(health.beat(heartbeat, adapter.connected))
        yield adapter, bot, scheduler
    finally:
        if beating:
            beating.cancel()
            heartbeat.unlink(missing_ok=True)
        await adapter.close()
        if scheduler:
            scheduler.shutdown()
        if bot:
            await bot.store.close()


def cancel_on_signals() -> None:
    """SIGTERM (`docker stop`) and SIGINT cancel the running task, so that it can close cleanly."""
    loop, me = asyncio.get_running_loop(), asyncio.current_task()
    for stop in (signal.SIGTERM, signal.SIGINT):
        with suppress(RuntimeError, NotImplementedError):  # only the main thread of a POSIX process has them
            loop.add_signal_handler(stop, me.cancel)


async def run_slack(settings: Settings, http: bool, port: int) -> None:
    """Until a signal comes: then the queued events finish and the database closes."""
    cancel_on_signals()
    try:
        async with slack_running(settings, http, port) as (adapter, _, _):
            await adapter.stopped.wait()
    except asyncio.CancelledError:
        log.info("stopped")


@asynccontextmanager
async def discord_running(settings: Settings, clock=None, bank: Bank | None = None, **options):
    """The Discord bot, logged in and connected: yields (client, bot, scheduler); closes them all on exit.
    `client.serving` is the task that ends with the client, raising why (DiscordRefused: one line)."""
    from . import health
    from .adapters.discord import StudyClient
    from .scheduler import LiveScheduler

    token, = settings.require("discord_token")
    bank = bank or load_content(settings)
    client = StudyClient(message_content=settings.discord_message_content, guild_ids=settings.discord_guilds(),
                         api_base=settings.discord_api_base, gateway_url=settings.discord_gateway_url, **options)
    bot = await build(settings, client.chat, clock or SystemClock(), bank)
    scheduler = LiveScheduler(bot)
    client.attach(bot, scheduler)
    client.serving = asyncio.create_task(client.serve(token))
    up = asyncio.create_task(client.up.wait())
    heartbeat, beating = health.heartbeat_path(settings.database), None
    try:
        await asyncio.wait({client.serving, up}, return_when=asyncio.FIRST_COMPLETED)
        if client.serving.done():
            client.serving.result()  # Discord refused us before we were up
        beating = asyncio.create_task(health.beat(heartbeat, client.connected))
        yield client, bot, scheduler
    finally:
        up.cancel()
        if beating:
            beating.cancel()
            heartbeat.unlink(missing_ok=True)
        await client.close()
        await asyncio.gather(client.serving, return_exceptions=True)
        scheduler.shutdown()
        await bot.store.close()


async def run_discord(settings: Settings) -> None:
    """Until Discord closes on us or a signal comes (`docker stop` sends SIGTERM): then the queued events
    finish and the database closes, instead of the process dying mid-write."""
    cancel_on_signals()
    try:
        async with discord_running(settings) as (client, _, _):
            await client.serving
    except asyncio.CancelledError:
        log.info("stopped")


def health_command(settings: Settings) -> int:
    """`studybot health`: 0 when a running adapter touched its heartbeat recently (container checks)."""
    from . import health

    problem = health.check(health.heartbeat_path(settings.database))
    print(problem or "healthy", file=sys.stderr if problem else sys.stdout)
    return 1 if problem else 0


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
    if args.action == "check":
        return check_command(folders)
    bank = load_bank(*folders, check_minimums=False)  # stats shows what is short instead
    if args.action == "stats":
        print(format_stats(bank))
    elif args.action == "export":
        if args.out:
            count = export_csv(bank, args.out)
            print(f"Exported {count} questions to {args.out}", file=sys.stderr)
        else:
            write_csv(bank.questions.values(), sys.stdout)
    return 0


def db_command(args, settings: Settings) -> int:
    """`studybot db backup|export|restore`: a group's data is theirs to copy, read and put back."""
    from . import health
    from .store.ownership import OwnershipError, backup, export, restore

    database = args.database or settings.database
    try:
        if args.action == "backup":
            version = backup(database, args.path)
            print(f"Backed up {database} to {args.path} (schema {version}), consistent as of one instant.")
        elif args.action == "export":
            for name, rows in export(database, args.group, args.out).items():
                print(f"{args.out / name}: {rows} rows")
        else:
            if health.check(health.heartbeat_path(database)) is None:
                raise OwnershipError(f"A studybot connected to Discord or Slack is using {database} (its heartbeat "
                                     "is fresh): stop it first, then restore.")
            kept = restore(args.path, database)
            print(f"Restored {database} from {args.path}." + (f" The database it replaced is kept as {kept}."
                                                               if kept else ""))
    except OwnershipError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def check_command(folders: list[Path]) -> int:
    """`content check`: every rule, plus warnings an author reviews but that do not fail CI."""
    bank, problems, warnings = check_bank(*folders)
    for warning in warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if problems:
        raise ContentError(problems)
    also = f" {len(warnings)} warning(s) to review, above." if warnings else ""
    print(f"OK: {len(bank.questions)} questions in {len(bank.topics)} topics, no problems.{also}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studybot", description="A study-group bot for Discord, Slack and the terminal.")
    sub = p.add_subparsers(dest="command")
    console = sub.add_parser("console", help="run the bot in this terminal (the default)")
    console.add_argument("--database", type=Path, help="SQLite file (default: $STUDYBOT_DATABASE or studybot.db)")
    console.add_argument("--start", type=datetime.fromisoformat,
                         help="the console clock's starting instant, ISO 8601 (default: now); for scripts")
    sub.add_parser("discord", help="run the bot on Discord (DISCORD_TOKEN; see the README's Discord section)")
    sub.add_parser("health", help="exit 0 if the running bot is connected (its heartbeat is under 2 minutes old)")
    sub.add_parser("bench", help="run the benchmarks from a source checkout: one table and bench/results.json "
                                 "(studybot bench --help)", add_help=False)
    slack = sub.add_parser("slack", help="run the bot in a Slack workspace (Socket Mode; see slack-manifest.yml)")
    slack.add_argument("--http", action="store_true",
                       help="serve the Events API over HTTP (needs SLACK_SIGNING_SECRET) instead of Socket Mode")
    slack.add_argument("--port", type=int, default=3000, help="the HTTP port with --http (default 3000)")
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
    db = sub.add_parser("db", help="back up, export or restore the database (the README's Your data section)")
    jobs = db.add_subparsers(dest="action", required=True)
    for action, text in (("backup", "copy the database, even while the bot runs, to a new file PATH"),
                         ("restore", "replace the database with the backup PATH (the bot must be stopped)")):
        job = jobs.add_parser(action, help=text)
        job.add_argument("path", type=Path, metavar="PATH")
    job = jobs.add_parser("export", help="write a group's members, answers, points ledger and streaks as CSV files")
    job.add_argument("--group", required=True, metavar="ID",
                     help="the Discord server or Slack workspace id (platform:id when two platforms share it)")
    job.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the CSV files into")
    for job in jobs.choices.values():
        job.add_argument("--database", type=Path, help="SQLite file (default: $STUDYBOT_DATABASE or studybot.db)")
    return p


def bench_command(argv: list[str]) -> int:
    """`studybot bench …`: the benchmarks live beside the code (bench/), not in the installed package."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "bench" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        import bench
    except ImportError:
        print("studybot bench runs from a source checkout (./dev bench): the bench/ folder is not installed.",
              file=sys.stderr)
        return 2
    return bench.main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        return bench_command(argv[1:])
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        command = args.command or "console"
        if command == "content":
            return content_command(args, settings)
        if command == "health":
            return health_command(settings)
        if command == "db":
            return db_command(args, settings)
        if command == "discord":
            from .adapters.discord import DiscordRefused
            try:
                asyncio.run(run_discord(settings))
            except DiscordRefused as exc:
                print(exc, file=sys.stderr)
                return 2
            return 0
        if command == "slack":
            asyncio.run(run_slack(settings, args.http, args.port))
            return 0
        if command == "console":
            if getattr(args, "database", None):
                settings = settings.model_copy(update={"database": args.database})
            start = getattr(args, "start", None)
            if start:  # any offset is fine; the console's clock, like the store, runs in UTC
                start = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(UTC)
            if not sys.stdin.isatty():
                logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            asyncio.run(run_console(settings, start))
            return 0
    except ContentError as exc:
        print(f"The question bank has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (ConfigError, StoreError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
