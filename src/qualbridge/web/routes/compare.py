"""Several vendors' packages side by side against one profile: the verdict of each requirement per
package, from the evaluations each vendor included against that profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from qualbridge.services import packages, profiles
from qualbridge.services.evaluations import EvaluationRecord
from qualbridge.services.packages import PackageSummary
from qualbridge.web.deps import VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LISTED = 200
#: Columns that still fit side by side at a tablet's width.
MAX_COMPARED = 6


@dataclass(frozen=True, slots=True)
class Column:
    package: PackageSummary
    #: The newest included evaluation against the chosen profile, if the vendor included one.
    evaluation: EvaluationRecord | None

    def result(self, requirement_id: str) -> dict[str, Any] | None:
        if self.evaluation is None:
            return None
        for item in self.evaluation.result["results"]:
            if item["requirement_id"] == requirement_id:
                found: dict[str, Any] = item
                return found
        return None


@router.get("/compare")
def compare(
    visit: VisitDep,
    profile: str | None = None,
    package: Annotated[list[uuid.UUID], Query(max_length=MAX_COMPARED)] = [],  # noqa: B006
) -> Response:
    actor, ctx = visit.signed_in, visit.ctx
    inbox = packages.list_packages(ctx, actor, limit=LISTED, offset=0)
    choices = [
        p for p in profiles.list_profiles(ctx, actor, limit=LISTED, offset=0).items if p.status == "published"
    ]
    chosen = profiles.get_profile(ctx, actor, profile) if profile else None
    columns: list[Column] = []
    if chosen is not None:
        for package_id in dict.fromkeys(package):
            found = packages.get_package(ctx, actor, package_id)
            matching = [e for e in found.evaluations if e.profile_id == chosen.id]
            newest = max(matching, key=lambda e: e.created_at, default=None)
            record = packages.package_evaluation(ctx, actor, package_id, newest.id) if newest else None
            summary = PackageSummary.model_validate(
                found.model_dump(include=set(PackageSummary.model_fields))
            )
            columns.append(Column(summary, record))
    return visit.page(
        "compare.html",
        inbox=inbox,
        choices=choices,
        profile=chosen,
        selected=[str(p) for p in package],
        columns=columns,
    )
