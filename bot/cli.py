"""The ``sensus-bot`` command line."""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

import bot
from bot.app import build_application, run_polling
from bot.config import ConfigError, Settings, load_settings
from bot.i18n import load_languages
from bot.logs import setup_logging
from bot.shell import run_shell
from storage import Repository, StorageError


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
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="run the bot with long polling against the Bot API")
    shell = commands.add_parser("shell", help="chat with the bot in this terminal, offline")
    shell.add_argument("--user-id", type=int, default=1, help="your pretend Telegram user id")
    shell.add_argument("--name", default="Warga", help="your pretend first name")
    shell.add_argument("--telegram-lang", default="id", help="your pretend app language")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, load settings, run the command; errors are one line."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings(
            config_file=args.config, known_languages=frozenset(load_languages())
        )
        if args.command == "run":
            return run(settings)
        if args.command == "shell":
            return shell(settings, args)
    except (ConfigError, StorageError) as error:
        return fail(str(error))
    except KeyboardInterrupt:
        return 130
    return fail(f"unknown command {args.command}")


def fail(message: str) -> int:
    """Print a one-line error and return the exit status."""
    print(f"sensus-bot: error: {message}", file=sys.stderr)
    return 2


def run(settings: Settings) -> int:
    """Long polling until stopped."""
    token = settings.require_token()
    setup_logging(settings.log_level, secrets=[token])
    asyncio.run(check_database(settings.db_path))
    asyncio.run(check_bot_api(settings))
    run_polling(build_application(settings))
    return 0


def shell(settings: Settings, args: argparse.Namespace) -> int:
    """The offline terminal chat."""
    setup_logging("WARNING")
    asyncio.run(check_database(settings.db_path))
    asyncio.run(
        run_shell(
            settings,
            user_id=args.user_id,
            first_name=args.name,
            language_code=args.telegram_lang,
        )
    )
    return 0


async def check_bot_api(settings: Settings) -> None:
    """Call getMe once, so a wrong token or URL fails before polling starts."""
    telegram = Bot(settings.require_token(), base_url=settings.bot_api_base_url)
    try:
        async with telegram:
            await telegram.get_me()
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "rejected by the Bot API (check the token)"
        ) from None
    except NetworkError as error:
        raise ConfigError(
            "TELEGRAM_API_URL", f"cannot reach {settings.api_url}: {error.message}"
        ) from None


async def check_database(path: Path) -> None:
    """Open and migrate the database once, so a bad path fails before anything starts."""
    try:
        repository = await Repository.open(path)
    except StorageError as error:
        raise StorageError(f"SENSUS_DB: {error}") from None
    await repository.close()


if __name__ == "__main__":
    sys.exit(main())
