"""``/evidence``: upload (a raw file with metadata, or a JSON document), list, read, download raw bytes.

Uploads live on their own router, included with the upload size limit; every other route has the
smaller default limit of a JSON request.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from qualbridge.api.deps import ActorDep, ContextDep, IdempotencyKeyDep, PageDep, mark_replay
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.ingests import in_slot
from qualbridge.api.responses import ModelResponse, raw_file_response
from qualbridge.api.schemas import (
    NO_CONTROL,
    EvidenceDocumentIn,
    EvidenceOut,
    EvidenceStatusIn,
    EvidenceStatusOut,
    EvidenceSummaryOut,
    IngestedOut,
    IsoDate,
    PageOut,
)
from qualbridge.errors import InputError, at
from qualbridge.evidence.models import EvidenceKind
from qualbridge.services import attestations, evidence, intake

EvidenceId = Annotated[
    str, Path(pattern=r"^sha256:[0-9a-f]{64}$", description="Content id of the evidence: sha256:<hex>")
]


class _DigestConvertor(Convertor[str]):
    """Routes only ``sha256:<64 hex>`` to ``{…:digest}``: ``/evidence/documents`` is then a path of its
    own (405 for GET), not an evidence id that fails validation."""

    regex = "sha256:[0-9a-f]{64}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("digest", _DigestConvertor())

#: ``TYPE:ID``, e.g. ``equipment:VX-200`` (empty: not given).
SUBJECT = r"^([^:\x00-\x1f\x7f-\x9f]+:[^\x00-\x1f\x7f-\x9f]+)?$"

uploads = APIRouter(prefix="/evidence", tags=["evidence"], responses=responses(*COMMON, 404))
router = APIRouter(prefix="/evidence", tags=["evidence"], responses=responses(*COMMON))

_STORED_BEFORE: dict[int | str, dict[str, Any]] = {
    200: {"model": IngestedOut, "description": "The same evidence was stored before"}
}


def _answer(result: intake.Intake) -> ModelResponse:
    headers = {"Location": f"/api/v1/evidence/{result.ingested.evidence.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    body = IngestedOut.model_validate(result.ingested)
    return ModelResponse(body, status_code=result.status, headers=headers)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def collect_meta(
    meta: str | None, *, issuer: str | None, subject: str | None, test_date: dt.date | None
) -> dict[str, Any]:
    """Metadata from the ``meta`` JSON object and the convenience fields, which win over it."""
    data: dict[str, Any] = {}
    if meta:
        try:
            parsed = json.loads(meta, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise InputError(f"not valid JSON: {exc}", at(field="meta"), expected="a JSON object") from exc
        if not isinstance(parsed, dict):
            raise InputError("metadata must be a JSON object", at(field="meta"), expected='{"issuer": …}')
        data = parsed
    if issuer:
        data["issuer"] = issuer
    if subject:
        kind, sep, ident = subject.partition(":")
        if not sep or not kind or not ident:
            raise InputError(
                f"{subject!r} is not TYPE:ID", at(field="subject"), expected="e.g. equipment:VX-200"
            )
        data["subject"] = {"type": kind, "id": ident}
    if test_date:
        data["test_date"] = test_date.isoformat()
    return data


@uploads.post("", status_code=201, response_model=IngestedOut, responses=_STORED_BEFORE)
async def upload_file(
    request: Request,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    product_id: Annotated[uuid.UUID, Form(description="The product the evidence was recorded on")],
    file: Annotated[UploadFile, File(description="An instrument export, or a JSON evidence document")],
    kind: Annotated[
        EvidenceKind | None, Form(description="Evidence kind, when the file does not say")
    ] = None,
    meta: Annotated[
        str | None, Form(max_length=65_536, description="Metadata as a JSON object (issuer, subject…)")
    ] = None,
    issuer: Annotated[
        str | None, Form(max_length=200, pattern=NO_CONTROL, description="Who performed the test")
    ] = None,
    subject: Annotated[
        str | None, Form(max_length=250, pattern=SUBJECT, description="What was tested, TYPE:ID")
    ] = None,
    test_date: Annotated[IsoDate | None, Form(description="YYYY-MM-DD")] = None,
) -> ModelResponse:
    """Upload a raw file with its metadata; it is parsed, validated and stored with its bytes.

    The same evidence again answers 200 with the stored record (``created`` false), never a duplicate.
    """
    result = await in_slot(
        request,
        partial(
            intake.ingest_file,
            ctx,
            actor,
            product_id=product_id,
            stream=file.file,
            filename=file.filename,
            media_type=file.content_type,
            kind=kind,
            meta=collect_meta(meta, issuer=issuer, subject=subject, test_date=test_date),
            idempotency_key=key,
        ),
    )
    return _answer(result)


@uploads.post("/documents", status_code=201, response_model=IngestedOut, responses=_STORED_BEFORE)
async def upload_document(
    request: Request, body: EvidenceDocumentIn, ctx: ContextDep, actor: ActorDep, key: IdempotencyKeyDep
) -> ModelResponse:
    """Upload an evidence document as JSON (no raw file is kept)."""
    document = body.document.model_dump(mode="json")
    result = await in_slot(
        request,
        partial(
            intake.ingest_document,
            ctx,
            actor,
            product_id=body.product_id,
            document=document,
            idempotency_key=key,
        ),
    )
    return _answer(result)


@router.get("", response_model=PageOut[EvidenceSummaryOut])
async def list_evidence(
    ctx: ContextDep,
    actor: ActorDep,
    page: PageDep,
    kind: EvidenceKind | None = None,
    issuer: Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL)] = None,
    subject_id: Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL)] = None,
    tested_from: IsoDate | None = None,
    tested_to: IsoDate | None = None,
) -> ModelResponse:
    """The organization's evidence, newest first."""
    filters = evidence.EvidenceFilter(
        kind=kind, issuer=issuer, subject_id=subject_id, tested_from=tested_from, tested_to=tested_to
    )
    found = evidence.list_evidence(ctx, actor, filters, limit=page.limit, offset=page.offset)
    return ModelResponse(PageOut[EvidenceSummaryOut].model_validate(found, from_attributes=True))


@router.get("/{evidence_id:digest}", response_model=EvidenceOut, responses=responses(404))
async def read(evidence_id: EvidenceId, ctx: ContextDep, actor: ActorDep) -> ModelResponse:
    return ModelResponse(EvidenceOut.model_validate(evidence.get_evidence(ctx, actor, evidence_id)))


@router.post(
    "/{evidence_id:digest}/status",
    status_code=201,
    response_model=EvidenceStatusOut,
    responses=responses(404, 409),
)
def change_status(
    evidence_id: EvidenceId,
    body: EvidenceStatusIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
) -> EvidenceStatusOut:
    """Log a status change of your evidence (valid, suspended, withdrawn, superseded): a new signed entry
    in the transparency log, never an edit. Withdrawn and superseded are final."""
    done = attestations.change_status_once(
        ctx,
        actor,
        evidence_id,
        status=body.status,
        reason=body.reason,
        superseded_by=body.superseded_by,
        idempotency_key=key,
    )
    mark_replay(response, done.replayed)
    return EvidenceStatusOut.model_validate(done.record.model_dump())


@router.get(
    "/{evidence_id:digest}/raw",
    response_class=Response,
    responses={**responses(404), 200: {"description": "The raw file", "content": {"*/*": {}}}},
)
async def download_raw(evidence_id: EvidenceId, ctx: ContextDep, actor: ActorDep) -> Response:
    """The raw file the evidence was parsed from, byte for byte (verified against its digest)."""
    located = evidence.locate_raw(ctx, actor, evidence_id)
    if located.in_memory:
        found = evidence.fetch_raw(ctx, located)
    else:  # hashing a large file would hold up every other request of this worker
        found = await run_in_threadpool(evidence.fetch_raw, ctx, located)
    return raw_file_response(found, cache_control="private, max-age=31536000, immutable")
