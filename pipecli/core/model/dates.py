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


MAX_INTERVAL_YEARS = 10
_UNIT_DAYS = {"d": 1, "w": 7, "m": 31, "y": 366}


def parse_interval(text: str) -> Duration:
    """How often a recurring task comes back (`--every 2w`): a duration, not zero (it would never move on)."""
    duration = parse_duration(text)
    if duration.count == 0:
        raise InvalidValue(f"bad interval '{text}': it must be at least 1d, like 1w, 2w, 1m")
    if duration.count * _UNIT_DAYS[duration.unit] > _UNIT_DAYS["y"] * MAX_INTERVAL_YEARS:
        # a task that comes back after centuries could never be done: its next due date is past year 9999
        raise InvalidValue(f"bad interval '{text}': at most {MAX_INTERVAL_YEARS}y")
    return duration


def is_interval(value: object) -> bool:
    """Whether value is text parse_interval takes."""
    try:
        return isinstance(value, str) and parse_interval(value) is not None
    except InvalidValue:
        return False


# Which way a relative date counts: every input says one, so `3d` and `fri` never mean one thing for one
# option and the other for the next without the docs (format.md 3.3) saying so.
AHEAD = "ahead"    # a due date, an expected close, snoozing until: 3d is in three days, fri the next Friday
BEHIND = "behind"  # when something happened, since when: 3d is three days ago, fri the last Friday
EITHER = "either"  # both make sense (a meeting may be past or planned): 3d and fri are refused as ambiguous

_WEEKDAYS = {name: number for number, names in enumerate((
    ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
    ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")))
    for name in names}
_SIGNED = re.compile(r"^(?:in (?P<ahead>.+)|\+(?P<plus>.+)|(?P<ago>.+) ago|-(?P<minus>.+))\Z")
_DATE_HELP = "use YYYY-MM-DD, today, tomorrow, a weekday (fri), next week, end of month, or a duration like 10d"


class AmbiguousDate(InvalidValue):
    """A relative date that could mean two days; ahead and behind are the two ways to say which."""

    def __init__(self, text: str, why: str, ahead: str, behind: str):
        self.text, self.ahead, self.behind = text, ahead, behind
        super().__init__(f"'{text}' {why}: say '{ahead}' or '{behind}'")


def parse_date(text: str, *, relative_to: dt.date | None = None, direction: str) -> dt.date:
    """Parse a date typed by a person, counting a relative one the way direction (AHEAD, BEHIND, EITHER) says.

    Fixed: YYYY-MM-DD, today, tomorrow, yesterday, next week (next Monday), last week (last Monday),
    end of week (this Sunday, as report weeks end), end of month. Relative: a duration (3d, 2w) or a
    weekday (fri, friday), counted ahead or behind by direction; `in 3d`, `+3d`, `next fri` count
    ahead and `3d ago`, `-3d`, `last fri` behind whatever the direction. A bare weekday that is
    today's is refused as ambiguous (today, or a week on?), as is any relative date with EITHER.
    """
    if direction not in (AHEAD, BEHIND, EITHER):
        raise ValueError(f"direction must be AHEAD, BEHIND or EITHER, not {direction!r}")
    base = relative_to or today()
    cleaned = " ".join(text.strip().lower().replace(" the ", " ").split())
    fixed = _fixed_date(cleaned, base)
    if fixed is not None:
        return fixed
    signed = _SIGNED.match(cleaned)
    if signed:
        ahead = signed.group("ahead") or signed.group("plus")
        relative, way = (ahead, AHEAD) if ahead else (signed.group("ago") or signed.group("minus"), BEHIND)
        if _DURATION.match(relative):
            return _counted(parse_duration(relative), base, way)
    words = cleaned.split(" ")
    if len(words) == 2 and words[0] in ("next", "last") and words[1] in _WEEKDAYS:
        return _weekday(_WEEKDAYS[words[1]], base, AHEAD if words[0] == "next" else BEHIND)
    if _DURATION.match(cleaned) or cleaned in _WEEKDAYS:
        weekday = _WEEKDAYS.get(cleaned)
        if direction == EITHER:
            ahead, behind = (f"next {cleaned}", f"last {cleaned}") if weekday is not None else \
                (f"in {cleaned}", f"{cleaned} ago")
            raise AmbiguousDate(text.strip(), "could be ahead or behind", ahead, behind)
        if weekday is None:
            return _counted(parse_duration(cleaned), base, direction)
        if weekday == base.weekday():  # today, or a week on (back)? Asked, not guessed.
            ahead, behind = (f"next {cleaned}", "today") if direction == AHEAD else ("today", f"last {cleaned}")
            raise AmbiguousDate(text.strip(), "is today's weekday", ahead, behind)
        return _weekday(weekday, base, direction)
    raise InvalidValue(f"bad date '{text}': {_DATE_HELP}")


def _fixed_date(cleaned: str, base: dt.date) -> dt.date | None:
    """The dates that mean the same whichever way an input counts; None when cleaned is none of them."""
    days = {"today": 0, "tomorrow": 1, "yesterday": -1,
            "next week": 7 - base.weekday(), "last week": -7 - base.weekday(),
            "end of week": 6 - base.weekday(),
            "end of month": calendar.monthrange(base.year, base.month)[1] - base.day}
    if cleaned in days:
        shift = days[cleaned]
        return Duration(abs(shift), "d")._shift(base, 1 if shift >= 0 else -1)
    if not _ISO_DATE.match(cleaned):
        return None
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        return None  # 2026-02-30: refused as a bad date, like any other text


def _counted(duration: Duration, base: dt.date, direction: str) -> dt.date:
    return duration.after(base) if direction == AHEAD else duration.before(base)


def _weekday(day: int, base: dt.date, direction: str) -> dt.date:
    """The next (AHEAD) or the last (BEHIND) such weekday, never base itself."""
    if direction == AHEAD:
        return Duration((day - base.weekday() - 1) % 7 + 1, "d").after(base)
    return Duration((base.weekday() - day - 1) % 7 + 1, "d").before(base)


_DATE_TIME = re.compile(r"^(?P<date>.+?)(?:[T ](?P<time>\d{1,2}:\d{2}))?\Z")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})\Z")


def parse_datetime(text: str, *, relative_to: dt.date | None = None,
                   direction: str = BEHIND) -> tuple[dt.date, str | None]:
    """A date with an optional time, for when something happened: `2026-11-20 14:30`,
    `2026-11-20T14:30`, `14:30` (today), `yesterday 17:00`, `fri 10:00`, or a duration ago like `2d`.
    The date is any parse_date takes, counted by direction (BEHIND: 2d is two days ago).

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
    date = parse_date(match.group("date"), relative_to=base, direction=direction)
    return date, _clock(match.group("time"), text) if match.group("time") else None


def _clock(value: str, text: str) -> str:
    hours, minutes = (int(part) for part in _TIME.match(value).groups())
    if hours > 23 or minutes > 59:
        raise InvalidValue(f"bad time in '{text}': use HH:MM from 00:00 to 23:59")
    return f"{hours:02d}:{minutes:02d}"
