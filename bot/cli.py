"""The ``sensus-bot`` command line."""

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, tzinfo
from pathlib import Path
from urllib.parse import urlparse

import bot
from bot.app import CHANGE_POLL, Webhook, build_application, run_polling, run_webhook
from bot.config import ConfigError, Settings, load_settings, parse_moment, read_text
from bot.doctor import FAIL, diagnose, reach_bot_api
from bot.domain.assistant import THRESHOLDS_FILE, FaqEngine, Reader, Reply
from bot.domain.audience import parse_audience
from bot.domain.broadcasts import ACTIONS as STEERING
from bot.domain.calendar import Calendar, CalendarError, calendar_from_text, load_calendar
from bot.domain.clock import clock_at
from bot.domain.evaluation import (
    Report,
    cross_validate,
    evaluate,
    fit_thresholds,
    gate_cross_validated,
    read_questions,
    repeated,
    report_of,
    thresholds_comment,
)
from bot.domain.faq import Example, load_faq
from bot.domain.guide import load_guide
from bot.domain.statistics import PERIODS, VIEWS, csv_text
from bot.i18n import SOURCE_LANGUAGE, load_i18n, load_languages
from bot.logs import setup_logging
from bot.outbox.broadcasts import (
    MAX_TEXT,
    BroadcastProgress,
    count_recipients,
    create_broadcast,
    queue_broadcast,
)
from bot.outbox.planning import active_calendar, apply_revision, calendar_changes
from bot.shell import KEYS as SHELL_KEYS
from bot.shell import run_shell, typed_lines
from bot.signals import Listen
from bot.statistics import Naming, collect, render
from bot.telegram_text import html_to_text
from bot.texts import EXAMPLES, coverage, translation_project
from bot.texts import Project as TranslationProject
from bot.translate import ImportProblems, add_language, apply, export_csv, plan_import
from bot.translate import summary as import_summary
from storage import Repository, StorageError
from storage.engine import Location, PostgresUrl, exists, location
from storage.instance import single_instance
from storage.repository import UnansweredQuestion
from storage.transfer import copy_tables, prepare_target, snapshot, source_version


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    root = argparse.ArgumentParser(
        prog="sensus-bot",
        description="Telegram assistant for the 2020 Population Census (SP2020).",
        epilog="Settings come from environment variables (see README.md); "
        "--config FILE reads the same names from a TOML file first.",
    )
    root.add_argument("--version", action="version", version=f"sensus-bot {bot.__version__}")
    root.add_argument("--config", type=Path, metavar="FILE", help="TOML file with settings")
    root.add_argument(
        "--now", metavar="ISO", help="fix the bot's clock, e.g. 2020-01-20T09:00+08:00 (SENSUS_NOW)"
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="run the bot (long polling, or a webhook)")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this public https URL instead of polling (needs --listen)",
    )
    run.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="where the webhook server listens, e.g. 127.0.0.1:8443 behind a reverse proxy",
    )
    run.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve GET /healthz and GET /metrics (Prometheus) here, e.g. 127.0.0.1:9090",
    )
    shell = commands.add_parser(
        "shell",
        help="chat with the bot in this terminal, offline",
        description=SHELL_KEYS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shell.add_argument("--user-id", type=int, default=1, help="your pretend Telegram user id")
    shell.add_argument("--name", default="Warga", help="your pretend first name")
    shell.add_argument("--telegram-lang", default="id", help="your pretend app language")
    add_faq_commands(commands)
    broadcast = commands.add_parser(
        "broadcast", help="queue a staff broadcast, show status, or pause/resume/cancel one"
    )
    broadcast.add_argument(
        "action",
        nargs="?",
        choices=["status", *STEERING],
        help="status: recent figures; pause/resume/cancel ID: steer broadcast ID",
    )
    broadcast.add_argument("id", nargs="?", type=int, help="the broadcast to steer")
    broadcast.add_argument("--text-file", type=Path, help="the Indonesian text (required)")
    broadcast.add_argument(
        "--lang-file",
        action="append",
        default=[],
        metavar="L=FILE",
        help="a variant, e.g. mkn=k.txt",
    )
    broadcast.add_argument(
        "--to",
        help="who receives it (required): "
        "all | region:CODE | lang:L | reminder:GROUP | rt-heads | rt-groups",
    )
    broadcast.add_argument(
        "--at", help="send from this ISO 8601 moment, in SENSUS_TZ without an offset (default: now)"
    )
    broadcast.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commands.add_parser(
        "doctor", help="check settings, database, translations, content and the Bot API"
    )
    backup = commands.add_parser(
        "backup", help="copy the database to FILE, consistent even while the bot runs"
    )
    backup.add_argument(
        "file", type=Path, help="where to write the copy, e.g. sensus-2020-09-01.db"
    )
    stats = commands.add_parser("stats", help="a statistics view as a PNG chart or CSV figures")
    stats.add_argument("--view", choices=VIEWS, default="people")
    stats.add_argument("--period", choices=list(PERIODS), default="30", help="days, or all")
    stats.add_argument("--lang", default=None, help="labels in this language (default: id)")
    output = stats.add_mutually_exclusive_group(required=True)
    output.add_argument("--png", type=Path, metavar="FILE")
    output.add_argument("--csv", type=Path, metavar="FILE")
    calendar = commands.add_parser("calendar", help="show or apply the census calendar")
    calendar_commands = calendar.add_subparsers(
        dest="calendar_command", metavar="ACTION", required=True
    )
    calendar_commands.add_parser("show", help="the calendar in force and what is queued")
    apply = calendar_commands.add_parser(
        "apply", help="apply a revised calendar and re-plan reminders"
    )
    apply.add_argument(
        "file", type=Path, help="a calendar TOML file, e.g. bot/calendars/sp2020-revisi.toml"
    )
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    migrate = commands.add_parser("migrate", help="move the database to another engine")
    migrate_commands = migrate.add_subparsers(
        dest="migrate_command", metavar="ACTION", required=True
    )
    to_postgres = migrate_commands.add_parser(
        "sqlite-to-postgres",
        help="copy an SQLite database (even while the bot runs on it) into an empty PostgreSQL"
        " database or schema, and verify every table",
    )
    to_postgres.add_argument("source", type=Path, help="the SQLite file, e.g. sensus.db")
    to_postgres.add_argument("target", help="postgresql://USER@HOST/DATABASE (empty)")
    add_i18n_commands(commands)
    return root


def add_faq_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """``faq ask|eval|unanswered``."""
    faq = commands.add_parser("faq", help="ask the FAQ or evaluate it on a question set")
    faq_commands = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)
    ask = faq_commands.add_parser("ask", help="answer one question ('-': one per line on stdin)")
    ask.add_argument("--lang", help="language of the answer (default SENSUS_DEFAULT_LANG)")
    ask.add_argument("--json", action="store_true", help="print a JSON object")
    ask.add_argument("question", nargs="?", default="-", help="the question, or - for stdin")
    evaluate = faq_commands.add_parser(
        "eval", help="accuracy on a JSON-lines question set, or cross-validated on the examples"
    )
    evaluate.add_argument("file", type=Path, nargs="?", help='lines of {"q": ..., "topic": ...}')
    evaluate.add_argument(
        "--cv",
        type=int,
        nargs="?",
        const=5,
        metavar="K",
        help="grouped K-fold cross-validation over locales/*/examples (default K: 5)",
    )
    evaluate.add_argument(
        "--repeats",
        type=int,
        default=1,
        metavar="R",
        help="with --cv: draw the K folds R times (other shuffles) and count every round",
    )
    evaluate.add_argument(
        "--write-thresholds",
        action="store_true",
        help=f"with --cv: fit the decision thresholds and write locales/{THRESHOLDS_FILE}",
    )
    evaluate.add_argument("--misses", action="store_true", help="also list every miss")
    unanswered = faq_commands.add_parser(
        "unanswered", help="questions that got no confident answer, newest first (JSON lines)"
    )
    unanswered.add_argument("--limit", type=int, default=100)
    examples = faq_commands.add_parser("examples", help="the examples staff reviewed in the inbox")
    examples_commands = examples.add_subparsers(
        dest="examples_command", metavar="ACTION", required=True
    )
    export = examples_commands.add_parser(
        "export",
        help='write them as JSON lines {"q": ..., "topic": ..., "lang": ...} (see locales/)',
    )
    export.add_argument("file", type=Path)


def add_i18n_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """``i18n status|export|import|add``."""
    i18n = commands.add_parser(
        "i18n", help="translation coverage, and the translators' spreadsheet (export/import)"
    )
    i18n_commands = i18n.add_subparsers(dest="i18n_command", metavar="ACTION", required=True)
    status = i18n_commands.add_parser("status", help="per language: what is translated, reviewed")
    status.add_argument(
        "--require-complete", metavar="LANG", help="exit 1 when anything is missing in LANG"
    )
    export = i18n_commands.add_parser("export", help="write every text of a language to a CSV")
    export.add_argument("--lang", required=True, help="the language code, e.g. mkn")
    export.add_argument("file", type=Path, help="the CSV to write, e.g. mkn.csv")
    load = i18n_commands.add_parser("import", help="check a CSV and write its texts back")
    load.add_argument("file", type=Path, help="a CSV made by export (edited in a spreadsheet)")
    load.add_argument("--reviewer", help="mark the file's texts reviewed by this person, today")
    add = i18n_commands.add_parser("add", help="create a new language, ready for export/import")
    add.add_argument("code", help="ISO 639 code, e.g. aoz (Uab Meto)")
    add.add_argument("--name", required=True, help="the name on its button, in the language")
    add.add_argument("--telegram", help="two-letter code for Telegram's per-language menus")
    add.add_argument("--fallback", default="id", help="where missing texts come from")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the command's exit status; a closed stdout (``| head``) ends quietly."""
    try:
        status = dispatch(argv)
        sys.stdout.flush()  # so that a closed pipe shows here, not as a warning at exit
        return status
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at /dev/null so that stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def dispatch(argv: Sequence[str] | None) -> int:
    """Parse, load settings, run the command; errors are one line."""
    args = parser().parse_args(argv)
    environ = dict(os.environ)
    if args.now:
        environ["SENSUS_NOW"] = args.now
    try:
        settings = load_settings(environ, config_file=args.config)
        if args.command == "run":
            signals = None if args.metrics is None else host_port(args.metrics, "--metrics")
            return run(settings, webhook_of(args.webhook, args.listen), signals)
        if args.command == "shell":
            return shell(settings, args)
        if args.command == "faq":
            return faq_command(settings, args)
        if args.command == "calendar":
            return asyncio.run(calendar_command(settings, args))
        if args.command == "broadcast":
            return asyncio.run(broadcast_command(settings, args))
        if args.command == "doctor":
            return doctor(settings)
        if args.command == "backup":
            return backup_command(settings, args.file)
        if args.command == "i18n":
            return i18n_command(settings, args)
        if args.command == "stats":
            return asyncio.run(stats_command(settings, args))
        if args.command == "migrate":
            return migrate_command(args.source, args.target)
    except (ConfigError, StorageError, CalendarError) as error:
        return fail(str(error))
    except KeyboardInterrupt:
        return 130
    return fail(f"unknown command {args.command}")


async def confirm(question: str, yes: bool) -> bool:
    """Whether to go ahead: --yes, or "y" typed at the terminal; without a terminal to ask
    on, ConfigError says to add --yes."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise ConfigError("--yes", "stdin is not a terminal, so nobody can confirm; add --yes")
    print(question, end="", flush=True)
    answer = await typed_lines().get()  # not input(): Ctrl-C must end the wait at once
    return (answer or "").strip().lower() in ("y", "yes")


def fail(message: str) -> int:
    """Print a one-line error and return the exit status."""
    print(f"sensus-bot: error: {message}", file=sys.stderr)
    return 2


def run(settings: Settings, webhook: Webhook | None, signals: Listen | None = None) -> int:
    """Long polling, or a webhook server, until SIGINT/SIGTERM; /healthz and /metrics on
    ``signals`` if given."""
    token = settings.require_token()
    if webhook and isinstance(settings.database, PostgresUrl) and not settings.webhook_secret:
        # Each worker would set a random secret of its own and refuse Telegram's calls
        # made with another worker's.
        raise ConfigError(
            "SENSUS_WEBHOOK_SECRET",
            "webhook workers on PostgreSQL share one webhook: set the same secret for each",
        )
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    setup_logging(settings.log_level, secrets=[token, secret], log_format=settings.log_format)
    with single_instance(settings.database):
        asyncio.run(check_database(settings.database))
        asyncio.run(reach_bot_api(settings))
        application = build_application(settings, signals=signals)
        if webhook is None:
            run_polling(application)
        else:
            run_webhook(application, webhook, secret)
    return 0


WEBHOOK_PORTS = (443, 80, 88, 8443)


def webhook_of(url: str | None, listen: str | None) -> Webhook | None:
    """The webhook options, checked: both or neither, an https URL, HOST:PORT."""
    if url is None and listen is None:
        return None
    if url is None or listen is None:
        raise ConfigError("--webhook", "--webhook URL and --listen HOST:PORT go together")
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ConfigError("--webhook", f"Telegram only calls https URLs, not {url!r}")
    if (parsed.port or 443) not in WEBHOOK_PORTS:
        raise ConfigError("--webhook", "Telegram only calls ports 443, 80, 88 and 8443")
    address = host_port(listen, "--listen")
    return Webhook(url=url, listen=address.host, port=address.port, path=parsed.path.strip("/"))


def host_port(value: str, option: str) -> Listen:
    """``HOST:PORT`` checked; ConfigError naming ``option`` otherwise."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(option, f"expected HOST:PORT such as 127.0.0.1:8443, not {value!r}")
    return Listen(host, int(port))


def shell(settings: Settings, args: argparse.Namespace) -> int:
    """The offline terminal chat."""
    setup_logging("WARNING")
    asyncio.run(check_database(settings.database))
    asyncio.run(
        run_shell(
            # Staff try languages here that residents are not offered yet.
            replace(settings, picker_threshold=0.0),
            user_id=args.user_id,
            first_name=args.name,
            language_code=args.telegram_lang,
        )
    )
    return 0


def faq_command(settings: Settings, args: argparse.Namespace) -> int:
    """``faq ask`` and ``faq eval``: the matcher without Telegram."""
    if args.faq_command == "unanswered":
        for kept in asyncio.run(unanswered_questions(settings.database, args.limit)):
            record = asdict(kept) | {"asked_at": kept.asked_at.isoformat()}
            print(json.dumps(record, ensure_ascii=False))
        return 0
    if args.faq_command == "examples":
        return export_examples(settings.database, args.file)
    i18n = load_i18n(settings.locales_dir)
    engine = FaqEngine.load(settings.locales_dir, i18n.codes)
    if args.faq_command == "eval":
        reviewed: list[Example] = []
        if args.cv is not None and exists(settings.database):
            reviewed = asyncio.run(reviewed_examples(settings.database))
        return faq_eval(engine, args, settings.locales_dir, engine.learnable(reviewed))
    lang = args.lang or settings.default_lang
    if lang not in i18n.languages:
        return fail(f"--lang: {lang!r} is not one of {', '.join(sorted(i18n.languages))}")
    t = i18n.translator(lang)
    calendar = asyncio.run(calendar_in_force(settings))
    reader = Reader.of(t, settings.timezone, calendar, clock_at(settings.now).now())
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        question = line.strip()
        if not question:
            continue
        reply = engine.reply(question, reader)
        text = reply_text(reply)
        if args.json or args.question == "-":
            record = {
                "question": question,
                "lang": lang,
                "outcome": reply.outcome,
                "topic": reply.match.topic if reply.outcome == "answer" else None,
                "candidates": [c.topic for c in reply.choices]
                if reply.outcome == "clarify"
                else [],
                "score": reply.match.score,
                "answer": text,
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(text)
    return 0


def reply_text(reply: Reply) -> str:
    """A reply as plain text: its message, then the offered topics as a list."""
    lines = [html_to_text(reply.text)]
    if reply.outcome == "clarify":
        lines += [f"• {choice.title}" for choice in reply.choices]
    return "\n".join(lines)


def faq_eval(
    engine: FaqEngine,
    args: argparse.Namespace,
    locales_dir: Path,
    reviewed: tuple[Example, ...],
) -> int:
    """``faq eval FILE`` and ``faq eval --cv [K] [--write-thresholds]`` (with --cv, also over
    the reviewed examples in SENSUS_DB)."""
    if args.cv is None:
        if args.write_thresholds:
            return fail("--write-thresholds needs --cv")
        if args.file is None:
            return fail("give a question file, or --cv to cross-validate the examples")
        try:
            rows = read_questions(args.file, engine.content.labels())
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return fail(f"{args.file}: {error}")
        return show_report(evaluate(engine.matcher, rows), args.misses)
    if args.cv < 2:
        return fail("--cv: K must be at least 2")
    if args.repeats < 1:
        return fail("--repeats: R must be at least 1")
    # The folds' matchers learn their own vocabulary from their training examples only.
    signals = cross_validate(
        engine.content.examples + reviewed, engine.matcher.normaliser, args.cv, args.repeats
    )
    examples = repeated(engine.content.examples + reviewed, args.repeats)
    thresholds = engine.matcher.thresholds
    if args.write_thresholds:
        thresholds = fit_thresholds(examples, signals)
    report = report_of(examples, signals, thresholds)
    if args.write_thresholds:
        honest = gate_cross_validated(examples, signals, thresholds, args.repeats)
        path = locales_dir / THRESHOLDS_FILE
        comment = thresholds_comment(report, args.cv, args.repeats, honest)
        path.write_text(thresholds.toml(comment), encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
        figures = honest.overall.summary()
        print(f"answer gate fitted on other folds: {json.dumps(figures)}", file=sys.stderr)
    return show_report(report, args.misses)


def show_report(report: Report, misses: bool) -> int:
    """Print an evaluation's figures (and its misses)."""
    print(json.dumps(report.summary(), indent=2, ensure_ascii=False))
    if misses:
        for miss in report.misses:
            print(json.dumps(miss, ensure_ascii=False))
    return 0


async def calendar_in_force(settings: Settings) -> Calendar:
    """The calendar staff applied in the database, else the configured one (as the bot)."""
    configured = load_calendar(settings.calendar_path)
    if not exists(settings.database):
        return configured
    repository = await open_database(settings.database)
    try:
        return (await active_calendar(repository, configured))[0]
    finally:
        await repository.close()


async def calendar_command(settings: Settings, args: argparse.Namespace) -> int:
    """``calendar show`` and ``calendar apply FILE``."""
    repository = await open_database(settings.database)
    try:
        configured = load_calendar(settings.calendar_path)
        current, revision = await active_calendar(repository, configured)
        if args.calendar_command == "show":
            print(f"census {current.census}, access {current.access}, revision {revision or '-'}")
            for event in current.events:
                print(
                    f"  event {event.id:<10} {event.start.isoformat()} .. {event.end.isoformat()}"
                )
            for reminder in current.reminders:
                due = current.due(reminder).isoformat()
                print(f"  reminder {reminder.id:<18} {reminder.group:<8} due {due}")
            print(f"  outbox: {json.dumps(await repository.outbox_status())}")
            return 0
        body = read_text(args.file, "calendar apply")
        revised = calendar_from_text(body, str(args.file))
        changes = calendar_changes(current, revised)
        for change in changes:
            print(f"  {change.what:<14} {change.subject}: {change.before} -> {change.after}")
        if not changes:
            print("  no change to events or the access method")
        if not await confirm("apply? [y/N] ", args.yes):
            print("not applied")
            return 1
        now = clock_at(settings.now).now()
        applied = await apply_revision(
            repository, current, revised, body, args.file.name, "cli", now,
            settings.quiet_hours, settings.timezone,
        )  # fmt: skip
        print(
            f"applied as revision {applied.revision_id}: {applied.report.planned} reminders "
            f"planned, {applied.report.cancelled} cancelled; a running bot follows within "
            f"{int(CHANGE_POLL)} s"
        )
        return 0
    finally:
        await repository.close()


async def broadcast_command(settings: Settings, args: argparse.Namespace) -> int:
    """``broadcast --text-file F --to AUDIENCE`` queues for a running bot; ``status`` reports."""
    repository = await open_database(settings.database)
    try:
        if args.action == "status":
            for item in await repository.recent_broadcasts():
                print(f"#{item.id} {item.audience} {item.status} {json.dumps(item.figures)}")
            return 0
        if args.action in STEERING:
            return await steer_broadcast(repository, args.action, args.id)
        if args.text_file is None:
            return fail("--text-file: the Indonesian text is required")
        if args.to is None:
            return fail("--to: say who receives it: all, region:CODE, lang:L, ... (see --help)")
        languages = frozenset(load_languages(settings.locales_dir))
        try:
            audience = parse_audience(args.to, languages)
        except ValueError as error:
            return fail(f"--to: {error}")
        texts = {"id": read_text(args.text_file, "--text-file").strip()}
        for item in args.lang_file:
            lang, _, name = item.partition("=")
            if lang not in languages or not name:
                return fail(
                    f"--lang-file: expected L=FILE with L one of {', '.join(sorted(languages))}"
                )
            texts[lang] = read_text(Path(name), "--lang-file").strip()
        too_long = [lang for lang, text in texts.items() if not text or len(text) > MAX_TEXT]
        if too_long:
            return fail(f"text for {', '.join(too_long)} is empty or over {MAX_TEXT} characters")
        now = clock_at(settings.now).now()
        at = parse_moment(args.at, settings.timezone, "--at") if args.at else now
        if at < now:
            return fail(f"--at: {at.isoformat()} is in the past (now {now.isoformat()})")
        count = await count_recipients(repository, audience)
        if count == 0:
            return fail(f"--to: nobody would receive it ({audience}); nothing queued")
        print(f"{count} recipients ({audience}); languages: {', '.join(sorted(texts))}")
        if not await confirm("send? [y/N] ", args.yes):
            print("not sent")
            return 1
        broadcast_id = await create_broadcast(repository, "cli", texts, audience, at, now)
        queued = await queue_broadcast(repository, broadcast_id, audience)
        print(f"broadcast #{broadcast_id} queued for {queued}; a running bot sends it")
        if sys.stdout.isatty():
            await show_progress(repository, broadcast_id)
        return 0
    finally:
        await repository.close()


async def steer_broadcast(repository: Repository, action: str, broadcast_id: int | None) -> int:
    """``broadcast pause|resume|cancel ID``, as the phase of the broadcast allows."""
    if broadcast_id is None:
        return fail(f"broadcast {action}: which broadcast? e.g. broadcast {action} 3")
    steered = await repository.steer_broadcast(broadcast_id, action)
    if steered is None:
        return fail(f"there is no broadcast #{broadcast_id} (see: broadcast status)")
    if not steered.applied:
        return fail(f"broadcast #{broadcast_id} is {steered.phase}; nothing to {action}")
    print(f"broadcast #{broadcast_id} is {steered.phase}; a running bot follows at once")
    return 0


def doctor(settings: Settings) -> int:
    """Print one line per check; exit 1 when something must be fixed."""
    findings = asyncio.run(diagnose(settings))
    for finding in findings:
        print(finding)
    failed = [f for f in findings if f.mark == FAIL]
    print(f"{len(failed)} problem(s) to fix" if failed else "ready to run")
    return 1 if failed else 0


def i18n_command(settings: Settings, args: argparse.Namespace) -> int:
    """``i18n status|export|import|add``: coverage and the translators' spreadsheet."""
    project = translation_project(settings)
    languages = project.languages()
    today = clock_at(settings.now).now().astimezone(settings.timezone).date().isoformat()
    if args.i18n_command == "status":
        return i18n_status(project, args.require_complete)
    if args.i18n_command == "export":
        if args.lang not in languages:
            return fail(f"--lang: {args.lang!r} is not one of {', '.join(sorted(languages))}")
        try:
            rows = export_csv(project, args.lang, args.file)
        except OSError as error:
            return fail(f"{args.file}: {error.strerror}")
        print(f"wrote {rows} texts of {languages[args.lang].name} to {args.file}")
        return 0
    if args.i18n_command == "import":
        try:
            plan, texts = plan_import(project, args.file, args.reviewer, today)
        except OSError as error:
            return fail(f"{args.file}: {error.strerror}")
        except ImportProblems as error:
            for problem in error.errors:
                print(f"{args.file}: {problem}", file=sys.stderr)
            return fail(f"{args.file}: {len(error.errors)} problem(s); nothing was written")
        apply(plan)
        print("\n".join(import_summary(plan, texts, args.reviewer)))
        return 0
    now = clock_at(settings.now).now().astimezone(settings.timezone)
    try:
        written = add_language(project, args.code, args.name, args.telegram, args.fallback, now)
    except ValueError as error:
        return fail(str(error))
    print(f"added {args.name} ({args.code}): " + ", ".join(map(str, written)))
    print(f"next: sensus-bot i18n export --lang {args.code} {args.code}.csv")
    return 0


def i18n_status(project: TranslationProject, require: str | None) -> int:
    """Print every language's coverage; 1 when ``require`` is given and incomplete."""
    languages = project.languages()
    if require is not None and require not in languages:
        return fail(f"--require-complete: {require!r} is not one of {', '.join(sorted(languages))}")
    result = 0
    for code, language in languages.items():
        if code == SOURCE_LANGUAGE:
            continue
        found = coverage(project, language)
        print(f"{code}  {found.lang.name}")
        for name, count in found.counts.items():
            unit = " topics" if name == EXAMPLES else ""
            figures = f"{count.done:>4} of {count.total:<4}{unit:7}"
            print(f"    {name:<18} {figures} reviewed {count.reviewed}")
        if code == require and not found.complete:
            print(f"{code}: missing {', '.join(found.missing())}", file=sys.stderr)
            result = 1
    return result


def backup_command(settings: Settings, target: Path) -> int:
    """``backup FILE``: an online copy of the database (SQLite's backup API)."""
    if isinstance(settings.database, PostgresUrl):
        return fail("SENSUS_DB is a PostgreSQL database: use pg_dump (or pg_basebackup) for it")
    if not settings.database.is_file():
        return fail(f"SENSUS_DB: no database at {settings.database}")
    if target.is_dir():
        return fail(f"{target} is a folder; give the backup a file name, e.g. {target}/sensus.db")
    live = settings.database.resolve()
    if target.resolve() in (
        live,
        live.with_name(live.name + "-wal"),
        live.with_name(live.name + "-shm"),
    ):
        return fail("the backup must go to another file than SENSUS_DB and its -wal/-shm files")

    async def copy() -> None:
        repository = await open_database(settings.database)
        try:
            await repository.backup(target)
        finally:
            await repository.close()

    asyncio.run(copy())
    print(f"backed up {settings.database} to {target} ({target.stat().st_size:,} bytes)")
    return 0


def migrate_command(source: Path, target_setting: str) -> int:
    """``migrate sqlite-to-postgres SRC DSN``: copy, verify, one line per table."""
    target = location(target_setting)
    if not isinstance(target, PostgresUrl):
        return fail(f"{target_setting}: not a postgresql:// URL")
    with snapshot(source) as copy:
        version = source_version(copy)
        asyncio.run(prepare_target(target, version))
        for table in copy_tables(copy, target):
            print(f"{table.name}: {table.rows:,} rows, checksum {table.checksum} on both sides")
    print(f"copied {source} into {target} at schema version {version}; set SENSUS_DB to it")
    return 0


async def show_progress(repository: Repository, broadcast_id: int) -> None:
    """A progress bar until the broadcast is done (Ctrl-C leaves it running)."""
    while True:
        item = await repository.broadcast(broadcast_id)
        if item is None:
            return
        progress = BroadcastProgress.of(item)
        done, total = progress.done, progress.total
        filled = int(30 * done / max(1, total))
        print(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {item.figures}",
            end="",
            flush=True,
        )
        if progress.over or progress.phase != "queued":
            print()
            return
        await asyncio.sleep(1)


def export_examples(db_path: Location, target: Path) -> int:
    """``faq examples export FILE``: the reviewed examples, by language, in the content
    files' format plus their language."""
    if not exists(db_path):
        return fail(f"SENSUS_DB: {db_path} does not exist")
    lines = [
        json.dumps({"q": e.question, "topic": e.topic, "lang": e.lang}, ensure_ascii=False)
        for e in asyncio.run(reviewed_examples(db_path))
    ]
    try:
        target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    except OSError as error:
        return fail(f"cannot write {target}: {error.strerror}")
    print(f"{len(lines)} reviewed examples written to {target}")
    return 0


async def reviewed_examples(path: Location) -> list[Example]:
    """The reviewed examples stored in the database, by language."""
    repository = await open_database(path)
    try:
        stored = await repository.reviewed_examples()
    finally:
        await repository.close()
    return [Example(e.question, e.topic, e.lang, f"reviewed:{e.id}") for e in stored]


async def unanswered_questions(path: Location, limit: int) -> list[UnansweredQuestion]:
    """Read the stored unanswered questions."""
    repository = await open_database(path)
    try:
        return await repository.unanswered(limit)
    finally:
        await repository.close()


async def stats_command(settings: Settings, args: argparse.Namespace) -> int:
    """Write one statistics view, as /statistik shows it, to a PNG or CSV file."""
    i18n = load_i18n()
    t = i18n.translator(args.lang or settings.default_lang)
    calendar = load_calendar(settings.calendar_path)
    locales = settings.locales_dir
    now = clock_at(settings.now).now()
    faq, guide = load_faq(locales, i18n.codes), load_guide(locales, i18n.codes)
    naming = Naming(t, i18n, faq, guide, calendar, now)
    repository = await open_database(settings.database, settings.timezone)
    try:
        figures = await collect(repository, args.view, args.period, now, settings.timezone, naming)
    finally:
        await repository.close()
    try:
        if args.png:
            await asyncio.to_thread(
                args.png.write_bytes, await render(figures, t._("belum ada data"))
            )
        else:
            await asyncio.to_thread(args.csv.write_text, csv_text(figures), encoding="utf-8")
    except OSError as error:
        return fail(f"cannot write {args.png or args.csv}: {error.strerror}")
    print(args.png or args.csv)
    return 0


async def open_database(path: Location, zone: tzinfo = UTC) -> Repository:
    """Open the database, naming the setting in any error."""
    try:
        return await Repository.open(path, zone)
    except StorageError as error:
        raise StorageError(f"SENSUS_DB: {error}") from None


async def check_database(path: Location) -> None:
    """Open, migrate and check the database once, so a bad path or a damaged file fails
    before anything starts."""
    repository = await open_database(path)
    try:
        problem = await repository.damage()
    finally:
        await repository.close()
    if problem is not None:
        raise StorageError(f"SENSUS_DB: {path} is damaged ({problem}); restore the latest backup")


if __name__ == "__main__":
    sys.exit(main())
