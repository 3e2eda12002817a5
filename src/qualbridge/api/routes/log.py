"""``/log``: the transparency log's public read API, witness cosignatures and the trust root.

No authentication: the log holds only digests, signatures and checkpoints; the only envelopes served are
status changes (which say that a statement changed status, not what it said). The paths follow C2SP
tlog-tiles (``/log/tile/…``) and are a contract with witnesses, monitors and ``qualbridge verify
--online``: keep them exactly.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response

from qualbridge.api.deps import ContextDep
from qualbridge.api.errors import responses
from qualbridge.api.schemas import CosignatureOut
from qualbridge.services import keys, transparency

router = APIRouter(prefix="/log", tags=["log"])

TEXT = "text/plain; charset=utf-8"
#: A full tile never changes (tlog-tiles): cache it for good.
IMMUTABLE = "public, max-age=31536000, immutable"


def _ok(description: str, media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {media_type: {}}}}


_TEXT_OK = _ok("A signed note", "text/plain")
_BYTES_OK = _ok("Tile bytes", "application/octet-stream")
_JSON_OK = _ok("A JSON document", "application/json")
TilePath = Annotated[str, Path(description="N in 3-digit groups (x001/234), then .p/W for a partial tile")]


@router.get("/checkpoint", response_class=Response, responses={**_TEXT_OK, **responses(404)})
def checkpoint(ctx: ContextDep) -> Response:
    """The latest checkpoint (a C2SP signed note) with the witness cosignatures collected so far."""
    note = transparency.checkpoint_note(ctx)
    return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})


def _tile(found: transparency.Tile) -> Response:
    cache = IMMUTABLE if found.immutable else "no-cache"
    return Response(found.data, media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.get("/tile/entries/{index:path}", response_class=Response, responses={**_BYTES_OK, **responses(404)})
def entry_bundle(index: TilePath, ctx: ContextDep) -> Response:
    """An entry bundle: the entries of one level-0 tile, each prefixed by its uint16 length."""
    return _tile(transparency.tile(ctx, f"tile/entries/{index}"))


@router.get("/tile/{level}/{index:path}", response_class=Response, responses={**_BYTES_OK, **responses(404)})
def tile(
    level: Annotated[str, Path(description="Tile level L: hashes of Merkle level 8·L")],
    index: TilePath,
    ctx: ContextDep,
) -> Response:
    """A tile: up to 256 consecutive 32-byte hashes of one Merkle level."""
    return _tile(transparency.tile(ctx, f"tile/{level}/{index}"))


@router.post("/cosignature", response_model=CosignatureOut, responses=responses(403, 404, 422))
def cosignature(
    ctx: ContextDep,
    note: Annotated[
        bytes,
        Body(
            media_type="text/plain",
            description="The checkpoint note exactly as served, with the witness's cosignature line added",
        ),
    ],
) -> CosignatureOut:
    """A configured witness submits its cosignature of a checkpoint this log signed."""
    return CosignatureOut.model_validate(transparency.add_cosignature(ctx, note).model_dump())


@router.get("/envelopes/{digest}", response_class=Response, responses={**_JSON_OK, **responses(404, 422)})
def envelope(
    digest: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The statement digest (hex)")],
    ctx: ContextDep,
) -> Response:
    """The DSSE envelope of a logged status change (only status changes are public)."""
    return Response(transparency.status_envelope(ctx, digest), media_type="application/json")


@router.get("/certificates/{keyid}", response_class=Response, responses={**_JSON_OK, **responses(404, 422)})
def certificate(
    keyid: Annotated[
        str, Path(pattern=r"^[0-9a-f]{64}$", description="The key id (hex SHA-256 of the SPKI)")
    ],
    ctx: ContextDep,
) -> Response:
    """The center-signed certificate (DSSE envelope) of an organization's signing key: a verifier checks
    it against the pinned center key, e.g. for a status change signed after a key rotation."""
    return Response(transparency.key_certificate(ctx, keyid), media_type="application/json")


@router.get("/trust-root", response_class=Response, responses=_JSON_OK)
def trust_root(ctx: ContextDep) -> Response:
    """The trust root, for convenience. A verifier must pin it out of band: fetched from the service it
    is meant to check, it proves nothing."""
    return Response(keys.trust_root(ctx).to_bytes(), media_type="application/json")
