"""Report periods as hledger writes them (2026, q3, nov, next month, from aug to oct, 2026-01..), both ends included.

hledger's ranges stop before their end (`from aug to oct` is August and September there); pipe's
include the end, all of it (`from aug to oct` is August to October), whatever form the range takes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipecli.core.errors import InvalidValue
from pipecli.core.model.smartdates import Span, smart_span

PERIOD_HELP = ("2026, 2026-Q3 or q3, 2026-11 or nov, 2026-W47, 2026-11-27, this|last|next "
               "week|month|quarter|year, 2 months ago, ytd, qtd, mtd, or a range: 2026-01..2026-03, "
               "from aug to oct, 2026-01-01.. (to today), ..2026-03-01 (from the first deal). Unlike "
               "hledger's, a range includes its end: 2026-01..2026-03 is January to March (to February "
               "in hledger)")
_EXAMPLES = ("a period like 2026, 2026-Q3, q3, 2026-11, nov, 2026-W47, 2026-11-27, last month, ytd, "
             "2026-01..2026-03 or 'from aug to oct'")


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



def parse_period(text: str, today: dt.date, earliest: Callable[[], dt.date | None] | None = None) -> Period:
    """Read a period as typed; raises InvalidValue naming the text and what is accepted.

    An open range ends today (`2026-01-01..`) or starts on earliest(), the first deal's date
    (`..2026-03-01`), or where its end's span starts (a day, a month, ...) if that is earlier.
    """
    cleaned = " ".join(text.strip().lower().split())
    try:
        period = _parse(cleaned, text.strip(), today, earliest)
    except (ValueError, OverflowError):
        period = None
    if period is None:
        raise InvalidValue(f"bad period '{text}': {_hint(cleaned)}")
    return period


_INTERVAL = re.compile(r"^(?:every\b|(?:daily|weekly|monthly|quarterly|yearly|biweekly|fortnightly|bimonthly)\b)")


def _hint(cleaned: str) -> str:
    if _INTERVAL.match(cleaned):
        return f"a report shows one period, not hledger's report intervals (monthly, every ...): use {_EXAMPLES}"
    if re.fullmatch(r"\d{1,3}", cleaned):
        return "a year has four digits (2026), a day its month and year (2026-11-27)"
    return f"use {_EXAMPLES}"


_FROM = re.compile(r"^(?:from|since)\b\s*")
_RANGE_MARK = re.compile(r"\s*(?:\.\.|to|until|-)\s*")


def _parse(text: str, typed: str, today: dt.date, earliest: Callable[[], dt.date | None] | None) -> Period | None:
    if text in ("ytd", "qtd", "mtd"):
        return _to_date(text, today)
    if not text.startswith(("..", "-")):  # `-2 weeks` is a range open at its start, as in hledger
        span = smart_span(text, today) or (smart_span(text[3:], today) if text.startswith("in ") else None)
        if span is not None:
            return _whole(span.start, span.end)
    ends = _range(text, today)
    if ends is None:
        return None
    first, last = ends
    if first is None and last is None:
        return None
    if last is None:
        if first.start > today:
            raise InvalidValue(f"bad period '{typed}': a range without an end ends today ({today}), "
                               f"before its start {first.start}; give the end, like {first.start}..{first.end}")
        start, end = first.start, today
    elif first is None:
        # Before the first deal there is nothing to report; the span the end names is still covered.
        end = last.end
        start = min(earliest() or last.start, last.start) if earliest else last.start
    else:
        start, end = first.start, last.end
    if end < start:
        raise InvalidValue(f"bad period '{typed}': {end} is before {start}")
    return _whole(start, end)


def _range(text: str, today: dt.date) -> tuple[Span | None, Span | None] | None:
    """The spans at both ends of a range (None for an open end), or None when text is no range.

    A range is `[from|since] A (..|to|until|-) B`, either end left out (`from A`, `A..`, `..B`,
    `to B`). A separator may also sit inside a date (`2017-01-2018`), so every place is tried,
    the longest start first, as hledger's parser backtracks.
    """
    opened = _FROM.match(text)
    if opened:
        text = text[opened.end():]
        span = smart_span(text, today)
        if span is not None:
            return span, None
    places = sorted({(m.start(), m.end()) for i in range(len(text)) if (m := _RANGE_MARK.match(text, i))},
                    reverse=True)
    for left_end, right_start in places:
        left, right = text[:left_end].strip(), text[right_start:].strip()
        if opened and not left:
            continue
        first, last = _span_or_none(left, today), _span_or_none(right, today)
        if (first is not None or not left) and (last is not None or not right):
            return first, last
    return None


def _span_or_none(text: str, today: dt.date) -> Span | None:
    """One end of a range that may be no date at all (a separator tried inside a date)."""
    try:
        return smart_span(text, today) if text else None
    except (ValueError, OverflowError):
        return None


def _whole(start: dt.date, end: dt.date) -> Period:
    """The period start..end: a month, quarter, year or week when it is exactly one, else a range."""
    for whole in (month_period(start.year, start.month), quarter_period(start.year, (start.month - 1) // 3 + 1),
                  year_period(start.year)):
        if (whole.start, whole.end) == (start, end):
            return whole
    if start.weekday() == 0 and end == start + dt.timedelta(days=6):
        return week_period(*start.isocalendar()[:2])
    if start == end:
        return Period(start, end, "day", start.isoformat())
    return Period(start, end, "range", f"{start}..{end}")


def _to_date(text: str, today: dt.date) -> Period:
    start = {"ytd": dt.date(today.year, 1, 1), "qtd": quarter_period(today.year, (today.month - 1) // 3 + 1).start,
             "mtd": today.replace(day=1)}[text]
    return Period(start, today, text, f"{start}..{today}")


def earliest_date(deals) -> dt.date | None:
    """The first date any deal records (created, a stage move, closed): where an open range starts."""
    dates = [d for deal in deals for d in (deal.created, deal.closed, *(h.get("date") for h in deal.history))
             if isinstance(d, dt.date)]
    return min(dates, default=None)
