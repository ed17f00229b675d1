"""/statistik: a chart (sendPhoto) and a CSV (sendDocument) whose figures match the database."""

import csv
import io
from pathlib import Path

from tests.conftest import ADMIN_ID
from tests.databases import rows
from tests.harness import RunningBot, ready

PNG = b"\x89PNG\r\n\x1a\n"


def sent_files(bot: RunningBot, method: str, chat_id: int) -> list[bytes]:
    """Contents of the photos or documents sent to a chat, in order."""
    api = bot.telegram.api
    key = "photo" if method == "sendPhoto" else "document"
    found = []
    for message in api.chat_messages(chat_id):
        if key in message:
            file = message[key][-1] if key == "photo" else message[key]
            found.append(api.files[file["file_id"]].content)
    return found


def figures(content: bytes) -> dict[tuple[str, str, str], int]:
    """(table, category, series) -> value, from the CSV."""
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return {(r["table"], r["category"], r["series"]): int(r["value"]) for r in rows}


async def test_statistics_send_a_chart_and_a_csv_matching_the_database(bot, db_path: Path):
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    for user_id, question in ((8401, "kapan sensus online dibuka?"), (8402, "xyzzy blorp")):
        person = bot.person(user_id, language_code="en")
        await ready(person)
        await person.send(question)
    await admin.send("/statistik")
    photos = sent_files(bot, "sendPhoto", ADMIN_ID)
    documents = sent_files(bot, "sendDocument", ADMIN_ID)
    assert len(photos) == 1 and photos[0].startswith(PNG)
    people = figures(documents[0])
    ((count,),) = rows(db_path, "SELECT COUNT(*) FROM users")
    ((indonesian,),) = rows(db_path, "SELECT COUNT(*) FROM users WHERE lang = 'id'")
    assert sum(v for (table, _, _), v in people.items() if table == "people_by_language") == count
    assert people[("people_by_language", "id", "people")] == indonesian
    new = sum(v for (table, _, s), v in people.items() if table == "people_by_day" and s == "new")
    assert new == count == 3
    assert "Warga" in admin.screen[-2]["caption"]

    await admin.press("Pertanyaan")
    questions = figures(sent_files(bot, "sendDocument", ADMIN_ID)[-1])
    stored = dict(rows(db_path, "SELECT outcome, COUNT(*) FROM faq_outcomes GROUP BY outcome"))
    by_outcome: dict[str, int] = {}
    for (table, _, series), value in questions.items():
        if table == "questions_by_day":
            by_outcome[series] = by_outcome.get(series, 0) + value
    assert {k: v for k, v in by_outcome.items() if v} == stored
    assert sum(stored.values()) == 2

    for view in ("Pengingat", "Panduan"):
        await admin.press(view, next(m for m in reversed(admin.screen) if "photo" in m))
    assert len(sent_files(bot, "sendPhoto", ADMIN_ID)) == 4
    assert not bot.telegram.rejected


async def test_residents_get_no_statistics(bot):
    resident = bot.person(8403)
    await ready(resident)
    await resident.send("/statistik")
    assert "Maaf, ini hanya untuk petugas" in resident.last["text"]
    assert not sent_files(bot, "sendPhoto", resident.user_id)
