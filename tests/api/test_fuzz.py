"""Property-based fuzzing of the API against its own OpenAPI schema (schemathesis), on both databases.

Every operation of ``/api/v1/openapi.json`` is called with generated requests, valid and invalid, once
without a token and once as a vendor's admin with a write token (whose organization holds a product
and an evidence, so that listings and reads have something to answer with). Whatever is sent, the
service never answers 500, and every answer is one the schema documents: its status code, its content
type and its body. The run is bounded (a few examples per operation) to keep ``make test`` quick.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qualbridge.api import create_app
from qualbridge.services import intake, products
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.api.client import bearer
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Examples per operation and database: enough to reach every parameter, small enough for `make test`.
EXAMPLES = 8
OPENAPI = "/api/v1/openapi.json"


@pytest.fixture
def authorization(ctx: Context) -> dict[str, str]:
    vendor = new_org(ctx)
    product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber")
    intake.ingest_file(
        ctx,
        vendor,
        product_id=product.id,
        stream=io.BytesIO(PARTICLE_CSV),
        filename="survey.csv",
        meta=PARTICLE_META,
    )
    return bearer(ctx, vendor)


def _openapi() -> dict[str, Any]:
    """The schema, built once from an app on an in-memory database it never opens (it is the same for
    every app: routes do not depend on settings)."""
    document: dict[str, Any] = create_app(Settings(database_url="sqlite:///:memory:")).openapi()
    return document


OPENAPI_DOCUMENT = _openapi()
LABELS = [
    f"{method.upper()} {path}"
    for path, operations in OPENAPI_DOCUMENT["paths"].items()
    for method in operations
    if method in ("get", "put", "post", "delete", "patch")
]


@pytest.mark.parametrize("label", LABELS)
def test_no_request_makes_the_api_fail_or_leave_its_schema(
    label: str, app: FastAPI, authorization: dict[str, str]
) -> None:
    method, path = label.split(" ", 1)
    app.openapi_schema = OPENAPI_DOCUMENT  # spares each test building it again
    operation = schemathesis.openapi.from_asgi(OPENAPI, app)[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)
        case.call_and_validate(headers=authorization, checks=CHECKS)

    fuzz()
