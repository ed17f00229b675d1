"""Statistics for staff: a view's figures from storage, drawn as one PNG (matplotlib, Agg)."""

import asyncio
import io
import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

import matplotlib

matplotlib.use("Agg")  # no display, and safe in a worker thread

from matplotlib import pyplot
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain.calendar import Calendar
from bot.domain.faq import FaqContent
from bot.domain.guide import Guide
from bot.domain.regions import PILOT_PROVINCE, regencies
from bot.domain.statistics import (
    Series,
    Table,
    ViewFigures,
    day_range,
    period_start,
)
from bot.i18n import N_, I18n, Translator
from storage import Repository
from storage.statistics import FINISHED

# Okabe-Ito: told apart with every common kind of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
BROADCASTS_SHOWN = 5
TOPICS_SHOWN = 10  # bars a phone shows legibly
VIEW_TITLES = {
    "people": N_("Warga"),
    "questions": N_("Pertanyaan"),
    "messages": N_("Pengingat dan siaran"),
    "guide": N_("Panduan"),
}
PERIOD_TITLES = {"7": N_("7 hari"), "30": N_("30 hari"), "all": N_("seluruh sensus")}
OUTCOMES = {"answer": N_("dijawab"), "clarify": N_("maksud Anda?"), "fallback": N_("tak terjawab")}


@dataclass(frozen=True)
class Naming:
    """What the figures' keys are called in the staff member's language."""

    t: Translator
    i18n: I18n
    faq: FaqContent
    guide: Guide
    calendar: Calendar  # in force: which guide steps there are, and their titles
    now: datetime  # the moment the titles are for (they may change with the census phase)

    def topic(self, topic_id: str) -> str:
        """A topic's title (its id if it no longer exists)."""
        topic = self.faq.topics.get(topic_id)
        return topic.title(self.t.code) if topic else topic_id

    def language(self, code: str | None) -> str:
        """A language's own name."""
        language = self.i18n.languages.get(code or "")
        return language.name if language else (code or "?")


async def collect(
    repo: Repository, view: str, period: str, now: datetime, zone: tzinfo, naming: Naming
) -> ViewFigures:
    """The figures of one view over one period."""
    t = naming.t
    since = period_start(period, now, zone)
    title = f"{t._(VIEW_TITLES[view])} · {t._(PERIOD_TITLES[period])}"
    if view == "people":
        tables = await _people(repo, since, now, zone, naming)
    elif view == "questions":
        tables = await _questions(repo, since, now, zone, naming)
    elif view == "messages":
        tables = await _messages(repo, since, now, zone, t)
    else:
        tables = await _guide(repo, since, naming)
    return ViewFigures(view, period, title, tables)


async def _people(
    repo: Repository, since: float | None, now: datetime, zone: tzinfo, naming: Naming
) -> tuple[Table, ...]:
    t = naming.t
    rows = await repo.people_by_day(since)
    days = day_range(since, now, zone, [r[0] for r in rows])
    by_day = {r[0]: r for r in rows}
    new = tuple(by_day[d][1] if d in by_day else 0 for d in days)
    active = tuple(by_day[d][2] if d in by_day else 0 for d in days)
    languages = await repo.people_by("lang", since)
    codes = sorted(languages, key=lambda c: (-languages[c], c or ""))
    regions = await repo.people_by("region", since)
    ntt = regencies(PILOT_PROVINCE)
    others = sum(n for code, n in regions.items() if code and code[:2] != PILOT_PROVINCE)
    return (
        _days_table(
            "people_by_day",
            t._("Warga per hari"),
            days,
            (
                Series("new", t._("baru"), new),
                Series("active", t._("aktif"), active, stacked=False),
            ),
        ),
        _bars(
            "people_by_language",
            t._("Warga per bahasa"),
            [(c or "", naming.language(c)) for c in codes],
            [Series("people", t._("warga"), tuple(languages[c] for c in codes))],
        ),
        _bars(
            "people_by_regency",
            t._("Warga per kabupaten/kota"),
            [
                *((code, short_regency(name)) for code, name in ntt),
                ("other", t._("provinsi lain")),
                ("unknown", t._("belum diisi")),
            ],
            [
                Series(
                    "people",
                    t._("warga"),
                    (*(regions.get(code, 0) for code, _ in ntt), others, regions.get(None, 0)),
                )
            ],
        ),
    )


async def _questions(
    repo: Repository, since: float | None, now: datetime, zone: tzinfo, naming: Naming
) -> tuple[Table, ...]:
    t = naming.t
    rows = await repo.questions_by_day(since)
    days = day_range(since, now, zone, [r[0] for r in rows])
    counts = {(day, outcome): n for day, outcome, n in rows}
    outcomes = [*OUTCOMES, *sorted({o for _, o, _ in rows} - set(OUTCOMES))]
    top = await repo.top_topics(since, TOPICS_SHOWN)
    votes = (await repo.votes_by_topic(since))[:TOPICS_SHOWN]
    return (
        _days_table(
            "questions_by_day",
            t._("Pertanyaan per hari"),
            days,
            tuple(
                Series(
                    o,
                    t._(OUTCOMES[o]) if o in OUTCOMES else o,
                    tuple(counts.get((d, o), 0) for d in days),
                )
                for o in outcomes
            ),
        ),
        _bars(
            "top_topics",
            t._("Topik paling sering dijawab"),
            [(topic, naming.topic(topic)) for topic, _ in top],
            [Series("answers", t._("jawaban"), tuple(n for _, n in top))],
        ),
        _bars(
            "votes_by_topic",
            t._("Penilaian per topik"),
            [(topic, naming.topic(topic)) for topic, _, _ in votes],
            [
                Series("up", t._("membantu"), tuple(up for _, up, _ in votes)),
                Series("down", t._("tidak membantu"), tuple(down for _, _, down in votes)),
            ],
        ),
    )


async def _messages(
    repo: Repository, since: float | None, now: datetime, zone: tzinfo, t: Translator
) -> tuple[Table, ...]:
    rows = await repo.messages_by_day(since)
    days = day_range(since, now, zone, [r[0] for r in rows])
    by_day = {r[0]: r[1:] for r in rows}

    def column(index: int) -> tuple[int, ...]:
        return tuple(by_day[d][index] if d in by_day else 0 for d in days)

    broadcasts = await repo.recent_broadcasts(BROADCASTS_SHOWN)
    statuses = {
        "sent": (t._("terkirim"), ("sent",)),
        "blocked": (t._("diblokir"), ("blocked",)),
        "failed": (t._("gagal"), ("failed", "dropped")),
        "waiting": (t._("menunggu"), ("pending", "sending", "paused")),
    }
    return (
        _days_table(
            "messages_by_day",
            t._("Pengingat dan siaran per hari"),
            days,
            (
                Series("sent", t._("terkirim"), column(1)),
                Series("blocked", t._("diblokir"), column(2)),
                Series("failed", t._("gagal"), column(3)),
                Series("queued", t._("diantrekan"), column(0), stacked=False),
            ),
        ),
        _bars(
            "last_broadcasts",
            t._("Siaran terakhir"),
            [(str(b.id), f"#{b.id}") for b in broadcasts],
            [
                Series(
                    key, label, tuple(sum(b.figures.get(s, 0) for s in kinds) for b in broadcasts)
                )
                for key, (label, kinds) in statuses.items()
            ],
        ),
    )


async def _guide(repo: Repository, since: float | None, naming: Naming) -> tuple[Table, ...]:
    t = naming.t
    reached = await repo.guide_funnel(since)
    calendar = naming.calendar
    steps = naming.guide.steps_for(calendar.access)
    labels = []
    for number, step in enumerate(steps, start=1):
        title = step.text("title", t.code, calendar, naming.now) or step.id
        labels.append((step.id, f"{number}. {title}"))
    labels.append((FINISHED, t._("selesai")))
    return (
        _bars(
            "guide_funnel",
            t._("Panduan: sampai di langkah"),
            labels,
            [Series("people", t._("warga"), tuple(reached.get(key, 0) for key, _ in labels))],
        ),
    )


def short_regency(name: str) -> str:
    """ "Kab. Sumba Timur": the long word costs a phone's width on every bar."""
    return name.replace("Kabupaten ", "Kab. ", 1)


def _days_table(key: str, title: str, days: list[str], series: tuple[Series, ...]) -> Table:
    return Table(key, title, "days", tuple(days), tuple(d[5:] for d in days), series)


def _bars(key: str, title: str, categories: list[tuple[str, str]], series: list[Series]) -> Table:
    return Table(
        key,
        title,
        "bars",
        tuple(c for c, _ in categories),
        tuple(label for _, label in categories),
        tuple(series),
    )


def caption(figures: ViewFigures, t: Translator) -> str:
    """A short caption: the view, the period, and each table's total."""
    lines = [f"📊 <b>{figures.title}</b>"]
    for table in figures.tables:
        totals = " · ".join(
            f"{s.label} {t.number(sum(s.values))}" for s in table.series if table.kind == "days"
        )
        if totals:
            lines.append(f"{table.title}: {totals}")
    return "\n".join(lines)


def chart_png(figures: ViewFigures, empty_label: str) -> bytes:
    """One PNG with a panel per table, sized and lettered for a phone screen."""
    heights = [_panel_height(table) for table in figures.tables]
    figure: Figure = pyplot.figure(figsize=(7.2, sum(heights) + 0.8), dpi=150, layout="constrained")
    try:
        figure.suptitle(figures.title, fontsize=20, fontweight="bold")
        grid = figure.add_gridspec(len(heights), 1, height_ratios=heights)
        for index, table in enumerate(figures.tables):
            axes = figure.add_subplot(grid[index])
            axes.set_title(table.title, fontsize=17, loc="left")
            axes.tick_params(labelsize=13)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            if not table.categories or not any(any(s.values) for s in table.series):
                axes.text(0.5, 0.5, empty_label, ha="center", va="center", fontsize=15)
                axes.set_axis_off()
            elif table.kind == "days":
                _draw_days(axes, table)
            else:
                _draw_bars(axes, table)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        pyplot.close(figure)


async def render(figures: ViewFigures, empty_label: str) -> bytes:
    """``chart_png`` in a worker thread, so the event loop keeps answering."""
    return await asyncio.to_thread(chart_png, figures, empty_label)


def _panel_height(table: Table) -> float:
    if table.kind == "days":
        return 4.2
    return max(2.0, 0.45 * len(table.categories) + 1.4)


def _draw_days(axes: Axes, table: Table) -> None:
    positions = range(len(table.categories))
    bottom = [0] * len(table.categories)
    colour = iter(PALETTE)
    for series in table.series:
        if series.stacked:
            colour_of = next(colour)
            axes.bar(positions, series.values, bottom=bottom, label=series.label, color=colour_of)
            bottom = [b + v for b, v in zip(bottom, series.values, strict=True)]
        else:
            axes.plot(positions, series.values, label=series.label, color="black", marker="o")
    step = max(1, math.ceil(len(table.categories) / 5))  # five dates fit a phone's width
    axes.set_xticks(list(positions)[::step], table.labels[::step])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(
        fontsize=13,
        frameon=False,
        ncols=min(2, len(table.series)),  # three labels in one row overflow a phone's width
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
    )


def _draw_bars(axes: Axes, table: Table) -> None:
    positions = range(len(table.categories))
    left = [0] * len(table.categories)
    for series, colour in zip(table.series, PALETTE, strict=False):
        axes.barh(positions, series.values, left=left, label=series.label, color=colour)
        left = [a + v for a, v in zip(left, series.values, strict=True)]
    for position, total in zip(positions, left, strict=True):
        if total:
            axes.text(total, position, f" {total}", va="center", fontsize=12)
    axes.set_yticks(list(positions), [_short(label) for label in table.labels])
    axes.invert_yaxis()  # the first category on top
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    if len(table.series) > 1:
        axes.legend(
            fontsize=13,
            frameon=False,
            ncols=len(table.series),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
        )


def _short(label: str, length: int = 28) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
