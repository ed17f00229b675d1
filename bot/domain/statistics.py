"""Statistics views, pure parts: periods, the figures of a view as tables, and their CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

VIEWS = ("people", "questions", "messages", "guide")
PERIODS = {"7": 7, "30": 30, "all": None}  # days, or the whole census (everything kept)
Kind = Literal["days", "bars"]  # a time series, or one bar per category (horizontal)


@dataclass(frozen=True)
class Series:
    """One row of figures: a stable key (CSV), a label (chart), a value per category."""

    key: str
    label: str
    values: tuple[int, ...]
    stacked: bool = True  # drawn stacked with the other stacked series; else as a line


@dataclass(frozen=True)
class Table:
    """One panel of a chart and one section of the CSV."""

    key: str
    title: str
    kind: Kind
    categories: tuple[str, ...]  # days (ISO) or category keys
    labels: tuple[str, ...]  # what the chart shows for each category
    series: tuple[Series, ...]


@dataclass(frozen=True)
class ViewFigures:
    """Everything one view shows."""

    view: str
    period: str
    title: str
    tables: tuple[Table, ...]


def period_start(period: str, now: datetime, zone: tzinfo) -> float | None:
    """Epoch seconds of the first day in the period (days in ``zone``); None: everything."""
    days = PERIODS[period]
    if days is None:
        return None
    first = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tzinfo=zone).timestamp()


def day_range(start: float | None, now: datetime, zone: tzinfo, seen: list[str]) -> list[str]:
    """Every day from the period's start (or the first day with figures) to today."""
    today = now.astimezone(zone).date()
    if start is not None:
        first = datetime.fromtimestamp(start, UTC).astimezone(zone).date()
    elif seen:
        first = min(date.fromisoformat(day) for day in seen)
    else:
        first = today
    first = min(first, today)
    return [(first + timedelta(days=n)).isoformat() for n in range((today - first).days + 1)]


def csv_text(figures: ViewFigures) -> str:
    """The view's figures, one line per table, category and series (machine-readable keys)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["view", "period", "table", "category", "label", "series", "value"])
    for table in figures.tables:
        for series in table.series:
            for category, label, value in zip(
                table.categories, table.labels, series.values, strict=True
            ):
                row = [figures.view, figures.period, table.key, category, label, series.key]
                writer.writerow([*row, value])
    return out.getvalue()
