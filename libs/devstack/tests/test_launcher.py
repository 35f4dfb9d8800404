import contextlib
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devstack import Stack, free_port
from devstack.__main__ import main
from devstack.runstate import RunState

FAKES = Path(__file__).parent / "fakes"


def _alive(pid: int) -> bool:
    """Running (a zombie of this test process counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _pids_mentioning(text: str) -> list[int]:
    """Processes whose command line names `text` (nats-server and the sink name var/)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _recorded(var_dir: Path) -> list[int]:
    """The children a running launcher recorded under var/run (the fake KvK names no var dir)."""
    pids = []
    for path in (var_dir / "run").glob("*.pid"):
        if path.name != "stack.pid":
            with contextlib.suppress(OSError, ValueError, IndexError):
                pids.append(int(path.read_text().split()[0]))
    return pids


class Launcher:
    def __init__(self, var_dir: Path, port: int) -> None:
        self.var_dir = var_dir
        self.output = var_dir.parent / "launcher.out"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(FAKES), os.environ.get("PYTHONPATH", "")]),
        }
        for name in ("NATS_URL", "SMTP_URL", "LOG_FORMAT", "KVK_BASE_URL"):
            env.pop(name, None)
        with self.output.open("wb") as out:
            # Its own process group, like a shell job: killpg then reaches what Ctrl-C reaches.
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(FAKES / "fake_launcher.py"),
                    "run",
                    "--var-dir",
                    str(var_dir),
                    "--port",
                    str(port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_banner(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "Stop with Ctrl-C" not in self.text():
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.1)

    def child_pids(self) -> list[int]:
        services = [int(p.stem.split("-")[1]) for p in (self.var_dir / "fake").glob("env-*.json")]
        return sorted(set(services + _pids_mentioning(str(self.var_dir)) + _recorded(self.var_dir)))


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    started = Launcher(tmp_path / "var", free_port())
    try:
        yield started
    finally:
        if started.process.poll() is None:
            os.killpg(started.process.pid, signal.SIGKILL)
            started.process.wait()
        for pid in started.child_pids():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _stops_cleanly(launcher: Launcher, deliver: signal.Signals, to_group: bool) -> None:
    launcher.wait_for_banner()
    pids = launcher.child_pids()
    assert len(pids) >= 8  # five services, nats-server, the SMTP sink, the fake KvK
    if to_group:
        os.killpg(launcher.process.pid, deliver)
    else:
        launcher.process.send_signal(deliver)
    assert launcher.process.wait(60) == 0, launcher.text()
    assert not [pid for pid in pids if _alive(pid)]
    assert not list((launcher.var_dir / "fake").glob("sigint-*")), "Ctrl-C leaked to a child"
    assert not (launcher.var_dir / "run" / "stack.pid").exists()


def test_ctrl_c_in_the_terminal_stops_everything_cleanly(launcher: Launcher) -> None:
    _stops_cleanly(launcher, signal.SIGINT, to_group=True)
    text = launcher.text()
    assert "/schema" in text and "/asyncapi.json" in text and "own nats-server" in text
    assert "local fake KvK register" in text


def test_sigterm_to_the_launcher_stops_everything_cleanly(launcher: Launcher) -> None:
    _stops_cleanly(launcher, signal.SIGTERM, to_group=False)


def test_run_refuses_a_taken_gateway_port_and_suggests_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        code = main(["run", "--var-dir", str(tmp_path / "var"), "--port", str(port)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"Port {port}" in err and "--port" in err
    assert not (tmp_path / "var").exists()


def test_clean_removes_the_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True)
    (var / "mail" / "x.eml").write_text("x")
    assert main(["clean", "--var-dir", str(var)]) == 0
    assert not var.exists()
    assert main(["clean", "--var-dir", str(var)]) == 0


def test_clean_first_stops_what_a_dead_launcher_left_running(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    stack.start()
    assert stack.nats is not None
    pids = [p.pid for p in stack.processes.values()] + [stack.nats.pid or 0]
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (stack.var_dir / "run" / "stack.pid").write_text(f"{gone.pid} 1\n")
    assert main(["clean", "--var-dir", str(stack.var_dir)]) == 0
    assert not stack.var_dir.exists()
    assert not [pid for pid in pids if _alive(pid)]


def test_clean_refuses_while_a_launcher_runs_on_the_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "var"
    RunState(var).claim()  # this test process plays the running launcher
    assert main(["clean", "--var-dir", str(var)]) == 1
    assert var.exists()
    RunState(var).release()
    assert main(["clean", "--var-dir", str(var)]) == 0


class TerminalLauncher:
    """The launcher run in a pseudo-terminal, as `make run` in a shell would be."""

    def __init__(self, var_dir: Path, port: int) -> None:
        self.var_dir = var_dir
        self.buffer = bytearray()
        self.hung_up = threading.Event()
        argv = [sys.executable, str(FAKES / "fake_launcher.py"), "run"]
        argv += ["--var-dir", str(var_dir), "--port", str(port)]
        env = {**os.environ, "PYTHONPATH": str(FAKES)}
        for name in ("NATS_URL", "SMTP_URL", "LOG_FORMAT", "KVK_BASE_URL"):
            env.pop(name, None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: exec at once
            os.execve(sys.executable, argv, env)
        # Drain the terminal, or the launcher blocks once the pty buffer is full.
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        # select with a timeout: a read blocked on the fd would keep the pty open
        # after hang_up() closes it, and the launcher would never see the hang-up.
        while not self.hung_up.is_set():
            if not select.select([self.fd], [], [], 0.1)[0]:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.buffer += data

    def hang_up(self) -> None:
        self.hung_up.set()
        self.reader.join()
        os.close(self.fd)

    def text(self) -> str:
        return self.buffer.decode(errors="replace")

    def wait_for_banner(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "Stop with Ctrl-C" not in self.text():
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.1)

    def exit_code(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.1)
        raise AssertionError(f"launcher still running:\n{self.text()}")

    def child_pids(self) -> list[int]:
        services = [int(p.stem.split("-")[1]) for p in (self.var_dir / "fake").glob("env-*.json")]
        return sorted(set(services + _pids_mentioning(str(self.var_dir)) + _recorded(self.var_dir)))


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[TerminalLauncher]:
    started = TerminalLauncher(tmp_path / "var", free_port())
    try:
        yield started
    finally:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if os.waitpid(started.pid, os.WNOHANG)[0] == 0:
                os.kill(started.pid, signal.SIGKILL)
                os.waitpid(started.pid, 0)
        if not started.hung_up.is_set():
            started.hang_up()
        for pid in started.child_pids():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_typed_in_a_real_terminal_stops_everything_cleanly(
    terminal: TerminalLauncher,
) -> None:
    terminal.wait_for_banner()
    pids = terminal.child_pids()
    assert len(pids) >= 8
    os.write(terminal.fd, b"\x03")  # the tty driver turns it into SIGINT for the job
    assert terminal.exit_code() == 0, terminal.text()
    assert not [pid for pid in pids if _alive(pid)]
    assert not list((terminal.var_dir / "fake").glob("sigint-*")), "Ctrl-C leaked to a child"


def test_closing_the_terminal_stops_everything_cleanly(terminal: TerminalLauncher) -> None:
    terminal.wait_for_banner()
    pids = terminal.child_pids()
    terminal.hang_up()  # SIGHUP to the launcher; its writes to the tty fail from now on
    assert terminal.exit_code() == 0
    assert not [pid for pid in pids if _alive(pid)]
