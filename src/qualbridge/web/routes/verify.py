"""Verify a bundle: anyone, signed in or not, uploads a bundle and the trust root they pinned and sees
each numbered step of the offline verification (``qualbridge.verification``, as ``qualbridge verify``).

Nothing is stored: the two files are read into memory (each with its own size limit), verified, and
forgotten. The service's own trust root is offered for download (``/log/trust-root``), with the warning
that a verifier should pin one obtained out of band.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from starlette.responses import Response

from qualbridge.errors import InputError, TooLargeError, VerificationError, at
from qualbridge.trust.verify import TrustRoot
from qualbridge.verification import cosigned_at, predicate_name, read_bundle, step_views, verify_data
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

UPLOAD_PATHS = ("/verify",)
#: A trust root is a few keys: anything larger is not one.
MAX_TRUST_ROOT_BYTES = 64 * 1024
#: What a bundle's files may expand to in memory (its zip directory says so before unpacking).
MAX_EXPANDED_BYTES = 256 << 20


def _read(upload: UploadFile, limit: int, what: str) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(f"the {what} is larger than {limit} bytes", at(upload.filename, field=what))
    if not data:
        raise InputError(f"the {what} file is empty", at(upload.filename, field=what))
    return data


def _page(visit: Visit, *, status: int = 200, **values: Any) -> Response:
    return visit.page(
        "verify.html",
        status=status,
        max_bundle=visit.ctx.limits.max_upload_bytes,
        max_trust_root=MAX_TRUST_ROOT_BYTES,
        **values,
    )


@router.get("/verify")
def verify_form(visit: VisitDep) -> Response:
    return _page(visit)


@router.post("/verify")
def verify(
    visit: PostDep,
    bundle: Annotated[UploadFile, File()],
    trust_root: Annotated[UploadFile, File()],
) -> Response:
    names: dict[str, Any] = {"bundle_name": bundle.filename, "root_name": trust_root.filename}
    try:
        root = TrustRoot.from_bytes(
            _read(trust_root, MAX_TRUST_ROOT_BYTES, "trust_root"), source=trust_root.filename or "trust root"
        )
        data = _read(bundle, visit.ctx.limits.max_upload_bytes, "bundle")
        loaded = read_bundle(data, max_expanded=MAX_EXPANDED_BYTES, source=bundle.filename or "bundle")
        report = verify_data(loaded, root)
    except InputError as exc:
        return _page(visit, status=413 if isinstance(exc, TooLargeError) else 400, input_error=exc, **names)
    except VerificationError as exc:
        return _page(visit, steps=step_views(error=exc), failure=exc, **names)
    cosignatures = [(name, cosigned_at(ts)) for name, ts in sorted(report.cosignatures.items())]
    statements = [
        (s, predicate_name(s.predicate_type), report.statuses.get(s.digest))
        for s in sorted(report.statements, key=lambda s: s.log_index)
    ]
    return _page(
        visit,
        steps=step_views(report),
        report=report,
        root_hash=base64.b64encode(report.checkpoint.root_hash).decode("ascii"),
        cosignatures=cosignatures,
        statements=statements,
        **names,
    )
