"""Uploads take turns within a worker process: ``QUALBRIDGE_INGEST_SLOTS`` at once (1 by default).

An upload's parse and store is Python work from start to end, and a process runs Python on one core at a
time. Ten uploads parsed at once in one process take no less time than one after the other, but each
then waits for the interpreter's lock between every step, and so does the one that holds the database's
write lock (SQLite's writer, PostgreSQL's log lock) while the others parse: every other writer of every
worker then waits for it too. So uploads wait for a slot of their worker's, holding no thread while they
wait (reads keep the thread pool), and run in the thread pool once they have one. More workers parse
more uploads at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from starlette.requests import Request

T = TypeVar("T")


def slots(count: int) -> CapacityLimiter:
    """The slots of one app (kept in ``app.state.ingests``)."""
    return CapacityLimiter(count)


async def in_slot(request: Request, work: Callable[[], T]) -> T:
    """``work`` (an upload's parse and store) in the thread pool once one of the worker's slots is free."""
    limiter: CapacityLimiter = request.app.state.ingests
    return await to_thread.run_sync(work, limiter=limiter)
