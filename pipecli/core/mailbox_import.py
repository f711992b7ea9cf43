"""Reading emails from an mbox file or Maildir folders into Captured items, with the standard library."""

from __future__ import annotations

import datetime as dt
import email
import mailbox
import os
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from pipecli.core.capture import Captured, Reading, Skipped, clean_key, local_date_time, same_key, summary_line
from pipecli.core.errors import PipeError

# The email package's header parser raises all sorts on hostile headers (IndexError, AttributeError,
# even UnboundLocalError: bugs), and one bad message in a mailbox of thousands must not stop the import.
_UNREADABLE = Exception


def read_mail(path: Path, zone: dt.tzinfo | None, shown: str | None = None) -> Reading:
    """Every message of an mbox file, or of every Maildir at or below a folder.

    Raises PipeError when path is neither (missing, a folder with no Maildir, not an mbox).
    """
    shown = shown or str(path)
    if path.is_dir():
        folders = maildirs(path)
        if not folders:
            raise PipeError(f"{shown}: not a Maildir (no cur/ and new/ folders in it or below it)")
        reading = Reading()
        for folder in folders:
            where = os.path.join(shown, os.path.relpath(folder, path)) if folder != path else shown
            box = mailbox.Maildir(str(folder), factory=None, create=False)
            for key in sorted(k for k in box.iterkeys() if not k.startswith(".")):  # dot files are no mail
                _add(reading, _read(box, key), f"{where}/{key}", zone)
        return reading
    if not path.exists():
        raise PipeError(f"{shown}: no such file or folder")
    if not path.is_file():
        raise PipeError(f"{shown}: not an mbox file or a Maildir folder")
    with open(path, "rb") as handle:
        start = handle.read(4096).lstrip(b"\r\n")
    if start and not start.startswith(b"From "):
        raise PipeError(f"{shown}: not an mbox file (an mbox starts with a 'From ' line); "
                        "export the folder as mbox, or give a Maildir folder")
    box = mailbox.mbox(str(path), factory=None, create=False)
    reading = Reading()
    for number, key in enumerate(box.iterkeys(), start=1):
        _add(reading, _read(box, key), f"{shown} #{number}", zone)
    return reading


def maildirs(root: Path) -> list[Path]:
    """root and every folder below it that is a Maildir (has cur/ and new/), sorted; Maildir++ subfolders included."""
    found = []
    for folder, subfolders, _ in os.walk(root):
        if "cur" in subfolders and "new" in subfolders:
            found.append(Path(folder))
        subfolders[:] = sorted(s for s in subfolders if s not in ("cur", "new", "tmp"))
    return sorted(found)


def _read(box: mailbox.Mailbox, key: str) -> bytes | None:
    try:
        return box.get_bytes(key)
    except (OSError, KeyError):  # a Maildir file gone since the listing
        return None


def _add(reading: Reading, data: bytes | None, source: str, zone: dt.tzinfo | None) -> None:
    if data is None:
        reading.skipped.append(Skipped(source, "unreadable"))
        return
    try:
        found = parse_message(data, source, zone)
    except _UNREADABLE as error:
        found = Skipped(source, "unreadable", str(error))
    (reading.items if isinstance(found, Captured) else reading.skipped).append(found)


def parse_message(data: bytes, source: str, zone: dt.tzinfo | None) -> Captured | Skipped:
    """One message as a Captured email, or why it cannot be logged (no Message-ID, no or bad Date)."""
    message: EmailMessage = email.message_from_bytes(data, policy=policy.default)  # type: ignore[assignment]
    message_id = clean_key(str(message.get("Message-ID") or ""))
    if not same_key(message_id):  # '<>' or '< >' names no message: it would be "the same" as every other
        return Skipped(source, "no Message-ID")
    raw_date = message.get("Date")
    if raw_date is None or not str(raw_date).strip():
        return Skipped(source, "no Date", message_id)
    try:
        moment = parsedate_to_datetime(str(raw_date))
    except (ValueError, TypeError, IndexError):
        return Skipped(source, "bad Date", f"{message_id}: {str(raw_date)[:60]!r}")
    if moment.tzinfo is None:  # '-0000': a time in UTC whose zone is unknown
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        date, time = local_date_time(moment, zone)
    except (OverflowError, ValueError):
        return Skipped(source, "bad Date", f"{message_id}: {str(raw_date)[:60]!r}")
    senders = _addresses(message, "From")
    recipients = tuple(dict.fromkeys(a for name in ("To", "Cc") for a in _addresses(message, name)))
    return Captured("email", message_id, date, time, summary_line(str(message.get("Subject") or ""), "email"),
                    senders[0] if senders else None, recipients, source)


def _addresses(message: EmailMessage, name: str) -> list[str]:
    """The lowercased addresses of every header called name (a group's members included)."""
    found = []
    for header in message.get_all(name) or []:
        for address in getattr(header, "addresses", ()):
            spec = address.addr_spec.strip().lower()
            if "@" in spec and not spec.startswith("@") and not spec.endswith("@"):
                found.append(spec)
    return found
