"""Where the package's downloads and the "verify a bundle" page plug in.

Three pieces of issue 5 come from other parts of QualBridge: the bilingual qualification report
(``qualbridge.reports``), the signed, offline-verifiable bundle (the trust service's bundle export) and
the offline verification of a bundle. Each has its route here, already behind the same checks as every
page (the caller must see the package); until its builder is part of this installation the route
answers 501 with a page saying so. Wiring one in replaces the body of its function, nothing else.
"""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from starlette.responses import Response

from qualbridge.services import packages
from qualbridge.web.deps import Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Feature = Literal["report", "bundle", "verify"]


def _unavailable(visit: Visit, feature: Feature) -> Response:
    return visit.page("unavailable.html", status=501, feature=feature)


@router.get("/packages/{package_id}/report")
def report(visit: VisitDep, package_id: uuid.UUID) -> Response:
    packages.get_package(visit.ctx, visit.signed_in, package_id)
    return _unavailable(visit, "report")


@router.get("/packages/{package_id}/bundle")
def bundle(visit: VisitDep, package_id: uuid.UUID) -> Response:
    packages.get_package(visit.ctx, visit.signed_in, package_id)
    return _unavailable(visit, "bundle")


@router.get("/verify")
def verify(visit: VisitDep) -> Response:
    return _unavailable(visit, "verify")
