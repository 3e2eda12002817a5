"""Idempotency keys: a retried request gets the first response instead of doing the work twice.

A client sends ``Idempotency-Key: <unique string>`` with a request that changes something. The first
response is stored, in the same transaction as the change, with a fingerprint of what was asked. A
retry with the same key and the same request gets that stored response; the same key with a different
request is refused (:class:`IdempotencyKeyReusedError`). Keys belong to an organization and are
forgotten after :data:`RETENTION`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.errors import EngineError, IdempotencyKeyReusedError, InputError, at
from qualbridge.services.actor import Actor
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import IdempotencyKey

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
    """The stored response for ``key``, None if there is none (an expired one is forgotten here)."""
    row = uow.idempotency.get(actor.org_id, key)
    if row is None:
        return None
    if now - row.created_at > RETENTION:
        uow.session.delete(row)
        uow.session.flush()
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
