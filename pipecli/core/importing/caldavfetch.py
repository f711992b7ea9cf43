"""Meetings fetched from a CalDAV server (RFC 4791) through the `caldav` package, read by calendar.py.

Each run asks each calendar for the events with an occurrence in a window of days; a series is
expanded here, one VEVENT per occurrence with its RECURRENCE-ID (so each is its own meeting, see
capture.py's keys), and every object's text goes through the one iCalendar reader, parse_calendar.

The state (plain JSON types, kept by the caller under .pipe/) remembers per calendar the ETag of
each object seen in the window, the window, and the server's sync token: an object with the same
ETag is not read again, except a series when the window has moved (new occurrences entered it). A
sync token alone cannot do it: it says what changed, not what entered the window. It is the fast
path: same window and nothing changed since the token, and the run asks for nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
from dataclasses import dataclass

from pipecli.core.errors import PipeError
from pipecli.core.importing.calendar import MAX_CALENDAR_BYTES, parse_calendar
from pipecli.core.importing.capture import Reading, Skipped
from pipecli.core.model.personal import CalDavAccount  # its password filled in (store/personal.py)

ETAG = "{DAV:}getetag"
TOO_OFTEN = {"SECONDLY", "MINUTELY", "HOURLY"}  # a meeting's series is daily at most


class CalDavError(PipeError):
    """The CalDAV server could not be reached or read: one line saying why."""


class CalDavAuthError(CalDavError):
    """The server refused the user or password."""


class CalDavCertificateError(CalDavError):
    """The server's certificate is not trusted."""


def fetch_events(account: CalDavAccount, state: dict, window: tuple[dt.date, dt.date],
                 zone: dt.tzinfo | None) -> tuple[Reading, dict]:
    """The meetings of the account's calendars with an occurrence from window[0] to window[1]
    (both days included, in zone; None: the system's) that are new or changed since state,
    and the state to keep for the next run. Raises a CalDavError, never a library's exception."""
    try:  # loaded here: every other command does without them
        import caldav
        import icalendar
        import recurring_ical_events
        from caldav.lib import error as dav_errors
    except ImportError:
        raise CalDavError("reading a CalDAV calendar needs the caldav package, installed with pipe: "
                          "pip install caldav") from None
    start, end = (_midnight(window[0], zone), _midnight(window[1] + dt.timedelta(days=1), zone))
    span = [window[0].isoformat(), window[1].isoformat()]
    known = state.get("calendars") if isinstance(state, dict) else None
    known = known if isinstance(known, dict) else {}  # a damaged state costs a full read, no more
    readings, kept = [], {}
    try:
        with caldav.DAVClient(url=account.url, username=account.user, password=account.password) as client:
            for name, calendar in _chosen(client.principal().calendars(), account):
                where = str(calendar.url)
                before = known.get(where) if isinstance(known.get(where), dict) else {}
                reading, kept[where] = _fetch_one(calendar, name, before, span, start, end, zone,
                                                  icalendar, recurring_ical_events, dav_errors)
                readings.append(reading)
    except CalDavError:
        raise
    except dav_errors.AuthorizationError:
        raise CalDavAuthError(f"{account.url}: the server refused user {account.user!r} and its password") from None
    except dav_errors.NotFoundError:
        raise CalDavError(f"{account.url}: no CalDAV calendars there (check the url)") from None
    except dav_errors.DAVError as error:
        raise CalDavError(f"{account.url}: the CalDAV server answered: {_first_line(error)}") from None
    except (OSError, ValueError) as error:  # requests' and niquests' errors are OSErrors
        raise _network_error(account.url, error) from None
    return Reading.joined(readings), {"calendars": kept}


def _midnight(day: dt.date, zone: dt.tzinfo | None) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time())
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def _chosen(calendars: list, account: CalDavAccount) -> list[tuple[str, object]]:
    """(display name, calendar) of each calendar the account names, in its order; all when it names none."""
    named = [(_display_name(calendar), calendar) for calendar in calendars]
    if not account.calendars:
        return named
    by_name = {name: calendar for name, calendar in named}
    missing = [name for name in account.calendars if name not in by_name]
    if missing:
        there = ", ".join(sorted(repr(name) for name, _ in named)) or "none"
        raise CalDavError(f"{account.url}: no calendar named {missing[0]!r} for {account.user!r} "
                          f"(there are: {there})")
    return [(name, by_name[name]) for name in dict.fromkeys(account.calendars)]


def _display_name(calendar) -> str:
    name = calendar.get_display_name()
    return str(name) if name else str(calendar.url).rstrip("/").rsplit("/", 1)[-1]


def _fetch_one(calendar, name: str, before: dict, span: list[str], start: dt.datetime, end: dt.datetime,
               zone: dt.tzinfo | None, icalendar, recurring_ical_events, dav_errors) -> tuple[Reading, dict]:
    # .pipe/capture.json may have been edited or damaged: a value of another type is not there
    saved_token = before.get("sync_token") if isinstance(before.get("sync_token"), str) else None
    token = _sync_token(calendar, saved_token, dav_errors)
    same_window = before.get("window") == span
    if token is not None and token.unchanged and same_window:
        return Reading(), {**before, "sync_token": token.value}
    seen = before.get("etags") if isinstance(before.get("etags"), dict) else {}
    listed = before.get("series") if isinstance(before.get("series"), list) else []
    series = {href for href in listed if isinstance(href, str)}
    etags, recurring, readings = {}, [], []
    # post_filter=False: the client would expand every series to filter it, before _too_often could look
    for found in calendar.search(start=start, end=end, event=True, post_filter=False):
        href, text = str(found.url), found.data or ""
        etag = found.props.get(ETAG) or hashlib.sha256(text.encode()).hexdigest()  # a server without ETags
        etags[href] = etag
        if _is_series(text):
            recurring.append(href)
        if seen.get(href) == etag and (same_window or href not in series):
            continue  # read on an earlier run; a series is read again when the window moved
        shown = f"{name} {href.rstrip('/').rsplit('/', 1)[-1]}"
        if len(text) > MAX_CALENDAR_BYTES:
            readings.append(Reading(skipped=[Skipped(shown, "too large", f"over {MAX_CALENDAR_BYTES:,} characters")]))
            continue
        expanded = _expanded(text, start, end, icalendar, recurring_ical_events)
        readings.append(parse_calendar(expanded, shown, zone) if isinstance(expanded, str)
                        else Reading(skipped=[Skipped(shown, "recurs too often", expanded[0])]))
    return Reading.joined(readings), {"name": name, "window": span, "etags": etags, "series": recurring,
                                      "sync_token": token.value if token is not None else None}


@dataclass(frozen=True)
class _Token:
    value: str
    unchanged: bool  # nothing added, changed or deleted since the token before


def _sync_token(calendar, before: str | None, dav_errors) -> _Token | None:
    """The calendar's sync token now (RFC 6578), and whether anything changed since before; None
    when the server has no sync-collection (then each run searches the window)."""
    try:
        result = calendar.get_objects_by_sync_token(before, load_objects=False, disable_fallback=True)
    except dav_errors.AuthorizationError:
        if before is None:
            raise
        return _sync_token(calendar, None, dav_errors)  # a token the server forgot: start over
    except (dav_errors.ReportError, dav_errors.DAVError):
        return None
    if not result.sync_token:
        return None
    changed = bool(list(result)) or bool(getattr(result, "deleted_urls", ()))
    return _Token(str(result.sync_token), before is not None and not changed)


def _is_series(text: str) -> bool:
    """Whether an object's VEVENT recurs (RRULE or RDATE): a VTIMEZONE's own rules do not count."""
    inside = False
    for line in text.splitlines():
        upper = line[:12].upper()
        if upper.startswith(("BEGIN:VEVENT", "END:VEVENT")):
            inside = upper.startswith("BEGIN")
        elif inside and upper.startswith(("RRULE", "RDATE")):
            return True
    return False


def _expanded(text: str, start: dt.datetime, end: dt.datetime, icalendar,
              recurring_ical_events) -> str | tuple[str]:
    """An object's text with each series replaced by its occurrences in the window (each with its
    RECURRENCE-ID), its zones kept; the text as it is when it does not read; (why,) for a series
    that would meet more than once a day, which is never expanded."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
        too_often = next(filter(None, map(_too_often, calendar.walk("VEVENT"))), None)
        if too_often:
            return (too_often,)
        occurrences = list(recurring_ical_events.of(calendar).between(start, end))
    except Exception:  # noqa: BLE001 -- parse_calendar says what is wrong with it, event by event
        return text
    # recurring_ical_events gives a single event a RECURRENCE-ID too: it would then be keyed as an
    # occurrence, and not be the one meeting a file's copy of it is
    series = {str(event.get("UID")) for event in calendar.walk("VEVENT")
              if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID"))}
    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"]
    parts.extend(zone.to_ical().decode("utf-8") for zone in calendar.walk("VTIMEZONE"))
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        if str(event.get("UID")) not in series:
            event.pop("RECURRENCE-ID", None)
        parts.append(event.to_ical().decode("utf-8"))
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)


def _too_often(event) -> str | None:
    """Why a VEVENT's rules would make more than one meeting a day, else None: an invitation of
    FREQ=SECONDLY (anyone can send one) is millions of occurrences in a window, each one expanded."""
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        frequency = str((rule.get("FREQ") or [""])[0]).upper()
        if frequency in TOO_OFTEN:
            return f"{event.get('UID')}: FREQ={frequency}"
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            if len(rule.get(part) or ()) > 1:
                return f"{event.get('UID')}: {part} of {len(rule[part])} values"
    return None


def _network_error(url: str, error: BaseException) -> CalDavError:
    """One line for a failure below CalDAV: a certificate, a refused or dropped connection, a bad url."""
    chain, seen = [], error
    while seen is not None and len(chain) < 20:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in text:
        return CalDavCertificateError(f"{url}: the server's certificate is not trusted "
                                      "(signed by an unknown authority, expired, or for another name)")
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text:
        return CalDavError(f"{url}: no such host (check the url)")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text.lower():
        return CalDavError(f"{url}: connection refused (is the CalDAV server running at that address?)")
    return CalDavError(f"{url}: cannot reach the CalDAV server: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return line[:200]
