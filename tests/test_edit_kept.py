"""pipe edit never loses what was typed: when .pipe/rejected/ cannot (or must not) be written, the
text goes to a fresh private temp file, or at worst to standard output, and the message says where and why."""

import errno
import os
import stat
import sys
import tempfile

import pytest

from pipecli.core.store import workspace as storage
from tests.conftest import simple_deal

TYPED = "not a deal at all: my precious notes\n"


@pytest.fixture
def edit_badly(make_workspace, run, monkeypatch, tmp_path):
    """edit_badly(spoil) -> (workspace, result, temp folder): spoil(workspace) breaks .pipe/rejected,
    then `pipe edit acme` runs with an $EDITOR script that writes TYPED, an edit pipe must refuse."""
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\nprintf '%s' '{TYPED}' > \"$1\"\n", encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    def go(spoil):
        workspace = make_workspace({"acme": simple_deal("acme")})
        before = workspace.deal_path("acme").read_bytes()
        spoil(workspace)
        result = run(workspace, "edit", "acme")
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1
        assert workspace.deal_path("acme").read_bytes() == before
        return workspace, result, temp

    return go


def _link_out(workspace, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace.root / ".pipe").mkdir()
    (workspace.root / ".pipe" / "rejected").symlink_to(outside)
    return outside


def _file_link_out(workspace, tmp_path):
    (workspace.root / ".pipe" / "rejected").mkdir(parents=True)
    (workspace.root / ".pipe" / "rejected" / "acme.md").symlink_to(tmp_path / "outside.md")


def _file_in_the_way(workspace, tmp_path):
    (workspace.root / ".pipe").mkdir()
    (workspace.root / ".pipe" / "rejected").write_text("in the way")


def _pipe_is_a_file(workspace, tmp_path):
    (workspace.root / ".pipe").write_text("in the way")


def _folder_in_the_way(workspace, tmp_path):
    (workspace.root / ".pipe" / "rejected" / "acme.md").mkdir(parents=True)


@pytest.mark.parametrize("spoil, why", [
    (_link_out, "outside the workspace, through a symbolic link"),
    (_file_link_out, ".pipe/rejected/acme.md is a symbolic link"),
    (_file_in_the_way, ".pipe/rejected: File exists"),
    (_pipe_is_a_file, ".pipe/rejected: Not a directory"),
    (_folder_in_the_way, ".pipe/rejected/acme.md: Is a directory"),
], ids=["folder-links-out", "file-links-out", "file-in-the-way", "pipe-is-a-file", "folder-in-the-way"])
def test_a_refused_usual_place_falls_back_to_a_private_temp_file_and_says_why(edit_badly, tmp_path, spoil, why):
    workspace, result, temp = edit_badly(lambda w: spoil(w, tmp_path))
    kept = list(temp.glob("pipe-rejected-acme-*.md"))
    assert len(kept) == 1 and kept[0].read_text() == TYPED
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert f"your edit is in {kept[0]} (not in .pipe/rejected/acme.md, because " in result.stderr
    assert why in result.stderr
    # nothing was written through a link, nor in place of what was in the way
    assert not (tmp_path / "outside.md").exists()
    assert not (tmp_path / "outside").exists() or not any((tmp_path / "outside").iterdir())


def test_a_read_only_rejected_folder_falls_back_and_says_why(edit_badly, tmp_path, monkeypatch):
    # Running as root, a chmod'ed folder is still writable: the refusal of a read-only file system is simulated.
    real = storage.write_atomic

    def read_only(path, content):
        if ".pipe/rejected" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, content)

    monkeypatch.setattr(storage, "write_atomic", read_only)
    workspace, result, temp = edit_badly(lambda w: None)
    kept = list(temp.glob("pipe-rejected-acme-*.md"))
    assert len(kept) == 1 and kept[0].read_text() == TYPED
    assert ".pipe/rejected/acme.md: Read-only file system" in result.stderr and str(kept[0]) in result.stderr


def test_when_the_temp_folder_fails_too_the_text_goes_to_standard_output(edit_badly, tmp_path, monkeypatch):
    real = tempfile.mkstemp
    calls = []

    def full_after_the_editor(*args, **kwargs):  # the editor's copy is made; the fallback finds the disk full
        calls.append(kwargs.get("prefix"))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", full_after_the_editor)
    workspace, result, temp = edit_badly(lambda w: _link_out(w, tmp_path))
    assert result.stdout == TYPED
    assert "your edit is printed on standard output" in result.stderr and "No space left on device" in result.stderr
    assert "outside the workspace" in result.stderr
    assert not list(temp.glob("pipe-rejected-*"))


def test_an_editor_that_fails_keeps_the_text_past_a_link_too(edit_badly, tmp_path, monkeypatch):
    editor = tmp_path / "failing.py"
    editor.write_text(f"import sys\nopen(sys.argv[1], 'w').write({TYPED!r})\nsys.exit(3)\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    workspace, result, temp = edit_badly(lambda w: _link_out(w, tmp_path))
    kept = list(temp.glob("pipe-rejected-acme-*.md"))
    assert len(kept) == 1 and kept[0].read_text() == TYPED and str(kept[0]) in result.stderr


def test_a_second_rejected_edit_keeps_the_first(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.delenv("VISUAL", raising=False)
    kept = []
    for n, text in enumerate(["first: not a deal\n", "second: not a deal either\n", "second: not a deal either\n"]):
        editor = tmp_path / f"editor{n}.sh"
        editor.write_text(f"#!/bin/sh\nprintf '%s' '{text}' > \"$1\"\n", encoding="utf-8")
        editor.chmod(0o755)
        monkeypatch.setenv("EDITOR", str(editor))
        result = run(workspace, "edit", "acme")
        assert result.exit_code == 1
        kept.append(result.stderr.split("your edit is in ")[1].split()[0].rstrip(";,"))
    rejected = workspace.root / ".pipe" / "rejected"
    assert (rejected / "acme.md").read_text() == "first: not a deal\n"
    assert (rejected / "acme.2.md").read_text() == "second: not a deal either\n"
    assert kept[2] == kept[1]  # the same text again is not kept twice
