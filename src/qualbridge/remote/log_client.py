"""An HTTP client for a QualBridge transparency log: what a verifier, monitor or witness reads.

The contract, under a log's base URL (e.g. ``https://qualbridge.example/log``):

=================================================  ===========================================================
``GET  {base}/checkpoint``                          the latest checkpoint, a signed note (text)
``GET  {base}/tile/{L}/{N}[.p/{W}]``                a hash tile, per c2sp.org/tlog-tiles
``GET  {base}/tile/entries/{N}[.p/{W}]``            an entry bundle, per c2sp.org/tlog-tiles
``POST {base}/cosignature``                         a witness's cosignature: the checkpoint note with its
                                                    cosignature line appended (text/plain)
``GET  {base}/envelopes/{statement digest}``        the DSSE envelope of a status/v1 statement (JSON)
``GET  {base}/certificates/{keyid}``                the center-signed certificate of a key (JSON)
``GET  {base}/trust-root``                          the log operator's trust root (never pinned from here)
=================================================  ===========================================================

Nothing the log serves is trusted: checkpoints are verified against pinned keys, and proofs are computed
here from tiles (:class:`~qualbridge.trust.tiles.TileReader`) and verified against signed roots, so a log
that serves a wrong tile is caught by the proof, not believed. Transport failures and answers outside the
contract become :class:`~qualbridge.errors.LogUnavailableError`; a 4xx refusal of a cosignature sent to
it, :class:`~qualbridge.errors.RemoteError` with that status.
"""

from __future__ import annotations

import urllib.parse
from types import TracebackType
from typing import Final

import httpx

from qualbridge.errors import InputError, LogUnavailableError, RemoteError, at
from qualbridge.trust.dsse import Envelope
from qualbridge.trust.merkle import HASH_SIZE
from qualbridge.trust.tiles import TILE_WIDTH, TileReader, TileRef, entry_bundles_for_size, parse_entry_bundle

USER_AGENT: Final = "qualbridge-log-client/1"
TIMEOUT_S: Final = 30.0


def check_base_url(url: str) -> str:
    """The log's base URL without a trailing slash; InputError unless it is an http(s) URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError(f"{url!r} is not a log URL", at(field="--log"), expected="http(s)://host[/path]")
    return url.rstrip("/")


class LogClient:
    """Reads a log over HTTP. ``transport`` is httpx's seam (tests pass an ``httpx.MockTransport``)."""

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = check_base_url(base_url)
        self._http = httpx.Client(
            transport=transport, timeout=TIMEOUT_S, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        )

    def __enter__(self) -> LogClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- transport --------------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, body: bytes | None = None, missing_ok: bool = False
    ) -> bytes:
        url = f"{self.base_url}/{path}"
        try:
            response = self._http.request(
                method,
                url,
                content=body,
                headers={"Content-Type": "text/plain"} if body is not None else None,
            )
        except httpx.HTTPError as exc:
            raise LogUnavailableError(f"cannot reach the log: {method} {url}: {exc}") from exc
        if missing_ok and response.status_code == 404:
            raise _GoneError(url)
        if body is not None and response.is_client_error:
            # The log was reached and refused what we sent (e.g. a witness key it is not configured
            # with): not "out of reach", and retrying will not help.
            raise RemoteError(
                f"the log refused {method} {url}: {response.status_code}{_problem(response)}",
                status=response.status_code,
            )
        if not response.is_success:
            raise LogUnavailableError(
                f"the log answered {response.status_code} to {method} {url}{_problem(response)}"
            )
        return response.content

    # --- the contract -----------------------------------------------------------------------------------

    def checkpoint(self) -> bytes:
        """The latest checkpoint note, unverified: open it with ``checkpoint.open_checkpoint``."""
        try:
            return self._request("GET", "checkpoint", missing_ok=True)
        except _GoneError:
            raise LogUnavailableError(
                f"no checkpoint at {self.base_url}/checkpoint (404): no log there, or one that has signed "
                "none yet",
                expected="the log's base URL, e.g. http://127.0.0.1:8000/log: a QualBridge server serves "
                "its log under /log",
            ) from None

    def tile(self, ref: TileRef) -> bytes:
        """A hash tile or an entry bundle. A partial tile the log no longer serves (it may delete one
        once the full tile exists, c2sp.org/tlog-tiles) is read from the full tile."""
        try:
            return self._request("GET", ref.path, missing_ok=ref.is_partial)
        except _GoneError:
            full = self._request("GET", TileRef(ref.level, ref.index).path)
        if ref.level is not None:
            return full[: ref.width * HASH_SIZE]
        entries = parse_entry_bundle(full)[: ref.width]
        return b"".join(len(e).to_bytes(2, "big") + e for e in entries)

    def tile_reader(self, size: int) -> TileReader:
        """A node reader over this log's tiles for a tree of ``size`` entries; proofs are computed from it."""

        def fetch(ref: TileRef) -> bytes:
            data = self.tile(ref)
            if len(data) != ref.width * HASH_SIZE:
                raise LogUnavailableError(
                    f"the log served {len(data)} bytes for {ref.path}, expected {ref.width * HASH_SIZE}"
                )
            return data

        return TileReader(size, fetch)

    def entries(self, start: int, end: int, *, size: int) -> list[bytes]:
        """Entries ``start`` … ``end - 1`` of a tree of ``size`` entries, from its entry bundles.

        Unverified: hash each and check it against a proof before believing it.
        """
        if not 0 <= start <= end <= size:
            raise ValueError(f"entries [{start}, {end}) are not in a tree of size {size}")
        widths = {ref.index: ref.width for ref in entry_bundles_for_size(size)}
        found: list[bytes] = []
        if start == end:
            return found
        for index in range(start // TILE_WIDTH, (end + TILE_WIDTH - 1) // TILE_WIDTH):
            ref = TileRef(None, index, widths[index])
            try:
                bundle = parse_entry_bundle(self.tile(ref))
            except ValueError as exc:
                raise LogUnavailableError(
                    f"the log served a malformed entry bundle {ref.path}: {exc}"
                ) from exc
            if len(bundle) != ref.width:
                raise LogUnavailableError(
                    f"the log's {ref.path} holds {len(bundle)} entries, expected {ref.width}"
                )
            first = index * TILE_WIDTH
            found += bundle[max(start - first, 0) : end - first]
        return found

    def envelope(self, statement_digest: str) -> Envelope:
        """The DSSE envelope of a status/v1 statement, unverified."""
        data = self._request("GET", f"envelopes/{statement_digest}")
        return Envelope.from_json(data)

    def certificate(self, keyid: str) -> Envelope | None:
        """The center-signed certificate of a key, unverified; None if the log has none."""
        try:
            return Envelope.from_json(self._request("GET", f"certificates/{keyid}", missing_ok=True))
        except _GoneError:
            return None

    def trust_root(self) -> bytes:
        return self._request("GET", "trust-root")

    def add_cosignature(self, note: bytes) -> None:
        """Hand the log a checkpoint note with this witness's cosignature line appended."""
        self._request("POST", "cosignature", body=note)


class _GoneError(Exception):
    """A 404 the caller has a fallback for."""


def _problem(response: httpx.Response) -> str:
    """The problem+json detail (RFC 9457) of an error answer, when there is one."""
    if "json" not in response.headers.get("content-type", ""):
        return ""
    try:
        doc = response.json()
    except ValueError:
        return ""
    detail = doc.get("detail") or doc.get("title") if isinstance(doc, dict) else None
    return f": {detail}" if detail else ""


def connect(base_url: str) -> LogClient:
    """A client for the log at ``base_url`` (the one place the CLI opens connections; tests replace it)."""
    return LogClient(base_url)
