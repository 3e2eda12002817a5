"""Answers built by the routes themselves: JSON serialized once, by pydantic; verified raw files.

A route that returns its response model leaves FastAPI to check the value against the route's
``response_model`` and then serialize it, and FastAPI runs that check of a synchronous route in its
thread pool: a second thread hop per request, after the route's own. A route that has built its response
model from the use case's record (which validates it) returns :class:`ModelResponse` instead: the model
is serialized straight to JSON bytes and FastAPI passes the response through. The route still declares
``response_model``, which the OpenAPI document describes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from urllib.parse import quote

from pydantic import BaseModel
from starlette.responses import FileResponse, Response

from qualbridge.services.evidence import RawDownload


class ModelResponse(Response):
    media_type = "application/json"

    def __init__(
        self, model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(model.model_dump_json(by_alias=True), status_code=status_code, headers=headers)


def raw_file_response(found: RawDownload, *, cache_control: str) -> Response:
    """A raw file verified against its digest, which it carries as ETag and Repr-Digest (RFC 9530).

    A small file is sent from the bytes that were checked. A large one is streamed from disk; its stat is
    taken here, in the route's thread: left to FileResponse, it costs a thread hop of its own."""
    hex_digest = found.raw.digest.removeprefix("sha256:")
    filename = found.raw.filename or hex_digest
    headers = {
        "ETag": f'"{found.raw.digest}"',
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(hex_digest)).decode()}:",
        "Cache-Control": cache_control,
    }
    if found.data is not None:
        headers["Content-Disposition"] = attachment(filename)
        return Response(found.data, media_type=found.raw.media_type, headers=headers)
    assert found.path is not None
    return FileResponse(
        found.path,
        stat_result=found.path.stat(),
        media_type=found.raw.media_type,
        filename=filename,
        headers=headers,
    )


def attachment(filename: str) -> str:
    """``Content-Disposition`` for a download named ``filename`` (RFC 6266; a name that is not plain
    ASCII, or holds characters a quoted string cannot, as ``filename*`` of RFC 8187)."""
    quoted = quote(filename)
    if quoted == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quoted}"
