"""The service's most frequent reads and writes of rows, past the ORM's per-statement set-up.

New rows are written with one plain INSERT each. The ORM's unit of work (``session.add`` then ``flush``)
sorts the session's pending objects, sets up each instance's state and reads back what the database
generated; a row that is only ever written, never changed or read back in its transaction, needs none of
that: one INSERT of its values stores it, on the session's connection, reading nothing back (not even
a generated id: no RETURNING, so that in a pipelined PostgreSQL transaction it need not wait for the
server, see :mod:`qualbridge.store.db`). The object stays outside the session (transient): whatever the
transaction reads later comes from the database, where the row is.

Reads of plain columns (:func:`read_rows`) run on the session's connection, without the ORM's set-up of
each statement.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable, Insert, Table, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict

from qualbridge.store.models.base import Base


@functools.cache
def _columns(model: type[Base]) -> tuple[Insert, tuple[tuple[str, str], ...]]:
    """The model's INSERT and its ``(attribute, column)`` names, worked out once per model."""
    mapper = inspect(model)
    names = tuple((attr.key, attr.columns[0].key) for attr in mapper.column_attrs)
    table = mapper.local_table
    assert isinstance(table, Table)  # a declarative model's own table
    return insert(table).inline(), names


def insert_row(session: Session, row: Base) -> None:
    """Store ``row`` with one INSERT of the attributes it was given; those it was not given take the
    columns' defaults (an autoincremented id, say). Give the object any value the caller needs to know
    afterwards (its id): nothing is read back. The session's pending objects are flushed first (its
    autoflush), so the row may refer to one."""
    statement, names = _columns(type(row))
    given = instance_dict(row)
    values: dict[str, Any] = {column: given[attr] for attr, column in names if attr in given}
    write_rows(session, statement, values)


def _connection(session: Session) -> Connection:
    """The session's connection, in its transaction, after its pending objects are flushed (as
    ``session.execute`` flushes them; nothing to do when there are none)."""
    if session.autoflush:
        session.flush()
    return session.connection()


def read_rows(session: Session, statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
    """The rows of a statement that reads columns, not ORM objects, run on the session's connection in
    its transaction. ``session.execute`` would first set the statement up for the ORM (its events, its
    options, the loading of objects), which costs about as much as running a short query on PostgreSQL."""
    return _connection(session).execute(statement, params)


def write_rows(
    session: Session, statement: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Run a statement that writes (a Core INSERT, one row or a list of them) or whose answer nobody
    reads, on the session's connection in its transaction, past the ORM's set-up as :func:`read_rows`."""
    _connection(session).execute(statement, params)
