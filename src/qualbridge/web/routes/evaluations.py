"""One evaluation: the verdict per requirement and the gap list with actions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.responses import Response

from qualbridge.evaluation.result import Evaluation
from qualbridge.reports import evaluation_charts
from qualbridge.services import evaluations, products
from qualbridge.web.deps import PostDep, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/evaluations/{evaluation_id}")
def evaluation_detail(visit: VisitDep, evaluation_id: uuid.UUID) -> Response:
    actor = visit.signed_in
    found = evaluations.get_evaluation(visit.ctx, actor, evaluation_id)
    product = products.get_product(visit.ctx, actor, found.product_id)
    charts = evaluation_charts(Evaluation.model_validate(found.result), visit.lang)
    return visit.page(
        "evaluation.html", evaluation=found, result=found.result, product=product, package=None, charts=charts
    )


@router.post("/evaluations/{evaluation_id}/rerun")
def rerun(visit: PostDep, evaluation_id: uuid.UUID) -> Response:
    again = evaluations.rerun(visit.ctx, visit.signed_in, evaluation_id)
    return visit.redirect(f"/evaluations/{again.id}")
