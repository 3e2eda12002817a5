"""``qualbridge serve --workers N`` (``qualbridge.serving``): each worker listens on a socket of its
own and the kernel spreads connections between them; the supervisor replaces a worker that dies, stops
when one cannot start, and stops its workers on SIGTERM. Real processes on a free loopback port."""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualbridge import serving
from qualbridge.errors import InputError

pytestmark = pytest.mark.skipif(
    not serving.balances_connections(), reason="SO_REUSEPORT spreads connections only on Linux"
)

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(factory: str, port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    code = (
        "from qualbridge import serving; "
        f"serving.serve({factory!r}, host='127.0.0.1', port={port}, workers={workers}, log_level='warning')"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE)


def _ask(connection: socket.socket) -> int:
    """One request on an open connection; the pid of the worker that answered."""
    connection.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        chunk = connection.recv(4096)
        if not chunk:  # a worker that died with the connection in its queue: the caller may retry
            raise ConnectionResetError("the server closed the connection")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200"), head
    return int(body)


def _pids(port: int, connections: int) -> list[int]:
    """Open ``connections`` connections at once (as a load generator does), then ask on each."""
    opened = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(connections)]
    try:
        return [_ask(c) for c in opened]
    finally:
        for c in opened:
            c.close()


def _serving_pids(port: int, workers: int, deadline_s: float = 30) -> set[int]:
    """Wait until ``workers`` distinct workers answer; their pids."""
    deadline = time.monotonic() + deadline_s
    seen: set[int] = set()
    while len(seen) < workers:
        assert time.monotonic() < deadline, f"only {len(seen)} of {workers} workers answered"
        try:
            seen |= set(_pids(port, 8))
        except OSError:
            time.sleep(0.1)
    return seen


def _running(pid: int) -> bool:
    """Whether a process runs (not ended, nor ended and waiting to be reaped)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    process = _start("tests.pid_app:create_app", port)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=60)  # its workers hold its stderr open until they end


def test_workers_share_a_burst_of_connections(server: tuple[subprocess.Popen[bytes], int]) -> None:
    _, port = server
    workers = _serving_pids(port, 2)
    counts = collections.Counter(_pids(port, 32))
    assert set(counts) == workers
    # Spread by a hash of each connection's ports: binomial(32, 1/2), so a split beyond 26:6 has a
    # probability near 1e-4. uvicorn's shared socket gave one worker 31 of 32 such connections.
    assert max(counts.values()) <= 26, counts


def test_a_worker_that_dies_is_replaced(server: tuple[subprocess.Popen[bytes], int]) -> None:
    _, port = server
    first = _serving_pids(port, 2)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _running(victim):
        assert time.monotonic() < deadline, "the killed worker did not end"
        time.sleep(0.05)
    while True:
        now = _serving_pids(port, 2)
        if victim not in now:
            break
        assert time.monotonic() < deadline, "the dead worker was not replaced"
    assert len(now) == 2
    assert (first - {victim}) < now  # the other worker served on


def test_sigterm_stops_the_workers(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    workers = _serving_pids(port, 2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()  # ended, and reaped by the supervisor
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_workers_stop_when_the_supervisor_is_killed(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    _serving_pids(port, 2)
    process.kill()
    process.communicate(timeout=30)  # returns once no worker holds the pipe to its stderr
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_worker_that_cannot_start_stops_the_server() -> None:
    process = _start("tests.pid_app:broken", _free_port())
    try:
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 3  # uvicorn's exit code for a failed start
    assert b"could not start" in err


def test_a_port_in_use_is_refused_before_any_worker_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
            serving.serve("tests.pid_app:create_app", host="127.0.0.1", port=port, workers=2)
