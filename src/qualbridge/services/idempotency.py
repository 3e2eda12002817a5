"""Idempotency keys: a retried request gets the first response instead of doing the work twice.

A client sends ``Idempotency-Key: <unique string>`` with a request that changes something. The first
response is stored, in the same transaction as the change, with a fingerprint of what was asked. A
retry with the same key and the same request gets that stored response; the same key with a different
request is refused (:class:`IdempotencyKeyReusedError`). Keys belong to an organization and are
forgotten after :data:`RETENTION`.

Evidence intake uses :func:`lookup` and :func:`remember` around its own steps; the other state-changing
use cases (packages, grants, evaluations) wrap their write transaction in :func:`write_once`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from pydantic import BaseModel

from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.errors import EngineError, IdempotencyKeyReusedError, InputError, at
from qualbridge.services.actor import Actor
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import IdempotencyKey

if TYPE_CHECKING:
    from qualbridge.services.context import Context

R = TypeVar("R", bound=BaseModel)
P = ParamSpec("P")

RETENTION = dt.timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: bytes


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise InputError(
            "an Idempotency-Key is 1 to 255 visible ASCII characters",
            at(field="Idempotency-Key"),
            expected="e.g. a UUID",
        )
    return key


def fingerprint(operation: str, request: dict[str, Any], *, field: str) -> str:
    """sha256 of the canonical JSON of what the request asked for; ``field`` is blamed for a value that
    JSON cannot carry (NaN, infinity)."""
    try:
        return sha256_hex(canonical_json({"operation": operation, "request": request}))
    except (EngineError, TypeError, ValueError) as exc:
        raise InputError(f"a value JSON cannot carry: {exc}", at(field=field)) from exc


def lookup(uow: UnitOfWork, actor: Actor, key: str, fp: str, *, now: dt.datetime) -> Replay | None:
    """The stored response for ``key``, None if there is none; in a write transaction, before the
    response is remembered (an expired one is forgotten here)."""
    row = uow.idempotency.get(actor.org_id, key)
    if row is not None and now - row.created_at > RETENTION:
        uow.session.delete(row)
        uow.session.flush()
        return None
    return _replay_of(row, fp)


def peek(uow: UnitOfWork, actor: Actor, key: str, fp: str, *, now: dt.datetime) -> Replay | None:
    """:func:`lookup` in a read transaction: an expired response counts as none and is left for
    :func:`lookup` to forget."""
    row = uow.idempotency.get(actor.org_id, key)
    if row is not None and now - row.created_at > RETENTION:
        return None
    return _replay_of(row, fp)


def _replay_of(row: IdempotencyKey | None, fp: str) -> Replay | None:
    if row is None:
        return None
    if row.fingerprint != fp:
        raise IdempotencyKeyReusedError(
            "this Idempotency-Key was used for a different request", at(field="Idempotency-Key")
        )
    return Replay(status=row.status, body=row.body)


def remember(uow: UnitOfWork, actor: Actor, key: str, fp: str, replay: Replay, *, now: dt.datetime) -> None:
    uow.idempotency.add(
        IdempotencyKey(
            org_id=actor.org_id,
            key=key,
            fingerprint=fp,
            status=replay.status,
            body=replay.body,
            created_at=now,
        )
    )


@dataclass(frozen=True, slots=True)
class Once(Generic[R]):
    """A use case's record, and whether it is the stored answer to an earlier request with the same key."""

    record: R
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Guard:
    """One request's Idempotency-Key (None: the client sent none) and the fingerprint of what it asks."""

    key: str | None
    fingerprint: str

    @classmethod
    def of(cls, key: str | None, operation: str, request: Mapping[str, Any]) -> Guard:
        checked = check_key(key) if key is not None else None
        return cls(checked, fingerprint(operation, dict(request), field="body"))


def replayed(ctx: Context, actor: Actor, guard: Guard, model: type[R]) -> Once[R] | None:
    """The stored answer to this key, checked before any slow work (None: do the work)."""
    if guard.key is None:
        return None
    with ctx.transaction() as uow:
        found = peek(uow, actor, guard.key, guard.fingerprint, now=ctx.clock())
    return None if found is None else Once(model.model_validate_json(found.body), replayed=True)


def write_once(
    ctx: Context,
    actor: Actor,
    guard: Guard,
    model: type[R],
    work: Callable[[UnitOfWork], R],
    *,
    status: int = 201,
) -> Once[R]:
    """Run ``work`` in a write transaction that also stores its answer under the key; a retry that
    arrives while the first request is still running finds that answer here and gets it instead (two
    at the very same instant: the unique key makes one transaction fail, and its re-run replays)."""

    def run(uow: UnitOfWork) -> Once[R]:
        now = ctx.clock()
        if guard.key is not None:
            found = lookup(uow, actor, guard.key, guard.fingerprint, now=now)
            if found is not None:
                return Once(model.model_validate_json(found.body), replayed=True)
        record = work(uow)
        if guard.key is not None:
            body = record.model_dump_json().encode()
            remember(uow, actor, guard.key, guard.fingerprint, Replay(status, body), now=now)
        return Once(record)

    return ctx.write(run)


def records(use_case: Callable[P, Once[R]]) -> Callable[P, R]:
    """The use case answering with its record alone, for callers that do not ask whether it was a replay
    (other use cases, the CLI, seeding, tests)."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return use_case(*args, **kwargs).record

    return run
