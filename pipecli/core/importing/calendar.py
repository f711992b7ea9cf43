"""Reading meetings from an iCalendar (.ics, RFC 5545) file into Captured items.

The file is split here, a line at a time, into its events (with the line each starts on) and its
VTIMEZONEs, keeping only the lines pipe reads; the `icalendar` package then reads each event's
values: dates and zones (Olson, Windows and in-file VTIMEZONE names), durations, parameters, escapes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.importing.capture import (Captured, Reading, Skipped, clean_key, local_date_time, same_key,
                                            summary_line)

_NAME = re.compile(r"[A-Za-z0-9-]+")

# The properties an event is read for; any other line is dropped as it is read, so that a file of
# ignored lines costs no memory beyond the line being read.
_FIRST_ONLY = {"UID", "STATUS", "DTSTART", "DTEND", "DURATION", "SUMMARY", "ORGANIZER", "RECURRENCE-ID"}

# The whole file is never held: it is read a line at a time, so memory follows the longest line
# and the events found (about 10 times the file in the worst case), not the number of lines.
MAX_CALENDAR_BYTES = 50_000_000  # years of a busy calendar are a few MB
MAX_NESTING = 32  # VCALENDAR > VEVENT > VALARM is 3 deep; 100,000 BEGINs made matching each END slow
MAX_KEY = 998  # a UID longer than a mail line may be (as a Message-ID) is not one id: it would fill the deal
MAX_ATTENDEES = 2_000  # as a mail's To and Cc (32 KB of addresses each)
MAX_ZONE_LINES = 5_000  # a VTIMEZONE of a century of rules is a few hundred lines
MAX_MINUTES = 7 * 24 * 60  # a longer "meeting" is a block in a calendar, not a meeting's length
# Changes of offset of one VTIMEZONE, and of all those one file's events name: Outlook's zones start
# in 1601 and change twice a year, 16,800 times up to 9999, where icalendar stops.
MAX_ZONE_TRANSITIONS = 100_000
MAX_FILE_TRANSITIONS = 1_000_000


@dataclass
class _Event:
    """The lines of one VEVENT that pipe reads, unfolded, as written."""

    line: int
    lines: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # the _FIRST_ONLY properties kept so far
    attendees: dict[str, None] = field(default_factory=dict)  # ATTENDEE lines, once each
    recurs: bool = False  # it has an RRULE or RDATE (not kept: only whether there is one matters)

    def keep(self, name: str, line: str) -> None:
        if name in ("RRULE", "RDATE"):
            self.recurs = True
        elif name == "ATTENDEE":
            if len(self.attendees) <= MAX_ATTENDEES:
                self.attendees[line] = None
        elif name in _FIRST_ONLY and name not in self.names:
            self.names.add(name)
            self.lines.append(line)


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
    """Every VEVENT of the physical lines of an iCalendar file: split here, read by icalendar."""
    events, zones, cancel_all, unfinished = split_events(physical, shown)
    reading = Reading()
    if not events and unfinished is None:
        return reading
    try:  # loaded here, not at the top: `pipe --help` and every other command do without it
        import icalendar
    except ImportError:
        raise PipeError("import-calendar needs the icalendar package, installed with pipe: "
                        "pip install 'icalendar>=6.3'") from None

    with warnings.catch_warnings():
        # A guessed zone (a vendor's '/mozilla.org/.../Europe/Paris' TZID) is what pipe wants, not news.
        warnings.simplefilter("ignore")
        zones_of = Zones(icalendar, zones)
        for event in events:
            found = to_captured(icalendar, event, f"{shown} line {event.line}", zone, zones_of, cancel_all)
            (reading.items if isinstance(found, Captured) else reading.skipped).append(found)
    if unfinished is not None:
        reading.skipped.append(Skipped(f"{shown} line {unfinished}", "unfinished event", "no END:VEVENT"))
    return reading


class Zones:
    """What each TZID of one file means: a zone named in the tz database (Olson or Windows name,
    or a vendor's '/mozilla.org/.../Europe/Paris'), else the file's own VTIMEZONE of that TZID.

    Per file, not icalendar's process-wide cache, where the first file's 'Customized Time Zone'
    (Outlook's name for every zone it made up) would be every later file's too."""

    def __init__(self, icalendar, zones: list[list[str]]) -> None:
        from icalendar.timezone.tzp import TZP

        self.names = TZP()  # a fresh provider: zones by name only, nothing cached from other files
        self.components: dict[str, object] = {}  # the first VTIMEZONE of each TZID, built when an event names it
        self.built: dict[str, dt.tzinfo | None] = {}
        self.budget = MAX_FILE_TRANSITIONS
        for lines in zones:
            try:
                component = icalendar.Timezone.from_ical("\r\n".join(lines))
                self.components.setdefault(component.tz_name.strip("/"), component)
            except Exception:  # noqa: BLE001 -- a zone icalendar cannot read leaves its times floating
                continue

    def defined(self, name: str) -> dt.tzinfo | None:
        """The file's own zone of that TZID, built once; None when it has none or it cannot be built."""
        if name not in self.built:
            self.built[name] = self.build(self.components[name]) if name in self.components else None
        return self.built[name]

    def build(self, component) -> dt.tzinfo | None:
        # icalendar lists every change of offset a rule makes up to the year 9999, all at once: a
        # STANDARD with RRULE:FREQ=MINUTELY (thirty lines of text) took minutes and gigabytes
        try:
            count = transitions(component, min(MAX_ZONE_TRANSITIONS, self.budget))
            if count is None:
                return None
            self.budget -= count
            return component.to_tz(self.names)
        except Exception:  # noqa: BLE001 -- a zone icalendar cannot build leaves its times floating
            return None

    def moment(self, prop) -> dt.date | dt.datetime:
        """A DTSTART or DTEND as an aware time when its TZID means a zone, else as written."""
        value = prop.dt
        if isinstance(value, dt.datetime) and str(prop.params.get("VALUE", "")).upper() == "DATE":
            # ical.net and others write a TZID on an all-day DATE, which icalendar then reads as that
            # zone's midnight: a DATE has no zone (RFC 5545 3.3.4), and stays on its day everywhere
            return value.date()
        tzid = prop.params.get("TZID")
        if not (isinstance(value, dt.datetime) and tzid):
            return value
        where = self.defined(str(tzid).strip("/")) or self.named(str(tzid))
        return value.replace(tzinfo=where)

    def named(self, tzid: str) -> dt.tzinfo | None:
        # icalendar 7 also finds the zone behind a vendor's prefix; 6 does not, hence the last parts
        parts = tzid.strip("/").split("/")
        for candidate in dict.fromkeys([tzid, "/".join(parts[-3:]), "/".join(parts[-2:])]):
            where = self.names.timezone(candidate)
            if where is not None:
                return where
        return None


def transitions(component, limit: int) -> int | None:
    """How many changes of offset icalendar would list for a VTIMEZONE (each RRULE run to its end,
    each RDATE, each DTSTART), or None when that is over limit: counted lazily, so a rule of one
    change a second costs no more than limit of them."""
    from dateutil.rrule import rrulestr  # icalendar's own dependency, which it expands rules with

    count = 0
    for part in component.subcomponents:
        start = part.get("DTSTART")
        for rule in _listed(part.get("RRULE")):
            first = start.dt.replace(tzinfo=None)
            expanded = rrulestr(rule.to_ical().decode("utf-8"), dtstart=first, ignoretz=True)
            count += sum(1 for _ in islice(expanded, limit - count + 1))
            if count > limit:
                return None
        count += 1 + sum(len(getattr(rdate, "dts", ())) for rdate in _listed(part.get("RDATE")))
        if count > limit:
            return None
    return count


def split_events(physical: Iterable[str], shown: str) -> tuple[list[_Event], list[list[str]], bool, int | None]:
    """The events (their kept lines), the VTIMEZONEs (all their lines), whether the file is a
    METHOD:CANCEL, and the line of an event left unfinished at the end of the file."""
    stack: list[str] = []
    events: list[_Event] = []
    zones: list[list[str]] = []
    event: _Event | None = None
    zone: list[str] | None = None
    cancel_all = False  # METHOD:CANCEL: the file withdraws its events
    started = False
    for number, line in unfold(physical):
        if not line.strip():
            continue
        if not started:
            if line.strip().upper() != "BEGIN:VCALENDAR":
                raise PipeError(f"{shown}: not an iCalendar file (an .ics starts with BEGIN:VCALENDAR)")
            started = True
        match = _NAME.match(line)
        if match is None or line[match.end():match.end() + 1] not in (":", ";"):
            continue  # a stray line (Apple's 'X-APPLE-RADIUS=49.9' cut from its property) costs only itself
        name = match.group().upper()
        if zone is not None:
            if len(zone) < MAX_ZONE_LINES:
                zone.append(line)
            else:
                zone = None  # a zone this long is not one pipe reads: its times stay floating
                zones.pop()
        if name in ("BEGIN", "END"):
            component = line[match.end() + 1:].strip().upper()
            if name == "BEGIN":
                if len(stack) >= MAX_NESTING:
                    raise PipeError(f"{shown}:{number}: components nested over {MAX_NESTING} deep: "
                                    "not a calendar pipe reads")
                stack.append(component)
                if component == "VEVENT" and event is None:
                    event = _Event(number)
                elif component == "VTIMEZONE" and zone is None and event is None:
                    zone = [line]
                    zones.append(zone)
                continue
            if component in stack:
                while stack and stack.pop() != component:
                    pass
            if component == "VEVENT" and event is not None:
                events.append(event)
                event = None
            elif component == "VTIMEZONE":
                zone = None
            continue
        if stack == ["VCALENDAR"] and name == "METHOD" and line.partition(":")[2].strip().upper() == "CANCEL":
            cancel_all = True
        elif event is not None and stack and stack[-1] == "VEVENT":
            event.keep(name, line)  # the event's own, not those of its alarms
    if not started:
        raise PipeError(f"{shown}: not an iCalendar file (an .ics starts with BEGIN:VCALENDAR)")
    return events, zones, cancel_all, event.line if event is not None else None


def unfold(physical: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the number of their first physical line: a line starting with a space or
    tab continues the one before, without that one character (RFC 5545 3.1), even across blank
    lines (some exporters leave one before a fold). Physical lines end in LF (CRLF and CR read as LF)."""
    # A line's pieces are joined once: adding each one to the line so far copied it anew (slow).
    number, pieces, chunks = 0, None, []
    for at, line in enumerate(physical, start=1):
        if line.endswith("\n"):
            line = line[:-1]
        if not line:
            continue
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


def to_captured(icalendar, kept: _Event, source: str, zone: dt.tzinfo | None, zones: Zones,
                cancelled: bool = False) -> Captured | Skipped:
    """An event as a Captured meeting at its (first) start, or why it is skipped."""
    text = "\r\n".join(["BEGIN:VEVENT", *kept.lines, *kept.attendees, "END:VEVENT", ""])
    try:
        event = icalendar.Event.from_ical(text)
    except Exception as error:  # noqa: BLE001 -- icalendar's errors are not one class; the event is skipped
        return Skipped(source, "ill-formed event", str(error)[:80])
    broken = {name for name, _ in event.errors if name}
    uid = clean_key(str(event.get("UID", ""))) if "UID" not in broken else ""
    if not same_key(uid):
        return Skipped(source, "no UID")
    if len(uid) > MAX_KEY:
        return Skipped(source, "UID too long", f"{len(uid)} characters: {uid[:40]!r}...")
    if len(kept.attendees) > MAX_ATTENDEES:
        return Skipped(source, "too many attendees", f"{uid}: over {MAX_ATTENDEES:,}")
    if cancelled or str(event.get("STATUS", "")).strip().upper() == "CANCELLED":
        return Skipped(source, "cancelled", uid)
    if "DTSTART" not in event and "DTSTART" not in broken:  # icalendar 6 drops a value it cannot read
        return Skipped(source, "no DTSTART", uid)
    try:
        if "DTSTART" in broken:
            raise ValueError("DTSTART")
        start = zones.moment(event["DTSTART"])
        date, time = when(start, zone)
    except (ValueError, OverflowError, AttributeError, TypeError):
        written = next((line.partition(":")[2] for line in kept.lines if line[:7].upper() == "DTSTART"), "")
        return Skipped(source, "bad DTSTART", f"{uid}: {written[:40]!r}")
    attendees = [a for a in map(address_of, _listed(event.get("ATTENDEE"))) if a]
    organizer = event.get("ORGANIZER")
    return Captured("meeting", uid, date, time, summary_line(str(event.get("SUMMARY", "")), "meeting"),
                    address_of(organizer) if organizer is not None else None, tuple(dict.fromkeys(attendees)),
                    source, moved_occurrence="RECURRENCE-ID" in event,
                    minutes=length_in_minutes(event, start, zones, broken),
                    occurrence=occurrence_of(event, kept, zones) if "RECURRENCE-ID" in event else None,
                    first_occurrence=moment_key(start) if kept.recurs and "RECURRENCE-ID" not in event else None)


def occurrence_of(event, kept: _Event, zones: Zones) -> str:
    """Which occurrence of its series an event is: its RECURRENCE-ID in UTC ('20261116T090000Z'),
    so a server's and a file's spelling of one occurrence (in any zone) are one; a date or a
    floating time as written; the text as written when it does not read."""
    try:
        key = moment_key(zones.moment(event["RECURRENCE-ID"]))
        if key is not None:
            return key
    except (ValueError, OverflowError, AttributeError, TypeError, KeyError):
        pass
    written = next((line.partition(":")[2] for line in kept.lines if line[:13].upper() == "RECURRENCE-ID"), "")
    return clean_key(written)[:MAX_KEY]


def moment_key(moment) -> str | None:
    """An occurrence's key: a time in UTC ('20261116T090000Z'), a floating time or a date as written."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y%m%dT%H%M%S")
    if isinstance(moment, dt.date):
        return moment.strftime("%Y%m%d")
    return None


def when(start: dt.date | dt.datetime, zone: dt.tzinfo | None) -> tuple[dt.date, str | None]:
    """DTSTART as a local date and HH:MM: a DATE has no time; a time with a zone (UTC, an Olson or
    Windows TZID, a VTIMEZONE of the file) is converted to zone (None: the system's); a floating
    time, or one in a TZID nobody defines, is kept as written."""
    if not isinstance(start, dt.datetime):
        if not isinstance(start, dt.date):
            raise ValueError(start)
        return start, None
    if start.tzinfo is None:
        return start.date(), f"{start.hour:02d}:{start.minute:02d}"
    return local_date_time(start, zone)


def length_in_minutes(event, start: dt.date | dt.datetime, zones: Zones, broken: set[str]) -> int | None:
    """A timed meeting's length in whole minutes, from DTEND or DURATION; None when it has none,
    or is all-day, or ends before it starts, or runs over a week."""
    if not isinstance(start, dt.datetime):
        return None
    length = None
    try:
        if "DTEND" in event and "DTEND" not in broken:
            end = zones.moment(event["DTEND"])
            if isinstance(end, dt.datetime) and end.tzinfo is None and start.tzinfo is None:
                length = end - start
            elif isinstance(end, dt.datetime) and end.tzinfo is not None and start.tzinfo is not None:
                # in UTC: two times of one zone subtract as wall clocks, an hour off across a change of clocks
                length = end.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc)
        elif "DURATION" in event and "DURATION" not in broken:
            length = event["DURATION"].dt
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None
    if not isinstance(length, dt.timedelta):
        return None
    minutes = round(length.total_seconds() / 60)
    return minutes if 0 < minutes <= MAX_MINUTES else None


def _listed(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def address_of(prop) -> str | None:
    """The lowercased address of an ORGANIZER or ATTENDEE: its mailto: value, else its EMAIL parameter."""
    value = str(prop).strip()
    if value.lower().startswith("mailto:"):
        address = value[len("mailto:"):].strip()
    else:
        address = str(getattr(prop, "params", {}).get("EMAIL") or "").strip()
    address = address.lower()
    return address if "@" in address else None
