"""JSON answers serialized once, by pydantic.

A route that returns its response model leaves FastAPI to check the value against the route's
``response_model`` and then serialize it, and FastAPI runs that check of a synchronous route in its
thread pool: a second thread hop per request, after the route's own. A route that has built its response
model from the use case's record (which validates it) returns :class:`ModelResponse` instead: the model
is serialized straight to JSON bytes and FastAPI passes the response through. The route still declares
``response_model``, which the OpenAPI document describes.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response


class ModelResponse(Response):
    media_type = "application/json"

    def __init__(
        self, model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(model.model_dump_json(by_alias=True), status_code=status_code, headers=headers)
