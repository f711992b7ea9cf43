"""hledger's smart dates, each read as the span it names: 2026/11, 20261127, q3, nov, next month, 2 weeks ago.

One date alone is a period (`nov` is all of November); at either end of a range it gives that end
(periods.py). The grammar follows hledger's Hledger.Data.Dates (smartdate, quarterspanp), with pipe's
`2026-Q3`, ISO weeks (`2026-W47`) and a month name with its year (`nov 2026`) beside it. A day of the month alone (`21`) is left out: a
number of one to three digits is far more often a mistyped year than a day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """The whole days a smart date names, both ends included, and their unit."""

    start: dt.date
    end: dt.date
    unit: str  # day, week, month, quarter, year


MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
WEEKDAYS = {name: number for number, names in enumerate((
    ("mon", "monday"), ("tue", "tuesday"), ("wed", "wednesday"), ("thu", "thursday"), ("fri", "friday"),
    ("sat", "saturday"), ("sun", "sunday"))) for name in names}
_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAME = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_UNIT = r"(?P<unit>day|week|month|quarter|year)s?"

_FORMS = [(kind, re.compile(pattern)) for kind, pattern in (
    ("quarter", r"(?:(?P<y>\d{4})-?)?q(?P<q>[1-4])"),  # 2026q3, 2026-q3 (pipe's), q3 (this year's)
    ("week", r"(?P<y>\d{4})-?w(?P<w>\d{1,2})"),  # ISO week (pipe's)
    ("ymd", r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?"),  # 20261127, 202611
    ("ymd", r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?)?"),
    ("md", r"(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),  # 11/27: this year's
    ("named", r"(?P<word>today|yesterday|tomorrow)"),
    ("month", rf"(?P<name>{_MONTH_NAME})(?:\s*(?P<y>\d{{4}}))?"),  # this year's, or nov 2026 (pipe's)
    ("relative", rf"(?:in\s*)?(?P<way>last|this|next)\s*{_UNIT}"),
    ("named month", rf"(?P<way>last|this|next)\s*(?P<name>{_MONTH_NAME})"),
    ("weekday", rf"(?P<way>last|this|next)\s*(?P<name>{_WEEKDAY_NAME})"),
    ("relative", rf"(?:in\s*)?(?P<n>[-+]?\s*\d+)\s*{_UNIT}(?:\s*(?P<sign>ago|ahead))?"),
)]


def smart_span(text: str, today: dt.date) -> Span | None:
    """The span text names (lower case, spaces collapsed), or None when it is no smart date.

    Raises ValueError or OverflowError for a date the calendar does not have (2026-02-30, 9999 + 1).
    """
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            return _READERS[kind](match.groupdict(), today)
    return None


def _quarter(parts: dict, today: dt.date) -> Span:
    year = int(parts["y"]) if parts["y"] else today.year
    return quarter_span(year, int(parts["q"]))


def _week(parts: dict, today: dt.date) -> Span:
    start = dt.date.fromisocalendar(int(parts["y"]), int(parts["w"]), 1)
    return Span(start, start + dt.timedelta(days=6), "week")


def _ymd(parts: dict, today: dt.date) -> Span:
    year = int(parts["y"])
    if parts.get("m") is None:
        return year_span(year)
    if parts.get("d") is None:
        return month_span(year, int(parts["m"]))
    return day_span(dt.date(year, int(parts["m"]), int(parts["d"])))


def _month_day(parts: dict, today: dt.date) -> Span:
    return day_span(dt.date(today.year, int(parts["m"]), int(parts["d"])))


def _named(parts: dict, today: dt.date) -> Span:
    return day_span(today + dt.timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[parts["word"]]))


def _month(parts: dict, today: dt.date) -> Span:
    return month_span(int(parts["y"]) if parts["y"] else today.year, MONTHS[parts["name"]])


_WAYS = {"last": -1, "this": 0, "next": 1}


def _relative(parts: dict, today: dt.date) -> Span:
    """n days, weeks, months, quarters or years from the current one (hledger's SmartRelative)."""
    if parts.get("way"):
        count = _WAYS[parts["way"]]
    else:
        count = int(parts["n"].replace(" ", "")) * (-1 if parts.get("sign") == "ago" else 1)
    unit = parts["unit"]
    if unit == "day":
        return day_span(today + dt.timedelta(days=count))
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=count)
        return Span(monday, monday + dt.timedelta(days=6), "week")
    if unit == "year":
        return year_span(today.year + count)
    months = 3 if unit == "quarter" else 1
    first = (today.month - 1) // months * months  # this month's or quarter's first month, from 0
    index = today.year * 12 + first + count * months
    year, month = divmod(index, 12)
    return quarter_span(year, month // 3 + 1) if unit == "quarter" else month_span(year, month + 1)


def _named_month(parts: dict, today: dt.date) -> Span:
    """last nov: the latest November before this month; this or next nov: the first after it (as hledger)."""
    month = MONTHS[parts["name"]]
    if parts["way"] == "last":
        return month_span(today.year if month < today.month else today.year - 1, month)
    return month_span(today.year if month > today.month else today.year + 1, month)


def _weekday(parts: dict, today: dt.date) -> Span:
    """last fri: the latest Friday before today; this or next fri: the first after it (as hledger)."""
    day = WEEKDAYS[parts["name"]]
    if parts["way"] == "last":
        return day_span(today - dt.timedelta(days=(today.weekday() - day - 1) % 7 + 1))
    return day_span(today + dt.timedelta(days=(day - today.weekday() - 1) % 7 + 1))


_READERS = {"quarter": _quarter, "week": _week, "ymd": _ymd, "md": _month_day, "named": _named, "month": _month,
            "relative": _relative, "named month": _named_month, "weekday": _weekday}


def day_span(day: dt.date) -> Span:
    return Span(day, day, "day")


def month_span(year: int, month: int) -> Span:
    return Span(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), "month")


def quarter_span(year: int, quarter: int) -> Span:
    last = 3 * quarter
    return Span(dt.date(year, last - 2, 1), dt.date(year, last, calendar.monthrange(year, last)[1]), "quarter")


def year_span(year: int) -> Span:
    return Span(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
