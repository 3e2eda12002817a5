"""Evaluations: run a published profile on a product's evidence, read, list per product, re-run."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from qualbridge.api.deps import ActorDep, ContextDep, IdempotencyKeyDep, PageDep, mark_replay
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.responses import ModelResponse
from qualbridge.api.schemas import EvaluationIn, EvaluationOut, EvaluationSummaryOut, PageOut, RerunIn
from qualbridge.services import evaluations
from qualbridge.services.idempotency import Once

router = APIRouter(tags=["evaluations"], responses=responses(*COMMON))


def _created(done: Once[evaluations.EvaluationRecord], response: Response) -> EvaluationOut:
    response.headers["Location"] = f"/api/v1/evaluations/{done.record.id}"
    mark_replay(response, done.replayed)
    return EvaluationOut.model_validate(done.record.model_dump())


@router.post(
    "/products/{product_id}/evaluations",
    status_code=status.HTTP_201_CREATED,
    response_model=EvaluationOut,
    responses=responses(404, 409),
)
def run(
    product_id: uuid.UUID,
    body: EvaluationIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
) -> EvaluationOut:
    """Evaluate the product's evidence, own and inherited, against a published profile; the result is
    stored with the profile version and the engine version (409: the profile is a draft)."""
    done = evaluations.run_evaluation_once(
        ctx,
        actor,
        product_id,
        profile=body.profile,
        as_of=body.as_of,
        evidence=body.evidence,
        idempotency_key=key,
    )
    return _created(done, response)


@router.get(
    "/products/{product_id}/evaluations",
    response_model=PageOut[EvaluationSummaryOut],
    responses=responses(404),
)
async def list_for_product(
    product_id: uuid.UUID, ctx: ContextDep, actor: ActorDep, page: PageDep
) -> PageOut[EvaluationSummaryOut]:
    """The product's evaluations, newest first."""
    found = evaluations.list_evaluations(ctx, actor, product_id, limit=page.limit, offset=page.offset)
    return PageOut[EvaluationSummaryOut].model_validate(found.model_dump())


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut, responses=responses(404))
async def read(evaluation_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> ModelResponse:
    found = evaluations.get_evaluation(ctx, actor, evaluation_id)
    return ModelResponse(EvaluationOut.model_validate(found))


@router.post(
    "/evaluations/{evaluation_id}/rerun",
    status_code=status.HTTP_201_CREATED,
    response_model=EvaluationOut,
    responses=responses(404, 409),
)
def rerun(
    evaluation_id: uuid.UUID,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
    body: RerunIn | None = None,
) -> EvaluationOut:
    """Evaluate again as a new evaluation: the same profile version and as_of, today's evidence. The
    same evidence gives the same digest."""
    body = body or RerunIn()
    done = evaluations.rerun_once(
        ctx, actor, evaluation_id, as_of=body.as_of, evidence=body.evidence, idempotency_key=key
    )
    return _created(done, response)
