"""Profile documents, products and evidence for the profile, evaluation and package tests.

The fab's profile extends the shipped example vacuum-chamber profile and keeps only its helium-leak
requirement, tightened; a helium leak document of 2×10⁻¹⁰ mbar·L/s passes a 5×10⁻¹⁰ limit and fails a
1×10⁻¹⁰ one (the check compares measured ≤ limit, margin (limit − measured)/limit).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from qualbridge.services import evaluations, intake, packages, products, profiles, shares
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.standards.catalog import builtin
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, new_org, stream

PARENT = "example/vacuum-chamber-incoming"


def leak_only_profile(profile_id: str = "fab-dresden/chamber", *, limit: float = 5.0e-10) -> dict[str, Any]:
    """A fab profile: the parent's helium-leak requirement with a tighter limit, everything else removed."""
    parent = builtin().get(PARENT)
    others = [r.id for r in parent.requirements if r.id != "he-leak"]
    return {
        "id": profile_id,
        "version": 1,
        "title": {"en": "Dresden chamber incoming", "zh": "德累斯顿腔体来料"},
        "publisher": "Fab Dresden",
        "extends": PARENT,
        "remove": others,
        "requirements": [
            {
                "id": "he-leak",
                "kind": "helium_leak_rate",
                "title": {"en": "Helium leak", "zh": "氦漏率"},
                "source": "fab-defined",
                "fab_defined": True,
                "max_leak_rate": {"value": limit, "unit": "mbar·L/s"},
                "accepted_modes": ["spray", "hood"],
            }
        ],
    }


def product_with_leak(
    ctx: Context, vendor: Actor, model: str = "VX-200", *, rate: float = 2.0e-10
) -> tuple[uuid.UUID, str]:
    """A vendor's product with one helium leak test recorded on a subsystem built into it."""
    tool = products.create_product(ctx, vendor, kind="equipment", model=model, name=model).id
    chamber = products.create_product(ctx, vendor, kind="subsystem", model=f"{model}-CH", name="chamber").id
    products.attach_component(ctx, vendor, tool, child_id=chamber)
    doc = helium_leak_document(rate=rate, subject=f"{model}-CH")
    evidence_id = intake.ingest_document(ctx, vendor, product_id=chamber, document=doc).ingested.evidence.id
    return tool, evidence_id


@dataclass(frozen=True)
class SharedPackage:
    """A vendor's package shared with one fab; a second fab and a lab that were given nothing.

    ``included`` evidence is in the package (a raw particle survey on the tool and the leak test
    inherited from its chamber); ``withheld`` is on the same product but left out. The package's
    evaluation read only the included evidence; ``withheld_evaluation`` read all of the product's,
    the withheld evidence too, so it may not be in the package.
    """

    vendor: Actor
    fab: Actor
    other_fab: Actor
    lab: Actor
    product_id: uuid.UUID
    package_id: uuid.UUID
    share_id: uuid.UUID
    survey_id: str
    leak_id: str
    withheld_id: str
    evaluation_id: uuid.UUID
    withheld_evaluation_id: uuid.UUID


def shared_package(ctx: Context, *, days: int = 30) -> SharedPackage:
    fab, vendor = new_org(ctx, "fab"), new_org(ctx, "vendor")
    profiles.save_draft(ctx, fab, leak_only_profile())
    profiles.publish(ctx, fab, "fab-dresden/chamber")
    tool, leak_id = product_with_leak(ctx, vendor)
    survey = intake.ingest_file(
        ctx, vendor, product_id=tool, stream=stream(PARTICLE_CSV), filename="survey.csv", meta=PARTICLE_META
    )
    withheld = intake.ingest_document(
        ctx, vendor, product_id=tool, document=helium_leak_document(rate=9e-10, subject="VX-200")
    )
    included = [survey.ingested.evidence.id, leak_id]
    evaluation = evaluations.run_evaluation(
        ctx, vendor, tool, profile="fab-dresden/chamber", evidence=included
    )
    withheld_evaluation = evaluations.run_evaluation(ctx, vendor, tool, profile=PARENT)
    package = packages.create_package(
        ctx,
        vendor,
        product_id=tool,
        name="VX-200 for Dresden",
        profiles=["fab-dresden/chamber"],
        evidence=included,
        evaluations=[evaluation.id],
    )
    share = shares.grant(
        ctx, vendor, package.id, fab_org_id=fab.org_id, expires_at=ctx.clock() + dt.timedelta(days=days)
    )
    return SharedPackage(
        vendor=vendor,
        fab=fab,
        other_fab=new_org(ctx, "fab"),
        lab=new_org(ctx, "lab"),
        product_id=tool,
        package_id=package.id,
        share_id=share.id,
        survey_id=survey.ingested.evidence.id,
        leak_id=leak_id,
        withheld_id=withheld.ingested.evidence.id,
        evaluation_id=evaluation.id,
        withheld_evaluation_id=withheld_evaluation.id,
    )
