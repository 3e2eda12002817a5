"""Reading evidence: one record, a listing, a product's own and inherited evidence, the raw bytes.

An organization sees its own evidence. A product inherits the evidence of everything built into it, at
any depth, shown as inherited with the product it was recorded on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row

from qualbridge.errors import NotFoundError, at
from qualbridge.services import _checks, attestations
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.products import product_record, visible_product
from qualbridge.services.records import (
    EvidenceRecord,
    EvidenceSummary,
    InheritedEvidence,
    LoggedEvidence,
    LogRef,
    Page,
    ProductRecord,
    RawFile,
)
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Blob, Evidence, Product
from qualbridge.store.repos.catalog import ProductRow
from qualbridge.store.repos.evidence import EvidenceFilter

__all__ = [
    "IN_MEMORY_MAX",
    "EvidenceFilter",
    "RawDownload",
    "RawLocated",
    "evidence_record",
    "fetch_raw",
    "get_evidence",
    "list_evidence",
    "locate_raw",
    "logged_summary",
    "product_evidence",
    "raw_file",
    "stored_record",
]


def _raw(row: Evidence, blob: Blob | None) -> RawFile | None:
    if row.raw_digest is None or blob is None:
        return None
    return RawFile(digest=blob.digest, filename=row.raw_filename, size=blob.size, media_type=blob.media_type)


def _summary_fields(row: Evidence | Row[*tuple[Any, ...]], raw: RawFile | None) -> dict[str, object]:
    return {
        "id": row.content_id,
        "kind": row.kind,
        "issuer": row.issuer,
        "test_date": row.test_date,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "raw": raw,
        "uploaded_by_org": row.org_id,
        "uploaded_by_user": row.uploaded_by,
        "created_at": row.created_at,
    }


def summary(row: Evidence, blob: Blob | None) -> EvidenceSummary:
    return EvidenceSummary.model_validate(_summary_fields(row, _raw(row, blob)))


def _raw_columns(row: Row[*tuple[Any, ...]]) -> RawFile | None:
    """The raw file named by a row's ``raw_digest``, ``raw_filename``, ``raw_size`` and
    ``raw_media_type`` columns (None: uploaded as a document)."""
    if row.raw_digest is None or row.raw_size is None:
        return None
    return RawFile(
        digest=row.raw_digest, filename=row.raw_filename, size=row.raw_size, media_type=row.raw_media_type
    )


def _listed(row: Row[*tuple[Any, ...]]) -> EvidenceSummary:
    """The summary of a row of :meth:`EvidenceRepo.listing`."""
    return EvidenceSummary.model_validate(_summary_fields(row, _raw_columns(row)))


def _logged_fields(
    uow: UnitOfWork, row: Evidence | Row[*tuple[Any, ...]], raw: RawFile | None
) -> dict[str, object]:
    log, status = attestations.log_and_status(uow, row)
    return {**_summary_fields(row, raw), "log": log, "status": status}


def logged_summary(uow: UnitOfWork, row: Evidence) -> LoggedEvidence:
    """The summary with the evidence's log entry and current status (a few queries per evidence: for
    short lists such as a package's)."""
    return LoggedEvidence.model_validate(_logged_fields(uow, row, _raw(row, uow.evidence.blob_of(row))))


def evidence_record(
    uow: UnitOfWork, row: Evidence, *, blob: Blob | None, within: set[uuid.UUID] | None = None
) -> EvidenceRecord:
    """The whole record; ``blob`` is the evidence's raw file record (:meth:`EvidenceRepo.blob_of`) and
    ``within`` limits the products named to those (a package's product tree)."""
    return _whole_record(uow, row, _raw(row, blob), within=within)


def _whole_record(
    uow: UnitOfWork,
    row: Evidence | Row[*tuple[Any, ...]],
    raw: RawFile | None,
    *,
    within: set[uuid.UUID] | None = None,
) -> EvidenceRecord:
    """The record of ``row``, its products and its log entry read now."""
    products = [
        product_record(p) for p in uow.evidence.products_of(row.id) if within is None or p.id in within
    ]
    return EvidenceRecord.model_validate(
        {**_logged_fields(uow, row, raw), "document": row.document, "products": products}
    )


def _read_whole(uow: UnitOfWork, row: Row[*tuple[Any, ...]], linked: list[dict[str, Any]]) -> EvidenceRecord:
    """The record of evidence read whole (:meth:`EvidenceRepo.whole`), ``linked`` its products."""
    log, status = attestations.log_and_status_read(uow, row)
    products = [ProductRecord.model_validate({f: p[f] for f in ProductRecord.model_fields}) for p in linked]
    return EvidenceRecord.model_validate(
        {
            **_summary_fields(row, _raw_columns(row)),
            "log": log,
            "status": status,
            "document": row.document,
            "products": products,
        }
    )


def stored_record(
    row: Evidence, *, raw: RawFile | None, product: Product | ProductRow, log: LogRef
) -> EvidenceRecord:
    """The record of evidence that this transaction has just stored, linked to ``product`` (its one
    product so far), recorded with ``raw`` as its raw file and attested at ``log``: what
    :func:`evidence_record` would read back, built from the values in hand. New evidence has no status
    change yet."""
    return EvidenceRecord.model_validate(
        {
            **_summary_fields(row, raw),
            "log": log,
            "status": "valid",
            "document": row.document,
            "products": [product_record(product)],
        }
    )


def _checked(filters: EvidenceFilter) -> EvidenceFilter:
    for field in ("kind", "issuer", "subject_id"):
        value = getattr(filters, field)
        if value is not None:
            _checks.text(value, field, max_length=200, required=False)
    return filters


def get_evidence(ctx: Context, actor: Actor, evidence_id: str) -> EvidenceRecord:
    authorize(actor, "evidence.read")
    with ctx.transaction() as uow:
        found = uow.evidence.whole(
            actor.org_id,
            evidence_id,
            statement_type=attestations.EVIDENCE,
            change_type=attestations.EVIDENCE_STATUS,
        )
        if found is None:
            raise NotFoundError(f"no evidence {evidence_id}", at(field="evidence_id"))
        return _read_whole(uow, *found)


def list_evidence(
    ctx: Context, actor: Actor, filters: EvidenceFilter, *, limit: int, offset: int
) -> Page[EvidenceSummary]:
    """The organization's evidence, newest first."""
    authorize(actor, "evidence.read")
    with ctx.transaction() as uow:
        page = uow.evidence.listing(actor.org_id, _checked(filters), limit=limit, offset=offset)
        items = [_listed(row) for row in page.items]
        return Page(items=items, total=page.total, limit=limit, offset=offset)


def product_evidence(
    ctx: Context, actor: Actor, product_id: uuid.UUID, filters: EvidenceFilter, *, limit: int, offset: int
) -> Page[InheritedEvidence]:
    """Evidence of a product: its own first, then what it inherits from its subsystems, nearest first."""
    authorize(actor, "evidence.read")
    with ctx.transaction() as uow:
        visible_product(uow, actor, product_id)
        page = uow.evidence.of_product(
            actor.org_id, product_id, _checked(filters), limit=limit, offset=offset, documents=False
        )
        items = [
            InheritedEvidence(
                evidence=summary(row, blob), inherited=depth > 0, origin=product_record(origin), depth=depth
            )
            for row, blob, origin, depth in page.items
        ]
        return Page(items=items, total=page.total, limit=limit, offset=offset)


#: Raw files up to this size are read into memory, checked and sent from there; larger ones are checked
#: on disk and streamed.
IN_MEMORY_MAX = 1 << 20


@dataclass(frozen=True, slots=True)
class RawDownload:
    """A raw file checked against its digest: its bytes (``data``) when it is small, else its ``path``."""

    raw: RawFile
    created_at: dt.datetime
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class RawLocated:
    """A raw file the caller may read, not yet checked: :func:`fetch_raw` does that."""

    raw: RawFile
    created_at: dt.datetime

    @property
    def in_memory(self) -> bool:
        return self.raw.size <= IN_MEMORY_MAX


def fetch_raw(ctx: Context, located: RawLocated) -> RawDownload:
    """The bytes (or, for a large file, the path) of a raw file, checked against its digest."""
    digest = located.raw.digest
    if located.in_memory:
        return RawDownload(located.raw, located.created_at, data=ctx.blobs.read_verified(digest))
    return RawDownload(located.raw, located.created_at, path=ctx.blobs.open_verified(digest))


def locate_raw(ctx: Context, actor: Actor, evidence_id: str) -> RawLocated:
    """The record of the raw file an evidence was parsed from (database only: nothing is read from the
    blob store yet)."""
    authorize(actor, "evidence.read")
    with ctx.transaction() as uow:
        found = uow.evidence.raw_of(actor.org_id, evidence_id)
    if found is None:
        raise NotFoundError(f"no evidence {evidence_id}", at(field="evidence_id"))
    raw = _raw_columns(found)
    if raw is None:
        raise NotFoundError(
            f"evidence {evidence_id} was uploaded as a document: no raw file is kept", at(field="evidence_id")
        )
    return RawLocated(raw, found.created_at)


def raw_file(ctx: Context, actor: Actor, evidence_id: str) -> RawDownload:
    """The raw file an evidence was parsed from, its bytes verified against their digest."""
    return fetch_raw(ctx, locate_raw(ctx, actor, evidence_id))
