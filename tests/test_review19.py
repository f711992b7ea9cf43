"""Review of issue 19's pipe capture: a credential in a CalDAV url, Ctrl-C mid-run, file vs server keys."""

from __future__ import annotations

import imaplib
import subprocess

import pytest

from pipecli.core.importing import imapfetch
from tests.conftest import committed_repository, failed, requires_dovecot, simple_deal
from tests.dovecot_server import dovecot  # noqa: F401
from tests.test_caldav import CONTACTS, PARIS, WEEKLY, WINDOW, account, log, radicale  # noqa: F401
from tests.test_capture_imap import LI, mail


def test_a_password_in_the_caldav_url_is_refused_and_never_shown(make_workspace, run, tmp_path, monkeypatch):
    config = tmp_path / "home" / "config.yaml"
    config.parent.mkdir()
    config.write_text("caldav: {url: 'https://maya:s3cret@localhost:1/dav/', user: maya, password_env: PW}\n",
                      encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("PW", "x")
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "capture")
    line = failed(result, "pipe: ")
    assert "s3cret" not in result.output and "s3cret" not in line
    assert "caldav.url" in line and "password" in line
    assert not (workspace.root / ".pipe" / "capture.json").exists()
