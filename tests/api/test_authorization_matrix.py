"""The authorization matrix: every route of the API × every kind of caller → the one expected status.

Callers are each kind of organization (the vendor that owns the data, another vendor, a lab, fabs with an
active, an expired, a revoked or no grant, the center) × each role (admin, engineer, viewer) × each token
scope the role may hold, plus no token at all. The expected status follows from ``POLICY`` and the
ownership rules, never from what the API answers: 401 without a token; 403 when the role, the token's
scope or the kind of organization may not do the action (whatever the ids); 404 for another
organization's object (never 403: an id must not reveal that it exists), unless an active grant shares
it; 2xx otherwise. Every 2xx body is searched for the ids of other organizations' private objects.

The routes come from the application's own route table, so a new route without an expectation fails.
The data set is built once per module, on SQLite only (every case is an HTTP round trip; the per-test
PostgreSQL fixtures would rebuild it for each of the ~1 560 cases).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import pytest
from argon2 import PasswordHasher

from qualbridge.api import create_app
from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import (
    accounts,
    attestations,
    evaluations,
    keys,
    packages,
    products,
    profiles,
    shares,
    tokens,
    transparency,
)
from qualbridge.services.actor import Actor, OrgKind, Role, Scope
from qualbridge.services.authz import POLICY, Action
from qualbridge.services.context import Context, Limits
from qualbridge.settings import Settings
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.db import Database
from qualbridge.trust.checkpoint import cosign
from tests.api.client import TestClient, bearer
from tests.services.qualification_samples import PARENT, leak_only_profile, product_with_leak, shared_package
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, member, new_org
from tests.store.databases import TickingClock

PASSWORD = "correct horse battery staple"

# --- callers -------------------------------------------------------------------------------------------

Org = Literal[
    "owner", "other_vendor", "lab", "fab_active", "fab_expired", "fab_revoked", "fab_none", "center"
]
ORGS: dict[Org, OrgKind] = {
    "owner": "vendor",
    "other_vendor": "vendor",
    "lab": "lab",
    "fab_active": "fab",
    "fab_expired": "fab",
    "fab_revoked": "fab",
    "fab_none": "fab",
    "center": "center",
}
#: Each role with each scope it may hold (a viewer never holds a write token).
ROLE_SCOPES: tuple[tuple[Role, Scope], ...] = (
    ("admin", "write"),
    ("admin", "read"),
    ("engineer", "write"),
    ("engineer", "read"),
    ("viewer", "read"),
)


@dataclass(frozen=True)
class Caller:
    org: Org
    role: Role
    scope: Scope

    @property
    def kind(self) -> OrgKind:
        return ORGS[self.org]

    def __str__(self) -> str:
        return f"{self.org}-{self.role}-{self.scope}"


CALLERS: tuple[Caller | None, ...] = (
    None,
    *(Caller(org, role, scope) for org in ORGS for role, scope in ROLE_SCOPES),
)

# --- the data set --------------------------------------------------------------------------------------


@dataclass
class World:
    """Everything the cases call with: ids by name, headers by caller, private ids by organization."""

    ctx: Context
    client: TestClient
    owner: Actor
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]
    private: dict[Org, set[str]]
    #: What the active grant lets the granted fab see of the owner's private objects.
    shared: set[str]
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def forbidden(self, caller: Caller | None) -> set[str]:
        ids = {i for org, found in self.private.items() if caller is None or org != caller.org for i in found}
        return ids - self.shared if caller is not None and caller.org == "fab_active" else ids


def _digest(ctx: Context, vendor: Actor, evaluation_id: uuid.UUID) -> str:
    """An evaluation's result digest: as telling as its id (it identifies the result)."""
    return evaluations.get_evaluation(ctx, vendor, evaluation_id).digest


def _other_vendor_data(ctx: Context, vendor: Actor) -> set[str]:
    tool, leak = product_with_leak(ctx, vendor, "WX-9", rate=3.0e-10)
    evaluation = evaluations.run_evaluation(ctx, vendor, tool, profile=PARENT)
    package = packages.create_package(
        ctx, vendor, product_id=tool, name="WX-9", profiles=[PARENT], evidence=[leak], evaluations=[]
    )
    email = accounts.current(ctx, vendor)[1].email
    return {str(tool), leak, str(evaluation.id), evaluation.digest, str(package.id), email}


def _headers(ctx: Context, admins: dict[Org, Actor]) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"None": {}}
    for org, admin in admins.items():
        engineer = member(ctx, admin, "engineer")
        users = {"admin": admin, "engineer": engineer, "viewer": member(ctx, admin, "viewer", scope="read")}
        for role, scope in ROLE_SCOPES:
            headers[str(Caller(org, role, scope))] = bearer(ctx, replace(users[role], scope=scope))
    return headers


def _build(ctx: Context, clock: TickingClock, client: TestClient) -> World:
    s = shared_package(ctx)
    vendor = s.vendor
    expired, revoked, spare = new_org(ctx, "fab"), new_org(ctx, "fab"), new_org(ctx, "fab")
    other_vendor, center = new_org(ctx, "vendor"), new_org(ctx, "center")
    later = clock() + dt.timedelta(days=1)
    expired_share = shares.grant(ctx, vendor, s.package_id, fab_org_id=expired.org_id, expires_at=later)
    month = clock() + dt.timedelta(days=30)
    revoked_share = shares.grant(ctx, vendor, s.package_id, fab_org_id=revoked.org_id, expires_at=month)
    shares.revoke(ctx, vendor, s.package_id, revoked_share.id)
    spare_share = shares.grant(ctx, vendor, s.package_id, fab_org_id=spare.org_id, expires_at=month)
    clock.advance(dt.timedelta(days=2))

    chamber = products.list_components(ctx, vendor, s.product_id)[0].product.id
    spare_tool = products.create_product(ctx, vendor, kind="equipment", model="SP-1", name="spare").id
    spare_part = products.create_product(ctx, vendor, kind="component", model="SP-1-V", name="valve").id
    profiles.save_draft(ctx, vendor, leak_only_profile("matrix-vendor/draft"))
    spare_token = tokens.issue_token(ctx, vendor, name="spare", scope="read")
    suspended = attestations.change_status(ctx, vendor, s.withheld_id, status="suspended", reason="matrix")
    for name in demo_witnesses.NAMES:
        transparency.cosign_latest(ctx, demo_witnesses.signer(name))
    ids = {
        "product": str(s.product_id),
        "package": str(s.package_id),
        "survey": s.survey_id,
        "evaluation": str(s.evaluation_id),
        "spare_share": str(spare_share.id),
        "spare_tool": str(spare_tool),
        "spare_part": str(spare_part),
        "spare_fab": str(spare.org_id),
        "spare_token": str(spare_token.token.id),
        "draft": "matrix-vendor/draft",
        "email": accounts.current(ctx, vendor)[1].email,
        "status_change": suspended.log.statement_digest,
        "withheld": s.withheld_id,
    }
    shared = {
        str(s.product_id),
        str(chamber),
        str(s.package_id),
        s.survey_id,
        s.leak_id,
        str(s.evaluation_id),
    }
    owner_private = shared | {
        s.withheld_id,
        str(s.withheld_evaluation_id),
        _digest(ctx, vendor, s.withheld_evaluation_id),
        _digest(ctx, vendor, s.evaluation_id),
        str(spare_tool),
        str(spare_part),
        str(expired_share.id),
        str(revoked_share.id),
        str(spare_share.id),
        "matrix-vendor/draft",
        # Users are their organization's business: the directory lists organizations, never people.
        accounts.current(ctx, vendor)[1].email,
    }
    admins: dict[Org, Actor] = {
        "owner": vendor,
        "other_vendor": other_vendor,
        "lab": s.lab,
        "fab_active": s.fab,
        "fab_expired": expired,
        "fab_revoked": revoked,
        "fab_none": s.other_fab,
        "center": center,
    }
    return World(
        ctx=ctx,
        client=client,
        owner=vendor,
        ids=ids,
        headers=_headers(ctx, admins),
        private={"owner": owner_private, "other_vendor": _other_vendor_data(ctx, other_vendor)},
        # The package's evaluation read only the package's evidence (a package refuses any other), so
        # nothing withheld is named anywhere a grantee can read, not even inside an evaluation's result.
        shared=shared | {str(s.share_id), _digest(ctx, vendor, s.evaluation_id)},
    )


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("matrix")
    shutil.copyfile(sqlite_template, root / "qualbridge.db")
    database = Database.from_url(f"sqlite:///{root / 'qualbridge.db'}")
    clock = TickingClock()
    ctx = Context(
        db=database,
        blobs=FilesystemBlobStore(root / "blobs"),
        clock=clock,
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        limits=Limits(max_upload_bytes=256 * 1024),
    )
    app = create_app(Settings(max_upload_bytes=256 * 1024, max_body_bytes=64 * 1024), context=ctx)
    try:
        with TestClient(app) as client:
            yield _build(ctx, clock, client)
    finally:
        database.dispose()


# --- what each route is --------------------------------------------------------------------------------

#: ``none``: no object in the path; ``owner``: the owning vendor's object; ``package``: the owner's
#: package, which an active grant shares; ``own_token``: a token of the owner's admin user (its user and
#: the organization's admins may revoke it).
Target = Literal["none", "owner", "package", "own_token"]
Request = dict[str, Any]
OK = frozenset({200})
CREATED = frozenset({201})


@dataclass(frozen=True)
class Route:
    #: ``None``: a public route (signing in), answered alike with or without a token.
    action: Action | None
    target: Target
    ok: frozenset[int]
    request: Callable[[World, int], Request] = lambda w, n: {}


def _publish(w: World, n: int) -> Request:
    # A fresh draft of the owner's each time: publishing consumes it.
    profile_id = f"matrix-vendor/publish-{n}"
    profiles.save_draft(w.ctx, w.owner, leak_only_profile(profile_id))
    return {"path": {"profile_id": profile_id}}


def _org_body(w: World, n: int) -> Request:
    admin = {"email": f"admin{n}@matrix-org.example", "name": "A", "role": "admin", "password": PASSWORD}
    return {
        "json": {
            "kind": "lab",
            "name_en": f"Matrix Lab {n}",
            "name_zh": f"实验室 {n}",
            "country": "DE",
            "admin": admin,
        }
    }


def _package_body(w: World, n: int) -> Request:
    body = {"product_id": w.ids["product"], "name": f"matrix {n}", "profiles": ["fab-dresden/chamber"]}
    return {"json": {**body, "evidence": [w.ids["survey"]]}}


def _upload(w: World, n: int) -> Request:
    return {
        "data": {"product_id": w.ids["product"], "meta": json.dumps(PARTICLE_META)},
        "files": {"file": ("survey.csv", PARTICLE_CSV, "text/csv")},
    }


def _document(w: World, n: int) -> Request:
    return {
        "json": {"product_id": w.ids["product"], "document": helium_leak_document(rate=1e-10 + n * 1e-13)}
    }


def _cosignature(w: World, n: int) -> Request:
    """The latest checkpoint, cosigned by a demo witness (a configured one)."""
    with w.ctx.transaction() as uow:
        latest = uow.trust.latest_checkpoint_row()
        assert latest is not None
        note = bytes(latest.note)
    signer = demo_witnesses.signer(demo_witnesses.NAMES[0])
    cosigned = cosign(note, signer, timestamp=1_800_000_000 + n)
    return {"content": cosigned}


def _fresh_key(w: World, n: int) -> Request:
    """A key of a new organization each time (revoking consumes it; its evidence is none of the package's)."""
    keyid = keys.rotate_key(w.ctx, new_org(w.ctx, "lab")).keyid
    return {"path": {"keyid": keyid}, "json": {"reason": f"matrix {n}: key file leaked"}}


def _owner_key(w: World, n: int) -> Request:
    return {"path": {"keyid": keys.list_keys(w.ctx, w.owner)[-1].keyid}}


P = "/api/v1"
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", f"{P}/orgs"): Route("orgs.directory", "none", OK),
    ("GET", f"{P}/orgs/me"): Route("org.read", "none", OK),
    ("POST", f"{P}/orgs"): Route("org.create", "none", CREATED, _org_body),
    ("GET", f"{P}/orgs/me/users"): Route("users.read", "none", OK),
    ("POST", f"{P}/orgs/me/users"): Route(
        "users.create",
        "none",
        CREATED,
        lambda w, n: {"json": {"email": f"user{n}@matrix.example", "name": "U", "role": "viewer"}},
    ),
    # Each caller sees and rotates its own organization's keys; only the center's admins revoke one.
    ("GET", f"{P}/orgs/me/keys"): Route("keys.read", "none", OK),
    ("POST", f"{P}/orgs/me/keys/rotate"): Route("keys.manage", "none", CREATED),
    ("POST", f"{P}/keys/{{keyid}}/revoke"): Route("keys.revoke", "none", OK, _fresh_key),
    ("POST", f"{P}/auth/tokens"): Route(
        None,
        "none",
        CREATED,
        lambda w, n: {"json": {"email": w.ids["email"], "password": PASSWORD, "name": "m"}},
    ),
    ("POST", f"{P}/tokens"): Route("tokens.issue", "none", CREATED, lambda w, n: {"json": {"name": f"t{n}"}}),
    ("GET", f"{P}/tokens"): Route("tokens.read", "none", OK),
    ("DELETE", f"{P}/tokens/{{token_id}}"): Route(
        "tokens.revoke", "own_token", OK, lambda w, n: {"path": {"token_id": w.ids["spare_token"]}}
    ),
    ("POST", f"{P}/products"): Route(
        "products.write",
        "none",
        CREATED,
        lambda w, n: {"json": {"kind": "material", "model": f"M-{n}", "name": "m"}},
    ),
    ("GET", f"{P}/products"): Route("products.read", "none", OK),
    ("GET", f"{P}/products/{{product_id}}"): Route("products.read", "owner", OK, lambda w, n: _product(w)),
    ("GET", f"{P}/products/{{product_id}}/components"): Route(
        "products.read", "owner", OK, lambda w, n: _product(w)
    ),
    ("PUT", f"{P}/products/{{product_id}}/components/{{child_id}}"): Route(
        "products.write",
        "owner",
        OK,
        lambda w, n: {
            "path": {"product_id": w.ids["spare_tool"], "child_id": w.ids["spare_part"]},
            "json": {"quantity": 2},
        },
    ),
    ("GET", f"{P}/products/{{product_id}}/evidence"): Route(
        "evidence.read", "owner", OK, lambda w, n: _product(w)
    ),
    # The same file again is the same evidence: 200 with the stored record instead of 201.
    ("POST", f"{P}/evidence"): Route("evidence.upload", "owner", frozenset({200, 201}), _upload),
    ("POST", f"{P}/evidence/documents"): Route("evidence.upload", "owner", CREATED, _document),
    ("GET", f"{P}/evidence"): Route("evidence.read", "none", OK),
    ("GET", f"{P}/evidence/{{evidence_id}}"): Route("evidence.read", "owner", OK, lambda w, n: _survey(w)),
    ("GET", f"{P}/evidence/{{evidence_id}}/raw"): Route(
        "evidence.read", "owner", OK, lambda w, n: _survey(w)
    ),
    # On the withheld evidence, so that the shared package's bundle is unaffected; "valid" is never final.
    ("POST", f"{P}/evidence/{{evidence_id}}/status"): Route(
        "evidence.status",
        "owner",
        CREATED,
        lambda w, n: {
            "path": {"evidence_id": w.ids["withheld"]},
            "json": {"status": "valid", "reason": f"matrix {n}"},
        },
    ),
    ("GET", f"{P}/profiles"): Route("profiles.read", "none", OK),
    ("POST", f"{P}/profiles/validate"): Route(
        "profiles.write", "none", OK, lambda w, n: {"json": leak_only_profile(f"matrix/validate-{n}")}
    ),
    ("POST", f"{P}/profiles"): Route(
        "profiles.write", "none", CREATED, lambda w, n: {"json": leak_only_profile(f"matrix/draft-{n}")}
    ),
    ("POST", f"{P}/profiles/{{profile_id}}/publish"): Route("profiles.publish", "owner", OK, _publish),
    # A draft is its organization's alone until published.
    ("GET", f"{P}/profiles/{{ref}}"): Route(
        "profiles.read", "owner", OK, lambda w, n: {"path": {"ref": w.ids["draft"] + "@1"}}
    ),
    ("POST", f"{P}/products/{{product_id}}/evaluations"): Route(
        "evaluations.run", "owner", CREATED, lambda w, n: {**_product(w), "json": {"profile": PARENT}}
    ),
    ("GET", f"{P}/products/{{product_id}}/evaluations"): Route(
        "evaluations.read", "owner", OK, lambda w, n: _product(w)
    ),
    ("GET", f"{P}/evaluations/{{evaluation_id}}"): Route(
        "evaluations.read", "owner", OK, lambda w, n: _evaluation(w)
    ),
    ("GET", f"{P}/evaluations/{{evaluation_id}}/report"): Route(
        "evaluations.read", "owner", OK, lambda w, n: _evaluation(w)
    ),
    ("POST", f"{P}/evaluations/{{evaluation_id}}/rerun"): Route(
        "evaluations.run", "owner", CREATED, lambda w, n: {**_evaluation(w), "json": {}}
    ),
    ("POST", f"{P}/packages"): Route("packages.write", "owner", CREATED, _package_body),
    ("GET", f"{P}/packages"): Route("packages.read", "none", OK),
    ("GET", f"{P}/packages/{{package_id}}"): Route("packages.read", "package", OK, lambda w, n: _package(w)),
    ("GET", f"{P}/packages/{{package_id}}/evidence/{{evidence_id}}"): Route(
        "packages.read", "package", OK, lambda w, n: {"path": {**_package(w)["path"], **_survey(w)["path"]}}
    ),
    ("GET", f"{P}/packages/{{package_id}}/evidence/{{evidence_id}}/raw"): Route(
        "packages.read", "package", OK, lambda w, n: {"path": {**_package(w)["path"], **_survey(w)["path"]}}
    ),
    ("GET", f"{P}/packages/{{package_id}}/evaluations/{{evaluation_id}}"): Route(
        "packages.read",
        "package",
        OK,
        lambda w, n: {"path": {**_package(w)["path"], **_evaluation(w)["path"]}},
    ),
    # A report is read like the package it reports on; a grantee fab's read is audited.
    ("GET", f"{P}/packages/{{package_id}}/report"): Route(
        "packages.read", "package", OK, lambda w, n: _package(w)
    ),
    # A bundle is read like the package it carries; a grantee fab's export is audited. A bundle that
    # verifies is tested in tests/services/test_bundles.py and tests/api/test_log_api.py.
    ("GET", f"{P}/packages/{{package_id}}/bundle"): Route(
        "packages.read", "package", OK, lambda w, n: _package(w)
    ),
    ("GET", f"{P}/packages/{{package_id}}/audit"): Route(
        "packages.audit", "owner", OK, lambda w, n: _package(w)
    ),
    ("POST", f"{P}/packages/{{package_id}}/shares"): Route(
        "packages.share",
        "owner",
        CREATED,
        lambda w, n: {
            **_package(w),
            "json": {"fab_org_id": w.ids["spare_fab"], "expires_at": "2026-04-30T00:00:00Z"},
        },
    ),
    # The grants of a package are its vendor's business: a grantee fab does not see them either.
    ("GET", f"{P}/packages/{{package_id}}/shares"): Route(
        "packages.read", "owner", OK, lambda w, n: _package(w)
    ),
    ("DELETE", f"{P}/packages/{{package_id}}/shares/{{share_id}}"): Route(
        "packages.share",
        "owner",
        OK,
        lambda w, n: {"path": {**_package(w)["path"], "share_id": w.ids["spare_share"]}},
    ),
    # The transparency log's public read API: the same answer with or without a token.
    ("GET", "/log/checkpoint"): Route(None, "none", OK),
    ("GET", "/log/tile/{level}/{index}"): Route(
        None, "none", OK, lambda w, n: {"path": {"level": "0", "index": "000.p/1"}}
    ),
    ("GET", "/log/tile/entries/{index}"): Route(
        None, "none", OK, lambda w, n: {"path": {"index": "000.p/1"}}
    ),
    ("POST", "/log/cosignature"): Route(None, "none", OK, _cosignature),
    ("GET", "/log/envelopes/{digest}"): Route(
        None, "none", OK, lambda w, n: {"path": {"digest": w.ids["status_change"]}}
    ),
    ("GET", "/log/certificates/{keyid}"): Route(None, "none", OK, _owner_key),
    ("GET", "/log/trust-root"): Route(None, "none", OK),
}


def _product(w: World) -> Request:
    return {"path": {"product_id": w.ids["product"]}}


def _survey(w: World) -> Request:
    return {"path": {"evidence_id": w.ids["survey"]}}


def _evaluation(w: World) -> Request:
    return {"path": {"evaluation_id": w.ids["evaluation"]}}


def _package(w: World) -> Request:
    return {"path": {"package_id": w.ids["package"]}}


# --- the matrix ----------------------------------------------------------------------------------------


def _app_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the application's OpenAPI document (which is built from its route table)."""
    # Building the app touches no storage: the context is only kept for the routes to use.
    app = create_app(Settings(), context=cast(Context, object()))
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    found = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    return sorted(found, key=lambda r: (r[1], r[0]))


APP_ROUTES = _app_routes()


def expected(route: Route, caller: Caller | None) -> frozenset[int]:
    if route.action is None:
        return route.ok
    if caller is None:
        return frozenset({401})
    rule = POLICY[route.action]
    if (
        (rule.scope == "write" and caller.scope != "write")
        or caller.role not in rule.roles
        or caller.kind not in rule.kinds
    ):
        return frozenset({403})
    mine = caller.org == "owner"
    allowed = {
        "none": True,
        "owner": mine,
        "package": mine or caller.org == "fab_active",
        "own_token": mine and caller.role == "admin",
    }[route.target]
    return route.ok if allowed else frozenset({404})


@pytest.mark.parametrize("caller", CALLERS, ids=str)
@pytest.mark.parametrize(("method", "path"), APP_ROUTES, ids=[f"{m} {p}" for m, p in APP_ROUTES])
def test_authorization_matrix(world: World, method: str, path: str, caller: Caller | None) -> None:
    route = ROUTES.get((method, path))
    assert route is not None, f"{method} {path} has no expected status in ROUTES: add one"
    n = next(world.counter)
    request = route.request(world, n)
    url = path.format(**request.pop("path", {}))
    response = world.client.request(method, url, headers=world.headers[str(caller)], **request)
    want = expected(route, caller)
    assert response.status_code in want, (str(caller), method, url, sorted(want), response.text[:500])
    if response.is_success:
        leaked = sorted(i for i in world.forbidden(caller) if i in response.text)
        assert not leaked, (str(caller), method, url, leaked)


def test_every_expectation_is_of_a_route_that_exists() -> None:
    assert sorted(set(ROUTES) - set(APP_ROUTES)) == []
