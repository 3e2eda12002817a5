"""The declarative base, shared column types and the constraint naming convention.

Constraint names are fixed by convention so that migrations can refer to them on every database (SQLite
needs names to rebuild tables in batch mode).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: ``sha256:`` + 64 hex digits, the form every digest takes in QualBridge.
DIGEST_LENGTH = 71


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones: values are stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: QualBridge stores timezone-aware UTC only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: JSON documents: JSONB on PostgreSQL (indexable), JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 (SQLAlchemy reads it at class creation)
        uuid.UUID: Uuid(as_uuid=True),
        dt.datetime: UTCDateTime(),
    }


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=new_id)


def digest_column(*args: Any, **kwargs: Any) -> Any:
    """A ``sha256:<hex>`` column (typed by the ``Mapped[...]`` annotation it is assigned to)."""
    return mapped_column(String(DIGEST_LENGTH), *args, **kwargs)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values`` (closed sets stay closed in the database)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class UuidText(FunctionElement[str]):
    """A UUID column as text spelled as ``str(uuid)`` spells it (``8-4-4-4-12``, lowercase hex): the
    form in which a text column names a row of any table (an attestation's ``object_id``), so that such
    a column can be joined to the row it names. PostgreSQL's ``uuid`` prints itself so; on SQLite,
    SQLAlchemy's ``Uuid`` keeps the 32 hex digits alone."""

    type = String()
    name = "uuid_text"
    inherit_cache = True


@compiles(UuidText)
def _uuid_text(element: UuidText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(UuidText, "sqlite")
def _uuid_text_sqlite(element: UuidText, compiler: SQLCompiler, **kw: Any) -> str:
    hex_digits = compiler.process(element.clauses, **kw)
    groups = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    return " || '-' || ".join(f"substr({hex_digits}, {start}, {length})" for start, length in groups)
