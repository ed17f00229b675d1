"""Settings from the environment and a TOML file; one-line errors from the CLI."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.harness import run_cli

LANGS = frozenset({"id", "en", "mkn"})


def test_defaults():
    settings = load_settings({}, known_languages=LANGS)
    assert settings.token is None
    assert settings.api_url == "https://api.telegram.org"
    assert settings.bot_api_base_url == "https://api.telegram.org/bot{token}"
    assert settings.database == Path("sensus.db")
    assert settings.admins == frozenset()
    assert settings.default_lang == "id"
    assert str(settings.timezone) == "Asia/Makassar"


def test_environment_values():
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "SENSUS_DB": "/tmp/x.db",
            "SENSUS_ADMINS": "12, 34",
            "SENSUS_DEFAULT_LANG": "mkn",
            "SENSUS_TZ": "Asia/Jayapura",
        },
        known_languages=LANGS,
    )
    assert settings.require_token() == "1:abc"
    assert settings.bot_api_base_url == "http://127.0.0.1:8081/bot{token}"
    assert settings.admins == frozenset({12, 34})
    assert settings.default_lang == "mkn"
    assert str(settings.timezone) == "Asia/Jayapura"


def test_config_file_is_overridden_by_the_environment(tmp_path):
    config = tmp_path / "sensus.toml"
    config.write_text(
        'SENSUS_DB = "from-file.db"\nSENSUS_ADMINS = [1, 2]\nSENSUS_TZ = "Asia/Jakarta"\n'
    )
    settings = load_settings({"SENSUS_TZ": "Asia/Makassar"}, config, known_languages=LANGS)
    assert settings.database == Path("from-file.db")
    assert settings.admins == frozenset({1, 2})
    assert str(settings.timezone) == "Asia/Makassar"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("SENSUS_ADMINS", "12,abc"),
        ("SENSUS_DEFAULT_LANG", "fr"),
        ("SENSUS_TZ", "Mars/Olympus"),
        ("SENSUS_LOG_LEVEL", "LOUD"),
        ("SENSUS_FLOOD_LIMIT", "twenty a minute"),
        ("SENSUS_FLOOD_BUTTON_LIMIT", "fast"),
        ("SENSUS_PICKER_THRESHOLD", "120%"),
        ("SENSUS_PICKER_THRESHOLD", "most"),
        ("SENSUS_LOCALES", "/no/such/folder"),
        ("SENSUS_LOG_FORMAT", "xml"),
        ("SENSUS_REDIS", "127.0.0.1:6379"),
        ("SENSUS_REDIS", "http://:secret@cache:6379"),
        ("SENSUS_REDIS", "redis://cache:port/0"),
    ],
)
def test_invalid_values_name_the_setting(name, value):
    with pytest.raises(ConfigError) as raised:
        load_settings({name: value}, known_languages=LANGS)
    assert str(raised.value).startswith(f"{name}: ")
    assert "\n" not in str(raised.value)


def test_a_bad_redis_url_is_named_without_echoing_its_password():
    with pytest.raises(ConfigError) as raised:
        load_settings({"SENSUS_REDIS": "http://:hunter2@cache:6379"}, known_languages=LANGS)
    assert "hunter2" not in str(raised.value)
    settings = load_settings(
        {"SENSUS_REDIS": "redis://:pw@cache:6379/1", "SENSUS_LOG_FORMAT": "JSON"},
        known_languages=LANGS,
    )
    assert settings.redis_url == "redis://:pw@cache:6379/1" and settings.log_format == "json"


def test_missing_token_is_reported_only_when_needed():
    settings = load_settings({}, known_languages=LANGS)
    with pytest.raises(ConfigError, match=r"^TELEGRAM_BOT_TOKEN: "):
        settings.require_token()


def test_run_without_token_fails_with_one_line(tmp_path):
    result = run_cli("run", cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "sensus-bot: error: TELEGRAM_BOT_TOKEN: not set; get a token from @BotFather"
    ]


def test_unwritable_database_path_fails_with_one_line(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "SENSUS_DB": str(tmp_path / "missing" / "dir" / "s.db")}
    result = run_cli("run", env=env, cwd=tmp_path, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sensus-bot: error: SENSUS_DB: cannot open database")


def test_invalid_setting_fails_with_one_line(tmp_path):
    result = run_cli("shell", env={"SENSUS_TZ": "Nowhere/City"}, cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert result.stderr.strip() == "sensus-bot: error: SENSUS_TZ: unknown time zone 'Nowhere/City'"


def test_unreachable_api_fails_with_one_line(tmp_path):
    env = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # discard port: nothing listens
        "SENSUS_DB": str(tmp_path / "s.db"),
    }
    result = run_cli("run", env=env, cwd=tmp_path, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "sensus-bot: error: TELEGRAM_API_URL: cannot reach http://127.0.0.1:9"
    )


def test_version_and_help(tmp_path):
    assert run_cli("--version", cwd=tmp_path, check=False).stdout.startswith("sensus-bot ")
    help_text = run_cli("--help", cwd=tmp_path, check=False).stdout
    assert "run" in help_text and "shell" in help_text
