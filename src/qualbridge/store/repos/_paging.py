"""Offset pagination shared by the repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from qualbridge.store.repos._rows import read_rows

T = TypeVar("T")
_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Listing(Generic[*_Ts]):
    """The statements of a listing: a page of its rows (``limit`` and ``offset`` bound) and their count.

    Built once and kept for a frequent listing, its statements are found compiled in SQLAlchemy's cache
    without their cache keys being computed again, which costs more than a short query's run.

    A listing of columns (not ORM objects) may read its total in the page's own statement
    (``inline_total``): each row then ends with a ``total`` column, the count as an uncorrelated
    subquery, which the database runs once. One round trip instead of two, and the page and its total
    are read from the same snapshot. The count runs on its own only for a page past the last row."""

    page: Select[*_Ts]
    count: Select[int]
    inline_total: bool = False

    @classmethod
    def of(
        cls, query: Select[*_Ts], *, count: Select[int] | None = None, inline_total: bool = False
    ) -> Listing[*_Ts]:
        """``query`` (already ordered) paged; ``count`` counts its rows more cheaply than it would
        (without its outer joins, say)."""
        if count is None:
            count = select(func.count()).select_from(query.order_by(None).subquery())
        if inline_total:
            query = query.add_columns(count.scalar_subquery().label("total"))
        return cls(query.limit(bindparam("limit")).offset(bindparam("offset")), count, inline_total)

    def fetch(
        self, session: Session, params: Mapping[str, Any], *, limit: int, offset: int
    ) -> Page[Row[*_Ts]]:
        """One page and the total; ``params`` are the values of the statements' other parameters."""
        if not self.inline_total:
            total = session.scalar(self.count, params) or 0
            rows = session.execute(self.page, {**params, "limit": limit, "offset": offset}).all()
            return Page(items=rows, total=total, limit=limit, offset=offset)
        rows = read_rows(session, self.page, {**params, "limit": limit, "offset": offset}).all()
        if rows:
            total = rows[0].total
        elif offset:  # past the last row, or no rows at all
            total = read_rows(session, self.count, params).scalar() or 0
        else:
            total = 0
        return Page(items=rows, total=total, limit=limit, offset=offset)


def paginate(session: Session, query: Select[*_Ts], *, limit: int, offset: int) -> Page[Row[*_Ts]]:
    """One page of ``query``'s rows (already ordered) and the total number of rows it matches."""
    return Listing.of(query).fetch(session, {}, limit=limit, offset=offset)


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
