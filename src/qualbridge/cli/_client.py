"""The CLI's client mode: ``qualbridge --server URL --token T …`` talks to a QualBridge server over HTTP.

Answers are the API's JSON, unchanged (``--json`` prints them as they came). A problem document
(RFC 9457) becomes one :class:`~qualbridge.errors.RemoteError` line naming the request, the status, the
problem's title and detail; a 4xx is the caller's mistake (exit code 2), anything else 1. A server that
cannot be reached is one line naming its URL (exit code 3: nothing was done).

Every request that creates something carries an ``Idempotency-Key`` (a fresh one per command unless
given), so the one automatic retry after a dropped connection can never create a thing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qualbridge import __version__
from qualbridge.errors import InputError, RemoteError, at

if TYPE_CHECKING:
    # Imported when a command talks to a server: every other command would pay for loading httpx.
    import httpx

#: How long one request may take (an evaluation of a large product is CPU work on the server), and how
#: long to wait for a connection.
TIMEOUT, CONNECT_TIMEOUT = 120.0, 10.0
API = "/api/v1"

IdempotencyKeyOption = typer.Option(
    None, "--idempotency-key", help="Send this Idempotency-Key: running the command again is then safe."
)


@dataclass(frozen=True, slots=True)
class Remote:
    """The server and token given to the root command (``--server``/``--token`` or the environment)."""

    server: str | None = None
    token: str | None = None


class Client:
    """One server, one token; a thin layer over :class:`httpx.Client` that speaks problem+json."""

    def __init__(
        self, server: str, token: str | None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        import httpx

        root = server.rstrip("/").removesuffix(API)
        if not root.startswith(("http://", "https://")):
            raise InputError(
                f"{server!r} is not a server URL", at(field="--server"), expected="e.g. http://127.0.0.1:8000"
            )
        self.server = root
        self._http = httpx.Client(
            base_url=root + API,
            headers={
                "User-Agent": f"qualbridge-cli/{__version__}",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
            timeout=httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT),
            transport=transport,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return self._send("GET", path, params=clean)

    def post(self, path: str, *, key: str | None = None, retry: bool = True, **content: Any) -> Any:
        """POST with an Idempotency-Key (a fresh one unless ``key``), retried once (unless ``retry`` is
        False) if the connection drops before the answer arrives."""
        headers = {"Idempotency-Key": key or f"qualbridge-cli-{uuid.uuid4()}"}
        return self._send("POST", path, headers=headers, retry=retry, **content)

    def delete(self, path: str) -> Any:
        return self._send("DELETE", path)

    def _send(self, method: str, path: str, *, retry: bool = False, **kwargs: Any) -> Any:
        import httpx

        url = f"{self.server}{API}{path}"
        for attempt in (1, 2):
            try:
                response = self._http.request(method, path, **kwargs)
                break
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError) as exc:
                if retry and attempt == 1:
                    _rewind(kwargs)
                    continue
                raise RemoteError(
                    f"the connection to {self.server} broke during {method} {url}: {exc}"
                ) from exc
            except httpx.TransportError as exc:
                raise RemoteError(
                    f"cannot reach the QualBridge server at {self.server}: {exc or type(exc).__name__}"
                ) from exc
        if response.is_success:
            return response.json()
        raise _problem(method, url, response)


def _rewind(kwargs: dict[str, Any]) -> None:
    """Files sent once are read to their end: start them again for the retry."""
    for value in (kwargs.get("files") or {}).values():
        handle = value[1] if isinstance(value, tuple) else value
        if hasattr(handle, "seek"):
            handle.seek(0)


def _problem(method: str, url: str, response: httpx.Response) -> RemoteError:
    """One line from a problem document (or from whatever else answered, e.g. a proxy's error page)."""
    status = response.status_code
    body: Any = None
    if "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
    if isinstance(body, dict) and "title" in body:
        kind = str(body.get("type", "")).removeprefix("/problems/")
        text = f"{body.get('title')}" + (f" ({kind})" if kind and kind != "about:blank" else "")
        detail = body.get("detail")
        message = f"{method} {url}: {status} {text}" + (f": {detail}" if detail else "")
    else:
        message = f"{method} {url}: HTTP {status} {response.reason_phrase} (not a QualBridge answer)"
    return RemoteError(message, status=status)


def connect(ctx: typer.Context, *, signed_in: bool = True) -> Client:
    """The client for the server given to the root command (with its token unless ``signed_in`` is
    False); a clear error when none was."""
    remote = ctx.find_root().obj
    if not isinstance(remote, Remote) or not remote.server:
        raise InputError(
            "this command talks to a QualBridge server",
            at(field="--server"),
            expected="qualbridge --server URL --token qbt_… (or QUALBRIDGE_SERVER and QUALBRIDGE_TOKEN)",
        )
    if signed_in and not remote.token:
        raise InputError(
            f"{remote.server} needs an API token",
            at(field="--token"),
            expected="--token qbt_… or QUALBRIDGE_TOKEN (sign in: POST /api/v1/auth/tokens)",
        )
    return Client(remote.server, remote.token)
