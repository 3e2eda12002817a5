"""What every use case needs from outside: storage, the blob store, a clock, password hashing, limits,
and the configuration of signing and the transparency log."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from argon2 import PasswordHasher
from sqlalchemy.exc import DataError, IntegrityError

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import ConflictError, InputError
from qualbridge.services.token_cache import TokenCache
from qualbridge.services.uow import UnitOfWork
from qualbridge.settings import DEVELOPMENT_KEY_PASSPHRASE, Settings
from qualbridge.store.blobs import BlobStore, FilesystemBlobStore
from qualbridge.store.db import Database
from qualbridge.trust.keys import SigningKey

T = TypeVar("T")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: The thread of the event loop serving the current request (set by :func:`serving_on_event_loop`).
_LOOP_THREAD: ContextVar[int | None] = ContextVar("qualbridge_loop_thread", default=None)


@contextmanager
def serving_on_event_loop() -> Iterator[None]:
    """Mark the calling thread as an event loop's for the block: a write transaction is refused in it.

    The API wraps every request in it. A worker thread the request hands work to inherits the mark but
    is another thread, so it may write."""
    token = _LOOP_THREAD.set(threading.get_ident())
    try:
        yield
    finally:
        _LOOP_THREAD.reset(token)


def _on_event_loop() -> bool:
    return _LOOP_THREAD.get() == threading.get_ident()


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = 64 << 20
    token_ttl_days: int = 90


@dataclass(frozen=True)
class TrustConfig:
    """Signing and logging: the key passphrase, the log's origin, the center's name, the witnesses."""

    passphrase: bytes = field(default=DEVELOPMENT_KEY_PASSPHRASE.encode(), repr=False)
    origin: str = "qualbridge.localhost/log"
    center_name: str = "center.qualbridge.localhost"
    witnesses: tuple[str, ...] = field(default_factory=demo_witnesses.vkeys)
    witness_threshold: int = 2
    key_validity: dt.timedelta = dt.timedelta(days=365)

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustConfig:
        return cls(
            passphrase=settings.key_passphrase.get_secret_value().encode(),
            origin=settings.log_origin,
            center_name=settings.center_name,
            witnesses=settings.witnesses,
            witness_threshold=settings.witness_threshold,
            key_validity=dt.timedelta(days=settings.key_validity_days),
        )


@dataclass
class Context:
    db: Database
    blobs: BlobStore
    clock: Callable[[], dt.datetime] = utc_now
    # Argon2id with the library's defaults (RFC 9106 low-memory profile); tests pass a cheaper one.
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    limits: Limits = field(default_factory=Limits)
    #: Verified API tokens, briefly (see :mod:`qualbridge.services.token_cache`).
    token_cache: TokenCache = field(default_factory=TokenCache)
    trust: TrustConfig = field(default_factory=TrustConfig)
    #: Decrypted signing keys by key id: each is decrypted once per process, and never written anywhere.
    keyring: dict[str, SigningKey] = field(default_factory=dict, repr=False)
    #: Owners of the products this process has read (see :func:`qualbridge.services.products.check_owned`).
    product_owners: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        return cls(
            db=Database.from_url(settings.database_url, pool_size=settings.db_pool_size),
            blobs=FilesystemBlobStore(settings.blob_dir),
            limits=Limits(max_upload_bytes=settings.max_upload_bytes, token_ttl_days=settings.token_ttl_days),
            token_cache=TokenCache(ttl=settings.token_cache_seconds),
            trust=TrustConfig.from_settings(settings),
        )

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises.

        A write transaction is refused on a thread running an event loop: it may wait for a lock (SQLite's
        write lock, a row lock), and every request of that loop would wait with it."""
        if write and _on_event_loop():
            raise RuntimeError("a write transaction on the event loop: run this use case in a worker thread")
        with self.db.writing() if write else nullcontext():
            session = self.db.session()
            try:
                session.connection(
                    execution_options=self.db.write_options() if write else self.db.read_options()
                )
                with self.db.pipelined(session) if write else nullcontext():
                    yield UnitOfWork(session)
                    session.flush()
                session.commit()
            except DataError as exc:
                session.rollback()
                # A value the database cannot hold (the use cases check what they know of): the caller's.
                raise InputError(f"a value cannot be stored: {exc.orig}") from exc
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def write(self, work: Callable[[UnitOfWork], T], *, attempts: int = 2) -> T:
        """Run ``work`` in a write transaction, again if a concurrent request inserted the same unique
        row first (the second run finds that row and returns it instead of inserting)."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(write=True) as uow:
                    return work(uow)
            except IntegrityError as exc:
                if attempt == attempts:
                    raise ConflictError("a concurrent request changed the same data; retry") from exc
        raise AssertionError("unreachable")
