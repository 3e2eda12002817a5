"""The CLI's client mode end to end: the real app served by uvicorn on a free loopback port (real HTTP) on
SQLite and on PostgreSQL (a fresh schema), driven by ``qualbridge --server URL --token T …`` as a vendor
and as the fab it shares with."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
import yaml

from qualbridge.api import create_app
from qualbridge.cli.remote import expiry, fab_field
from qualbridge.services import accounts, products, profiles, tokens
from qualbridge.services.actor import Actor, as_org_kind
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.cli.test_service_cli import run
from tests.services.live_databases import live
from tests.services.qualification_samples import leak_only_profile
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document
from tests.store.databases import DATABASES

FAB_PROFILE = "fab-dresden/chamber"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Served:
    url: str
    vendor_token: str
    fab_token: str
    fab_id: str
    tool: str
    chamber: str


def _admin(ctx: Context, kind: str, name: str, slug: str) -> Actor:
    org, user = accounts.bootstrap_organization(
        ctx,
        kind=as_org_kind(kind),
        name_en=name,
        name_zh=f"{name} 中文",
        country="DE" if kind == "fab" else "CN",
        admin_email=f"admin@{slug}.example",
        admin_name="Admin",
        admin_password=None,
        slug=slug,
    )
    return Actor(org.id, as_org_kind(org.kind), user.id, "admin", "write")


def _serve(ctx: Context) -> tuple[uvicorn.Server, threading.Thread, str]:
    app = create_app(Settings(max_upload_bytes=1 << 20), context=ctx)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="qualbridge-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the test server stopped"
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module", params=DATABASES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with live(request.param, tmp_path_factory.mktemp("client"), request) as database:
        ctx = database.context()
        try:
            yield from _seeded_server(ctx)
        finally:
            ctx.db.dispose()


def _seeded_server(ctx: Context) -> Iterator[Served]:
    vendor = _admin(ctx, "vendor", "Shanghai Client Vacuum", "shanghai")
    fab = _admin(ctx, "fab", "Dresden Client Fab", "dresden")
    _admin(ctx, "fab", "Arizona Client Fab", "arizona")
    profiles.save_draft(ctx, fab, leak_only_profile(FAB_PROFILE))
    profiles.publish(ctx, fab, FAB_PROFILE)
    tool = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="chamber tool").id
    chamber = products.create_product(ctx, vendor, kind="subsystem", model="VX-200-CH", name="chamber").id
    products.attach_component(ctx, vendor, tool, child_id=chamber)
    accounts.create_user(
        ctx, vendor, email="engineer@shanghai.example", name="Engineer", role="engineer", password=PASSWORD
    )
    server, thread, base = _serve(ctx)
    try:
        yield Served(
            url=base,
            vendor_token=tokens.issue_token(ctx, vendor, name="cli", scope="write").secret,
            fab_token=tokens.issue_token(ctx, fab, name="cli", scope="read").secret,
            fab_id=str(fab.org_id),
            tool=str(tool),
            chamber=str(chamber),
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _files(folder: Path) -> tuple[Path, Path, Path]:
    """A particle survey with its metadata sidecar, a helium leak document, and a second leak document."""
    survey = folder / "survey.csv"
    survey.write_bytes(PARTICLE_CSV)
    (folder / "survey.csv.meta.yaml").write_text(yaml.safe_dump(PARTICLE_META), encoding="utf-8")
    leak = folder / "leak.json"
    leak.write_text(json.dumps(helium_leak_document(subject="VX-200-CH")), encoding="utf-8")
    extra = folder / "leak-2.json"
    extra.write_text(json.dumps(helium_leak_document(rate=3e-10, subject="VX-200")), encoding="utf-8")
    return survey, leak, extra


def test_a_vendor_uploads_evaluates_packages_and_shares_and_the_fab_reads_it(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cli(*args: str, token: str = served.vendor_token) -> tuple[int, str, str]:
        return run(capsys, monkeypatch, "--server", served.url, "--token", token, *args)

    def ok(*args: str, token: str = served.vendor_token) -> Any:
        code, out, err = cli(*args, "--json", token=token)
        assert code == 0, (args, err)
        return json.loads(out)

    survey, leak, extra = _files(tmp_path)
    # Evidence: the sidecar gives the survey's metadata; the same file again is the stored evidence.
    first = ok("evidence", "upload", str(survey), "--product", served.tool)
    assert (first["created"], first["evidence"]["kind"], first["evidence"]["issuer"]) == (
        True,
        "particle_survey",
        "Example Test Lab",
    )
    again = ok("evidence", "upload", str(survey), "--product", served.tool)
    assert (again["created"], again["evidence"]["id"]) == (False, first["evidence"]["id"])
    leak_id = ok("evidence", "upload", str(leak), "--product", served.chamber)["evidence"]["id"]
    extra_id = ok("evidence", "upload", str(extra), "--product", served.tool)["evidence"]["id"]
    listed = ok("products", "list", "-q", "VX-200-CH")
    assert [p["id"] for p in listed["items"]] == [served.chamber]

    # Evaluations: of the package's evidence only, and of everything (which reads the extra document).
    chosen = [first["evidence"]["id"], leak_id]
    evidence_args = [arg for e in chosen for arg in ("--evidence", e)]
    narrow = ok("evaluations", "run", "--product", served.tool, "--profile", FAB_PROFILE, *evidence_args)
    assert (narrow["overall"], sorted(narrow["evidence"])) == ("pass", sorted(chosen))
    code, out, _ = cli("evaluations", "run", "--product", served.tool, "--profile", FAB_PROFILE)
    assert code == 0, "a pass exits 0, and the table is printed for people"
    assert "overall" in out
    broad = ok("evaluations", "list", "--product", served.tool)
    assert broad["total"] == 2
    broad_id = broad["items"][0]["id"]
    assert broad_id != narrow["id"], "newest first"

    # Packages: an evaluation that read evidence left out is refused with one line, exit 2.
    package_args = ["packages", "create", "--product", served.tool, "--name", "VX-200 for Dresden"]
    package_args += ["--profile", FAB_PROFILE, *evidence_args]
    code, _, err = cli(*package_args, "--evaluation", broad_id)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "422 Evaluation considered evidence left out of the package" in err
    assert extra_id in err
    package = ok(*package_args, "--evaluation", narrow["id"])
    assert [e["id"] for e in package["evaluations"]] == [narrow["id"]]

    # Sharing: the vendor finds the fab in the directory and shares by slug.
    fabs = ok("orgs", "list", "--kind", "fab", "-q", "dresden")
    assert [(o["slug"], o["id"]) for o in fabs["items"]] == [("dresden", served.fab_id)]
    grant = ok("packages", "share", package["id"], "--fab", "dresden", "--days", "30")
    assert (grant["fab_org_id"], grant["active"]) == (served.fab_id, True)
    assert [g["id"] for g in ok("packages", "shares", package["id"])] == [grant["id"]]

    # The fab reads what was shared, with its own (read-only) token from the environment.
    monkeypatch.setenv("QUALBRIDGE_SERVER", served.url)
    monkeypatch.setenv("QUALBRIDGE_TOKEN", served.fab_token)
    code, out, err = run(capsys, monkeypatch, "packages", "list", "--json")
    assert code == 0, err
    shared = json.loads(out)
    assert [(p["id"], p["access"]) for p in shared["items"]] == [(package["id"], "grant")]
    code, out, _ = run(capsys, monkeypatch, "evaluations", "show", narrow["id"], "--package", package["id"])
    assert code == 0
    assert FAB_PROFILE in out
    code, _, err = run(capsys, monkeypatch, "evaluations", "show", broad_id, "--package", package["id"])
    assert (code, "404 Not Found (not-found)" in err) == (2, True)
    code, _, err = run(capsys, monkeypatch, *package_args)
    assert code == 2
    assert "403 Forbidden" in err, "a fab's read token creates nothing"

    revoked = ok("packages", "revoke", package["id"], grant["id"])
    assert revoked["active"] is False


def test_client_mistakes_are_one_line_with_the_right_exit_code(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALBRIDGE_SERVER", raising=False)
    monkeypatch.delenv("QUALBRIDGE_TOKEN", raising=False)
    code, _, err = run(capsys, monkeypatch, "packages", "list")
    assert code == 2
    assert "this command talks to a QualBridge server" in err
    code, _, err = run(capsys, monkeypatch, "--server", served.url, "packages", "list")
    assert (code, "needs an API token" in err) == (2, True)
    code, _, err = run(
        capsys, monkeypatch, "--server", served.url, "--token", "qbt_wrong", "packages", "list"
    )
    assert code == 2
    assert f"GET {served.url}/api/v1/packages: 401 Unauthorized" in err
    # Nothing listens on port 9 of the loopback (discard): a clear line naming the URL, exit 3.
    code, _, err = run(capsys, monkeypatch, "--server", "http://127.0.0.1:9", "--token", "t", "orgs", "list")
    assert code == 3
    assert "cannot reach the QualBridge server at http://127.0.0.1:9" in err
    assert len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(PARTICLE_CSV.replace(b"OK,80,20,5,0", b"OK,80,-5,5,0"))
    (tmp_path / "bad.csv.meta.yaml").write_text(yaml.safe_dump(PARTICLE_META), encoding="utf-8")
    code, _, err = run(
        capsys,
        monkeypatch,
        *("--server", served.url, "--token", served.vendor_token),
        *("evidence", "upload", str(bad), "--product", served.tool),
    )
    assert code == 2
    assert "422 Unprocessable Entity (invalid-input)" in err
    assert "row 11" in err
    assert "bad.csv" in err
    code, _, err = run(capsys, monkeypatch, "--server", "ftp://x", "--token", "t", "packages", "list")
    assert (code, "not a server URL" in err) == (2, True)


def test_login_gives_a_token_for_the_other_commands(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALBRIDGE_TOKEN", raising=False)
    monkeypatch.setenv("QUALBRIDGE_SERVER", served.url)
    monkeypatch.setenv("QUALBRIDGE_PASSWORD", PASSWORD)
    code, out, err = run(capsys, monkeypatch, "login", "--email", "engineer@shanghai.example", "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert (issued["token"]["scope"], issued["token"]["name"]) == ("write", "qualbridge-cli")
    code, out, err = run(capsys, monkeypatch, "--token", issued["secret"], "products", "list", "--json")
    assert (code, json.loads(out)["total"]) == (0, 2), err
    code, out, _ = run(
        capsys, monkeypatch, "login", "--email", "engineer@shanghai.example", "--scope", "read"
    )
    assert code == 0
    assert "export QUALBRIDGE_TOKEN=qbt_" in out
    monkeypatch.setenv("QUALBRIDGE_PASSWORD", "wrong password!")
    code, _, err = run(capsys, monkeypatch, "login", "--email", "engineer@shanghai.example")
    assert code == 2
    assert "401 Unauthorized (unauthenticated): wrong e-mail or password" in err


def test_the_fab_and_expiry_options() -> None:
    assert fab_field("dresden") == {"fab_slug": "dresden"}
    assert fab_field("Dresden Example Wafer Fab") == {"fab_name": "Dresden Example Wafer Fab"}
    fab_id = "5f0c7c4e-8a65-4b8e-9c1e-6f3f1c0a2b7d"
    assert fab_field(fab_id) == {"fab_org_id": fab_id}
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert expiry(None, 30, now=now) == "2026-03-31T12:00:00Z"
    assert expiry("2026-12-31", None, now=now) == "2027-01-01T00:00:00Z", "to the end of that day"
    assert expiry("2026-12-31T18:00:00+01:00", None, now=now) == "2026-12-31T18:00:00+01:00"
    for expires, days in ((None, None), ("2026-12-31", 3), ("2026-12-31T18:00:00", None), ("soon", None)):
        with pytest.raises(typer.BadParameter, match=r"expires|zone|YYYY"):
            expiry(expires, days, now=now)


def test_every_client_command_prints_for_people_too(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUALBRIDGE_SERVER", served.url)
    monkeypatch.setenv("QUALBRIDGE_TOKEN", served.vendor_token)
    survey, _, _ = _files(tmp_path)
    code, out, err = run(capsys, monkeypatch, "evidence", "upload", str(survey), "--product", served.tool)
    assert code == 0, err
    assert "survey.csv as particle_survey" in out
    made = run(capsys, monkeypatch, "packages", "create", "--product", served.tool, "--name", "People [1]",
               "--profile", FAB_PROFILE, "--json")  # fmt: skip
    package = json.loads(made[1])["id"]
    last_day = dt.date.today() + dt.timedelta(days=60)
    code, out, err = run(capsys, monkeypatch, "packages", "share", package, "--fab", "arizona", "--expires",
                         last_day.isoformat())  # fmt: skip
    assert code == 0, err
    assert f"Arizona Client Fab until {last_day + dt.timedelta(days=1)}T00:00:00Z (active)" in out
    for args, shown in (
        (("orgs", "list", "--kind", "fab"), "arizona"),
        (("products", "list"), "VX-200-CH"),
        (("packages", "list"), "People [1]"),
        (("packages", "show", package), "profiles: fab-dresden/chamber@1"),
        (("packages", "shares", package), "Arizona Client Fab"),
        (("evaluations", "list", "--product", served.tool), "Evaluations"),
        (("packages", "audit", package), "package.share"),
    ):
        code, out, err = run(capsys, monkeypatch, *args)
        assert code == 0, (args, err)
        assert shown in out, (args, out)
