"""One piece of the organization's evidence: what it is, where its signed statement is in the log, its
status, and (for the vendor's writers) a status change, confirmed before it is logged.

A status change is a new signed entry in the transparency log, never an edit, and withdrawn or
superseded is final; so the form first shows what will be logged and asks to confirm
(``attestations.change_status`` does the rest, as for the API).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path
from starlette.responses import Response

from qualbridge.api.responses import raw_file_response
from qualbridge.errors import ConflictError, InputError, NotFoundError
from qualbridge.services import attestations, evidence
from qualbridge.services.authz import authorize
from qualbridge.services.evidence import EvidenceFilter
from qualbridge.trust.intoto import STATUS_VALUES
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

EvidenceId = Annotated[str, Path(pattern=r"^sha256:[0-9a-f]{64}$")]
#: The evidence a superseded one may point to: the organization's newest.
CANDIDATES = 200


def _page(visit: Visit, evidence_id: str, *, status: int = 200, **values: Any) -> Response:
    actor = visit.signed_in
    found = evidence.get_evidence(visit.ctx, actor, evidence_id)
    newer = evidence.list_evidence(visit.ctx, actor, EvidenceFilter(), limit=CANDIDATES, offset=0).items
    return visit.page(
        "evidence.html",
        status=status,
        evidence=found,
        statuses=STATUS_VALUES,
        replacements=[e for e in newer if e.id != evidence_id],
        **values,
    )


@router.get("/evidence/{evidence_id}")
def evidence_detail(visit: VisitDep, evidence_id: EvidenceId) -> Response:
    return _page(visit, evidence_id)


@router.get("/evidence/{evidence_id}/raw")
def raw(visit: VisitDep, evidence_id: EvidenceId) -> Response:
    found = evidence.raw_file(visit.ctx, visit.signed_in, evidence_id)
    return visit.finish(raw_file_response(found, cache_control="private, no-cache"))


@router.post("/evidence/{evidence_id}/status")
def change_status(
    visit: PostDep,
    evidence_id: EvidenceId,
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
    superseded_by: Annotated[str, Form(max_length=80)] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Without ``confirmed``: the confirmation step (nothing logged). With it: the change, logged."""
    form = {"status": status, "reason": reason, "superseded_by": superseded_by}
    authorize(visit.signed_in, "evidence.status")  # before the confirmation step, not only after it
    try:
        if status not in STATUS_VALUES:
            raise InputError(f"status {status!r}", expected=" or ".join(STATUS_VALUES))
        if not confirmed:
            return _page(visit, evidence_id, confirm=form)
        attestations.change_status(
            visit.ctx,
            visit.signed_in,
            evidence_id,
            status=status,  # type: ignore[arg-type]  # one of STATUS_VALUES, checked above
            reason=reason,
            superseded_by=superseded_by or None,
        )
    except NotFoundError:
        raise
    except InputError as exc:
        code = 409 if isinstance(exc, ConflictError) else 400
        return _page(visit, evidence_id, status=code, status_error=exc, form=form)
    return visit.redirect(f"/evidence/{evidence_id}?msg=status-changed")
