"""pipe capture's caldav: section, wired to core/importing/caldavfetch.py by its contract:
fetch_events(account, state, window, zone) -> (Reading, state to keep). The reader itself and its
tests on a real server are its own; here a stand-in module pins what the command does with it."""

from __future__ import annotations

import datetime as dt
import json
import sys
import types

import pytest

from pipecli.cli.capture import CALDAV_MODULE
from pipecli.core.importing.capture import Captured, Reading
from tests.conftest import simple_deal

URL = "https://cal.example.com/dav/"


@pytest.fixture
def workspace(make_workspace, tmp_path, monkeypatch):
    path = tmp_path / "home" / "pipe.yaml"
    path.parent.mkdir()
    path.write_text(f"caldav: {{url: '{URL}', user: li, password_env: PIPE_TEST_CAL, calendars: [Work]}}\n")
    monkeypatch.setenv("PIPE_CONFIG", str(path))
    monkeypatch.setenv("PIPE_TEST_CAL", "secret")
    return make_workspace({"acme": simple_deal("acme", contacts="\n- {name: Li Na, email: li@acme.example}")})


def test_the_meetings_read_are_logged_and_the_readers_state_kept_for_the_next_run(run, workspace, monkeypatch):
    calls = []

    def fetch_events(account, state, window, zone):
        calls.append((account.url, account.user, account.password, account.calendars, state, window))
        meeting = Captured("meeting", "uid-1@cal.example.com", dt.date(2026, 11, 24), "14:00", "Demo",
                           "li@acme.example", ("alice@example.com",), "Work", minutes=30)
        return Reading(items=[meeting] if not state else []), {"token": f"t{len(calls)}"}

    monkeypatch.setitem(sys.modules, CALDAV_MODULE, types.SimpleNamespace(fetch_events=fetch_events))
    result = run(workspace, "capture")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("acme: logged meeting in of 2026-11-24 14:00 by alice: Demo\n"
                             "capture li@cal.example.com: 1 meeting logged on 1 deal\n")
    assert calls[0] == (URL, "li", "secret", ("Work",), {}, (dt.date(2026, 10, 28), dt.date(2027, 1, 26)))
    saved = json.loads((workspace.root / ".pipe" / "capture.json").read_text())
    assert saved["caldav"] == {URL: {"token": "t1"}}
    result = run(workspace, "capture", "--since", "2026-11-01")
    assert result.stdout == "capture li@cal.example.com: 0 meetings logged on 0 deals\n"
    assert calls[1][4:] == ({"token": "t1"}, (dt.date(2026, 11, 1), dt.date(2027, 1, 26)))
