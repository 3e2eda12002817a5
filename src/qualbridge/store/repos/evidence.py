"""Evidence rows, their links to products, and blob records."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import Insert, Row, Select, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from qualbridge.store.models import Blob, Evidence, EvidenceLink, Product
from qualbridge.store.models.base import UuidText
from qualbridge.store.repos._paging import Listing, Page, paginate
from qualbridge.store.repos._rows import insert_row, read_rows, write_rows
from qualbridge.store.repos.catalog import PRODUCT_COLUMNS, tree_of
from qualbridge.store.repos.transparency import attestation_count, latest_attestation

__all__ = ["EvidenceFilter", "EvidenceRepo", "Page"]

_Ts = TypeVarTuple("_Ts")


#: The tables, for the statements that read columns, not ORM objects: such a statement is executed as
#: plain SQL, without the ORM's set-up for loading objects.
_EVIDENCE, _BLOBS = Evidence.__table__.c, Blob.__table__.c

#: The condition of each filter, on a bound parameter of the filter's name.
_CONDITIONS = {
    "kind": _EVIDENCE.kind == bindparam("kind"),
    "issuer": _EVIDENCE.issuer == bindparam("issuer"),
    "subject_id": _EVIDENCE.subject_id == bindparam("subject_id"),
    "tested_from": _EVIDENCE.test_date >= bindparam("tested_from"),
    "tested_to": _EVIDENCE.test_date <= bindparam("tested_to"),
}


@dataclass(frozen=True, kw_only=True)
class EvidenceFilter:
    """Optional filters of an evidence listing (all given ones must hold)."""

    kind: str | None = None
    issuer: str | None = None
    subject_id: str | None = None
    tested_from: dt.date | None = None
    tested_to: dt.date | None = None

    def given(self) -> dict[str, Any]:
        """The values of the filters given, by name."""
        return {name: value for name in _CONDITIONS if (value := getattr(self, name)) is not None}

    def apply(self, query: Select[*_Ts]) -> Select[*_Ts]:
        given = self.given()
        if not given:
            return query
        return query.where(*(_CONDITIONS[name] for name in given)).params(given)


# The statements of the most frequent reads, built once: SQLAlchemy then binds the values and finds the
# compiled SQL in its cache, where building the statement anew costs more than running it.
_BY_CONTENT_ID = (
    select(Evidence, Blob)
    .outerjoin(Blob, Blob.digest == Evidence.raw_digest)
    .where(Evidence.org_id == bindparam("org_id"), Evidence.content_id == bindparam("content_id"))
)
#: What an upload reads first, in one statement: the product it is recorded on (no row: no such
#: product), the record of its raw file (an earlier upload's, or the one this transaction has just
#: written) and the organization's evidence of its content id if it is stored already.
_FOR_INTAKE = (
    select(Product, Blob, Evidence)
    .select_from(Product)
    .outerjoin(Blob, Blob.digest == bindparam("digest"))
    .outerjoin(
        Evidence,
        (Evidence.org_id == bindparam("org_id")) & (Evidence.content_id == bindparam("content_id")),
    )
    .where(Product.id == bindparam("product_id"))
)
#: The products an evidence is linked to, as plain rows of the product's columns (no ORM objects to set
#: up: an evidence record is the service's most frequent read).
_PRODUCTS_OF = (
    select(*PRODUCT_COLUMNS)
    .join(EvidenceLink, EvidenceLink.product_id == Product.id)
    .where(EvidenceLink.evidence_id == bindparam("evidence_id"))
    .order_by(Product.model, Product.id)
)


#: Where an evidence came from: its raw file's columns, named as in a listing's rows.
_RAW_OF = (
    select(
        _EVIDENCE.raw_digest,
        _EVIDENCE.raw_filename,
        _EVIDENCE.created_at,
        _BLOBS.size.label("raw_size"),
        _BLOBS.media_type.label("raw_media_type"),
    )
    .outerjoin(Blob.__table__, _BLOBS.digest == _EVIDENCE.raw_digest)
    .where(_EVIDENCE.org_id == bindparam("org_id"), _EVIDENCE.content_id == bindparam("content_id"))
)

#: What a listing shows of each evidence, as columns: no documents, and no ORM objects to build for the
#: rows of a page.
_SUMMARIES = select(
    _EVIDENCE.content_id,
    _EVIDENCE.kind,
    _EVIDENCE.issuer,
    _EVIDENCE.test_date,
    _EVIDENCE.subject_type,
    _EVIDENCE.subject_id,
    _EVIDENCE.raw_digest,
    _EVIDENCE.raw_filename,
    _EVIDENCE.org_id,
    _EVIDENCE.uploaded_by,
    _EVIDENCE.created_at,
    _BLOBS.size.label("raw_size"),
    _BLOBS.media_type.label("raw_media_type"),
).outerjoin(Blob.__table__, _BLOBS.digest == _EVIDENCE.raw_digest)


#: One evidence of an organization as a row: its summary's columns, its row ``id`` and its ``document``.
_RECORD = _SUMMARIES.add_columns(_EVIDENCE.id, _EVIDENCE.document).where(
    _EVIDENCE.org_id == bindparam("org_id"), _EVIDENCE.content_id == bindparam("content_id")
)
#: The products' columns as :data:`_WHOLE` names them.
_PRODUCT_LABELS = tuple((f"product_{column.key}", column.key) for column in PRODUCT_COLUMNS)
#: The evidence's row id as an attestation names it (its ``object_id``).
_ATTESTED_ID = UuidText(_EVIDENCE.id)
#: :data:`_RECORD` with all a read of an evidence shows: beside each product the evidence is linked to,
#: by model (a row per product: one link per evidence is the common case, so the document is seldom
#: read twice), where its latest statement (as ``:statement_type``) is in the log, and how many status
#: changes (as ``:change_type``) it has had.
_WHOLE = (
    _RECORD.add_columns(
        *(column.label(label) for column, (label, _) in zip(PRODUCT_COLUMNS, _PRODUCT_LABELS, strict=True)),
        *latest_attestation(bindparam("statement_type"), _ATTESTED_ID),
        attestation_count(bindparam("change_type"), _ATTESTED_ID).label("status_changes"),
    )
    .outerjoin(EvidenceLink, EvidenceLink.evidence_id == _EVIDENCE.id)
    .outerjoin(Product, Product.id == EvidenceLink.product_id)
    .order_by(Product.model, Product.id)
)


@functools.cache
def _listing(filtered_on: frozenset[str]) -> Listing[*tuple[Any, ...]]:
    """The statements of a listing filtered on these filters, built once for each combination."""
    where = [_EVIDENCE.org_id == bindparam("org_id"), *(_CONDITIONS[name] for name in sorted(filtered_on))]
    # A raw file's record adds columns, never rows: the count needs no join.
    count = select(func.count()).select_from(Evidence.__table__).where(*where)
    page = _SUMMARIES.where(*where).order_by(_EVIDENCE.created_at.desc(), _EVIDENCE.id)
    return Listing.of(page, count=count, inline_total=True)


class EvidenceRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Evidence | EvidenceLink) -> None:
        self.session.add(row)
        self.session.flush()

    def insert(self, row: Evidence | EvidenceLink) -> None:
        """Store a new row that this transaction will not change (one INSERT, see ``_rows``); a new
        evidence row must be given its id."""
        insert_row(self.session, row)

    def by_id(self, row_id: uuid.UUID) -> Evidence | None:
        """An evidence row by its row id (not its content id), whoever's it is: for the service itself."""
        return self.session.get(Evidence, row_id)

    def get(self, org_id: uuid.UUID, content_id: str) -> Evidence | None:
        found = self.get_with_blob(org_id, content_id)
        return None if found is None else found[0]

    def get_with_blob(self, org_id: uuid.UUID, content_id: str) -> tuple[Evidence, Blob | None] | None:
        """The organization's evidence and the record of its raw file (None: uploaded as a document),
        in one query."""
        found = self.session.execute(_BY_CONTENT_ID, {"org_id": org_id, "content_id": content_id}).first()
        return None if found is None else (found[0], found[1])

    def whole(
        self, org_id: uuid.UUID, content_id: str, *, statement_type: str, change_type: str
    ) -> tuple[Row[*tuple[Any, ...]], list[dict[str, Any]]] | None:
        """The organization's evidence as a row of a listing's columns (see :meth:`listing`), its row
        ``id`` and ``document``, the ``log_index`` and ``statement_digest`` of its latest attestation as
        ``statement_type`` (NULL: none), the latest ``checkpoint_size`` and the number of its
        attestations as ``change_type`` (``status_changes``); and the products it is linked to (each the
        product's columns, by model). One query, with no ORM objects to set up: the service's most
        frequent read. None: no such evidence."""
        params = {
            "org_id": org_id,
            "content_id": content_id,
            "statement_type": statement_type,
            "change_type": change_type,
        }
        rows = read_rows(self.session, _WHOLE, params).all()
        if not rows:
            return None
        products = [
            {name: getattr(row, label) for label, name in _PRODUCT_LABELS}
            for row in rows
            if row.product_id is not None
        ]
        return rows[0], products

    def raw_of(self, org_id: uuid.UUID, content_id: str) -> Row[*tuple[Any, ...]] | None:
        """Where the organization's evidence came from: its ``raw_digest``, ``raw_filename`` and
        ``created_at``, and the raw file's ``raw_size`` and ``raw_media_type`` (all None but
        ``created_at`` for evidence uploaded as a document); None: no such evidence."""
        return self.session.execute(_RAW_OF, {"org_id": org_id, "content_id": content_id}).first()

    def link(self, evidence_id: uuid.UUID, product_id: uuid.UUID) -> EvidenceLink | None:
        return self.session.get(EvidenceLink, (evidence_id, product_id))

    def products_of(self, evidence_id: uuid.UUID) -> Sequence[Row[*tuple[Any, ...]]]:
        """The products an evidence is linked to: rows of the products' columns, by model."""
        return read_rows(self.session, _PRODUCTS_OF, {"evidence_id": evidence_id}).all()

    def listing(
        self, org_id: uuid.UUID, filters: EvidenceFilter, *, limit: int, offset: int
    ) -> Page[Row[*tuple[Any, ...]]]:
        """A page of the organization's evidence, newest first: rows of the evidence's summary columns
        (those of ``evidence``, and the raw file's ``raw_size`` and ``raw_media_type``)."""
        given = filters.given()
        params = {"org_id": org_id, **given}
        return _listing(frozenset(given)).fetch(self.session, params, limit=limit, offset=offset)

    def of_product(
        self,
        org_id: uuid.UUID,
        product_id: uuid.UUID,
        filters: EvidenceFilter,
        *,
        limit: int,
        offset: int,
        documents: bool = True,
    ) -> Page[Row[Evidence, Blob | None, Product, int]]:
        """Evidence recorded on ``product_id`` or on anything built into it, at any depth.

        Each evidence appears once, with its origin: the product it is recorded on nearest to
        ``product_id`` (depth 0: the product itself, so own evidence is never shown as inherited).
        Nearest first, newest first within a depth. ``documents`` False leaves the evidence documents
        unread until used (for listings, which show summaries).
        """
        tree = tree_of(product_id, include_root=True)
        nearest = (
            select(
                EvidenceLink.evidence_id,
                EvidenceLink.product_id,
                tree.c.depth,
                func.row_number()
                .over(partition_by=EvidenceLink.evidence_id, order_by=(tree.c.depth, EvidenceLink.product_id))
                .label("rank"),
            )
            .join(tree, tree.c.product_id == EvidenceLink.product_id)
            .subquery("nearest")
        )
        query = (
            select(Evidence, Blob, Product, nearest.c.depth)
            .join(nearest, (nearest.c.evidence_id == Evidence.id) & (nearest.c.rank == 1))
            .join(Product, Product.id == nearest.c.product_id)
            .outerjoin(Blob, Blob.digest == Evidence.raw_digest)
            .where(Evidence.org_id == org_id)
        )
        query = filters.apply(query).order_by(nearest.c.depth, Evidence.created_at.desc(), Evidence.id)
        if not documents:
            query = query.options(defer(Evidence.document))
        return paginate(self.session, query, limit=limit, offset=offset)

    # --- blobs ---------------------------------------------------------------------------------------

    def blob(self, digest: str) -> Blob | None:
        return self.session.get(Blob, digest)

    def blob_of(self, row: Evidence) -> Blob | None:
        """The record of the evidence's raw file (None: uploaded as a document)."""
        return None if row.raw_digest is None else self.blob(row.raw_digest)

    def ensure_blob(self, *, digest: str, size: int, media_type: str, at: dt.datetime) -> None:
        """Record a blob unless it is recorded already (two uploads of one file may race here: an
        earlier record, with its own media type, stands). Nothing is read back (see ``_rows``):
        :meth:`for_intake` reads the record that stands."""
        values = {"digest": digest, "size": size, "media_type": media_type, "created_at": at}
        write_rows(self.session, _ensure_blob(self.session.get_bind().dialect.name), values)

    def for_intake(
        self, product_id: uuid.UUID, digest: str | None, org_id: uuid.UUID, content_id: str
    ) -> tuple[Product | None, Blob | None, Evidence | None]:
        """In one query, what an upload reads first: the product it is recorded on (whoever's it is:
        the caller checks), the record of its raw file ``digest`` (None: none, or no raw file), which
        :meth:`ensure_blob` wrote earlier in the transaction unless it stood already, and the
        organization's evidence of ``content_id`` if it is stored already."""
        params = {"product_id": product_id, "digest": digest, "org_id": org_id, "content_id": content_id}
        found = self.session.execute(_FOR_INTAKE, params).first()
        return (None, None, None) if found is None else (found[0], found[1], found[2])


@functools.cache
def _ensure_blob(dialect: str) -> Insert:
    """``INSERT … ON CONFLICT (digest) DO NOTHING`` of a blob's record, in the dialect's words, built once."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(Blob).on_conflict_do_nothing(index_elements=["digest"]).inline()
