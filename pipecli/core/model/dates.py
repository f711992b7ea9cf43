"""Today (which PIPE_TODAY can freeze), dates typed by people, and durations like 10d or 3m."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from dataclasses import dataclass

from pipecli.core.errors import InvalidValue

_DURATION = re.compile(r"^(\d+)\s*([dwmy])\Z")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


def today() -> dt.date:
    """The current date, or PIPE_TODAY (YYYY-MM-DD) when set, for reproducible output."""
    frozen = os.environ.get("PIPE_TODAY")
    if frozen:
        try:
            if not _ISO_DATE.match(frozen):
                raise ValueError(frozen)
            return dt.date.fromisoformat(frozen)
        except ValueError:
            raise InvalidValue(f"PIPE_TODAY must be a date YYYY-MM-DD, got {frozen!r}") from None
    return dt.date.today()


def now_on(day: dt.date) -> dt.datetime:
    """Now, in local time, on pipe's today (PIPE_TODAY freezes the date, not the clock)."""
    now = dt.datetime.now().astimezone()
    return now.replace(year=day.year, month=day.month, day=day.day)


@dataclass(frozen=True)
class Duration:
    """A span of calendar time: some days, weeks, months or years."""

    count: int
    unit: str  # one of d, w, m, y

    def before(self, date: dt.date) -> dt.date:
        """The date this long before date (months and years keep the day, clamped to month end)."""
        return self._shift(date, -1)

    def after(self, date: dt.date) -> dt.date:
        """The date this long after date."""
        return self._shift(date, 1)

    def _shift(self, date: dt.date, sign: int) -> dt.date:
        try:
            return self._shift_unchecked(date, sign)
        except (OverflowError, ValueError):
            raise InvalidValue(f"duration {self} reaches past the calendar (years 1 to 9999)") from None

    def _shift_unchecked(self, date: dt.date, sign: int) -> dt.date:
        if self.unit == "d":
            return date + sign * dt.timedelta(days=self.count)
        if self.unit == "w":
            return date + sign * dt.timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "y" else 1)
        index = date.year * 12 + date.month - 1 + sign * months
        year, month = divmod(index, 12)
        last_day = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, min(date.day, last_day))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_duration(text: str) -> Duration:
    """Parse 10d, 6w, 3m or 1y; raises InvalidValue otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise InvalidValue(f"bad duration '{text}': use a number and d, w, m or y, like 10d, 6w, 3m, 1y")
    return Duration(int(match.group(1)), match.group(2))


def parse_interval(text: str) -> Duration:
    """How often a recurring task comes back (`--every 2w`): a duration, not zero (it would never move on)."""
    duration = parse_duration(text)
    if duration.count == 0:
        raise InvalidValue(f"bad interval '{text}': it must be at least 1d, like 1w, 2w, 1m")
    return duration


def is_interval(value: object) -> bool:
    """Whether value is text parse_interval takes."""
    try:
        return isinstance(value, str) and parse_interval(value) is not None
    except InvalidValue:
        return False


def parse_date(text: str, *, relative_to: dt.date | None = None, future: bool = True) -> dt.date:
    """Parse YYYY-MM-DD, today, tomorrow, yesterday, or a duration counted from today.

    A duration counts forward when future is true (a due date: `3d` is in three days) and
    backward otherwise (a filter like --created-since 30d).
    """
    base = relative_to or today()
    cleaned = text.strip().lower()
    words = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if cleaned in words:
        return Duration(abs(words[cleaned]), "d")._shift(base, 1 if words[cleaned] >= 0 else -1)
    if _DURATION.match(cleaned):
        duration = parse_duration(cleaned)
        return duration.after(base) if future else duration.before(base)
    try:
        if not _ISO_DATE.match(cleaned):
            raise ValueError(cleaned)
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidValue(
            f"bad date '{text}': use YYYY-MM-DD, today, tomorrow, or a duration like 10d"
        ) from None


_DATE_TIME = re.compile(r"^(?P<date>.+?)(?:[T ](?P<time>\d{1,2}:\d{2}))?\Z")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})\Z")


def parse_datetime(text: str, *, relative_to: dt.date | None = None) -> tuple[dt.date, str | None]:
    """A date with an optional time, for when something happened: `2026-11-20 14:30`,
    `2026-11-20T14:30`, `14:30` (today), `yesterday`, or a duration ago like `2d`.

    Returns the date and the time as HH:MM (or None).
    """
    cleaned = text.strip()
    base = relative_to or today()
    only_time = _TIME.match(cleaned)
    if only_time:
        return base, _clock(cleaned, text)
    match = _DATE_TIME.match(cleaned)
    if match is None:
        raise InvalidValue(f"bad date '{text}': use YYYY-MM-DD, YYYY-MM-DD HH:MM, HH:MM, yesterday or a duration ago like 2d")
    date = parse_date(match.group("date"), relative_to=base, future=False)
    return date, _clock(match.group("time"), text) if match.group("time") else None


def _clock(value: str, text: str) -> str:
    hours, minutes = (int(part) for part in _TIME.match(value).groups())
    if hours > 23 or minutes > 59:
        raise InvalidValue(f"bad time in '{text}': use HH:MM from 00:00 to 23:59")
    return f"{hours:02d}:{minutes:02d}"
