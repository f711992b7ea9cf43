"""What `pipe capture` has already read from each server: local to this clone, in .pipe/ (not in git).

.pipe/capture.json holds, per IMAP account and folder, the folder's UIDVALIDITY and the last UID
read, and, per CalDAV account, what its fetcher returned (a sync token or ETags):

    {"imap": {"maya@imap.example.com": {"INBOX": {"uidvalidity": 1700000000, "last_uid": 4182}}},
     "caldav": {"https://cal.example.com/dav/": {...}}}

It is read leniently: a missing, corrupt or strange file is an empty state, which means a full
rescan. That is safe because every email and meeting is logged once, by its Message-ID or UID.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipecli.core.store.workspace import CACHE_DIR, STATE_IGNORE, write_atomic

STATE_FILE = "capture.json"


def state_path(root: Path) -> Path:
    return root / CACHE_DIR / STATE_FILE


def read_state(root: Path) -> dict[str, Any]:
    """The saved state, or an empty one when there is none or it does not read."""
    try:
        data = json.loads(state_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"imap": {}, "caldav": {}}
    if not isinstance(data, dict):
        data = {}
    for part in ("imap", "caldav"):
        if not isinstance(data.get(part), dict):
            data[part] = {}
    return data


def folder_state(state: dict[str, Any], account: str, folder: str) -> tuple[int | None, int]:
    """(uidvalidity, last uid) of a folder; (None, 0) when unknown or not two 32-bit whole numbers."""
    saved = state["imap"].get(account, {})
    saved = saved.get(folder) if isinstance(saved, dict) else None
    if not isinstance(saved, dict):
        return None, 0
    validity, last = saved.get("uidvalidity"), saved.get("last_uid")
    # IMAP's UIDs and UIDVALIDITY are 32-bit (RFC 3501 2.3.1.1): a larger one read nothing, ever
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**32 for n in (validity, last)):
        return None, 0
    return validity, last


def set_folder_state(state: dict[str, Any], account: str, folder: str, validity: int, last_uid: int) -> None:
    accounts = state["imap"]
    if not isinstance(accounts.get(account), dict):
        accounts[account] = {}
    accounts[account][folder] = {"uidvalidity": validity, "last_uid": last_uid}


def write_state(root: Path, state: dict[str, Any]) -> None:
    """Replace the state file atomically: a kill leaves the old state or the new, never half."""
    path = state_path(root)
    path.parent.mkdir(exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():  # a workspace not made by pipe init: `git add -A` must still leave the state out
        write_atomic(ignore, STATE_IGNORE)
    write_atomic(path, json.dumps(state, indent=1, sort_keys=True) + "\n")
