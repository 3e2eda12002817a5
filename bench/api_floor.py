"""The floor under ``bench/api_load.py``: the same requests answered by a bare FastAPI app, served the same
way (uvicorn, httptools, uvloop, the same number of workers), in the same run.

What QualBridge adds to the cost of a request is the ratio of the two. The ratio also holds still where
the machine does not: a shared machine's speed can change by half from one minute to the next, and the
two servers take each phase seconds apart.

- **Reads**: every path of the read phase has a route of its own that checks the bearer token (a string
  comparison) and answers with the bytes QualBridge answered, with the same content type: routing,
  headers and the response's size cost what they cost QualBridge, and nothing is looked up.
- **Uploads**: ``POST /api/v1/evidence`` takes the same multipart form through FastAPI (``product_id``,
  ``meta`` and the file), writes the file to a temporary file while hashing it (what any upload that
  keeps its bytes must do) and answers ``201`` with the digest.

The app reads what to answer from the JSON file named by ``QUALBRIDGE_BENCH_FLOOR``:
``{"token": "...", "answers": {"/path?query": {"media_type": "...", "body": "<base64>"}}}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from typing import Annotated

from fastapi import FastAPI, File, Form, Header, HTTPException, Request, Response, UploadFile

ENVIRONMENT = "QUALBRIDGE_BENCH_FLOOR"


def create_app() -> FastAPI:
    with open(os.environ[ENVIRONMENT], encoding="utf-8") as fh:
        spec = json.load(fh)
    expected = f"Bearer {spec['token']}"
    answers = {
        path: (base64.b64decode(answer["body"]), answer["media_type"])
        for path, answer in spec["answers"].items()
    }
    app = FastAPI()

    def check(authorization: str | None) -> None:
        if authorization != expected:
            raise HTTPException(401)

    for path in sorted({p.split("?", 1)[0] for p in answers}):

        async def read(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
            check(authorization)
            query = request.url.query
            body, media_type = answers[request.url.path + (f"?{query}" if query else "")]
            return Response(body, media_type=media_type)

        app.add_api_route(path, read, methods=["GET"])

    @app.post("/api/v1/evidence", status_code=201)
    def upload(
        product_id: Annotated[str, Form()],
        file: Annotated[UploadFile, File()],
        meta: Annotated[str | None, Form()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, str]:
        check(authorization)
        digest = hashlib.sha256()
        with tempfile.TemporaryFile() as out:
            while chunk := file.file.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        return {"product_id": product_id, "digest": f"sha256:{digest.hexdigest()}"}

    return app
