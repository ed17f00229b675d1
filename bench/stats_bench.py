"""Statistics benchmark: every /statistik view and period on 100,000 people.

Run: .venv/bin/python -m bench.stats_bench [--people N] [--charts DIR] [--db postgresql://…]
Seeds a census-like database (a temporary SQLite file, or the given empty PostgreSQL one):
people over 60 days, their questions, votes, guide steps, reminders and broadcasts; then
times the SQL figures of each view and period, and the chart drawing separately.
``--charts`` keeps each view's PNG (30 days) for looking at.
"""

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.machine import describe
from bot.domain.calendar import load_calendar, shipped_calendar_path
from bot.domain.faq import load_faq
from bot.domain.guide import load_guide
from bot.domain.regions import PILOT_PROVINCE, regencies
from bot.domain.statistics import PERIODS, VIEWS
from bot.i18n import LOCALES_DIR, load_i18n
from bot.statistics import Naming, chart_png, collect
from storage import Repository
from storage.bulk import count_rows, insert_rows
from storage.engine import Location, location

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2020, 9, 20, 4, 0, tzinfo=UTC)
DAYS = 60


def seed(db: Location, people: int, topics: list[str], steps: list[str]) -> None:
    """Bulk rows as the bot would leave them (written directly, for speed)."""
    rng = random.Random(2020)
    ntt = [code for code, _ in regencies(PILOT_PROVINCE)]
    users: list[tuple[object, ...]] = []
    activity: dict[str, int] = {}
    outcomes, votes, reached, outbox = [], [], [], []
    for user_id in range(1, people + 1):
        first = NOW - timedelta(days=rng.random() * DAYS)
        last = first + (NOW - first) * rng.random()
        lang = rng.choices(["id", "mkn", "en"], [70, 25, 5])[0]
        region = rng.choices([rng.choice(ntt), "51.71", None], [80, 5, 15])[0]
        users.append((user_id, lang, region, first.isoformat(), last.isoformat()))
        for n in range(rng.randint(1, 4)):
            day = (first + (last - first) * rng.random()).astimezone(WITA).date().isoformat()
            activity[day] = activity.get(day, 0) + 1
            outcome = rng.choices(["answer", "clarify", "fallback"], [70, 18, 12])[0]
            outcomes.append((day, lang, outcome, rng.choice(topics)))
            if n == 0 and rng.random() < 0.3:
                votes.append(
                    (user_id, rng.choice(topics), int(rng.random() < 0.8), last.isoformat())
                )
        if rng.random() < 0.4:
            for step in steps[: rng.randint(1, len(steps))]:
                reached.append((user_id, step, first.timestamp()))
            if rng.random() < 0.5:
                reached.append((user_id, "*finished", last.timestamp()))
        for n in range(3):
            due = (first + timedelta(days=n * 7)).timestamp()
            status = rng.choices(["sent", "blocked", "failed", "pending"], [90, 4, 1, 5])[0]
            sent = due if status == "sent" else None
            outbox.append(
                (user_id, user_id, "reminder", f"r{n}", f"reminder:{n}", due, status, sent)
            )
        if rng.random() < 0.5:
            due = (NOW - timedelta(days=3)).timestamp()
            outbox.append(
                (user_id, user_id, "broadcast", "broadcast:1", "broadcast:1", due, "sent", due)
            )
    insert_rows(db, "users", ("user_id", "lang", "region", "first_seen", "last_seen"), users)
    insert_rows(db, "daily_activity", ("day", "active"), activity.items())
    insert_rows(db, "faq_outcomes", ("day", "lang", "outcome", "topic"), outcomes)
    feedback = ("user_id", "topic", "helpful", "voted_at")
    insert_rows(db, "faq_feedback", feedback, votes, skip_duplicates=True)
    insert_rows(db, "guide_reached", ("user_id", "step", "reached_at"), reached)
    sends = ("chat_id", "user_id", "cause", "dedupe_key", "content", "not_before", "status")
    insert_rows(db, "outbox", (*sends, "sent_at"), outbox)
    insert_rows(
        db,
        "broadcasts",
        ("author", "created_at", "audience", "not_before", "status"),
        [("staff", NOW.isoformat(), "all", 0, "queued")],
    )


def keep(path: Path, png: bytes) -> None:
    """Write a chart to look at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


async def main(people: int, charts: Path | None, target: str | None) -> None:
    i18n = load_i18n()
    faq = load_faq(LOCALES_DIR, i18n.codes)
    guide = load_guide(LOCALES_DIR, i18n.codes)
    calendar = load_calendar(shipped_calendar_path("sp2020"))
    with tempfile.TemporaryDirectory() as folder:
        db = location(target) if target else Path(folder) / "stats.db"
        repo = await Repository.open(db, WITA)
        started = time.perf_counter()
        seed(db, people, list(faq.topics), [s.id for s in guide.steps_for(calendar.access)])
        print(f"# {describe()}")
        print(f"seeded {people:,} people in {time.perf_counter() - started:.1f} s")
        for label, table in (("outbox", "outbox"), ("questions", "faq_outcomes")):
            print(f"  {label}: {count_rows(db, table):,} rows")
        print(f"{'view':<10} {'period':<6} {'figures (s)':>11} {'chart (s)':>10}")
        for view in VIEWS:
            for period in PERIODS:
                t = i18n.translator("id")
                naming = Naming(t, i18n, faq, guide, calendar, NOW)
                started = time.perf_counter()
                figures = await collect(repo, view, period, NOW, WITA, naming)
                sql = time.perf_counter() - started
                started = time.perf_counter()
                png = chart_png(figures, "belum ada data")
                drawn = time.perf_counter() - started
                print(f"{view:<10} {period:<6} {sql:>11.3f} {drawn:>10.3f}")
                if charts is not None and period == "30":
                    await asyncio.to_thread(keep, charts / f"{view}.png", png)
        await repo.close()


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--people", type=int, default=100_000)
    arguments.add_argument("--charts", type=Path)
    arguments.add_argument("--db", help="an empty PostgreSQL database instead of SQLite")
    options = arguments.parse_args()
    asyncio.run(main(options.people, options.charts, options.db))
