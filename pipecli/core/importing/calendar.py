"""Reading meetings from an iCalendar (.ics, RFC 5545) file into Captured items: a small reader of VEVENTs."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipecli.core.errors import PipeError
from pipecli.core.importing.capture import (Captured, Reading, Skipped, clean_key, local_date_time, same_key,
                                            summary_line)

_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_NAME = re.compile(r"([A-Za-z0-9-]+)=")
_PARAM_VALUE = re.compile(r'[^";:,]*')
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})\Z")
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Property:
    """One content line: NAME;PARAM=VALUE,VALUE:value (names upper-cased, the value as written)."""

    name: str
    params: dict[str, list[str]]
    value: str

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


# The properties an event is read for; any other is checked to be well formed, then dropped, so
# that a file of ignored lines costs no memory beyond the line being read.
_KEPT = {"UID", "STATUS", "DTSTART", "SUMMARY", "ORGANIZER", "RECURRENCE-ID"}


@dataclass
class _Event:
    line: int
    found: dict[str, Property] = field(default_factory=dict)  # the first of each _KEPT property
    attendees: dict[str, None] = field(default_factory=dict)  # addresses, in order, once each
    broken: str | None = None  # why it cannot be read, once a line of it could not be

    def first(self, name: str) -> Property | None:
        return self.found.get(name)

    def keep(self, prop: Property) -> None:
        if prop.name == "ATTENDEE":
            address = address_of(prop)
            if address and len(self.attendees) <= MAX_ATTENDEES:
                self.attendees[address] = None
        elif prop.name in _KEPT:
            self.found.setdefault(prop.name, prop)


# The whole file is never held: it is read a line at a time, so memory follows the longest line
# and the events found (about 10 times the file in the worst case), not the number of lines.
MAX_CALENDAR_BYTES = 50_000_000  # years of a busy calendar are a few MB
MAX_NESTING = 32  # VCALENDAR > VEVENT > VALARM is 3 deep; 100,000 BEGINs made matching each END slow
MAX_KEY = 998  # a UID longer than a mail line may be (as a Message-ID) is not one id: it would fill the deal
MAX_ATTENDEES = 2_000  # as a mail's To and Cc (32 KB of addresses each)


def read_calendar(path: Path, zone: dt.tzinfo | None, shown: str | None = None) -> Reading:
    """The events of an .ics file; raises PipeError when it is missing or not an iCalendar file."""
    shown = shown or str(path)
    if path.is_dir():
        raise PipeError(f"{shown}: a folder, not an .ics file")
    if not path.exists():
        raise PipeError(f"{shown}: no such file")
    if not path.is_file():  # a FIFO or a device would block, or never end
        raise PipeError(f"{shown}: not a regular file, so not an .ics file")
    if path.stat().st_size > MAX_CALENDAR_BYTES:
        raise PipeError(f"{shown}: over {MAX_CALENDAR_BYTES // 1_000_000} MB: not a calendar pipe reads "
                        "(export a shorter period)")
    try:
        # newline=None: CRLF, CR and LF all end a line, as RFC 5545 readers accept
        with open(path, encoding="utf-8-sig", errors="replace", newline=None) as handle:
            return parse_lines(handle, shown, zone)
    except OSError as error:
        raise PipeError(f"{shown}: cannot read the .ics file: {error.strerror or error}") from None


def parse_calendar(text: str, shown: str, zone: dt.tzinfo | None) -> Reading:
    """Every VEVENT of an iCalendar text: a Captured meeting, or a Skipped one saying why."""
    return parse_lines(io.StringIO(text, newline=None), shown, zone)


def parse_lines(physical: Iterable[str], shown: str, zone: dt.tzinfo | None) -> Reading:
    """Every VEVENT of the physical lines of an iCalendar file, read as they come."""
    reading = Reading()
    stack: list[str] = []
    event: _Event | None = None
    cancel_all = False  # METHOD:CANCEL: the file withdraws its events
    started = False
    for number, line in unfold(physical):
        if not line.strip():
            continue
        if not started:
            if line.strip().upper() != "BEGIN:VCALENDAR":
                raise PipeError(f"{shown}: not an iCalendar file (an .ics starts with BEGIN:VCALENDAR)")
            started = True
        try:
            prop = content_line(line)
        except ValueError:
            if event is not None and stack and stack[-1] == "VEVENT":
                event.broken = event.broken or f"line {number} is not NAME:VALUE"
            continue
        if prop.name == "BEGIN":
            if len(stack) >= MAX_NESTING:
                raise PipeError(f"{shown}:{number}: components nested over {MAX_NESTING} deep: "
                                "not a calendar pipe reads")
            stack.append(prop.value.strip().upper())
            if stack[-1] == "VEVENT" and event is None:
                event = _Event(number)
            continue
        if prop.name == "END":
            ending = prop.value.strip().upper()
            if ending in stack:
                while stack and stack.pop() != ending:
                    pass
            if ending == "VEVENT" and event is not None:
                _add(reading, event, f"{shown} line {event.line}", zone, cancel_all)
                event = None
            continue
        if stack == ["VCALENDAR"] and prop.name == "METHOD" and prop.value.strip().upper() == "CANCEL":
            cancel_all = True
        elif event is not None and stack and stack[-1] == "VEVENT":
            event.keep(prop)  # the event's own, not those of its alarms
    if not started:
        raise PipeError(f"{shown}: not an iCalendar file (an .ics starts with BEGIN:VCALENDAR)")
    if event is not None:
        reading.skipped.append(Skipped(f"{shown} line {event.line}", "unfinished event", "no END:VEVENT"))
    return reading


def unfold(physical: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the number of their first physical line: a line starting with a space or
    tab continues the one before, without that one character (RFC 5545 3.1). Physical lines end
    in LF (CRLF and CR read as LF)."""
    # A line's pieces are joined once: adding each one to the line so far copied it anew (slow).
    number, pieces, chunks = 0, None, []
    for at, line in enumerate(physical, start=1):
        if line.endswith("\n"):
            line = line[:-1]
        if line[:1] in (" ", "\t") and pieces is not None:
            pieces.append(line[1:])
            if len(pieces) >= 4096:  # a million folds: one string per 4,096, not one object per piece
                chunks.append("".join(pieces))
                pieces.clear()
            continue
        if pieces is not None:
            yield number, "".join(chunks) + "".join(pieces)
        number, pieces, chunks = at, [line], []
    if pieces is not None:
        yield number, "".join(chunks) + "".join(pieces)


def content_line(line: str) -> Property:
    """Parse NAME *(;PARAM=VALUE[,VALUE]) : value; quoted parameter values may hold ; : and ,."""
    match = _NAME.match(line)
    if match is None:
        raise ValueError(line)
    name, at, params = match.group().upper(), match.end(), {}
    while at < len(line) and line[at] == ";":
        match = _PARAM_NAME.match(line, at + 1)
        if match is None:
            raise ValueError(line)
        values, at = [], match.end()
        while True:
            if line.startswith('"', at):
                end = line.find('"', at + 1)
                if end < 0:
                    raise ValueError(line)
                values.append(line[at + 1:end])
                at = end + 1
            else:
                value = _PARAM_VALUE.match(line, at)
                values.append(value.group())
                at = value.end()
            if not line.startswith(",", at):
                break
            at += 1
        params[match.group(1).upper()] = values
    if not line.startswith(":", at):
        raise ValueError(line)
    return Property(name, params, line[at + 1:])


def unescape(value: str) -> str:
    r"""A TEXT value as meant: \, \; \\ and \n (or \N) become , ; \ and a line break."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _add(reading: Reading, event: _Event, source: str, zone: dt.tzinfo | None, cancel_all: bool) -> None:
    found = to_captured(event, source, zone, cancel_all)
    (reading.items if isinstance(found, Captured) else reading.skipped).append(found)


def to_captured(event: _Event, source: str, zone: dt.tzinfo | None, cancelled: bool = False) -> Captured | Skipped:
    """An event as a Captured meeting at its (first) start, or why it is skipped."""
    uid_prop = event.first("UID")
    uid = clean_key(uid_prop.value) if uid_prop else ""
    if event.broken:
        return Skipped(source, "ill-formed event", event.broken)
    if not same_key(uid):
        return Skipped(source, "no UID")
    if len(uid) > MAX_KEY:
        return Skipped(source, "UID too long", f"{len(uid)} characters: {uid[:40]!r}...")
    if len(event.attendees) > MAX_ATTENDEES:
        return Skipped(source, "too many attendees", f"{uid}: over {MAX_ATTENDEES:,}")
    status = event.first("STATUS")
    if cancelled or (status is not None and status.value.strip().upper() == "CANCELLED"):
        return Skipped(source, "cancelled", uid)
    start = event.first("DTSTART")
    if start is None:
        return Skipped(source, "no DTSTART", uid)
    try:
        date, time = start_of(start, zone)
    except (ValueError, OverflowError):
        return Skipped(source, "bad DTSTART", f"{uid}: {start.value[:40]!r}")
    title = event.first("SUMMARY")
    organizer = event.first("ORGANIZER")
    attendees = list(event.attendees)
    return Captured("meeting", uid, date, time, summary_line(unescape(title.value) if title else "", "meeting"),
                    address_of(organizer) if organizer else None, tuple(dict.fromkeys(attendees)), source,
                    moved_occurrence=event.first("RECURRENCE-ID") is not None)


def start_of(prop: Property, zone: dt.tzinfo | None) -> tuple[dt.date, str | None]:
    """DTSTART as a local date and HH:MM: a DATE has no time; UTC (Z) and TZID times are converted to
    zone (None: the system's); a floating time, or one in a TZID zoneinfo does not know, is kept as written."""
    value = prop.value.strip()
    day = _DATE.match(value)
    if day is not None or (prop.param("VALUE") or "").upper() == "DATE":
        if day is None:
            raise ValueError(value)
        return dt.date(*(int(g) for g in day.groups())), None
    match = _DATE_TIME.match(value)
    if match is None:
        raise ValueError(value)
    *numbers, utc = match.groups()
    moment = dt.datetime(*(int(g) for g in numbers))
    if utc:
        return local_date_time(moment.replace(tzinfo=dt.timezone.utc), zone)
    tzid = prop.param("TZID")
    where = zone_named(tzid) if tzid else None
    if where is None:
        return moment.date(), f"{moment.hour:02d}:{moment.minute:02d}"
    return local_date_time(moment.replace(tzinfo=where), zone)


def zone_named(tzid: str) -> dt.tzinfo | None:
    """The zone a TZID names ('Europe/Paris', or '/mozilla.org/20050126_1/Europe/Paris'), else None."""
    name = tzid.strip().strip("/")
    parts = name.split("/")
    for candidate in dict.fromkeys([name, "/".join(parts[-3:]), "/".join(parts[-2:])]):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


def address_of(prop: Property) -> str | None:
    """The lowercased address of an ORGANIZER or ATTENDEE: its mailto: value, else its EMAIL parameter."""
    value = prop.value.strip()
    if value.lower().startswith("mailto:"):
        address = value[len("mailto:"):].strip()
    else:
        address = (prop.param("EMAIL") or "").strip()
    address = address.lower()
    return address if "@" in address else None
