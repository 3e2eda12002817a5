"""Reading evidence: a product's own and inherited evidence, listings, raw bytes, other organizations."""

import dataclasses
import datetime as dt
import uuid

import pytest

from qualbridge.errors import NotFoundError
from qualbridge.services import evidence, intake, products
from qualbridge.services.actor import Actor
from qualbridge.services.attestations import EVIDENCE, EVIDENCE_STATUS
from qualbridge.services.context import Context
from qualbridge.services.records import InheritedEvidence
from qualbridge.store.blobs import BlobCorruptedError, FilesystemBlobStore
from qualbridge.store.models import EvidenceLink
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, new_org, stream

ALL = evidence.EvidenceFilter()


def _product(ctx: Context, actor: Actor, model: str, kind: str = "subsystem") -> uuid.UUID:
    return products.create_product(ctx, actor, kind=kind, model=model, name=model).id  # type: ignore[arg-type]


def _leak(ctx: Context, actor: Actor, product: uuid.UUID, rate: float) -> str:
    doc = helium_leak_document(rate=rate)
    return intake.ingest_document(ctx, actor, product_id=product, document=doc).ingested.evidence.id


def _survey(ctx: Context, actor: Actor, product: uuid.UUID) -> str:
    result = intake.ingest_file(
        ctx, actor, product_id=product, stream=stream(PARTICLE_CSV), filename="survey.csv", meta=PARTICLE_META
    )
    return result.ingested.evidence.id


def _rows(page: list[InheritedEvidence]) -> list[tuple[str, bool, str, int]]:
    return [(item.evidence.id, item.inherited, item.origin.model, item.depth) for item in page]


def test_evidence_is_inherited_through_two_levels_of_subsystems(ctx: Context) -> None:
    vendor = new_org(ctx)
    tool = _product(ctx, vendor, "ETCH-9", "equipment")
    chamber = _product(ctx, vendor, "CH-2")
    pump = _product(ctx, vendor, "P-80", "component")
    products.attach_component(ctx, vendor, tool, child_id=chamber)
    products.attach_component(ctx, vendor, chamber, child_id=pump)
    on_tool = _leak(ctx, vendor, tool, 1e-10)
    on_chamber = _leak(ctx, vendor, chamber, 2e-10)
    on_pump = _survey(ctx, vendor, pump)

    page = evidence.product_evidence(ctx, vendor, tool, ALL, limit=50, offset=0)
    assert page.total == 3
    assert _rows(list(page.items)) == [
        (on_tool, False, "ETCH-9", 0),
        (on_chamber, True, "CH-2", 1),
        (on_pump, True, "P-80", 2),
    ]
    chamber_page = evidence.product_evidence(ctx, vendor, chamber, ALL, limit=50, offset=0)
    assert _rows(list(chamber_page.items)) == [(on_chamber, False, "CH-2", 0), (on_pump, True, "P-80", 1)]
    assert _rows(list(evidence.product_evidence(ctx, vendor, pump, ALL, limit=50, offset=0).items)) == [
        (on_pump, False, "P-80", 0)
    ]


def test_evidence_reached_twice_is_listed_once_at_its_nearest_origin(ctx: Context) -> None:
    vendor = new_org(ctx)
    tool, chamber, pump = (_product(ctx, vendor, m) for m in ("T", "C", "P"))
    products.attach_component(ctx, vendor, tool, child_id=chamber)
    products.attach_component(ctx, vendor, chamber, child_id=pump)
    products.attach_component(ctx, vendor, tool, child_id=pump)  # a diamond: the pump is reachable twice
    shared = _survey(ctx, vendor, pump)
    intake.ingest_file(
        ctx, vendor, product_id=tool, stream=stream(PARTICLE_CSV), filename="survey.csv", meta=PARTICLE_META
    )
    own_twice = evidence.product_evidence(ctx, vendor, tool, ALL, limit=50, offset=0)
    assert _rows(list(own_twice.items)) == [(shared, False, "T", 0)], "recorded on the tool itself: own"
    via_chamber = evidence.product_evidence(ctx, vendor, chamber, ALL, limit=50, offset=0)
    assert _rows(list(via_chamber.items)) == [(shared, True, "P", 1)]


def test_filters_and_pages(ctx: Context) -> None:
    vendor = new_org(ctx)
    tool, pump = _product(ctx, vendor, "T", "equipment"), _product(ctx, vendor, "P")
    products.attach_component(ctx, vendor, tool, child_id=pump)
    leaks = [_leak(ctx, vendor, pump, rate) for rate in (1e-10, 2e-10, 3e-10)]
    survey = _survey(ctx, vendor, tool)
    leak_filter = evidence.EvidenceFilter(kind="helium_leak_test")
    first = evidence.product_evidence(ctx, vendor, tool, leak_filter, limit=2, offset=0)
    rest = evidence.product_evidence(ctx, vendor, tool, leak_filter, limit=2, offset=2)
    assert (first.total, rest.total) == (3, 3)
    # Newest first within inherited evidence.
    assert [i.evidence.id for i in [*first.items, *rest.items]] == leaks[::-1]
    listing = evidence.list_evidence(ctx, vendor, ALL, limit=10, offset=0)
    assert [s.id for s in listing.items] == [survey, *leaks[::-1]]
    by_issuer = evidence.list_evidence(
        ctx, vendor, evidence.EvidenceFilter(issuer="Example Test Lab"), limit=10, offset=0
    )
    assert [s.id for s in by_issuer.items] == [survey]
    window = evidence.EvidenceFilter(tested_from=dt.date(2026, 1, 1), tested_to=dt.date(2026, 12, 31))
    assert evidence.list_evidence(ctx, vendor, window, limit=10, offset=0).total == 3
    # Filters combine, and the count is of all pages.
    leaks_in_2026 = dataclasses.replace(window, kind="helium_leak_test")
    last_page = evidence.list_evidence(ctx, vendor, leaks_in_2026, limit=2, offset=2)
    assert (last_page.total, [s.id for s in last_page.items]) == (3, [leaks[0]])
    nothing = dataclasses.replace(leaks_in_2026, issuer="Example Test Lab")
    assert evidence.list_evidence(ctx, vendor, nothing, limit=10, offset=0).total == 0
    # The total comes with the page's rows; a page past the last row still tells it.
    beyond = evidence.list_evidence(ctx, vendor, ALL, limit=10, offset=10)
    assert (beyond.total, list(beyond.items)) == (4, [])
    assert evidence.list_evidence(ctx, vendor, nothing, limit=10, offset=10).total == 0


def test_one_record_with_its_products_and_raw_bytes(ctx: Context) -> None:
    vendor = new_org(ctx)
    tool = _product(ctx, vendor, "T", "equipment")
    survey = _survey(ctx, vendor, tool)
    record = evidence.get_evidence(ctx, vendor, survey)
    assert record.document["kind"] == "particle_survey"
    assert [p.id for p in record.products] == [tool]
    download = evidence.raw_file(ctx, vendor, survey)
    assert (download.data, download.path) == (PARTICLE_CSV, None)  # a small file: the checked bytes
    assert download.raw == record.raw


def test_plain_reads_see_what_their_transaction_has_pending(ctx: Context) -> None:
    """Reads of columns run past the ORM's set-up, not past its autoflush: a link added to the session
    and not yet written is among an evidence's products."""
    vendor = new_org(ctx)
    tool, spare = _product(ctx, vendor, "T", "equipment"), _product(ctx, vendor, "S")
    survey = _survey(ctx, vendor, tool)
    with ctx.transaction(write=True) as uow:
        found = uow.evidence.whole(
            vendor.org_id, survey, statement_type=EVIDENCE, change_type=EVIDENCE_STATUS
        )
        assert found is not None
        row = found[0]
        now = dt.datetime.now(dt.UTC)
        uow.session.add(
            EvidenceLink(evidence_id=row.id, product_id=spare, linked_by=vendor.user_id, created_at=now)
        )
        assert {p.id for p in uow.evidence.products_of(row.id)} == {tool, spare}
        found = uow.evidence.whole(
            vendor.org_id, survey, statement_type=EVIDENCE, change_type=EVIDENCE_STATUS
        )
        assert found is not None
        assert {p["id"] for p in found[1]} == {tool, spare}
        uow.session.rollback()


def test_a_large_raw_file_is_checked_on_disk_and_served_from_there(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = new_org(ctx)
    survey = _survey(ctx, vendor, _product(ctx, vendor, "T"))
    monkeypatch.setattr(evidence, "IN_MEMORY_MAX", len(PARTICLE_CSV) - 1)
    download = evidence.raw_file(ctx, vendor, survey)
    assert download.data is None
    assert download.path is not None
    assert download.path.read_bytes() == PARTICLE_CSV


@pytest.mark.parametrize("in_memory_max", [1 << 20, 0], ids=["in-memory", "on-disk"])
def test_damaged_raw_bytes_are_never_served(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, in_memory_max: int
) -> None:
    monkeypatch.setattr(evidence, "IN_MEMORY_MAX", in_memory_max)
    vendor = new_org(ctx)
    survey = _survey(ctx, vendor, _product(ctx, vendor, "T"))
    record = evidence.get_evidence(ctx, vendor, survey)
    assert record.raw is not None
    assert isinstance(ctx.blobs, FilesystemBlobStore)
    ctx.blobs.path_of(record.raw.digest).write_bytes(PARTICLE_CSV.replace(b"120", b"12"))
    with pytest.raises(BlobCorruptedError, match="does not match its digest"):
        evidence.raw_file(ctx, vendor, survey)
    ctx.blobs.path_of(record.raw.digest).unlink()
    with pytest.raises(BlobCorruptedError, match="missing"):
        evidence.raw_file(ctx, vendor, survey)


def test_another_organizations_evidence_does_not_exist(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    tool = _product(ctx, a, "T", "equipment")
    survey = _survey(ctx, a, tool)
    for call in (
        lambda: evidence.get_evidence(ctx, b, survey),
        lambda: evidence.raw_file(ctx, b, survey),
        lambda: evidence.product_evidence(ctx, b, tool, ALL, limit=10, offset=0),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert evidence.list_evidence(ctx, b, ALL, limit=10, offset=0).total == 0
    # b records the same document on its own product: b sees its own record, a keeps its own.
    mine = _product(ctx, b, "B-1")
    assert _survey(ctx, b, mine) == survey
    b_record = evidence.get_evidence(ctx, b, survey)
    assert ([p.id for p in b_record.products], b_record.uploaded_by_org) == ([mine], b.org_id)
    assert [p.id for p in evidence.get_evidence(ctx, a, survey).products] == [tool]
