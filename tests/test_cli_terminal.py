"""The real `phonefleet` entry point as a user meets it: a terminal, a pipe, Ctrl-C, a hung vendor.

Each test runs the installed console script in a child process, on a
pseudo-terminal with a set window size or on pipes. Nothing here sleeps:
the tests wait on the child and on events the loopback server sets.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
E164 = re.compile(r"\+\d{8,15}")
SCRIPT = shutil.which("phonefleet", path=str(Path(sys.executable).parent)) or "phonefleet"
SECRET = "sk_live_0123456789abcdef"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def on_terminal(*args: str, cols: int, rows: int = 60, timeout: float = 60) -> tuple[int, str]:
    """Run the command on a pseudo-terminal `cols` wide; its screen output, ANSI codes removed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        [SCRIPT, *args], stdin=slave, stdout=slave, stderr=slave, env=_env(), close_fds=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return code, ANSI.sub("", text)


def in_pipe(
    *args: str, stdin: int | None = subprocess.DEVNULL, text_in: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args],
        input=text_in,
        stdin=None if text_in is not None else stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )


def _numbers(provider: str) -> list[str]:
    """The numbers the child will see: `emulator:NAME` is seeded the same in every process."""
    from phonefleet.cli import _stores

    with _stores.connect(provider) as store:
        return [n.number for n in store.list()]


# -- a terminal, 80 columns and wide ---------------------------------------------
def _table_lines(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if line.strip()]


def test_eighty_columns_fit_without_cutting_a_title_or_a_number() -> None:
    code, screen = on_terminal("list", "emulator:gravityrail", cols=80)
    assert code == 0, screen
    lines = _table_lines(screen)
    assert max(len(line) for line in lines) <= 80
    assert "…" not in screen  # nothing ellipsised
    header = next(line for line in lines if "number" in line and "┃" in line)
    titles = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert titles[:3] == ["number", "name", "forwarding"]
    assert "provider" not in titles  # one provider: it is in the title, not on every row
    assert "link" in titles  # some numbers are linked
    assert "reputation" not in titles  # none has a reputation
    assert set(_numbers("emulator:gravityrail")) <= set(E164.findall(screen))
    # a number's cell holds the whole number
    for line in lines:
        if line.startswith("│ +"):
            assert E164.fullmatch(line.split("│")[1].strip())


def test_a_wide_terminal_keeps_every_column_in_full() -> None:
    code, screen = on_terminal("list", "emulator:gravityrail", cols=200)
    assert code == 0, screen
    header = next(line for line in screen.splitlines() if "┃" in line and "number" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")][:2] == ["provider", "number"]
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", screen)  # a whole link


def test_empty_results_are_one_line_on_a_terminal() -> None:
    code, screen = on_terminal("list", "emulator:linq", "--archived", cols=80)
    assert code == 0
    assert screen.strip() == "no numbers"


def test_the_spinner_counts_attempts_on_a_terminal(hung_server: HungServer) -> None:
    # the interpreter's own start-up, measured the same way, so a loaded machine
    # does not read as a late deadline
    started = time.monotonic()
    in_pipe("--version")
    start_up = time.monotonic() - started
    started = time.monotonic()
    code, screen = on_terminal(*hung_server.linq("list"), "-o", "timeout=2", cols=100)
    assert code == 1
    assert time.monotonic() - started - start_up < 6  # the bound, the start-up aside
    assert "attempt 2" in screen
    assert re.search(r"error: linq did not answer within 2 s \(\d+ attempts\)", screen)


# -- pipes -------------------------------------------------------------------------
def test_a_pipe_gets_plain_rows() -> None:
    result = in_pipe("list", "emulator:gravityrail")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "provider\tnumber\tname\tforwarding\ttype\tcaps\tstate\treputation\tlink"
    assert len(lines) == 26
    assert {len(line.split("\t")) for line in lines} == {9}
    for line in lines:
        assert line == line.rstrip()  # no padding, no trailing spaces
        assert not set(line) & set("│┃━─┏┗")
    assert sorted(line.split("\t")[1] for line in lines[1:]) == sorted(_numbers("emulator:gravityrail"))


def test_migrate_apply_into_a_file_has_no_progress_frames(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    result = in_pipe(
        "migrate",
        "--from",
        "emulator:linq",
        "--to",
        "emulator:gravityrail",
        "--apply",
        "--journal",
        str(journal),
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout
    assert "\x1b" not in result.stdout
    assert not set(result.stdout) & set("━│┃")
    assert "0/0" not in result.stdout
    assert re.search(r"^\d+ done, 0 already done", result.stdout, re.MULTILINE)
    assert result.stdout.splitlines()[-1] == f"journal: {journal}"


def test_a_closed_pipe_ends_quietly() -> None:
    """`phonefleet demo | head -2`, at its hardest: the reader is gone before the first line."""
    proc = subprocess.Popen(
        [SCRIPT, "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_env()
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 141)
    assert err == b""


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "phonefleet", "list", "emulator:linq", "--json"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 25


# -- stdin, usage errors -------------------------------------------------------------
def test_closed_stdin_on_a_confirmation_is_one_line() -> None:
    number = _numbers("emulator:gravityrail")[-1]
    result = in_pipe("archive", "emulator:gravityrail", number)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "error: no answer to confirm; pass --yes\n",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("list", "emulator:linq", "--bogus"), "no such option: --bogus"),
        (("list", "emulator:linq", "-o", SECRET), "-o/--option takes key=value"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    result = in_pipe(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert words in result.stderr
    assert SECRET not in result.stderr
    assert "numbers.csv" not in result.stderr


# -- a hung vendor, Ctrl-C -------------------------------------------------------------
class HungServer:
    """A loopback server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def linq(self, command: str) -> list[str]:
        return [command, "linq", "-o", f"api_key={SECRET}", "-o", f"base_url=http://127.0.0.1:{self.port}"]

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def hung_server() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


def test_a_hung_vendor_ends_at_the_timeout_in_words(hung_server: HungServer) -> None:
    """`--timeout` here; `-o timeout=` in the terminal test above."""
    # the interpreter's own start-up, measured the same way, so a loaded machine
    # does not read as a late deadline
    started = time.monotonic()
    in_pipe("--version")
    start_up = time.monotonic() - started
    started = time.monotonic()
    result = in_pipe(*hung_server.linq("list"), "--timeout", "2")
    elapsed = time.monotonic() - started - start_up
    assert result.returncode == 1
    assert re.fullmatch(r"error: linq did not answer within 2 s \((\d+) attempts?\)\n", result.stderr)
    assert hung_server.accepted.is_set()
    assert elapsed < 2 * 2 + 1  # about the bound (under 2x), the start-up aside
    assert SECRET not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("debug", [False, True])
def test_ctrl_c_exits_130_with_one_line(hung_server: HungServer, debug: bool) -> None:
    args = [*hung_server.linq("list"), *(["--debug"] if debug else [])]
    proc = subprocess.Popen(
        [SCRIPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_env()
    )
    try:
        assert hung_server.accepted.wait(timeout=60)  # the request is out and waiting
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert out == b""
    lines = err.decode().splitlines()
    assert lines[-1] == "error: interrupted"
    if not debug:
        assert len(lines) == 1
    else:
        assert "Traceback" in lines[0]
