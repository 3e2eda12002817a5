"""The transparency log in SQL: a :class:`qualbridge.trust.log.LogStorage`, attestations and keys.

:class:`SqlLogStorage` works inside the session it is given: a batch is written in the caller's
transaction, together with the record it attests, and committed or rolled back with it. It re-checks
what the in-memory storage checks (a batch continues the stored tree at every level; a checkpoint does
not exceed the stored entries) so that no caller can fork the log. Concurrent appenders are serialised
by :meth:`SqlLogStorage.lock` (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write
transaction's ``BEGIN IMMEDIATE`` already holds the database's one write lock).

Once the lock is held, no one else can change the log until the transaction ends, so the storage keeps
what it has read or written (level sizes, node hashes, the latest checkpoint) for the rest of the
transaction: an append and its checkpoint then read each node once instead of once per use. Its first
read under the lock takes all an append needs in two statements (:meth:`SqlLogStorage._read_state`);
an attestation reads the first of them with its signer's keys (:meth:`TransparencyRepo.name_and_keyids`).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Label,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from qualbridge.errors import LogIntegrityError
from qualbridge.store.db import NO_RESULT_OPTION, READ_OPTION
from qualbridge.store.models import (
    Attestation,
    LogCheckpoint,
    LogCosignature,
    LogEntry,
    LogNode,
    Organization,
    SigningKey,
)
from qualbridge.store.repos._rows import insert_row, read_rows, write_rows
from qualbridge.trust.log import Batch
from qualbridge.trust.merkle import complete_subtrees

#: The advisory lock id of the log (any constant; it names the log within the database).
_LOG_LOCK = 0x7162_6C6F_67  # "qblog"
_TAKE_LOCK = text("SELECT pg_advisory_xact_lock(:id)").execution_options(**{NO_RESULT_OPTION: True})


# The log's reads of every append and checkpoint (a tree's root is read node by node), built once:
# SQLAlchemy then binds the values and finds the compiled SQL in its cache.
_LAST_ENTRY = select(func.max(LogEntry.idx))
_LAST_NODE = select(func.max(LogNode.idx)).where(LogNode.level == bindparam("level"))
_NODE = select(LogNode.hash).where(LogNode.level == bindparam("level"), LogNode.idx == bindparam("idx"))
_LATEST_NOTE = (
    select(LogCheckpoint.note, LogCheckpoint.tree_size).order_by(LogCheckpoint.tree_size.desc()).limit(1)
)
_INSERT_ENTRY = insert(LogEntry)
_INSERT_NODE = insert(LogNode)
#: What an append under the lock reads first, as columns of any statement: the last entry's index and
#: the latest checkpoint with its size (both null on an empty log).
STATE_COLUMNS = (
    select(func.max(LogEntry.idx)).scalar_subquery().label("last_entry"),
    _LATEST_NOTE.with_only_columns(LogCheckpoint.note).scalar_subquery().label("note"),
    select(func.max(LogCheckpoint.tree_size)).scalar_subquery().label("checkpoint_size"),
)
_STATE = select(*STATE_COLUMNS)


@functools.cache
def _frontier_and_levels(levels: int) -> CompoundSelect[int, int, bytes | None]:
    """Rows ``(level, index, hash)`` of the nodes named by ``:nodes`` (the tree's frontier, its complete
    subtrees: what its root, the check that it extends the latest checkpoint and the next append read),
    then one row ``(level, last index, NULL)`` for each level from 1 to ``levels`` (what an append checks
    it continues). One statement per number of levels, built once."""
    frontier = select(LogNode.level, LogNode.idx, LogNode.hash).where(
        tuple_(LogNode.level, LogNode.idx).in_(bindparam("nodes", expanding=True))
    )
    last = [
        select(
            literal_column(str(level), Integer).label("level"),
            select(func.max(LogNode.idx)).where(LogNode.level == level).scalar_subquery().label("idx"),
            null().label("hash"),
        )
        for level in range(1, levels + 1)
    ]
    return union_all(frontier, *last)


class SqlLogStorage:
    """``LogStorage`` over the ``log_entries``, ``log_nodes`` and ``log_checkpoints`` tables."""

    def __init__(self, session: Session, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.session = session
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        #: The transaction that holds the log's lock (:meth:`lock`): while it lasts the log cannot change,
        #: and what was read of it stays true.
        self._locked_in: object | None = None
        self._sizes: dict[int, int] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}
        #: The latest checkpoint note (None: none yet) and its tree size, once known.
        self._latest: tuple[bytes | None, int] | None = None

    def lock(self) -> None:
        """Hold the log's write lock until the transaction ends (call before reading the tree size)."""
        if self._locked:
            return
        connection = self.session.connection()  # begins the transaction the lock belongs to
        if connection.get_execution_options().get(READ_OPTION, False):
            raise RuntimeError("the log's write lock in a read transaction (use a write transaction)")
        if connection.dialect.name == "postgresql":
            # The rows written so far go first, as session.execute would send them (``intake``: no
            # holder of the lock waits for a row). Nothing is read from it: in a pipelined transaction
            # it goes to the server with the next statement answered, which runs once it is granted.
            write_rows(self.session, _TAKE_LOCK, {"id": _LOG_LOCK})
        # Anything read before the lock may be stale by now.
        self._sizes, self._nodes, self._latest = {}, {}, None
        self._locked_in = self.session.get_transaction()

    def holds_lock(self) -> bool:
        """Whether this session's current transaction holds the log's lock."""
        return self._locked

    @property
    def _locked(self) -> bool:
        """Whether this session's current transaction holds the lock (a later one does not)."""
        if self._locked_in is None:
            return False
        if self._locked_in is not self.session.get_transaction():
            self._locked_in, self._sizes, self._nodes, self._latest = None, {}, {}, None
            return False
        return True

    def tree_size(self) -> int:
        return self._stored(0)

    def _stored(self, level: int) -> int:
        """How many complete nodes are stored at ``level``."""
        if self._locked and self._latest is None:
            self._read_state()
        if self._locked and (known := self._sizes.get(level)) is not None:
            return known
        if level == 0:
            last = self.session.scalar(_LAST_ENTRY)
        else:
            last = self.session.scalar(_LAST_NODE, {"level": level})
        size = 0 if last is None else int(last) + 1
        if self._locked:
            self._sizes[level] = size
        return size

    def write(self, batch: Batch) -> None:
        size = self.tree_size()
        if batch.start != size:
            raise LogIntegrityError(f"a batch starting at {batch.start} cannot follow {size} entries")
        for level, hashes in enumerate(batch.nodes):
            count = (batch.end >> level) - (batch.start >> level)
            if self._stored(level) != batch.start >> level or len(hashes) != count:
                raise LogIntegrityError(f"the batch's level-{level} hashes do not continue the stored tree")
        # Checked before anything is written; the caller's transaction makes the batch all or nothing.
        # Plain INSERTs of the rows on the session's connection: nothing is read back (see ``_rows``).
        write_rows(
            self.session,
            _INSERT_ENTRY,
            [{"idx": batch.start + i, "entry": e} for i, e in enumerate(batch.entries)],
        )
        rows = [
            {"level": level, "idx": (batch.start >> level) + i, "hash": h}
            for level, hashes in enumerate(batch.nodes)
            for i, h in enumerate(hashes)
        ]
        if rows:
            write_rows(self.session, _INSERT_NODE, rows)
        if self._locked:
            for level in range(len(batch.nodes)):
                self._sizes[level] = batch.end >> level
            for level, hashes in enumerate(batch.nodes):
                first = batch.start >> level
                self._nodes.update(((level, first + i), h) for i, h in enumerate(hashes))

    def node(self, level: int, index: int) -> bytes:
        if self._locked and (known := self._nodes.get((level, index))) is not None:
            return known
        found = self.session.scalar(_NODE, {"level": level, "idx": index})
        if found is None:
            raise IndexError(f"node ({level}, {index}) is not stored")
        if self._locked:
            self._nodes[level, index] = bytes(found)
        return bytes(found)

    def nodes(self, level: int, start: int, end: int) -> Sequence[bytes]:
        found = self.session.scalars(
            select(LogNode.hash)
            .where(LogNode.level == level, LogNode.idx >= start, LogNode.idx < end)
            .order_by(LogNode.idx)
        ).all()
        if start < 0 or len(found) != end - start:
            raise IndexError(f"level {level} does not hold the complete nodes [{start}, {end})")
        return [bytes(h) for h in found]

    def entries(self, start: int, end: int) -> Sequence[bytes]:
        found = self.session.scalars(
            select(LogEntry.entry).where(LogEntry.idx >= start, LogEntry.idx < end).order_by(LogEntry.idx)
        ).all()
        if start < 0 or len(found) != end - start:
            raise IndexError(f"the log does not hold the entries [{start}, {end})")
        return [bytes(e) for e in found]

    def _read_state(self) -> None:
        """Under the lock, what an append reads, in two statements: the tree's size and its latest
        checkpoint (:data:`STATE_COLUMNS`); then its frontier and the size of each level above the
        leaves (instead of one statement for each of these)."""
        self.take_state(read_rows(self.session, _STATE, {}).one())

    def take_state(self, state: Row[*tuple[Any, ...]]) -> None:
        """Under the lock, what :meth:`_read_state` reads first, read by another statement (its
        :data:`STATE_COLUMNS`) under the lock; then the frontier. Nothing when the state is known."""
        if not self._locked:
            raise RuntimeError("the log's state is read ahead under its lock only")
        if self._latest is not None:
            return
        size = 0 if state.last_entry is None else int(state.last_entry) + 1
        self._sizes[0] = size
        self._latest = (None, 0) if state.note is None else (bytes(state.note), int(state.checkpoint_size))
        if size == 0:
            return
        found = read_rows(
            self.session, _frontier_and_levels(size.bit_length()), {"nodes": complete_subtrees(size)}
        )
        for row in found:
            if row.hash is not None:
                self._nodes[row.level, row.idx] = bytes(row.hash)
            else:
                self._sizes[row.level] = 0 if row.idx is None else int(row.idx) + 1

    def latest_checkpoint(self) -> bytes | None:
        if self._locked:
            if self._latest is None:
                self._read_state()
            assert self._latest is not None  # read just now
            return self._latest[0]
        found = self.session.execute(_LATEST_NOTE).first()
        return None if found is None else bytes(found.note)

    def write_checkpoint(self, size: int, note: bytes) -> None:
        stored = self.tree_size()
        if size > stored:
            raise LogIntegrityError(f"a checkpoint of size {size} exceeds the {stored} stored entries")
        insert_row(self.session, LogCheckpoint(tree_size=size, note=note, created_at=self._clock()))
        if self._locked and self._latest is not None and size > self._latest[1]:
            self._latest = (note, size)  # the latest is the largest; a smaller one written now is not


#: The latest checkpoint's size (0: none yet).
_CHECKPOINT_SIZE = select(func.coalesce(func.max(LogCheckpoint.tree_size), 0).label("size")).subquery()
#: The same as a column of another statement's rows, labelled ``checkpoint_size``.
CHECKPOINT_SIZE = select(_CHECKPOINT_SIZE.c.size).scalar_subquery().label("checkpoint_size")


def latest_attestation(
    object_type: ColumnElement[str], object_id: ColumnElement[str]
) -> tuple[Label[Any], ...]:
    """Columns for another statement's rows: the ``log_index`` and ``statement_digest`` of an object's
    latest attestation (NULL: none) and the latest checkpoint's ``checkpoint_size``, which covers it.
    ``object_id`` may be a column of that statement (see :class:`UuidText`)."""
    latest = (
        select(Attestation.log_index, Attestation.statement_digest)
        .where(Attestation.object_type == object_type, Attestation.object_id == object_id)
        .order_by(Attestation.log_index.desc())
        .limit(1)
    )
    return (
        latest.with_only_columns(Attestation.log_index).scalar_subquery().label("log_index"),
        latest.with_only_columns(Attestation.statement_digest).scalar_subquery().label("statement_digest"),
        CHECKPOINT_SIZE,
    )


def attestation_count(object_type: ColumnElement[str], object_id: ColumnElement[str]) -> ScalarSelect[int]:
    """How many attestations an object has under ``object_type``, as a column of another statement."""
    return (
        select(func.count())
        .select_from(Attestation)
        .where(Attestation.object_type == object_type, Attestation.object_id == object_id)
        .scalar_subquery()
    )


@functools.cache
def _attestations_and_size(types: int) -> Select[*tuple[Any, ...]]:
    """An object's attestations under any of ``types`` types (bound as ``type_0``, ``type_1``…), in log
    order, each beside the latest checkpoint's size; one row with no attestation when there are none, so
    that the size is always read. Built once for each number of types: the reads of evidence are the
    service's most frequent, and a list bound to one parameter would be spelled out anew on every run."""
    return (
        select(
            _CHECKPOINT_SIZE.c.size,
            Attestation.object_type,
            Attestation.log_index,
            Attestation.statement_digest,
            Attestation.envelope,
        )
        .select_from(_CHECKPOINT_SIZE)
        .outerjoin(
            Attestation,
            Attestation.object_type.in_([bindparam(f"type_{n}") for n in range(types)])
            & (Attestation.object_id == bindparam("object_id")),
        )
        .order_by(Attestation.log_index)
    )


_CURRENT_KEYID = select(SigningKey.keyid, SigningKey.not_after).where(
    SigningKey.purpose == bindparam("purpose"), SigningKey.retired_at.is_(None)
)
_SERVICE_KEYID = _CURRENT_KEYID.where(SigningKey.org_id.is_(None))
_ORG_KEYID = _CURRENT_KEYID.where(SigningKey.org_id == bindparam("org_id"))
_ONE_ROW = select(literal_column("1").label("one")).subquery()
#: An organization's English name beside the current key ids of its ``:purpose`` and of the service's
#: ``:service_purpose``: one row per key found, or one row with no key when there is none.
_NAME_AND_KEYIDS = (
    select(
        select(Organization.name_en)
        .where(Organization.id == bindparam("org_id"))
        .scalar_subquery()
        .label("org_name"),
        SigningKey.purpose,
        SigningKey.org_id,
        SigningKey.keyid,
        SigningKey.not_after,
        *STATE_COLUMNS,
    )
    .select_from(_ONE_ROW)
    .outerjoin(
        SigningKey,
        and_(
            SigningKey.retired_at.is_(None),
            or_(
                and_(SigningKey.purpose == bindparam("purpose"), SigningKey.org_id == bindparam("org_id")),
                and_(SigningKey.purpose == bindparam("service_purpose"), SigningKey.org_id.is_(None)),
            ),
        ),
    )
)

#: A current key's id and end of validity (None: no current key), by purpose and organization (None:
#: the service's own).
KeyIds = dict[tuple[str, uuid.UUID | None], tuple[str, dt.datetime | None] | None]


class TransparencyRepo:
    """Attestations, checkpoints with their cosignatures, and signing keys."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.log = SqlLogStorage(session)
        #: Key ids read ahead (:meth:`name_and_keyids`), each answering the next :meth:`current_keyid`
        #: of its purpose and organization once, in the transaction (and under the lock) it was read in.
        self._read_ahead: KeyIds = {}

    # --- attestations -----------------------------------------------------------------------------

    def add(self, row: Attestation | SigningKey | LogCosignature) -> None:
        if isinstance(row, SigningKey):
            self._read_ahead = {}  # a new key: what was read ahead may no longer be current
        self.session.add(row)
        self.session.flush()

    def insert(self, row: Attestation) -> None:
        """Store a new attestation (written once, never changed: one INSERT, see ``_rows``)."""
        insert_row(self.session, row)

    def attestation(self, statement_digest: str) -> Attestation | None:
        """The first logged attestation of a statement."""
        return self.session.scalar(
            select(Attestation)
            .where(Attestation.statement_digest == statement_digest)
            .order_by(Attestation.log_index)
            .limit(1)
        )

    def attestations_of(self, object_type: str, object_id: str) -> Sequence[Attestation]:
        """Attestations of one object, in log order."""
        return self.session.scalars(
            select(Attestation)
            .where(Attestation.object_type == object_type, Attestation.object_id == object_id)
            .order_by(Attestation.log_index)
        ).all()

    def attestations_and_checkpoint(
        self, object_types: Sequence[str], object_id: str
    ) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
        """Attestations of one object under any of ``object_types`` (e.g. evidence and its status
        changes), in log order, and the latest checkpoint's size (0: none yet): one query where a read
        needs both. The attestations are plain rows of their ``object_type``, ``log_index``,
        ``statement_digest`` and ``envelope``, not ORM objects (these reads are the service's most
        frequent)."""
        types = {f"type_{n}": object_type for n, object_type in enumerate(object_types)}
        rows = read_rows(
            self.session, _attestations_and_size(len(types)), {**types, "object_id": object_id}
        ).all()
        return [row for row in rows if row.log_index is not None], int(rows[0].size)

    def signed_with(self, keyid: str, predicate_type: str) -> Sequence[Attestation]:
        """Attestations of one predicate type signed with ``keyid``, in log order."""
        return self.session.scalars(
            select(Attestation)
            .where(Attestation.keyid == keyid, Attestation.predicate_type == predicate_type)
            .order_by(Attestation.log_index)
        ).all()

    def recent_attestations(self, limit: int) -> Sequence[Attestation]:
        """The latest ``limit`` attestations, newest first."""
        return self.session.scalars(
            select(Attestation).order_by(Attestation.log_index.desc()).limit(limit)
        ).all()

    def latest_of(self, object_type: str, object_id: str) -> Attestation | None:
        found = self.attestations_of(object_type, object_id)
        return found[-1] if found else None

    # --- checkpoints ------------------------------------------------------------------------------

    def checkpoint(self, tree_size: int) -> LogCheckpoint | None:
        return self.session.get(LogCheckpoint, tree_size)

    def tree_size(self) -> int:
        """The size of the latest signed checkpoint (0: none yet), without reading the note."""
        return self.session.scalar(select(func.coalesce(func.max(LogCheckpoint.tree_size), 0))) or 0

    def latest_checkpoint_row(self) -> LogCheckpoint | None:
        return self.session.scalar(select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc()).limit(1))

    def cosignatures(self, tree_size: int) -> Sequence[LogCosignature]:
        return self.session.scalars(
            select(LogCosignature)
            .where(LogCosignature.tree_size == tree_size)
            .order_by(LogCosignature.witness)
        ).all()

    def cosignature(self, tree_size: int, witness: str) -> LogCosignature | None:
        return self.session.get(LogCosignature, (tree_size, witness))

    def witnessed(self, witnesses: Sequence[str], threshold: int, *, min_size: int) -> LogCheckpoint | None:
        """The largest checkpoint of at least ``min_size`` entries cosigned by ``threshold`` of
        ``witnesses`` (cosignatures are verified when they are received)."""
        counted = (
            select(LogCosignature.tree_size)
            .where(LogCosignature.witness.in_(witnesses), LogCosignature.tree_size >= min_size)
            .group_by(LogCosignature.tree_size)
            .having(func.count() >= threshold)
            .order_by(LogCosignature.tree_size.desc())
            .limit(1)
        )
        size = self.session.scalar(counted)
        return None if size is None else self.checkpoint(int(size))

    def latest_cosigned_by(self, witness: str) -> LogCheckpoint | None:
        size = self.session.scalar(
            select(func.max(LogCosignature.tree_size)).where(LogCosignature.witness == witness)
        )
        return None if size is None else self.checkpoint(int(size))

    # --- keys -------------------------------------------------------------------------------------

    def current_keyid(
        self, purpose: str, org_id: uuid.UUID | None = None
    ) -> tuple[str, dt.datetime | None] | None:
        """The id and end of validity of the current key of ``purpose`` (an organization's, or with no
        ``org_id`` the service's own): the row without its key material."""
        if (purpose, org_id) in self._read_ahead and self.log.holds_lock():
            return self._read_ahead.pop((purpose, org_id))
        if org_id is None:
            found = self.session.execute(_SERVICE_KEYID, {"purpose": purpose}).first()
        else:
            found = self.session.execute(_ORG_KEYID, {"purpose": purpose, "org_id": org_id}).first()
        return None if found is None else (found.keyid, found.not_after)

    def name_and_keyids(self, org_id: uuid.UUID, purpose: str, service_purpose: str) -> str | None:
        """Under the log's lock, in one statement: the organization's English name (None: no such
        organization), and the current key ids of its ``purpose`` and of the service's
        ``service_purpose``, each kept to answer the next :meth:`current_keyid` of its key in this
        transaction (what an attestation reads: who signs, with which key, and the log's key); and the
        log's state, which the append that follows reads next (:meth:`SqlLogStorage.take_state`)."""
        if not self.log.holds_lock():
            raise RuntimeError("keys are read ahead under the log's lock only")
        params = {"org_id": org_id, "purpose": purpose, "service_purpose": service_purpose}
        rows = read_rows(self.session, _NAME_AND_KEYIDS, params).all()
        self._read_ahead = {(purpose, org_id): None, (service_purpose, None): None}
        for row in rows:
            if row.purpose is not None:
                self._read_ahead[row.purpose, row.org_id] = (row.keyid, row.not_after)
        self.log.take_state(rows[0])
        name: str | None = rows[0].org_name
        return name

    def current_key(self, purpose: str, org_id: uuid.UUID | None = None) -> SigningKey | None:
        query = select(SigningKey).where(SigningKey.purpose == purpose, SigningKey.retired_at.is_(None))
        query = query.where(SigningKey.org_id.is_(None) if org_id is None else SigningKey.org_id == org_id)
        return self.session.scalar(query)

    def key(self, keyid: str) -> SigningKey | None:
        return self.session.scalar(select(SigningKey).where(SigningKey.keyid == keyid))

    def keys_of(self, org_id: uuid.UUID) -> Sequence[SigningKey]:
        return self.session.scalars(
            select(SigningKey).where(SigningKey.org_id == org_id).order_by(SigningKey.created_at)
        ).all()

    def all_keys(self) -> Sequence[SigningKey]:
        """Every key: the service's own (no organization) first, then by organization, oldest first."""
        return self.session.scalars(
            select(SigningKey).order_by(
                SigningKey.org_id.is_not(None), SigningKey.org_id, SigningKey.created_at
            )
        ).all()

    def revoked_keyids(self) -> Sequence[str]:
        return self.session.scalars(
            select(SigningKey.keyid).where(SigningKey.revoked_at.is_not(None)).order_by(SigningKey.keyid)
        ).all()
