"""Organizations, actors and evidence files for service and API tests."""

from __future__ import annotations

import io
import itertools
from typing import Any

from sqlalchemy import func, select

from qualbridge.services import accounts
from qualbridge.services.actor import Actor, OrgKind, Role, as_org_kind
from qualbridge.services.context import Context
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.models import Blob, Evidence, EvidenceLink, IdempotencyKey

# A particle-counter export in the layout of a Lighthouse Solair 3100 (cumulative counts, litres):
# 35 particles ≥ 0.5 µm in 28.3 L is 1236.7 per m³.
PARTICLE_CSV = b"""Lighthouse Solair 3100 - Data Export
Model: Solair 3100
Serial Number: 1170032
Flow Rate: 1.0 CFM
Data Type: Cumulative Counts
Room: FAB1-C3

Date Time,Location,Sample Volume (L),Status,0.3 \xc2\xb5m,0.5 \xc2\xb5m,1.0 \xc2\xb5m,5.0 \xc2\xb5m
2024-03-05 08:00:00,L01,28.3,OK,120,35,10,1
2024-03-05 08:01:10,L01,28.3,OK,100,30,8,0
2024-03-05 08:05:00,L02,28.3,OK,80,20,5,0
2024-03-05 08:06:10,L02,28.3,OK,60,15,4,0
"""

PARTICLE_META: dict[str, Any] = {
    "issuer": "Example Test Lab",
    "test_date": "2024-03-05",
    "subject": {"type": "equipment", "id": "VX-200"},
}

# Broken copies: row 11 (the third data row) holds NaN or a negative count; row 10 lacks two counts.
NAN_COUNT_CSV = PARTICLE_CSV.replace(b"OK,80,20,5,0", b"OK,NaN,20,5,0")
NEGATIVE_COUNT_CSV = PARTICLE_CSV.replace(b"OK,80,20,5,0", b"OK,80,-5,5,0")
MALFORMED_CSV = PARTICLE_CSV.replace(b"OK,100,30,8,0", b"OK,100,30")


def helium_leak_document(*, rate: float = 2.0e-10, subject: str = "VX-200") -> dict[str, Any]:
    return {
        "kind": "helium_leak_test",
        "issuer": "Example Vacuum Systems Co.",
        "test_date": "2026-02-03",
        "subject": {"type": "subsystem", "id": subject},
        "leak_rate": {"value": rate, "unit": "mbar·L/s"},
        "mode": "spray",
    }


_numbers = itertools.count(1)


def new_org(ctx: Context, kind: OrgKind = "vendor", *, name: str | None = None) -> Actor:
    """A fresh organization; the actor is its admin with a write token."""
    n = next(_numbers)
    org, user = accounts.bootstrap_organization(
        ctx,
        kind=kind,
        name_en=name or f"{kind.title()} {n}",
        name_zh=f"组织 {n}",
        country="CN",
        admin_email=f"admin{n}@{kind}{n}.example",
        admin_name=f"Admin {n}",
        admin_password="correct horse battery staple",
    )
    return Actor(org.id, as_org_kind(org.kind), user.id, "admin", "write")


def member(ctx: Context, admin: Actor, role: Role, *, scope: str = "write") -> Actor:
    n = next(_numbers)
    user = accounts.create_user(
        ctx, admin, email=f"user{n}@member.example", name=f"User {n}", role=role, password=None
    )
    return Actor(admin.org_id, admin.org_kind, user.id, role, "write" if scope == "write" else "read")


def stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def stored(ctx: Context) -> dict[str, int]:
    """How much evidence is stored: rows per table and files in the blob store."""
    counts: dict[str, int] = {}
    with ctx.transaction() as uow:
        tables = (("evidence", Evidence), ("links", EvidenceLink), ("blobs", Blob), ("keys", IdempotencyKey))
        for name, table in tables:
            counts[name] = uow.session.scalar(select(func.count()).select_from(table)) or 0
    assert isinstance(ctx.blobs, FilesystemBlobStore)
    root = ctx.blobs.root
    counts["blob_files"] = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return counts
