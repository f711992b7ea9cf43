"""The member's own config file, outside the workspace, and the passwords it points to."""

from __future__ import annotations

import dataclasses
import os
import shlex
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
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=PASSWORD_CMD_SECONDS)
    except FileNotFoundError:
        raise PipeError(f"{what}.password_cmd: no such command: {args[0]}") from None
    except subprocess.TimeoutExpired:
        raise PipeError(f"{what}.password_cmd: {args[0]} did not finish in {PASSWORD_CMD_SECONDS} s") from None
    except OSError as error:
        raise PipeError(f"{what}.password_cmd: cannot run {args[0]}: {error.strerror or error}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PipeError(f"{what}.password_cmd: {args[0]} failed (exit {done.returncode})"
                        + (f": {said[-1][:200]}" if said else ""))
    first = done.stdout.decode("utf-8", "replace").splitlines()
    if not first or not first[0]:
        raise PipeError(f"{what}.password_cmd: {args[0]} printed no password")
    return first[0]
