"""Errors as RFC 9457 problem details: the one place where exceptions become HTTP statuses.

Every caller mistake is a 4xx: QualBridge's own errors by class (:data:`STATUS`), FastAPI's request
validation (422), and Starlette's HTTP errors (unknown route 404, wrong method 405, body too large 413,
unparseable body 400). A 500 means QualBridge malfunctioned; its detail is logged, never sent.

A problem document::

    {"type": "/problems/not-found", "title": "Not found", "status": 404,
     "detail": "no product 5f0c…", "instance": "/api/v1/products/5f0c…",
     "error": "NotFoundError", "field": "product_id"}

``file``, ``row``, ``field`` and ``expected`` are present when the error names them; a request that
failed validation lists every problem in ``errors``.
"""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from qualbridge.errors import (
    AccessError,
    AuthError,
    ConflictError,
    EngineError,
    IdempotencyKeyReusedError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    QualBridgeError,
    TooLargeError,
    WithheldEvidenceError,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[QualBridgeError], int, str], ...] = (
    (AuthError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (AccessError, 403, "forbidden"),
    (NotFoundError, 404, "not-found"),
    (IdempotencyKeyReusedError, 422, "idempotency-key-reused"),
    (WithheldEvidenceError, 422, "evaluation-evidence-withheld"),
    (ConflictError, 409, "conflict"),
    (TooLargeError, 413, "too-large"),
    (InputError, 422, "invalid-input"),
    (EngineError, 500, "internal-error"),
)
#: Problems specific enough to have their own title (others are titled by their HTTP status).
TITLES = {
    "idempotency-key-reused": "Idempotency-Key reused for a different request",
    "evaluation-evidence-withheld": "Evaluation considered evidence left out of the package",
}
#: Errors of other families (e.g. a failed verification of a caller's bundle) are about the input.
DEFAULT = (422, "invalid-input")


class Problem(BaseModel):
    """RFC 9457 problem details, with QualBridge's location members."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def classify(exc: QualBridgeError) -> tuple[int, str]:
    for cls, status, slug in STATUS:
        if isinstance(exc, cls):
            return status, slug
    return DEFAULT


def problem(
    request: Request,
    status: int,
    *,
    slug: str | None,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": TITLES.get(slug or "", HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in members.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _qualbridge_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QualBridgeError)
    status, slug = classify(exc)
    if status >= 500:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(request, status, slug=slug, detail="QualBridge failed; the error was logged")
    headers = None
    if isinstance(exc, AuthError):
        # RFC 6750 §3: a rejected token is "invalid_token"; no token at all carries no error code.
        sent = "authorization" in request.headers
        headers = {
            "WWW-Authenticate": 'Bearer realm="qualbridge"' + (', error="invalid_token"' if sent else "")
        }
    where = exc.where
    return problem(
        request,
        status,
        slug=slug,
        detail=str(exc),
        headers=headers,
        error=type(exc).__name__,
        file=where.file,
        row=where.row,
        field=where.field,
        expected=exc.expected,
        **exc.details(),
    )


def _plain(value: Any) -> Any:
    """Validation contexts may hold exceptions or non-finite numbers, which JSON cannot carry."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The offending input is not echoed: it may be a password.
    errors = [
        {"loc": _plain(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    return problem(request, 422, slug="invalid-request", detail=detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {413: "too-large"}.get(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    return problem(request, exc.status_code, slug=slug, detail=detail, headers=headers)


def _allowed(request: Request) -> str:
    """Every method the path answers, from the OpenAPI description. (Starlette names only those of
    the first route that matches the path, but GET and POST /products, say, are two routes.)"""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if _path_pattern(template, operations).fullmatch(request.url.path):
            methods |= {method.upper() for method in operations if method.upper() in _METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"}


def _path_pattern(template: str, operations: dict[str, Any]) -> re.Pattern[str]:
    """A regex for a path template; a parameter with a ``pattern`` matches only that."""
    patterns: dict[str, str] = {}
    for operation in operations.values():
        for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
            if parameter.get("in") == "path" and "pattern" in parameter.get("schema", {}):
                patterns[parameter["name"]] = (
                    parameter["schema"]["pattern"].removeprefix("^").removesuffix("$")
                )
    parts = re.split(r"\{([^}]+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?:{patterns.get(part, '[^/]+')})"
        for i, part in enumerate(parts)
    )
    return re.compile(regex)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, slug="internal-error", detail="QualBridge failed; the error was logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(QualBridgeError, _qualbridge_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


#: What any route may answer: an unreadable body, no valid token, not allowed, too large, invalid.
COMMON = (400, 401, 403, 413, 422)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries declaring that a route may answer these statuses with a problem document."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
