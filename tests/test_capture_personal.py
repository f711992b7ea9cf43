"""pipe capture's settings: the member's own config file outside the workspace, passwords from the
environment or a command, never from a file, and no plain-text connection but to this machine."""

from __future__ import annotations

import socket
import sys
import textwrap
import time

import pytest

from pipecli.core.model.personal import Secret
from pipecli.core.store import personal
from tests.conftest import failed, simple_deal


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", contacts="\n- {name: Li Na, email: li@acme.example}")})


def closed_port() -> int:
    """A loopback port nothing listens on: a connection there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def imap_config(tmp_path, monkeypatch, imap: str, name: str = "mine.yaml"):
    path = write_config(tmp_path / "home" / name, f"imap: {imap}\n")
    monkeypatch.setenv("PIPE_CONFIG", str(path))
    return path


def test_no_personal_config_says_where_to_write_it(run, workspace, tmp_path):
    failed(run(workspace, "capture"), "no personal config", str(tmp_path / "no-xdg-config" / "pipe" / "config.yaml"),
           "docs/capture.md")


def test_xdg_config_home_is_read(run, workspace, tmp_path, monkeypatch):
    write_config(tmp_path / "xdg" / "pipe" / "config.yaml", "imap: {host: imap.example.com, user: li, password: x}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    failed(run(workspace, "capture"), f"{tmp_path / 'xdg' / 'pipe' / 'config.yaml'}:1:", "never write a password")


def test_a_password_in_the_personal_config_is_refused_at_its_line(run, workspace, tmp_path, monkeypatch):
    path = write_config(tmp_path / "home" / "c.yaml", """\
        imap:
          host: imap.example.com
          user: li
          password: hunter2
        """)
    monkeypatch.setenv("PIPE_CONFIG", str(path))
    line = failed(run(workspace, "capture"), f"{path}:4:", "password_env", "password_cmd")
    assert "hunter2" not in line


def test_a_config_file_inside_the_workspace_is_refused(run, workspace, monkeypatch):
    path = write_config(workspace.root / "secrets" / "pipe.yaml",
                        "imap: {host: imap.example.com, user: li, password_env: PW}\n")
    monkeypatch.setenv("PIPE_CONFIG", str(path))
    failed(run(workspace, "capture"), "is inside the workspace")


def test_a_password_anywhere_in_pipelines_yaml_is_refused(run, make_workspace):
    from tests.conftest import CONFIG

    workspace = make_workspace(config=CONFIG + "imap: {host: imap.example.com, user: li, password: hunter2}\n")
    result = run(workspace, "check")
    assert result.exit_code == 1
    assert "never write a password in pipelines.yaml" in result.stdout + result.stderr
    line = failed(run(workspace, "capture"), "never write a password in pipelines.yaml")
    assert "hunter2" not in line


def test_plain_text_is_refused_to_another_machine(run, workspace, tmp_path, monkeypatch):
    imap_config(tmp_path, monkeypatch, "{host: imap.example.com, security: none, user: li, password_env: PW}")
    failed(run(workspace, "capture"), "imap.security none", "refused for imap.example.com", "tls or starttls")


def test_plain_text_to_a_loopback_address_is_allowed(run, workspace, tmp_path, monkeypatch):
    port = closed_port()
    imap_config(tmp_path, monkeypatch, f"{{host: 127.0.0.1, port: {port}, security: none, user: li, password_env: PW}}")
    monkeypatch.setenv("PW", "secret")
    failed(run(workspace, "capture"), f"imap: cannot connect to 127.0.0.1:{port}")


def test_plain_http_caldav_is_refused_to_another_machine(run, workspace, tmp_path, monkeypatch):
    path = write_config(tmp_path / "home" / "c.yaml",
                        "caldav: {url: 'http://cal.example.com/dav/', user: li, password_env: PW}\n")
    monkeypatch.setenv("PIPE_CONFIG", str(path))
    failed(run(workspace, "capture"), "caldav.url is plain http", "use https")


def test_an_unknown_security_is_refused(run, workspace, tmp_path, monkeypatch):
    path = imap_config(tmp_path, monkeypatch, "{host: imap.example.com, security: ssl, user: li, password_env: PW}")
    failed(run(workspace, "capture"), f"{path}:1:", "imap.security must be one of tls, starttls, none")


def test_a_password_source_is_required(run, workspace, tmp_path, monkeypatch):
    imap_config(tmp_path, monkeypatch, "{host: imap.example.com, user: li}")
    failed(run(workspace, "capture"), "imap needs one of password_env or password_cmd")


def test_an_unset_password_env_is_one_line(run, workspace, tmp_path, monkeypatch):
    imap_config(tmp_path, monkeypatch, "{host: imap.example.com, user: li, password_env: PIPE_TEST_NO_SUCH_VAR}")
    monkeypatch.delenv("PIPE_TEST_NO_SUCH_VAR", raising=False)
    failed(run(workspace, "capture"), "imap.password_env", "PIPE_TEST_NO_SUCH_VAR is not set")


def test_a_failing_password_cmd_is_one_line_without_its_output(run, workspace, tmp_path, monkeypatch):
    script = tmp_path / "vault.py"
    # what a failing helper writes to stderr may be the secret itself: it is never repeated (CI logs keep it)
    script.write_text("import sys\nprint('hunter2')\nsys.exit('vault locked: hunter3')\n", encoding="utf-8")
    imap_config(tmp_path, monkeypatch, f"{{host: imap.example.com, user: li, password_cmd: '{sys.executable} {script}'}}")
    result = run(workspace, "capture")
    failed(result, "imap.password_cmd failed (exit 1); run it by hand to see why")
    assert "hunter" not in result.stdout + result.stderr


@pytest.mark.parametrize("setting", ["password_cmd: hunter2", "password_env: 'hunter2!'"])
def test_a_password_pasted_in_place_of_the_setting_is_never_repeated(run, workspace, tmp_path, monkeypatch, setting):
    imap_config(tmp_path, monkeypatch, f"{{host: imap.example.com, user: li, {setting}}}")
    result = run(workspace, "capture")
    failed(result, "imap.password_")
    assert "hunter2" not in result.stdout + result.stderr


def test_a_password_cmd_leaving_a_child_behind_gives_its_password_at_once(tmp_path):
    # sh prints the password and exits; the sleep it left would hold the pipe open for a minute
    started = time.monotonic()
    assert personal.fetch_password(Secret(cmd="sh -c 'sleep 60 & echo pw'"), "imap") == "pw"
    assert time.monotonic() - started < 10


def test_a_missing_password_cmd_is_one_line(run, workspace, tmp_path, monkeypatch):
    imap_config(tmp_path, monkeypatch, "{host: imap.example.com, user: li, password_cmd: 'no-such-pass-tool show'}")
    failed(run(workspace, "capture"), "imap.password_cmd: its command is not found (run it by hand to check)")


def test_a_hung_password_cmd_times_out(run, workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(personal, "PASSWORD_CMD_SECONDS", 0.5)
    imap_config(tmp_path, monkeypatch, "{host: imap.example.com, user: li, password_cmd: 'sleep 30'}")
    failed(run(workspace, "capture"), "imap.password_cmd did not finish in 0.5 s")


def test_password_cmd_runs_without_a_shell_and_its_first_line_is_the_password(tmp_path):
    from pipecli.core.model.personal import Secret

    marker = tmp_path / "touched"
    # with a shell, '; touch' would run; without one it is an argument that printf prints
    secret = Secret(cmd=f"printf '%s\\nsecond line\\n' 'pa ss;touch {marker}'")
    assert personal.fetch_password(secret, "imap") == f"pa ss;touch {marker}"
    assert not marker.exists()


def test_password_cmd_is_used_to_log_in(run, workspace, tmp_path, monkeypatch):
    port = closed_port()
    imap_config(tmp_path, monkeypatch, f"{{host: localhost, port: {port}, security: none, user: li, "
                                        f"password_cmd: 'echo secret'}}")
    failed(run(workspace, "capture"), f"imap: cannot connect to localhost:{port}")


def test_a_search_answer_that_is_not_numbers_is_one_line_not_a_traceback():
    from pipecli.core.errors import PipeError
    from pipecli.core.importing import imapfetch
    from pipecli.core.model.personal import ImapAccount

    class Broken:
        def select(self, name, readonly):
            return "OK", [b"3"]

        def response(self, name):
            return name, [b"7"]

        def uid(self, command, criteria):
            return "OK", [b"1 2 three"]

    account = ImapAccount("imap.example.com", 993, "tls", "li", Secret(env="PW"))
    with pytest.raises(PipeError, match="the server's answer to a search in INBOX is not a list of message numbers"):
        list(imapfetch._folder(Broken(), account, "INBOX", "INBOX", (7, 0), None, None, 200))


def test_the_capture_state_folder_ignores_itself_in_a_workspace_pipe_init_did_not_make(tmp_path):
    import subprocess

    from pipecli.core.store.capturestate import write_state

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_state(tmp_path, {"imap": {"li": {"INBOX": {"uidvalidity": 7, "last_uid": 3}}}})
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    assert (tmp_path / ".pipe" / "capture.json").is_file() and status == ""
