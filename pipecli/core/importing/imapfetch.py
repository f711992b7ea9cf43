"""New mail from a member's IMAP server, read incrementally with the standard library's imaplib.

Per folder the caller gives what was read before (the folder's UIDVALIDITY and the last UID), and
gets back batches of messages, each with the state to save once its deals are written: a run that
stops half way resumes at the last batch saved. Only headers are fetched (BODY.PEEK, which leaves
the \\Seen flag alone), at most MAX_HEADER_BYTES + 1 bytes of each, so a huge mailbox costs a
bounded amount of memory per batch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipecli.core.errors import PipeError
from pipecli.core.importing.capture import Reading, Skipped
from pipecli.core.importing.mailbox import MAX_HEADER_BYTES, add_message
from pipecli.core.model.personal import ImapAccount

BATCH = 200  # messages per FETCH, and per write of the deals
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_LIST_LINE = re.compile(r'^\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$')
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Batch:
    """Messages of one folder, and the state the folder is at once they are logged."""

    folder: str  # as the member named it (the state's key)
    uidvalidity: int
    last_uid: int
    done: int  # messages of the folder read so far, this batch included
    total: int  # messages of the folder this run reads
    reading: Reading = field(default_factory=Reading)


def fetch_mail(account: ImapAccount, known: Callable[[str], tuple[int | None, int]], since: dt.date | None,
               zone: dt.tzinfo | None, batch: int | None = None) -> Iterator[Batch]:
    """The new messages of each of account's folders, batch by batch.

    known(folder) is (UIDVALIDITY, last UID) from the last run, (None, 0) for none: then, and only
    then, since limits the search to mail from that day on. A folder whose UIDVALIDITY changed is
    read again in full (its emails are logged once anyway, by Message-ID). A folder the server
    does not have yields one batch with a skip. Raises PipeError with one clear line for a
    connection, certificate or login failure, or a connection lost on the way.
    """
    import imaplib

    batch = batch or BATCH
    connection = _connect(account)
    try:
        try:
            special = _special_use(connection)
            for folder in account.folders:
                yield from _folder(connection, account, folder, special.get(folder.lower()) or mailbox_name(folder),
                                   known(folder), since, zone, batch)
        except (imaplib.IMAP4.abort, OSError) as error:
            raise PipeError(f"imap: {account.host}: the connection was lost: {_said(error)}; "
                            "run pipe capture again to go on from where it stopped") from None
        except imaplib.IMAP4.error as error:
            raise PipeError(f"imap: {account.host}: the server refused: {_said(error)}") from None
    finally:
        try:
            connection.logout()
        except Exception:  # noqa: BLE001 - a connection already gone has nothing to close
            pass


def _connect(account: ImapAccount):
    import imaplib
    import ssl

    where = f"{account.host}:{account.port}"
    context = ssl.create_default_context()  # verifies the certificate and the host name
    try:
        if account.security == "tls":
            connection = imaplib.IMAP4_SSL(account.host, account.port, ssl_context=context, timeout=account.timeout)
        else:
            connection = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
            if account.security == "starttls":
                connection.starttls(ssl_context=context)
    except ssl.SSLCertVerificationError as error:
        raise PipeError(f"imap: {where}: the server's certificate is not trusted "
                        f"({error.verify_message or error.reason}); nothing was read") from None
    except ssl.SSLError as error:
        raise PipeError(f"imap: {where}: TLS failed: {error.reason or error}") from None
    except imaplib.IMAP4.error as error:  # no STARTTLS offered, say
        raise PipeError(f"imap: {where}: {_said(error)}") from None
    except OSError as error:
        raise PipeError(f"imap: cannot connect to {where}: {_said(error)}") from None
    try:
        if (account.user + account.password).isascii():
            connection.login(account.user, account.password)
        else:  # LOGIN is ASCII only (imaplib would raise); AUTHENTICATE PLAIN carries UTF-8
            connection.authenticate("PLAIN", lambda _: f"\0{account.user}\0{account.password}".encode())
    except imaplib.IMAP4.error as error:
        raise PipeError(f"imap: {account.user} at {account.host}: login refused ({_said(error)}); "
                        "check the user and the password") from None
    except OSError as error:
        raise PipeError(f"imap: {where}: the connection was lost at login: {_said(error)}") from None
    return connection


def _said(error: BaseException) -> str:
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(getattr(error, "strerror", None) or text).split())
    return text[:200] or type(error).__name__


def _special_use(connection) -> dict[str, str]:
    """'sent' -> the server's folder with the \\Sent attribute (RFC 6154), when it lists one: the
    member's 'Sent' may be 'Sent Items' or 'Gesendet' there."""
    status, lines = connection.list()
    found: dict[str, str] = {}
    if status != "OK":
        return found
    for line in lines:
        if not isinstance(line, bytes):
            continue  # a name sent as a literal: not one a special-use flag needs
        match = _LIST_LINE.match(line.decode("utf-8", "replace"))
        if not match:
            continue
        flags = {flag.lower() for flag in match.group("flags").split()}
        name = match.group("name")
        if name.startswith('"') and name.endswith('"'):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        if not name.isascii():
            continue  # modified UTF-7 is ASCII; a server's raw UTF-8 name is one imaplib cannot send back
        for use in ("sent",):
            if f"\\{use}" in flags:
                found.setdefault(use, name)
    return found


def mailbox_name(name: str) -> str:
    """A folder's name as IMAP spells it on the wire: modified UTF-7 (RFC 3501 5.1.3), so 'Geschäft'
    is 'Gesch&AOQ-ft' (imaplib sends ASCII only)."""
    import base64

    out: list[str] = []
    wide: list[str] = []

    def shift() -> None:
        if wide:
            encoded = base64.b64encode("".join(wide).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            wide.clear()

    for char in name:
        if " " <= char <= "~":
            shift()
            out.append("&-" if char == "&" else char)
        else:
            wide.append(char)
    shift()
    return "".join(out)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _folder(connection, account: ImapAccount, folder: str, mailbox: str, known: tuple[int | None, int],
            since: dt.date | None, zone: dt.tzinfo | None, batch: int) -> Iterator[Batch]:
    status, _ = connection.select(_quoted(mailbox), readonly=True)
    if status != "OK":
        reading = Reading(skipped=[Skipped(f"{account.name}/{folder}", "folder not on the server")])
        yield Batch(folder, known[0] or 0, known[1], 0, 0, reading)
        return
    said = connection.response("UIDVALIDITY")[1][0]
    # every server sends it (RFC 3501 requires it); one that does not is read in full each time
    validity = int(said) if said and said.isdigit() else 0
    if validity == 0:
        known = (None, 0)
    saved_validity, last = known
    first_time = saved_validity is None
    if saved_validity != validity:
        last = 0  # new folder, or the server renumbered it: read it all again
    criteria = f"UID {last + 1}:*"
    if first_time and since is not None:
        criteria += f" SINCE {since.day}-{_MONTHS[since.month - 1]}-{since.year}"
    status, data = connection.uid("SEARCH", criteria)
    if status != "OK":
        raise PipeError(f"imap: {account.host}: cannot search {folder}: {_said(Exception(data[0] if data else ''))}")
    # 'last+1:*' always holds the newest message, even when it is not newer than last
    words = b" ".join(d for d in data if isinstance(d, bytes)).split()
    if not all(word.isdigit() for word in words):  # RFC 3501: numbers only; anything else is a broken server
        raise PipeError(f"imap: {account.host}: the server's answer to a search in {folder} is not a list of "
                        "message numbers")
    uids = sorted(u for u in map(int, words) if u > last)
    if not uids:
        yield Batch(folder, validity, last, 0, 0)
        return
    for start in range(0, len(uids), batch):
        chunk = uids[start:start + batch]
        reading = Reading()
        status, data = connection.uid("FETCH", ",".join(map(str, chunk)),
                                      f"(UID BODY.PEEK[HEADER]<0.{MAX_HEADER_BYTES + 1}>)")
        if status != "OK":
            raise PipeError(f"imap: {account.host}: cannot fetch from {folder}")
        heads: dict[int, bytes] = {}
        for at, part in enumerate(data):
            if isinstance(part, tuple) and len(part) >= 2:
                # the server may send UID before the headers' literal or after it (RFC 3501 leaves
                # the order to it): then it is in the line that ends the answer
                after = data[at + 1] if at + 1 < len(data) and isinstance(data[at + 1], bytes) else b""
                uid = _FETCH_UID.search(part[0]) or _FETCH_UID.search(after)
                if uid:
                    heads[int(uid.group(1))] = part[1]
        for uid in chunk:
            add_message(reading, heads.get(uid), f"{account.name}/{folder} uid {uid}", zone)
        yield Batch(folder, validity, chunk[-1], start + len(chunk), len(uids), reading)
