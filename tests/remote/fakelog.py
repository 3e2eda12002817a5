"""A log served over HTTP semantics (an httpx.MockTransport) from the pure in-memory log and tiles.

It serves exactly the client contract (qualbridge.remote.log_client): the checkpoint, tlog-tiles hash
tiles and entry bundles (partial tiles are gone once the full tile exists, as the spec allows), the
envelopes of status/v1 statements, key certificates, the trust root, and it takes cosignatures. What it
serves as the checkpoint, and from which log, can be swapped to play a log that forks or rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from qualbridge.errors import NoteError
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Logged
from qualbridge.trust.log import TransparencyLog
from qualbridge.trust.note import Note
from qualbridge.trust.tiles import TILE_WIDTH, parse_path, read_entry_bundle, read_tile, stored_width

BASE = "http://log.test/log"


@dataclass
class FakeLog:
    log: TransparencyLog
    checkpoint: bytes
    trust_root: bytes
    envelopes: dict[str, bytes] = field(default_factory=dict)
    #: Key certificates by key id (GET /log/certificates/{keyid}).
    certificates: dict[str, bytes] = field(default_factory=dict)
    cosignatures: list[bytes] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    down: bool = False
    refuse_cosignatures: bool = False
    #: Rewrites entry bundles on their way out: a log that hides an entry by serving another.
    rewrite_entries: Callable[[bytes], bytes] | None = None

    def publish(self, items: list[Logged]) -> None:
        """Make the envelopes of status changes among ``items`` available (only status/v1, per contract)."""
        for item in items:
            if item.statement.predicate_type == intoto.STATUS:
                self.envelopes[item.statement.digest] = item.envelope.to_json()

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.requests.append(f"{request.method} {request.url.path}")
        path = request.url.path.removeprefix("/log/")
        if request.method == "POST" and path == "cosignature":
            if request.headers.get("content-type") != "text/plain":
                return _problem(415, "send the cosigned note as text/plain")
            if self.refuse_cosignatures:
                return _problem(503, "try again later")
            try:
                self._merge(request.content)
            except NoteError as exc:
                return _problem(400, f"not a cosigned checkpoint: {exc}")
            self.cosignatures.append(request.content)
            return httpx.Response(204)
        if request.method != "GET":
            return _problem(405, "method not allowed")
        if path == "checkpoint":
            return httpx.Response(200, content=self.checkpoint, headers={"content-type": "text/plain"})
        if path == "trust-root":
            return httpx.Response(200, content=self.trust_root, headers={"content-type": "application/json"})
        if path.startswith("envelopes/"):
            found = self.envelopes.get(path.removeprefix("envelopes/"))
            if found is None:
                return _problem(404, "no status statement with this digest")
            return httpx.Response(200, content=found, headers={"content-type": "application/json"})
        if path.startswith("certificates/"):
            cert = self.certificates.get(path.removeprefix("certificates/"))
            if cert is None:
                return _problem(404, "no certified key with this id")
            return httpx.Response(200, content=cert, headers={"content-type": "application/json"})
        if path.startswith("tile/"):
            return self._tile(path)
        return _problem(404, "not found")

    def _merge(self, cosigned: bytes) -> None:
        """Serve the checkpoint with the cosignature added, as a log collecting cosignatures does."""
        served, received = Note.parse(self.checkpoint), Note.parse(cosigned)
        if served.text == received.text:
            new = [s.line for s in received.signatures if s.line not in {t.line for t in served.signatures}]
            self.checkpoint = served.with_signature_lines(new).to_bytes()

    def _tile(self, path: str) -> httpx.Response:
        try:
            ref = parse_path(path)
        except ValueError as exc:
            return _problem(400, str(exc))
        available = stored_width(ref, self.log.size)
        # A partial tile is served only while its tile is not full; a tile wider than stored, never.
        if ref.width > available or (ref.is_partial and available == TILE_WIDTH):
            return _problem(404, f"no tile {path}")
        storage = self.log.storage
        data = read_tile(storage, ref) if ref.level is not None else read_entry_bundle(storage, ref)
        if ref.level is None and self.rewrite_entries is not None:
            data = self.rewrite_entries(data)
        return httpx.Response(200, content=data, headers={"content-type": "application/octet-stream"})


def _problem(status: int, detail: str) -> httpx.Response:
    body = json.dumps({"type": "about:blank", "status": status, "detail": detail}).encode()
    return httpx.Response(status, content=body, headers={"content-type": "application/problem+json"})
