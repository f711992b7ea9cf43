"""The member's own config file, outside the workspace, and the passwords it points to."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import signal
import subprocess
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.model.personal import Personal, Secret, parse_personal

PASSWORD_CMD_SECONDS = 30  # a password manager may ask for a passphrase; a hung one must not hang cron


def personal_config_path() -> Path:
    """$PIPE_CONFIG, else $XDG_CONFIG_HOME/pipe/config.yaml, else ~/.config/pipe/config.yaml."""
    named = os.environ.get("PIPE_CONFIG")
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pipe" / "config.yaml"


def read_personal(workspace_root: Path) -> tuple[Personal, Path]:
    """The member's settings and where they were read; PipeError when missing, unreadable, or inside the workspace."""
    path = personal_config_path()
    shown = str(path)
    try:
        inside = path.resolve().is_relative_to(workspace_root.resolve())
    except OSError:
        inside = False
    if inside:
        raise PipeError(f"{shown} is inside the workspace, which git shares: keep your own settings outside it "
                        "(~/.config/pipe/config.yaml, or PIPE_CONFIG naming a file elsewhere)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PipeError(f"no personal config: write {shown} with an imap: section (see docs/capture.md)") from None
    except UnicodeDecodeError:
        raise PipeError(f"{shown}: not UTF-8 text") from None
    except OSError as error:
        raise PipeError(f"{shown}: cannot read: {error.strerror or error}") from None
    return parse_personal(text, shown), path


def with_password(account, what: str):
    """account (an ImapAccount or CalDavAccount) with its password fetched from its Secret."""
    return dataclasses.replace(account, password=fetch_password(account.secret, what))


def fetch_password(secret: Secret, what: str) -> str:
    """The password of secret: its environment variable, or the first line its command prints (run
    without a shell, as mbsync's PassCmd). PipeError naming what failed, never the password."""
    if secret.env is not None:
        value = os.environ.get(secret.env)
        if not value:
            raise PipeError(f"{what}.password_env: the environment variable {secret.env} is not set")
        return value
    assert secret.cmd is not None
    try:
        args = shlex.split(secret.cmd)
    except ValueError as error:
        raise PipeError(f"{what}.password_cmd: cannot split the command: {error}") from None
    if not args:
        raise PipeError(f"{what}.password_cmd is empty")
    # Messages never quote the command or what it wrote to stderr: a password pasted as the command,
    # or echoed by a failing helper, would land in a terminal or a CI log. The user runs it by hand to see.
    try:
        # its own session, so a helper that leaves a child holding the pipe is ended with it
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    except FileNotFoundError:
        raise PipeError(f"{what}.password_cmd: its command is not found (run it by hand to check)") from None
    except OSError as error:
        raise PipeError(f"{what}.password_cmd: its command cannot run: {error.strerror or error}") from None
    try:
        process.wait(timeout=PASSWORD_CMD_SECONDS)  # the helper itself; a password is a line, never a full pipe
    except subprocess.TimeoutExpired:
        _end_group(process)
        raise PipeError(f"{what}.password_cmd did not finish in {PASSWORD_CMD_SECONDS} s") from None
    _end_group(process)  # a child it left in the background would hold the pipe open
    try:
        output, _ = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.stdout.close()
        raise PipeError(f"{what}.password_cmd left a process of its own session holding its output") from None
    if process.returncode != 0:
        raise PipeError(f"{what}.password_cmd failed (exit {process.returncode}); run it by hand to see why")
    first = output.decode("utf-8", "replace").splitlines()
    if not first or not first[0]:
        raise PipeError(f"{what}.password_cmd printed no password")
    return first[0]


def _end_group(process: subprocess.Popen) -> None:
    """End what is left of password_cmd's session (a child it started in the background), and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
