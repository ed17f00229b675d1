"""Moving a province from SQLite to PostgreSQL with ``sensus-bot migrate sqlite-to-postgres``:
a real conversation's data arrives whole and verified, and the bot carries on on it."""

from pathlib import Path

from bot.config import Settings
from offline.fake_telegram import TOKEN, FakeTelegram
from storage import Repository
from storage.database import migrations
from storage.engine import Location, PostgresUrl
from tests.conftest import ADMIN_ID
from tests.databases import fresh_schema, rows, set_version, tables
from tests.harness import ready, run_bot, run_cli

DESK = {"id": -777, "type": "supergroup", "title": "Meja bantuan BPS"}


async def converse(telegram: FakeTelegram, settings: Settings) -> None:
    """Staff and residents use the bot on the SQLite file: languages, reminders, a staff
    member, an unanswered question, a ticket, statistics."""
    async with run_bot(telegram, settings) as bot:
        admin = bot.person(ADMIN_ID, "Admin")
        await ready(admin)
        await admin.send("/staf tambah 8201")
        ani = bot.person(8301, "Ani", "en")
        await ani.send("/start")
        await ani.press("English")
        await ani.send("/ingatkan")
        await ani.press("✅ Switch on all reminders")
        await ani.send("xyzzy blorp qwerty")  # kept for staff, anonymously
        await ani.press("Ask the staff")
        await ani.send("Petugas belum datang", reply_to=ani.last)
        budi = bot.person(8302, "Budi")
        await ready(budi)
        await budi.send("kapan sensus online ditutup?")


def migrate(source: Path, target: PostgresUrl, check: bool = True) -> tuple[int, list[str]]:
    done = run_cli("migrate", "sqlite-to-postgres", str(source), target.url, check=check)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def settings_on(telegram: FakeTelegram, database: Location) -> Settings:
    return Settings(
        token=TOKEN, api_url=telegram.url, database=database, admins=frozenset({ADMIN_ID})
    )


async def test_a_province_moves_to_postgresql_whole_and_the_bot_carries_on(
    telegram, tmp_path, postgres_url
):
    source = tmp_path / "province.db"
    await converse(telegram, settings_on(telegram, source))

    status, lines = migrate(source, postgres_url)

    names = tables(source)
    assert status == 0 and len(lines) == len(names) + 1, lines
    for name in names:
        (count,) = rows(source, f"SELECT COUNT(*) FROM {name}")[0]
        assert any(line.startswith(f"{name}: {count:,} rows, checksum") for line in lines), name
    assert rows(postgres_url, "SELECT user_id, lang FROM users ORDER BY user_id") == rows(
        source, "SELECT user_id, lang FROM users ORDER BY user_id"
    )
    async with run_bot(telegram, settings_on(telegram, postgres_url)) as bot:
        ani = bot.person(8301, "Ani", "en")
        shown = await ani.send("/privasi")  # remembered: English, the reminder, the ticket
        assert "Your data that I keep" in shown[0]["text"], shown[0]["text"]
        assert len(await bot.services.repo.subscriptions(8301)) == 4
        assert await bot.services.repo.staff() == [8201]
        await ani.send("qwerty blorp again")  # a new row continues after the copied ids
        before = rows(source, "SELECT MAX(id) FROM unanswered_questions")[0][0]
    after = rows(postgres_url, "SELECT MAX(id) FROM unanswered_questions")[0][0]
    assert after == before + 1


async def test_a_target_with_data_or_another_schema_version_is_refused_in_one_line(
    telegram, tmp_path, postgres_url
):
    source = tmp_path / "province.db"
    await converse(telegram, settings_on(telegram, source))
    assert migrate(source, postgres_url)[0] == 0

    status, lines = migrate(source, postgres_url, check=False)
    assert status != 0 and len(lines) == 1 and "is not empty (table" in lines[0], lines

    set_version(source, 3)
    with fresh_schema(tmp_path) as started_once:  # a bot made its tables, nobody used it
        await (await Repository.open(started_once)).close()
        status, lines = migrate(source, started_once, check=False)
    latest = migrations()[-1][0]
    assert status != 0 and len(lines) == 1
    assert f"schema version {latest}, the source at 3" in lines[0], lines

    wrong = PostgresUrl("postgresql://sensus:hunter2@127.0.0.1:1/none")
    status, lines = migrate(source, wrong, check=False)
    assert status != 0 and len(lines) == 1 and "hunter2" not in lines[0], lines
    assert "postgresql://sensus:***@127.0.0.1:1/none" in lines[0]
