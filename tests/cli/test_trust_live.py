"""The whole trust story against the real service over real HTTP: the app served by uvicorn on a free
loopback port, a fresh database (SQLite, and PostgreSQL when reachable) seeded by ``demo seed``, and the
command line as a vendor, a fab and the demo witnesses run it.

Export the shared package's bundle (API and ``qualbridge bundle export``) and the trust root, verify it
offline through all six steps (step 6 re-runs the evaluation through ``evaluation.replay``) and online
against the live ``/log``; rotate the vendor's key and verify again; the vendor withdraws a piece of
evidence; ``qualbridge witness run`` cosigns the new checkpoint; the old bundle then fails online naming
the withdrawal, and a newly exported one fails offline at step 5.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import demo_seed
from qualbridge.services.demo_seed import Seeded
from tests.cli.test_client_cli import _serve
from tests.cli.test_service_cli import run
from tests.services.live_databases import LiveDatabase, live
from tests.store.databases import DATABASES

PASSPHRASE = "a witness passphrase for the tests"


@dataclass(frozen=True)
class Live:
    url: str
    database_url: str
    blob_dir: Path
    seeded: Seeded

    @property
    def log(self) -> str:
        return f"{self.url}/log"

    def token(self, org: str) -> str:
        """A write token of the demo organization's admin, by signing in over HTTP."""
        user = next(u for u in self.seeded.users if u.org == org and u.role == "admin")
        body = {"email": user.email, "password": user.password, "name": "trust-e2e", "scope": "write"}
        answer = httpx.post(f"{self.url}/api/v1/auth/tokens", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["secret"])

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=60, **kwargs)


def _cli_url(database: LiveDatabase) -> str:
    """The database as the command line reaches it: a PostgreSQL schema travels in the URL's options."""
    if database.schema is None:
        return database.url
    url = make_url(database.url).update_query_dict({"options": f"-csearch_path={database.schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=DATABASES)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live(request.param, tmp_path_factory.mktemp("trust-live"), request) as database:
        ctx = database.context()
        try:
            seeded = demo_seed.seed(ctx)
            server, thread, url = _serve(ctx)
            try:
                yield Live(url, _cli_url(database), database.blob_dir, seeded)
            finally:
                server.should_exit = True
                thread.join(timeout=30)
        finally:
            ctx.db.dispose()


@dataclass
class Cli:
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    folder: Path

    def __call__(self, *args: str) -> tuple[int, str, str]:
        return run(self.capsys, self.monkeypatch, *args)

    def json(self, *args: str, code: int = 0) -> Any:
        got, out, err = self(*args, "--json")
        assert got == code, out + err
        return json.loads(out)

    def verify(self, bundle: Path, *more: str) -> tuple[int, dict[str, Any]]:
        got, out, _ = self(
            "verify", str(bundle), "--trust-root", str(self.folder / "root.json"), *more, "--json"
        )
        return got, json.loads(out)


@pytest.fixture
def cli(
    service: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.setenv("QUALBRIDGE_DATABASE_URL", service.database_url)
    monkeypatch.setenv("QUALBRIDGE_BLOB_DIR", str(service.blob_dir))
    # The witnesses' own passphrase, beside the service's development one: the two never mix.
    monkeypatch.setenv("QUALBRIDGE_WITNESS_PASSPHRASE", PASSPHRASE)
    return Cli(capsys, monkeypatch, tmp_path)


def _statuses(report: dict[str, Any]) -> list[str]:
    return [step["status"] for step in report["steps"]]


def _cosign(cli: Cli, service: Live) -> list[dict[str, Any]]:
    """Each demo witness runs `qualbridge witness run` once against the live log."""
    keys = cli.folder / "witness-keys"
    if not keys.exists():
        cli.json("demo", "witness-keys", "--out", str(keys))
    rounds = []
    for name in demo_witnesses.NAMES:
        rounds.append(
            cli.json(
                "witness",
                "run",
                "--log",
                service.log,
                "--trust-root",
                str(cli.folder / "root.json"),
                "--key",
                str(keys / name),
                "--state",
                str(cli.folder / f"{name}.state.json"),
                "--once",
            )
        )
    return rounds


def test_the_trust_story_end_to_end(service: Live, cli: Cli) -> None:
    package = str(service.seeded.package)
    vendor, fab = service.token("shanghai"), service.token("dresden")
    folder = cli.folder

    # The trust root, pinned by the fab: the CLI's export equals what the log serves.
    cli.json("trust-root", "export", "-o", str(folder / "root.json"))
    served_root = httpx.get(f"{service.log}/trust-root", timeout=30)
    assert served_root.content == (folder / "root.json").read_bytes()

    # The bundle, from the API as the fab and from the operator's command line.
    got = service.api("GET", f"/packages/{package}/bundle", fab)
    assert got.status_code == 200, got.text
    (folder / "api.zip").write_bytes(got.content)
    exported = cli.json("bundle", "export", package, "-o", str(folder / "cli.zip"))
    assert exported["checkpoint_size"] == service.seeded.witnessed[0]

    # Offline: all six steps, the evaluation re-run byte for byte included; then online, nothing new.
    for bundle in ("api.zip", "cli.zip"):
        code, report = cli.verify(folder / bundle)
        assert (code, report["ok"], _statuses(report)) == (0, True, ["passed"] * 6), report
        assert report["steps"][5]["detail"].startswith("1 evaluations reproduced byte for byte")
    code, report = cli.verify(folder / "api.zip", "--online", service.log)
    assert (code, report["online"]["changed"]) == (0, {}), report
    # The server's URL instead of its log's: nothing proven (exit 3), and the message says where the log is.
    code, report = cli.verify(folder / "api.zip", "--online", service.url)
    assert (code, report["ok"]) == (3, False)
    assert "no checkpoint at" in report["error"]
    assert "serves its log under /log" in report["error"]

    # The vendor rotates its key: what the old key signed still verifies, offline and online.
    as_vendor = ("--server", service.url, "--token", vendor)
    (old_key,) = cli.json(*as_vendor, "keys", "list")
    rotated = cli.json(*as_vendor, "keys", "rotate")
    listed = cli.json(*as_vendor, "keys", "list")
    assert [k["keyid"] for k in listed] == [old_key["keyid"], rotated["keyid"]]
    assert listed[0]["retired_at"] is not None
    # The same keys on the operator's machine, signed in on the local database instead of the server.
    admin = next(u for u in service.seeded.users if u.org == "shanghai" and u.role == "admin")
    cli.monkeypatch.setenv("QUALBRIDGE_PASSWORD", admin.password)
    local = cli.json("keys", "list", "--email", admin.email)
    assert [(k["keyid"], k["retired_at"] is None) for k in local] == [
        (k["keyid"], k["retired_at"] is None) for k in listed
    ]
    cli.json("trust-root", "export", "-o", str(folder / "root.json"))
    code, report = cli.verify(folder / "api.zip", "--online", service.log)
    assert (code, _statuses(report)) == (0, ["passed"] * 6), report

    # The vendor withdraws one piece of the package's evidence: a new log entry, a new checkpoint.
    shared = service.api("GET", f"/packages/{package}", fab).json()
    evidence_id = shared["evidence"][0]["id"]
    withdraw = ["evidence", "status", evidence_id, "--status", "withdrawn", "--reason", "miscounted"]
    withdrawn = cli.json(*as_vendor, *withdraw, "--idempotency-key", "withdraw-1")
    # The same request again (a retry after a dropped connection) is the first answer, not a second entry.
    assert cli.json(*as_vendor, *withdraw, "--idempotency-key", "withdraw-1") == withdrawn
    code, _, err = cli(*as_vendor, *withdraw)
    assert (code, "409" in err) == (2, True), "withdrawn is final"
    new_size = withdrawn["log"]["checkpoint_size"]
    assert new_size > exported["checkpoint_size"]

    # The demo witnesses, run as any witness is, cosign it through POST /log/cosignature.
    rounds = _cosign(cli, service)
    assert [(r["outcome"], r["treeSize"]) for r in rounds] == [("cosigned", new_size)] * 2
    assert _cosign(cli, service) == [{**r, "outcome": "unchanged", "previousSize": new_size} for r in rounds]

    # A witness the log is not configured with is refused (403): exit 2, not "log out of reach" (3).
    stranger = cli.folder / "stranger"
    cli.json("witness", "init", "--name", "witness.stranger.example", "--out", str(stranger))
    code, out, err = cli(
        "witness", "run", "--log", service.log, "--trust-root", str(folder / "root.json"),
        "--key", str(stranger), "--state", str(folder / "stranger.json"),
    )  # fmt: skip
    assert code == 2, out + err
    assert "the log refused POST" in err
    assert ": 403" in err

    # The bundle exported before: offline it still holds (as of its checkpoint), online it fails.
    code, report = cli.verify(folder / "api.zip")
    assert code == 0, report
    code, report = cli.verify(folder / "api.zip", "--online", service.log)
    assert (code, report["ok"], report["step"]) == (1, False, None), report
    # The withdrawal was signed with the vendor's key after the rotation, which the bundle carries no
    # certificate of: the check reads it from GET /log/certificates/{keyid} and verifies it itself.
    assert report["error"].startswith("after the bundle's checkpoint, at tree size")
    assert report["error"].endswith("withdrawn")
    assert list(report["report"]["online"]["changed"].values()) == ["withdrawn"]

    # A bundle exported now carries the withdrawal and fails offline at step 5.
    again = service.api("GET", f"/packages/{package}/bundle", fab)
    assert again.status_code == 200, again.text
    (folder / "new.zip").write_bytes(again.content)
    code, report = cli.verify(folder / "new.zip")
    assert (code, report["step"]) == (1, 5), report
    assert "withdrawn" in report["error"]

    # The center revokes the vendor's old key: the old bundle, signed with it, now fails at step 2.
    center = ("--server", service.url, "--token", service.token("center"))
    code, _, err = cli(*as_vendor, "keys", "revoke", old_key["keyid"], "--reason", "leaked")
    assert code == 2, "only the center's admins revoke"
    assert "403" in err
    revoked = cli.json(*center, "keys", "revoke", old_key["keyid"], "--reason", "the key file leaked")
    assert (revoked["revoked"], revoked["revocation_reason"]) == (True, "the key file leaked")
    cli.json("trust-root", "export", "-o", str(folder / "root.json"))
    code, report = cli.verify(folder / "api.zip")
    assert (code, report["step"]) == (1, 2), report
    assert "revoked" in report["error"]
