"""Running the API: one uvicorn process, or several workers that share the connections evenly.

uvicorn's own workers listen on one socket, which every worker inherits. Whichever worker wakes first
accepts every connection waiting, so a burst of connections lands on one worker (32 connections opened
at once were seen split 31 to 1): its requests queue behind each other while the other worker's core
idles, and the slowest answers wait the longest. Here each worker binds a listening socket of its own
with ``SO_REUSEPORT`` and the kernel gives each new connection to one of them, chosen by a hash of the
connection's addresses: an even spread on average, whoever is awake. That is Linux's behaviour (other
systems send every connection to one of the sockets), so elsewhere the workers are uvicorn's.

The supervisor here starts the workers, restarts one that dies (unless it died starting: a worker that
cannot start would fail again), and stops them all on SIGINT or SIGTERM, each finishing its requests
as uvicorn does. A worker whose supervisor is killed outright stops by itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from qualbridge.errors import InputError, at

log = logging.getLogger("uvicorn.error")

#: How long the supervisor waits for a stopped worker to finish its requests before killing it.
STOP_TIMEOUT_S = 30.0


def balances_connections() -> bool:
    """Whether workers with sockets of their own get connections evenly (Linux's ``SO_REUSEPORT``)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def serve(app: str, *, host: str, port: int, workers: int = 1, **options: Any) -> None:
    """Serve the app factory ``app`` ("module:function") on ``host:port`` until SIGINT or SIGTERM.

    ``options`` are uvicorn's (``log_level``, ``http``, ``loop``…)."""
    if workers == 1 or not balances_connections():
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers, **options)
    _check_free(host, port)
    Supervisor(config, workers).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, which other sockets of this user may
    share (the kernel then spreads the connections between them)."""
    sock, address = _unbound_socket(host, port)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def _unbound_socket(host: str, port: int) -> tuple[socket.socket, Any]:
    """A TCP socket of the family ``host`` resolves to, and the address to bind it to."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.socket(family, kind, proto), address


def _check_free(host: str, port: int) -> None:
    """Refuse a port another server listens on: the workers' ``SO_REUSEPORT`` would otherwise share it
    with a server of the same user instead of failing."""
    probe, address = _unbound_socket(host, port)
    with probe:
        # A closed connection's TIME_WAIT is no server: only a listening socket makes the bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port}: {exc.strerror}", at(field="port"), expected="a free port"
            ) from exc


def _worker(config: uvicorn.Config) -> None:
    """One worker process: its own listening socket, then uvicorn's server on it."""
    config.configure_logging()  # a spawned process starts with none
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except Exception:
        if server.started:
            raise
        log.exception("worker [%s] could not start", os.getpid())  # the app factory failed, say
        sys.exit(STARTUP_FAILURE)


def _stop_when_orphaned(parent: int) -> None:
    """Stop this worker (as SIGTERM does: its requests finish) once its supervisor is gone, killed
    without the chance to stop it: no worker goes on serving unsupervised."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("worker [%s]: the supervisor is gone; stopping", os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    """Starts ``workers`` processes serving ``config``, keeps them running, stops them on a signal."""

    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.processes: list[BaseProcess] = []
        self.stopping = threading.Event()
        self.failed = False
        self._spawn = multiprocessing.get_context("spawn")

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self._start() for _ in range(self.workers)]
            while not self.stopping.wait(0.5):
                self.keep_alive()
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failed:
            sys.exit(STARTUP_FAILURE)

    def keep_alive(self) -> None:
        """Replace each worker that has died; stop everything if one could not start."""
        for n, process in enumerate(self.processes):
            if process.is_alive() or self.stopping.is_set():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("worker [%s] could not start; stopping", process.pid)
                self.failed = True
                self.stopping.set()
                return
            log.warning("worker [%s] ended (exit code %s); starting another", process.pid, process.exitcode)
            self.processes[n] = self._start()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in self.processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()

    def _start(self) -> BaseProcess:
        process = self._spawn.Process(target=_worker, args=(self.config,), name="qualbridge-worker")
        process.start()
        log.info("started worker [%s]", process.pid)
        return process

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()
