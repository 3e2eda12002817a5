"""A short-lived cache of verified API tokens, so that a burst of reads does not look the same token up in
the database for every request.

Keyed by the token's sha256 (never the secret), an entry holds the actor the token stood for when it was
verified, the token's expiry and the moment the entry stops counting. What it does not change:

- an expired token is refused at once (the expiry is checked on every hit, against the service's clock);
- a token revoked through this process (``DELETE /tokens/{id}``) is dropped from the cache at once;
- a revocation by another worker process, a disabled user or a changed role counts after at most
  ``ttl`` seconds (``QUALBRIDGE_TOKEN_CACHE_SECONDS``, default 5; 0 turns the cache off).

Unknown, revoked or expired tokens are never cached: a wrong guess always costs a database lookup.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from qualbridge.services.actor import Actor

#: Entries kept at most; the oldest go first when it is full.
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    actor: Actor
    expires_at: dt.datetime
    fresh_until: float


@dataclass
class TokenCache:
    ttl: float = 5.0
    #: Monotonic seconds; a test seam.
    monotonic: Callable[[], float] = time.monotonic
    _entries: dict[str, _Entry] = field(default_factory=dict, repr=False)
    #: Tokens revoked here in the last ``ttl`` seconds: a lookup that began before the revocation
    #: committed must not put one back.
    _revoked: dict[uuid.UUID, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, token_sha256: str, now: dt.datetime) -> Actor | None:
        """The cached actor for a verified token, or None (unknown here, stale, or expired since)."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(token_sha256)
        if entry is None:
            return None
        if entry.fresh_until <= self.monotonic() or entry.expires_at <= now:
            with self._lock:
                self._entries.pop(token_sha256, None)
            return None
        return entry.actor

    def put(self, token_sha256: str, actor: Actor, expires_at: dt.datetime) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if self._revoked.get(actor.token_id or uuid.UUID(int=0), 0.0) > self.monotonic():
                return
            while len(self._entries) >= MAX_ENTRIES:
                self._entries.pop(next(iter(self._entries)))
            self._entries[token_sha256] = _Entry(actor, expires_at, self.monotonic() + self.ttl)

    def forget(self, token_id: uuid.UUID) -> None:
        """Drop a token (by its id) at once: it was just revoked."""
        now = self.monotonic()
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.actor.token_id == token_id]:
                del self._entries[key]
            self._revoked = {t: until for t, until in self._revoked.items() if until > now}
            self._revoked[token_id] = now + self.ttl
