"""Products and subsystems (with inherited evidence), evidence upload with a parse preview, evaluation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.responses import Response

from qualbridge.api.ingests import in_slot
from qualbridge.errors import InputError, at
from qualbridge.services import evaluations, evidence, intake, products, profiles
from qualbridge.services.evidence import EvidenceFilter
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

UPLOAD_PATHS = ("/evidence/preview", "/evidence/upload")
#: More than any one product of the demo has; the page says when there are more.
LISTED = 200
KINDS = ("equipment", "subsystem", "component", "material")


@router.get("/products")
def product_list(visit: VisitDep, q: str | None = None) -> Response:
    found = products.list_products(visit.ctx, visit.signed_in, search=q or None, limit=LISTED, offset=0)
    return visit.page("products.html", products=found, q=q or "", kinds=KINDS, form={})


@router.post("/products")
def create_product(
    visit: PostDep,
    kind: Annotated[str, Form(max_length=20)],
    model: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(max_length=200)],
) -> Response:
    actor = visit.signed_in
    try:
        made = products.create_product(visit.ctx, actor, kind=kind, model=model, name=name)  # type: ignore[arg-type]
    except InputError as exc:
        found = products.list_products(visit.ctx, actor, limit=LISTED, offset=0)
        form = {"kind": kind, "model": model, "name": name}
        return visit.page(
            "products.html", status=400, products=found, q="", kinds=KINDS, form=form, error=exc
        )
    return visit.redirect(f"/products/{made.id}?msg=product-created")


def product_page(visit: Visit, product_id: uuid.UUID, *, status: int = 200, **extra: Any) -> Response:
    """The product page; ``extra`` carries what a failed form left to show (errors, a preview)."""
    actor, ctx = visit.signed_in, visit.ctx
    product = products.get_product(ctx, actor, product_id)
    page = evidence.product_evidence(ctx, actor, product_id, EvidenceFilter(), limit=LISTED, offset=0)
    own = products.list_products(ctx, actor, limit=LISTED, offset=0)
    published = profiles.list_profiles(ctx, actor, limit=LISTED, offset=0)
    return visit.page(
        "product.html",
        status=status,
        product=product,
        components=products.list_components(ctx, actor, product_id),
        evidence=page,
        candidates=[p for p in own.items if p.id != product_id],
        evaluations=evaluations.list_evaluations(ctx, actor, product_id, limit=LISTED, offset=0),
        profiles=[p for p in published.items if p.status == "published"],
        **extra,
    )


@router.get("/products/{product_id}")
def product_detail(visit: VisitDep, product_id: uuid.UUID) -> Response:
    return product_page(visit, product_id)


@router.post("/products/{product_id}/components")
def attach_component(
    visit: PostDep,
    product_id: uuid.UUID,
    child_id: Annotated[uuid.UUID, Form()],
    quantity: Annotated[int, Form(ge=1, le=100_000)] = 1,
) -> Response:
    try:
        products.attach_component(
            visit.ctx, visit.signed_in, product_id, child_id=child_id, quantity=quantity
        )
    except InputError as exc:
        return product_page(visit, product_id, status=400, attach_error=exc)
    return visit.redirect(f"/products/{product_id}?msg=component-attached")


@dataclass(frozen=True, slots=True)
class Upload:
    """The upload form: the file, the product it is recorded on, and its metadata (a sidecar file and
    a YAML text box, which wins over it)."""

    product_id: uuid.UUID
    file: UploadFile
    meta_text: str
    sidecar: UploadFile | None
    kind: str | None

    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if self.sidecar is not None and self.sidecar.filename:
            raw = self.sidecar.file.read(1 << 20)
            try:
                meta |= intake.parse_meta(raw.decode("utf-8"), source=self.sidecar.filename)
            except UnicodeDecodeError as exc:
                raise InputError("the metadata file is not UTF-8 text", at(self.sidecar.filename)) from exc
        return meta | intake.parse_meta(self.meta_text)


def _upload(
    product_id: Annotated[uuid.UUID, Form()],
    file: Annotated[UploadFile, File()],
    meta: Annotated[str, Form(max_length=65_536)] = "",
    sidecar: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form(max_length=40)] = "",
) -> Upload:
    return Upload(product_id=product_id, file=file, meta_text=meta, sidecar=sidecar, kind=kind or None)


UploadDep = Annotated[Upload, Depends(_upload)]


@router.post("/evidence/preview")
async def preview(visit: PostDep, upload: UploadDep) -> Response:
    """What the upload would store, or the errors that name file, row and column; nothing is stored."""
    return await in_slot(visit.request, partial(_preview, visit, upload))


def _preview(visit: Visit, upload: Upload) -> Response:
    name = upload.file.filename
    try:
        value = intake.preview_file(
            visit.ctx,
            visit.signed_in,
            product_id=upload.product_id,
            stream=upload.file.file,
            filename=name,
            kind=upload.kind,
            meta=upload.meta(),
        )
        result: dict[str, Any] = {"parsed": value, "document": value.model_dump(mode="json")}
    except InputError as exc:
        result = {"upload_error": exc}
    if visit.request.headers.get("HX-Request"):
        return visit.fragment("_preview.html", filename=name, **result)
    return product_page(visit, upload.product_id, filename=name, **result)


@router.post("/evidence/upload")
async def store(visit: PostDep, upload: UploadDep) -> Response:
    """Store the upload (in one of the worker's upload slots, as the API's uploads) and show the product."""
    return await in_slot(visit.request, partial(_store, visit, upload))


def _store(visit: Visit, upload: Upload) -> Response:
    try:
        stored = intake.ingest_file(
            visit.ctx,
            visit.signed_in,
            product_id=upload.product_id,
            stream=upload.file.file,
            filename=upload.file.filename,
            media_type=upload.file.content_type,
            kind=upload.kind,
            meta=upload.meta(),
        )
    except InputError as exc:
        return product_page(
            visit, upload.product_id, status=400, filename=upload.file.filename, upload_error=exc
        )
    msg = "evidence-stored" if stored.ingested.created else "evidence-known"
    return visit.redirect(f"/products/{upload.product_id}?msg={msg}#evidence")


@router.post("/products/{product_id}/evaluate")
def evaluate(
    visit: PostDep, product_id: uuid.UUID, profile: Annotated[str, Form(max_length=200)]
) -> Response:
    try:
        done = evaluations.run_evaluation(visit.ctx, visit.signed_in, product_id, profile=profile)
    except InputError as exc:
        return product_page(visit, product_id, status=400, evaluate_error=exc)
    return visit.redirect(f"/evaluations/{done.id}")
