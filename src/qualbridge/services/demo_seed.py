"""Demo data for the service: the organizations of a cross-border qualification, their users, products
with subsystems, and evidence written by the demo generators and stored through evidence intake.

:func:`seed` is convergent: it creates what is missing and leaves what exists, so running it again
(``make demo`` twice) changes nothing. The generators are seeded, so the same raw files come out every
time, and intake recognizes them as the evidence stored before.

The story: a Shanghai vendor's process chamber is built with its own turbo-pump module and a door-seal
kit, each tested on its own; the chamber inherits their evidence. A Wuxi vendor's oil-free compressor
includes a desiccant dryer module whose air-purity report (from the test lab) the compressor inherits.
Two fabs, in Dresden and Arizona, and the coordinating center take part with nothing of their own yet.
Every upload, the evaluation and the grant are signed and logged; at the end the two demo witnesses
cosign the log's latest checkpoint, so the shared package's bundle can be exported and verified.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualbridge.demo import compressed_air, vacuum
from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import ConflictError
from qualbridge.evidence.parsers import SIDECAR_SUFFIX, evidence_files, read_meta
from qualbridge.services import accounts, evaluations, intake, packages, products, shares, transparency
from qualbridge.services.actor import Actor, OrgKind, Role, as_org_kind, as_role
from qualbridge.services.context import Context
from qualbridge.services.products import ProductKind

#: Demo users' e-mail addresses are under the reserved top-level name ``.example`` (RFC 2606): never
#: a real mailbox.
DOMAIN = "example"


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    name: str
    role: Role
    password: str


@dataclass(frozen=True, slots=True)
class DemoOrg:
    key: str
    kind: OrgKind
    name_en: str
    name_zh: str
    country: str
    users: tuple[DemoUser, ...]


def _users(key: str, admin: str, engineer: str | None = None) -> tuple[DemoUser, ...]:
    # Demo passwords are printed by `make demo`: they protect nothing and say so.
    found = [DemoUser(f"admin@{key}.{DOMAIN}", admin, "admin", f"demo-{key}-admin")]
    if engineer is not None:
        found.append(DemoUser(f"engineer@{key}.{DOMAIN}", engineer, "engineer", f"demo-{key}-engineer"))
    return tuple(found)


ORGS: tuple[DemoOrg, ...] = (
    DemoOrg(
        "center",
        "center",
        "QualBridge Coordinating Center",
        "QualBridge 协调中心",
        "SG",
        _users("center", "Tan Mei Ling"),
    ),
    DemoOrg(
        "shanghai",
        "vendor",
        "Shanghai Example Vacuum Systems Co.",
        "上海示例真空系统有限公司",
        "CN",
        _users("shanghai", "Li Wei", "Zhang Min"),
    ),
    DemoOrg(
        "wuxi",
        "vendor",
        "Wuxi Example Oil-Free Compressor Co.",
        "无锡示例无油压缩机有限公司",
        "CN",
        _users("wuxi", "Chen Jing", "Wang Fang"),
    ),
    DemoOrg(
        "lab",
        "lab",
        "Example Air Test Lab",
        "示例压缩空气检测实验室",
        "CN",
        _users("lab", "Zhou Qiang", "Sun Li"),
    ),
    DemoOrg(
        "dresden",
        "fab",
        "Dresden Example Wafer Fab",
        "德累斯顿示例晶圆厂",
        "DE",
        _users("dresden", "Anna Schmidt", "Jonas Weber"),
    ),
    DemoOrg(
        "arizona",
        "fab",
        "Arizona Example Wafer Fab",
        "亚利桑那示例晶圆厂",
        "US",
        _users("arizona", "Maria Garcia", "James Miller"),
    ),
)


@dataclass(frozen=True, slots=True)
class DemoProduct:
    vendor: str
    kind: ProductKind
    model: str
    name: str
    parts: tuple[str, ...] = ()


PRODUCTS: tuple[DemoProduct, ...] = (
    # Children first: a product's parts exist before it is composed of them.
    DemoProduct("shanghai", "subsystem", "TP-300", "Turbo-pump module TP-300, 300 L/s"),
    DemoProduct("shanghai", "component", "DS-200", "Door-seal kit DS-200, FKM O-rings"),
    DemoProduct("shanghai", "equipment", "VX-200", "Process chamber VX-200", ("TP-300", "DS-200")),
    DemoProduct("shanghai", "equipment", "VX-200-SN0043", "Process chamber VX-200, unit SN0043 (rejected)"),
    DemoProduct("wuxi", "subsystem", "DRY-55", "Desiccant dryer module DRY-55"),
    DemoProduct("wuxi", "equipment", "OFC-55", "Oil-free scroll compressor OFC-55", ("DRY-55",)),
)


@dataclass(frozen=True, slots=True)
class SeededUser:
    org: str
    email: str
    role: Role
    password: str
    created: bool


@dataclass(frozen=True, slots=True)
class SeededEvidence:
    product: str
    filename: str
    evidence_id: str
    kind: str
    created: bool


@dataclass(frozen=True, slots=True)
class Seeded:
    orgs: dict[str, uuid.UUID]
    users: tuple[SeededUser, ...]
    products: dict[str, uuid.UUID]
    evidence: tuple[SeededEvidence, ...]
    package: uuid.UUID
    #: The checkpoint the demo witnesses cosigned, and who cosigned it.
    witnessed: tuple[int, tuple[str, ...]] = (0, ())

    def as_dict(self) -> dict[str, Any]:
        return {
            "witnessed": {"tree_size": self.witnessed[0], "witnesses": list(self.witnessed[1])},
            "orgs": {k: str(v) for k, v in self.orgs.items()},
            "users": [dataclasses.asdict(u) for u in self.users],
            "products": {k: str(v) for k, v in self.products.items()},
            "package": str(self.package),
            "evidence": [dataclasses.asdict(e) for e in self.evidence],
        }


Progress = Callable[[str], None]


def seed(ctx: Context, *, progress: Progress | None = None) -> Seeded:
    """Create whatever of the demo is missing; return every demo object, new or found."""
    say = progress or (lambda _: None)
    say("organizations and users")
    orgs: dict[str, Actor] = {}
    users: list[SeededUser] = []
    for org in ORGS:
        orgs[org.key], made = _ensure_org(ctx, org)
        users.extend(made)
    say("products and subsystems")
    made_products = _ensure_products(ctx, orgs)
    say("evidence")
    with tempfile.TemporaryDirectory(prefix="qualbridge-demo-") as folder:
        files = _write_evidence(Path(folder))
        evidence = [
            _upload(ctx, orgs[vendor], made_products[model], model, path)
            for vendor, model, paths in files
            for path in paths
        ]
    say("a qualification package shared with a fab")
    package = _ensure_package(ctx, orgs["shanghai"], made_products, fab=orgs["dresden"])
    say("the demo witnesses cosign the log's checkpoint")
    return Seeded(
        orgs={k: a.org_id for k, a in orgs.items()},
        users=tuple(users),
        products=made_products,
        evidence=tuple(evidence),
        package=package,
        witnessed=_cosign(ctx),
    )


def _cosign(ctx: Context) -> tuple[int, tuple[str, ...]]:
    """Each demo witness the service is configured with cosigns the latest checkpoint, through the
    function behind POST /log/cosignature; so the demo package's bundle exports and verifies."""
    size, names = 0, []
    for name, vkey in zip(demo_witnesses.NAMES, demo_witnesses.vkeys(), strict=True):
        if vkey in ctx.trust.witnesses:
            size = transparency.cosign_latest(ctx, demo_witnesses.signer(name)).tree_size
            names.append(name)
    return size, tuple(names)


PACKAGE_NAME = "VX-200 incoming qualification for Fab Dresden"
PACKAGE_PROFILE = "example/vacuum-chamber-incoming"
GRANT_DAYS = 365


def _ensure_package(ctx: Context, vendor: Actor, made: dict[str, uuid.UUID], *, fab: Actor) -> uuid.UUID:
    """The vendor evaluates VX-200 (with its subsystems' evidence), packages it and shares it with a fab."""
    own = packages.list_packages(ctx, vendor, limit=200, offset=0)
    found = next((p.id for p in own.items if p.name == PACKAGE_NAME), None)
    if found is not None:
        return found
    chamber = made["VX-200"]
    evaluation = evaluations.run_evaluation(ctx, vendor, chamber, profile=PACKAGE_PROFILE)
    package = packages.create_package(
        ctx,
        vendor,
        product_id=chamber,
        name=PACKAGE_NAME,
        profiles=[PACKAGE_PROFILE],
        evidence=evaluation.evidence,
        evaluations=[evaluation.id],
    )
    expires = ctx.clock() + dt.timedelta(days=GRANT_DAYS)
    shares.grant(ctx, vendor, package.id, expires_at=expires, fab_org_id=fab.org_id)
    return package.id


def _ensure_org(ctx: Context, org: DemoOrg) -> tuple[Actor, list[SeededUser]]:
    """The organization's admin as an actor (the organization registered if it was not)."""
    admin, *others = org.users
    with ctx.transaction() as uow:
        row = uow.accounts.org_named(org.name_en)
        found = None if row is None else (row.id, uow.accounts.user_by_email(admin.email))
    if found is None:
        made, founder = accounts.bootstrap_organization(
            ctx,
            kind=org.kind,
            name_en=org.name_en,
            name_zh=org.name_zh,
            country=org.country,
            admin_email=admin.email,
            admin_name=admin.name,
            admin_password=admin.password,
            slug=org.key,
        )
        actor = Actor(made.id, as_org_kind(made.kind), founder.id, "admin", "write")
        seeded = [SeededUser(org.key, admin.email, "admin", admin.password, created=True)]
    else:
        org_id, admin_row = found
        if admin_row is None or admin_row.org_id != org_id:
            raise ConflictError(
                f"{org.name_en} exists without its demo admin {admin.email}: not a demo database"
            )
        actor = Actor(org_id, org.kind, admin_row.id, as_role(admin_row.role), "write")
        seeded = [SeededUser(org.key, admin.email, "admin", admin.password, created=False)]
    for user in others:
        with ctx.transaction() as uow:
            exists = uow.accounts.user_by_email(user.email) is not None
        if not exists:
            accounts.create_user(
                ctx, actor, email=user.email, name=user.name, role=user.role, password=user.password
            )
        seeded.append(SeededUser(org.key, user.email, user.role, user.password, created=not exists))
    return actor, seeded


def _ensure_products(ctx: Context, orgs: dict[str, Actor]) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    for p in PRODUCTS:
        actor = orgs[p.vendor]
        with ctx.transaction() as uow:
            row = uow.products.by_model(actor.org_id, p.model)
            found = None if row is None else row.id
        ids[p.model] = (
            found or products.create_product(ctx, actor, kind=p.kind, model=p.model, name=p.name).id
        )
        for part in p.parts:
            # Attaching again only restates the quantity: safe on every run.
            products.attach_component(ctx, actor, ids[p.model], child_id=ids[part])
    return ids


def _write_evidence(root: Path) -> list[tuple[str, str, Sequence[Path]]]:
    """Raw files from the demo generators, each with the product it is recorded on."""
    chamber = root / "vacuum-chamber"
    vacuum.generate(chamber, seed=0)
    own = evidence_files([chamber])
    seals = [p for p in own if p.name.startswith("e595-")]
    pump = [p for p in own if p.name == "base-pressure.json"]
    lab = next(o.name_en for o in ORGS if o.key == "lab")
    dryer = compressed_air.write_compressed_air_report(
        root / "dryer",
        purity="[1:2:1]",
        seed=11,
        issuer=lab,
        test_date=dt.date(2026, 3, 18),
        sampling_point="DRY-55 outlet",
        name="dry-55-outlet-purity",
    )
    package = compressed_air.write_compressed_air_report(
        root / "compressor",
        purity="[1:4:1]",
        seed=12,
        issuer=lab,
        test_date=dt.date(2026, 3, 19),
        sampling_point="OFC-55 package outlet",
        name="ofc-55-package-purity",
    )
    return [
        ("shanghai", "TP-300", pump),
        ("shanghai", "DS-200", seals),
        ("shanghai", "VX-200", [p for p in own if p not in seals and p not in pump]),
        ("shanghai", "VX-200-SN0043", evidence_files([chamber / "failing"])),
        ("wuxi", "DRY-55", [dryer]),
        ("wuxi", "OFC-55", [package]),
    ]


def _upload(ctx: Context, actor: Actor, product_id: uuid.UUID, model: str, path: Path) -> SeededEvidence:
    """Upload one file exactly as a user would: its bytes, and the metadata its sidecar carries."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    meta = read_meta(sidecar) if sidecar.is_file() else {}
    with path.open("rb") as stream:
        result = intake.ingest_file(
            ctx, actor, product_id=product_id, stream=stream, filename=path.name, meta=meta
        )
    record = result.ingested.evidence
    return SeededEvidence(model, path.name, record.id, record.kind, created=result.ingested.created)
