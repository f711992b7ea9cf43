"""Reading emails from an mbox file or Maildir folders into Captured items, with the standard library."""

from __future__ import annotations

import datetime as dt
import email
import os
import stat
from array import array
from collections.abc import Callable, Iterable
from email import policy
from email.message import EmailMessage
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.importing.capture import (Captured, Reading, Skipped, clean_key, local_date_time, same_key,
                                            summary_line)

# The email package's header parser raises all sorts on hostile headers (IndexError, AttributeError,
# even UnboundLocalError: bugs), and one bad message in a mailbox of thousands must not stop the import.
_UNREADABLE = Exception

# Only a message's headers are read, and only so much of them: a 2 GB attachment, a header block
# that never ends or a To: line with 100,000 addresses (minutes of parsing) costs no more than this.
MAX_HEADER_BYTES = 256 * 1024
MAX_ADDRESS_HEADER = 32 * 1024  # From, To and Cc: about 2,000 addresses each
# The default policy's address parser is quadratic on some input (a To: of 30 KB of quotes took 11 s,
# of commas 6 s, a message): a longer address header is read by compat32's, which is linear.
LONG_ADDRESS_HEADER = 4 * 1024  # about 100 addresses
MAX_KEY = 998  # a Message-ID longer than a mail line may be (RFC 5322) is not one id: it would fill the deal


def read_mail(path: Path, zone: dt.tzinfo | None, shown: str | None = None,
              progress: Callable[[Iterable[str]], Iterable[str]] = iter) -> Reading:
    """Every message of an mbox file, or of every Maildir at or below a folder; progress wraps the
    message keys of each file or folder as they are read (a progress bar).

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
            files, others = _maildir_files(folder)
            for key in others:
                reading.skipped.append(Skipped(f"{where}/{key}", "not a regular file"))
            for key in progress(sorted(files)):
                _add(reading, _read_maildir_file(files[key]), f"{where}/{key}", zone)
        return reading
    if not path.exists():
        raise PipeError(f"{shown}: no such file or folder")
    if not path.is_file():
        raise PipeError(f"{shown}: not an mbox file or a Maildir folder")
    try:
        with open(path, "rb") as handle:
            start = handle.read(4096)
            # Thunderbird (on Windows) may start a folder with a UTF-8 byte-order mark: not mail, skipped
            skip = len(_BOM) if start.startswith(_BOM) else 0
            if start[skip:].lstrip(b"\r\n") and not start[skip:].lstrip(b"\r\n").startswith(b"From "):
                raise PipeError(f"{shown}: not an mbox file (an mbox starts with a 'From ' line); "
                                "export the folder as mbox, or give a Maildir folder")
            handle.seek(skip)
            starts = _mbox_starts(handle, skip)
            size = os.fstat(handle.fileno()).st_size
            reading = Reading()
            for number in progress(range(len(starts))):
                stop = starts[number + 1] if number + 1 < len(starts) else size
                source = f"{shown} #{number + 1}"
                head = _read_mbox_message(handle, starts[number], stop)
                if head is _FROM_LINE_TOO_LONG:
                    reading.skipped.append(Skipped(source, "From line too long",
                                                   f"over {MAX_FROM_LINE:,} bytes"))
                else:
                    _add(reading, head, source, zone)
            return reading
    except OSError as error:
        raise PipeError(f"{shown}: cannot read the mbox file: {error.strerror or error}") from None


# The standard library's mbox reads each line whole (a 3 GB file that is one 'From ' line with no
# newline was read into memory): pipe finds the messages itself, a megabyte at a time.
_CHUNK = 2**20
MAX_FROM_LINE = 4096  # 'From address date': a few dozen bytes
_FROM_LINE_TOO_LONG = b""
_BOM = b"\xef\xbb\xbf"


def _mbox_starts(handle, offset: int = 0) -> array:
    """The offset of each message of an mbox, read from offset on: of each line that starts with 'From '."""
    starts, before = array("q"), b"\n"  # where the reading starts is a line's start
    while chunk := handle.read(_CHUNK):
        data = before + chunk
        base = offset - len(before)
        at = data.find(b"\nFrom ")
        while at >= 0:
            starts.append(base + at + 1)
            at = data.find(b"\nFrom ", at + 1)
        before, offset = data[-5:], offset + len(chunk)  # 5: a '\nFrom ' cut by the chunk's end
    return starts


def _read_mbox_message(handle, start: int, stop: int) -> bytes:
    """The header block of the message at start (without its 'From ' line), as _read returns it."""
    handle.seek(start)
    data = handle.read(min(stop - start, MAX_FROM_LINE + 1 + MAX_HEADER_BYTES + 1))
    newline = data.find(b"\n")
    if newline < 0 and len(data) < stop - start or newline > MAX_FROM_LINE:
        return _FROM_LINE_TOO_LONG
    return _header_block(data[newline + 1:] if newline >= 0 else b"")


def _maildir_files(folder: Path) -> tuple[dict[str, str], list[str]]:
    """The messages of a Maildir's cur/ and new/ by key (the name before its ':2,' flags), and the
    names there that are not regular files: a FIFO would block the read forever, a link may lead
    anywhere. Dot files are no mail."""
    files: dict[str, str] = {}
    others: list[str] = []
    for sub in ("new", "cur"):
        try:
            entries = sorted(os.scandir(folder / sub), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            key = entry.name.split(":")[0]
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            if regular:
                files[key] = entry.path
            elif not entry.is_dir(follow_symlinks=False):  # the stdlib skipped folders: kept so
                others.append(f"{sub}/{entry.name}")
    return files, sorted(others)


def _read_maildir_file(name: str) -> bytes | None:
    """The header block of one Maildir file; None when it is gone or is not (any more) a regular file."""
    try:
        # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since the listing is not
        # followed and does not block; fstat then says what was opened.
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return _header_block(handle.read(MAX_HEADER_BYTES + 1))


def maildirs(root: Path) -> list[Path]:
    """root and every folder below it that is a Maildir (has cur/ and new/), sorted; Maildir++ subfolders included."""
    found = []
    for folder, subfolders, _ in os.walk(root):
        if "cur" in subfolders and "new" in subfolders:
            found.append(Path(folder))
        subfolders[:] = sorted(s for s in subfolders if s not in ("cur", "new", "tmp"))
    return sorted(found)


def _header_block(head: bytes) -> bytes:
    """The bytes up to a message's first empty line (the whole of head when it has none)."""
    ends = [at for at in (head.find(b"\n\n"), head.find(b"\r\n\r\n")) if at >= 0]
    return head[: min(ends) + 1] if ends else head


def add_message(reading: Reading, head: bytes | None, source: str, zone: dt.tzinfo | None) -> None:
    """Read one message's header bytes (from a server, say: at most MAX_HEADER_BYTES + 1 of them)
    into reading, as the files' messages are: an item, or a skip and why. None: it could not be read."""
    _add(reading, None if head is None else _header_block(head), source, zone)


def _add(reading: Reading, data: bytes | None, source: str, zone: dt.tzinfo | None) -> None:
    if data is None:
        reading.skipped.append(Skipped(source, "unreadable"))
        return
    if len(data) > MAX_HEADER_BYTES:
        reading.skipped.append(Skipped(source, "headers too large", f"over {MAX_HEADER_BYTES // 1024} KB"))
        return
    try:
        found = parse_message(data, source, zone)
    except _UNREADABLE as error:
        found = Skipped(source, "unreadable", str(error))
    (reading.items if isinstance(found, Captured) else reading.skipped).append(found)


def parse_message(data: bytes, source: str, zone: dt.tzinfo | None) -> Captured | Skipped:
    """One message as a Captured email, or why it cannot be logged (no Message-ID, no or bad Date)."""
    message: EmailMessage = email.message_from_bytes(data, policy=policy.default)  # type: ignore[assignment]
    message_id = clean_key(_first(message, "Message-ID"))
    if not same_key(message_id):  # '<>' or '< >' names no message: it would be "the same" as every other
        return Skipped(source, "no Message-ID")
    if len(message_id) > MAX_KEY:
        return Skipped(source, "Message-ID too long", f"{len(message_id)} characters: {message_id[:40]!r}...")
    sizes: dict[str, int] = {}
    for name, raw in message.raw_items():  # as written: measured before the slow address parser sees them
        sizes[name.lower()] = sizes.get(name.lower(), 0) + len(raw)
    for name in ("From", "To", "Cc"):
        if sizes.get(name.lower(), 0) > MAX_ADDRESS_HEADER:
            return Skipped(source, "too many addresses", f"{message_id}: {name} over {MAX_ADDRESS_HEADER // 1024} KB")
    raw_date = _first(message, "Date")
    if not raw_date.strip():
        return Skipped(source, "no Date", message_id)
    try:
        moment = parsedate_to_datetime(raw_date)
    except (ValueError, TypeError, IndexError):
        return Skipped(source, "bad Date", f"{message_id}: {raw_date[:60]!r}")
    if moment.tzinfo is None:  # '-0000': a time in UTC whose zone is unknown
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        date, time = local_date_time(moment, zone)
    except (OverflowError, ValueError):
        return Skipped(source, "bad Date", f"{message_id}: {raw_date[:60]!r}")
    senders = _addresses(message, "From")
    recipients = tuple(dict.fromkeys(a for name in ("To", "Cc") for a in _addresses(message, name)))
    return Captured("email", message_id, date, time, summary_line(_first(message, "Subject"), "email"),
                    senders[0] if senders else None, recipients, source)


def _headers(message: EmailMessage, name: str, longest: int | None = None) -> list[str]:
    """Every header called name, each parsed on its own: one the default policy's parser cannot read
    (it raises on a bounce's 'To: unlisted-recipients:; (no To-header on input)') is kept as its
    text, so one bad header costs only itself, not the message's Message-ID, Date and sender.
    One longer than longest is kept as its text unparsed."""
    found: list[str] = []
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            if longest is not None and len(raw) > longest:
                found.append(raw)
                continue
            try:
                found.append(message.policy.header_fetch_parse(key, raw))
            except _UNREADABLE:
                found.append(_as_text(raw))
    return found


def _as_text(raw: str) -> str:
    """A header's text as the compat32 policy reads it: encoded words decoded when they can be, else as written."""
    try:
        return str(make_header(decode_header(raw)))
    except _UNREADABLE:
        return raw


def _first(message: EmailMessage, name: str) -> str:
    """The text of the first header called name; empty when there is none."""
    found = _headers(message, name)
    return str(found[0]) if found else ""


def _addresses(message: EmailMessage, name: str) -> list[str]:
    """The lowercased addresses of every header called name (a group's members included)."""
    found = []
    for header in _headers(message, name, LONG_ADDRESS_HEADER):
        parsed = getattr(header, "addresses", None)
        if parsed is not None:
            specs = [a.addr_spec for a in parsed]
        else:  # a header only read as text: compat32's parser, which may raise too (comments nested 2,000 deep)
            try:
                specs = [spec for _, spec in getaddresses([str(header)])]
            except _UNREADABLE:
                continue
        for spec in specs:
            spec = spec.strip().lower()
            if "@" in spec and not spec.startswith("@") and not spec.endswith("@"):
                found.append(spec)
    return found
