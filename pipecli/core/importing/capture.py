"""Emails and meetings read from files, matched to deals by their contacts' addresses and logged once each."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.entryids import keyed_id
from pipecli.core.workflow.timeline import log_interaction

KEY_FIELDS = {"email": "message_id", "meeting": "uid"}  # the activity key that makes each logged once
OCCURRENCE_FIELD = "recurrence_id"  # with the uid, one occurrence of a series read on its own
NO_SUBJECT = {"email": "(no subject)", "meeting": "(no title)"}


@dataclass(frozen=True, slots=True)  # slots: a calendar of 100,000s of events holds one of these each
class Captured:
    """One email or meeting read from a file, not yet matched to a deal."""

    kind: str  # email or meeting
    key: str  # the Message-ID or the event's UID, as written
    date: dt.date
    time: str | None  # HH:MM in the local time zone; None for an all-day event
    summary: str  # one line
    sender: str | None  # lowercased address: From, or the event's ORGANIZER
    recipients: tuple[str, ...]  # lowercased addresses: To and Cc, or the ATTENDEEs
    source: str  # where it was read: 'inbox.mbox #3', 'Mail/INBOX/cur/1234...', 'team.ics line 40'
    moved_occurrence: bool = False  # a VEVENT with RECURRENCE-ID: one occurrence of a series, moved
    minutes: int | None = None  # a meeting's length, from its DTEND or DURATION
    occurrence: str | None = None  # its RECURRENCE-ID in UTC ('20261116T090000Z'), a date, or as written
    # a file's series, logged at its first start: that occurrence's key, so a server's copy of it counts
    first_occurrence: str | None = None

    @property
    def key_field(self) -> str:
        return KEY_FIELDS[self.kind]

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes it logged once: its Message-ID, or its UID and the occurrence it is, if one."""
        return self.key_field, same_key(self.key), self.occurrence or ""

    @property
    def series(self) -> tuple[str, str, str]:
        """The identity of the whole series an occurrence belongs to (its own, when it is none)."""
        return self.key_field, same_key(self.key), ""

    @property
    def addresses(self) -> list[str]:
        return ([self.sender] if self.sender else []) + list(self.recipients)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An email or event that is not logged, and why (a short reason that groups well in a count)."""

    source: str
    reason: str
    detail: str = ""


@dataclass
class Reading:
    """What one or more files held: what can be logged, and what was skipped."""

    items: list[Captured] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @classmethod
    def joined(cls, readings: Iterable["Reading"]) -> "Reading":
        together = cls()
        for reading in readings:
            together.items.extend(reading.items)
            together.skipped.extend(reading.skipped)
        return together


# -- times --------------------------------------------------------------------------------------

def local_zone() -> dt.tzinfo | None:
    """The zone captured times are written in: $TZ when it names a zone, else None (the system's)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None  # a POSIX rule like 'CET-1CEST': the system's clock already follows it


def local_date_time(moment: dt.datetime, zone: dt.tzinfo | None) -> tuple[dt.date, str]:
    """An aware moment as the local date and HH:MM; raises OverflowError at the ends of the calendar."""
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    return local.date(), f"{local.hour:02d}:{local.minute:02d}"


MAX_SUMMARY = 300


def summary_line(text: str | None, kind: str) -> str:
    """A subject or event title as one trimmed line without control characters; a stand-in when empty."""
    words = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in (text or "")).split()
    line = " ".join(words) or NO_SUBJECT[kind]
    # A subject is a line on a timeline: a megabyte of one (a hostile message) must not land in the deal.
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1].rstrip() + "…"


def clean_key(text: str) -> str:
    """A Message-ID or UID as stored: one line, without control characters."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def same_key(key: str) -> str:
    """A Message-ID or UID as compared: without spaces or angle brackets ('<a@b>' and 'a@b' are one)."""
    return key.strip().strip("<>").strip()


# -- matching -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One activity to append to one deal."""

    item: Captured
    direction: str  # in: the deal's contact wrote (or organised the meeting); out: anyone else
    by: str | None  # the team member involved, when one is


@dataclass
class CapturePlan:
    """Which deal gets which activity, and what gets none."""

    entries: dict[str, list[Entry]]  # deal id -> its new activities, in date order; deal ids sorted
    deals: dict[str, Deal]
    logged: list[Captured]  # read items that give at least one deal a new activity
    already: list[Captured]  # every deal they match has them already
    unmatched: list[Captured]  # no deal's contact among their addresses
    skipped: list[Skipped]  # from reading, plus emails dated in the future
    duplicates: int  # items read more than once (the same message in two folders)

    @property
    def activity_count(self) -> int:
        return sum(len(entries) for entries in self.entries.values())


def open_on(deal: Deal, day: dt.date) -> bool:
    """Whether the deal was open on day: created by then and not yet won or lost."""
    created, closed = deal.created, deal.closed
    return (created is None or created <= day) and (closed is None or closed >= day)


def plan_capture(reading: Reading, deals: list[Deal], config: Config, today: dt.date) -> CapturePlan:
    """Match each item to the deals of its addresses; nothing is changed.

    A deal matches when one of its contacts' emails (any case) is among the item's addresses. When
    a contact has several deals, those that were open on the item's date take it; when none was
    (after all were closed), all of them do. An item is not put on a deal created after its date,
    nor on one that already has it (same message_id, or same uid and recurrence_id).

    One rule keys meetings: an event is its UID, and one occurrence of a series (a RECURRENCE-ID:
    a moved one in a file, each of an expanded series from a CalDAV server) its UID and that
    occurrence; an occurrence is had wherever its whole series is (a file's series, logged once
    at its first start).
    """
    by_address: dict[str, list[Deal]] = {}
    for deal in deals:
        for address in contact_emails(deal):
            by_address.setdefault(address, []).append(deal)
    team = {m.email.lower(): m.id for m in config.team if m.email}
    known: dict[str, set[tuple[str, str, str]]] = {deal.id: logged_keys(deal) for deal in deals}
    entries: dict[str, list[Entry]] = {}
    logged, already, unmatched, skipped = [], [], [], list(reading.skipped)
    seen: set[tuple[str, str, str]] = set()
    unmatched_keys: set[tuple[str, str, str]] = set()  # read, but with no deal's contact: not yet had
    duplicates = 0
    for item in _masters_first(reading.items):
        key, series = item.identity, item.series
        if key in seen or series in seen:
            duplicates += 1
            continue
        if item.kind == "email" and item.date > today:
            seen.add(key)
            skipped.append(Skipped(item.source, "dated in the future", str(item.date)))
            continue
        matched: list[Deal] = []
        for address in item.addresses:
            matched.extend(d for d in by_address.get(address, []) if d not in matched)
        if not matched:
            # A series the customer is not in leaves its UID to an occurrence of it they joined
            # (a RECURRENCE-ID with one more attendee), logged on its own date.
            if key in unmatched_keys or series in unmatched_keys:
                duplicates += 1
            else:
                unmatched_keys.add(key)
                unmatched.append(item)
            continue
        seen.add(key)
        # Not on a deal created after it: `pipe check` would warn (pipe log refuses it too).
        matched = [d for d in matched if d.created is None or d.created <= item.date]
        if not matched:
            skipped.append(Skipped(item.source, "dated before its deal was created", str(item.date)))
            continue
        still_open = [d for d in matched if open_on(d, item.date)]
        new = False
        first = (item.key_field, key[1], item.first_occurrence) if item.first_occurrence else None
        for deal in still_open or matched:
            if key in known[deal.id] or series in known[deal.id] or first in known[deal.id]:
                continue
            known[deal.id].add(key)
            entries.setdefault(deal.id, []).append(_entry(item, deal, team))
            new = True
        (logged if new else already).append(item)
    ordered = {deal_id: sorted(entries[deal_id], key=lambda e: (e.item.date, e.item.time or ""))
               for deal_id in sorted(entries)}
    return CapturePlan(ordered, {d.id: d for d in deals if d.id in entries}, logged, already, unmatched,
                       skipped, duplicates)


def _masters_first(items: list[Captured]) -> list[Captured]:
    # Read order, except that a recurring event's own VEVENT comes before the occurrences it had
    # moved (RECURRENCE-ID, same UID), so the series is logged at its first start.
    return sorted(items, key=lambda item: item.moved_occurrence)


def _entry(item: Captured, deal: Deal, team: dict[str, str]) -> Entry:
    direction = "in" if item.sender is not None and item.sender in contact_emails(deal) else "out"
    if direction == "out":
        by = team.get(item.sender or "")
    else:
        by = next((team[a] for a in item.recipients if a in team), None)
    if by is None and direction == "out" and item.kind == "meeting":
        by = next((team[a] for a in item.recipients if a in team), None)  # organised by someone else
    return Entry(item, direction, by)


def contact_emails(deal: Deal) -> set[str]:
    """The deal's contacts' email addresses, lowercased."""
    found = set()
    for contact in deal.contacts:
        email = contact.get("email") if isinstance(contact, dict) else None
        if isinstance(email, str) and "@" in email:
            found.add(email.strip().lower())
    return found


def logged_keys(deal: Deal) -> set[tuple[str, str, str]]:
    """The (message_id|uid, key, recurrence_id or '') of the deal's activities: what is logged already."""
    keys = set()
    for activity in deal.activities:
        occurrence = activity.get(OCCURRENCE_FIELD)
        occurrence = occurrence.strip() if isinstance(occurrence, str) else ""
        for name in KEY_FIELDS.values():
            value = activity.get(name)
            if isinstance(value, str) and value.strip():
                keys.add((name, same_key(value), occurrence if name == "uid" else ""))
    return keys


def apply(deal: Deal, entries: list[Entry], config: Config, today: dt.date) -> str:
    """Append the entries to the deal's activities (as `pipe log` would, plus the key); returns a summary."""
    for entry in entries:
        item = entry.item
        at = item.date.isoformat() + (f" {item.time}" if item.time else "")
        written = log_interaction(deal, config, item.kind, item.summary, today, None, at=at, by=entry.by,
                                  direction=entry.direction, minutes=item.minutes)
        # the id follows the key: the same meeting logged in two clones merges as one entry
        taken = set(deal.entry_ids("activities")) - {written["id"]}
        occurrence = f" {OCCURRENCE_FIELD}={item.occurrence}" if item.occurrence else ""
        written["id"] = keyed_id(deal.id, f"{item.key_field}={same_key(item.key)}{occurrence}", taken)
        written[item.key_field] = item.key.strip()
        if item.occurrence:
            written[OCCURRENCE_FIELD] = item.occurrence
    return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in _kinds(entries))


def _kinds(entries: list[Entry]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.item.kind] = counts.get(entry.item.kind, 0) + 1
    return sorted(counts.items())
