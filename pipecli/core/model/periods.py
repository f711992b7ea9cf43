"""Report periods in the style of hledger: 2026, 2026-Q3, 2026-11, 2026-W47, this month, ytd, A..B."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from pipecli.core.errors import InvalidValue

PERIOD_HELP = ("2026, 2026-Q3, 2026-11, 2026-W47, 2026-11-27, this|last week|month|quarter|year, "
               "ytd, qtd, mtd, or FROM..TO (dates, both included)")


@dataclass(frozen=True)
class Period:
    """A span of whole days, both ends included, and what kind of span it is."""

    start: dt.date
    end: dt.date
    kind: str  # day, week, month, quarter, year, ytd, qtd, mtd, range
    label: str

    def __contains__(self, date: object) -> bool:
        return isinstance(date, dt.date) and self.start <= date <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs the period touches, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def previous(self) -> "Period":
        """The period of the same kind just before this one (a range: as many days before it)."""
        try:
            return self._previous()
        except (OverflowError, ValueError):
            raise InvalidValue(f"there is no period before {self.label} in the calendar") from None

    def _previous(self) -> "Period":
        if self.kind == "year":
            return year_period(self.start.year - 1)
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return quarter_period(self.start.year - (quarter == 1), 4 if quarter == 1 else quarter - 1)
        if self.kind == "month":
            year, month = (self.start.year - 1, 12) if self.start.month == 1 else (self.start.year, self.start.month - 1)
            return month_period(year, month)
        if self.kind == "week":
            start = self.start - dt.timedelta(days=7)
            iso = start.isocalendar()
            return week_period(iso.year, iso.week)
        if self.kind in ("ytd", "qtd", "mtd"):
            # The same stretch of the previous year, quarter or month.
            months = {"ytd": 12, "qtd": 3, "mtd": 1}[self.kind]
            start, end = _shift_months(self.start, -months), _shift_months(self.end, -months)
            return Period(start, end, self.kind, f"{start}..{end}")
        start = self.start - dt.timedelta(days=self.days)
        end = self.start - dt.timedelta(days=1)
        if self.kind == "day":
            return Period(start, end, "day", start.isoformat())
        return Period(start, end, "range", f"{start}..{end}")


def _same_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _shift_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 + months
    return _same_day(index // 12, index % 12 + 1, date.day)


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", f"{year:04d}")


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    last = first + 2
    return Period(dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]), "quarter",
                  f"{year:04d}-Q{quarter}")


def month_period(year: int, month: int) -> Period:
    return Period(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), "month",
                  f"{year:04d}-{month:02d}")


def week_period(year: int, week: int) -> Period:
    start = dt.date.fromisocalendar(year, week, 1)
    return Period(start, start + dt.timedelta(days=6), "week", f"{year:04d}-W{week:02d}")


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_period(text: str, today: dt.date) -> Period:
    """Read a period as typed; raises InvalidValue naming the forms it takes."""
    cleaned = " ".join(text.strip().lower().split())
    try:
        period = _parse(cleaned, today)
    except (ValueError, OverflowError):
        period = None
    if period is None:
        raise InvalidValue(f"bad period '{text}': use {PERIOD_HELP}")
    return period


def _parse(text: str, today: dt.date) -> Period | None:
    if ".." in text:
        left, _, right = text.partition("..")
        start, end = _day(left.strip(), today), _day(right.strip(), today)
        if start is None or end is None:
            return None
        if end < start:
            raise InvalidValue(f"bad period '{text}': {end} is before {start}")
        # A range that is a whole month, quarter or year is one, so its previous period is too.
        for whole in (month_period(start.year, start.month), quarter_period(start.year, (start.month - 1) // 3 + 1),
                      year_period(start.year)):
            if (whole.start, whole.end) == (start, end):
                return whole
        return Period(start, end, "range", f"{start}..{end}")
    if match := _YEAR.match(text):
        return year_period(int(match.group(1)))
    if match := _QUARTER.match(text):
        return quarter_period(int(match.group(1)), int(match.group(2)))
    if match := _MONTH.match(text):
        return month_period(int(match.group(1)), int(match.group(2)))
    if match := _WEEK.match(text):
        return week_period(int(match.group(1)), int(match.group(2)))
    day = _day(text, today)
    if day is not None:
        return Period(day, day, "day", day.isoformat())
    return _relative(text, today)


def _day(text: str, today: dt.date) -> dt.date | None:
    """YYYY-MM-DD, today or yesterday."""
    if text in ("today", "yesterday"):
        return today - dt.timedelta(days=text == "yesterday")
    match = _DAY.match(text)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def _relative(text: str, today: dt.date) -> Period | None:
    quarter = (today.month - 1) // 3 + 1
    if text == "ytd":
        return Period(dt.date(today.year, 1, 1), today, "ytd", f"{today.year}-01-01..{today}")
    if text == "qtd":
        start = quarter_period(today.year, quarter).start
        return Period(start, today, "qtd", f"{start}..{today}")
    if text == "mtd":
        start = today.replace(day=1)
        return Period(start, today, "mtd", f"{start}..{today}")
    current = {
        "week": lambda: week_period(*today.isocalendar()[:2]),
        "month": lambda: month_period(today.year, today.month),
        "quarter": lambda: quarter_period(today.year, quarter),
        "year": lambda: year_period(today.year),
    }
    words = text.split()
    if len(words) == 2 and words[0] in ("this", "last") and words[1] in current:
        period = current[words[1]]()
        return period if words[0] == "this" else period.previous()
    return None
