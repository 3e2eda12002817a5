"""Evidence intake: parse, store bytes and record in one go; idempotent; nothing stored on bad input."""

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qualbridge.errors import (
    EvidenceError,
    IdempotencyKeyReusedError,
    InputError,
    NotFoundError,
    ParseError,
    PermissionDeniedError,
    TooLargeError,
)
from qualbridge.evidence.parsers import load_evidence
from qualbridge.services import evidence, intake, products
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from tests.services.samples import (
    MALFORMED_CSV,
    NAN_COUNT_CSV,
    NEGATIVE_COUNT_CSV,
    PARTICLE_CSV,
    PARTICLE_META,
    helium_leak_document,
    member,
    new_org,
    stored,
    stream,
)
from tests.store.databases import TickingClock

NOTHING = {"evidence": 0, "links": 0, "blobs": 0, "keys": 0, "blob_files": 0}


def _product(ctx: Context, actor: Actor, model: str = "VX-200") -> uuid.UUID:
    return products.create_product(ctx, actor, kind="equipment", model=model, name="Vacuum chamber").id


def _upload(
    ctx: Context, actor: Actor, product: uuid.UUID, data: bytes = PARTICLE_CSV, **kw: Any
) -> intake.Intake:
    kw.setdefault("meta", PARTICLE_META)
    kw.setdefault("filename", "survey.csv")
    return intake.ingest_file(ctx, actor, product_id=product, stream=stream(data), **kw)


def test_a_raw_file_becomes_evidence_with_its_bytes_kept(ctx: Context, tmp_path: Path) -> None:
    vendor = new_org(ctx)
    chamber = _product(ctx, vendor)
    result = _upload(ctx, vendor, chamber, media_type="text/csv")
    # The same file parsed directly by the domain core gives the same evidence id.
    (tmp_path / "survey.csv").write_bytes(PARTICLE_CSV)
    expected = load_evidence(tmp_path / "survey.csv", meta=PARTICLE_META)
    record = result.ingested.evidence
    assert (result.status, result.replayed, result.ingested.created, result.ingested.linked) == (
        201,
        False,
        True,
        True,
    )
    assert record.id == expected.evidence_id()
    assert record.document == expected.model_dump(mode="json")
    assert (record.kind, record.issuer, record.subject_id) == (
        "particle_survey",
        "Example Test Lab",
        "VX-200",
    )
    assert record.raw is not None
    assert record.raw.digest == "sha256:" + hashlib.sha256(PARTICLE_CSV).hexdigest()
    assert (record.raw.filename, record.raw.size, record.raw.media_type) == (
        "survey.csv",
        len(PARTICLE_CSV),
        "text/csv",
    )
    assert [p.id for p in record.products] == [chamber]
    assert (record.uploaded_by_org, record.uploaded_by_user) == (vendor.org_id, vendor.user_id)
    assert ctx.blobs.open_verified(record.raw.digest).read_bytes() == PARTICLE_CSV
    assert stored(ctx) == {"evidence": 1, "links": 1, "blobs": 1, "keys": 0, "blob_files": 1}
    with ctx.transaction() as uow:
        [event] = [e for e in uow.audit.events(vendor.org_id) if e.action == "evidence.upload"]
        assert (event.object_id, event.user_id, event.detail["created"]) == (record.id, vendor.user_id, True)


def test_the_same_bytes_again_are_the_same_evidence(ctx: Context) -> None:
    vendor = new_org(ctx)
    chamber, pump = _product(ctx, vendor), _product(ctx, vendor, "P-80")
    first = _upload(ctx, vendor, chamber)
    again = _upload(ctx, vendor, chamber)
    assert (again.status, again.ingested.created, again.ingested.linked) == (200, False, False)
    assert again.ingested.evidence.id == first.ingested.evidence.id
    on_pump = _upload(ctx, vendor, pump)
    assert (on_pump.ingested.created, on_pump.ingested.linked) == (False, True)
    assert {p.id for p in on_pump.ingested.evidence.products} == {chamber, pump}
    assert stored(ctx) == {"evidence": 1, "links": 2, "blobs": 1, "keys": 0, "blob_files": 1}


def test_the_file_name_is_only_ever_a_name(ctx: Context) -> None:
    vendor = new_org(ctx)
    record = _upload(
        ctx, vendor, _product(ctx, vendor), filename="../../etc/C:\\lab\\survey.csv"
    ).ingested.evidence
    assert record.raw is not None
    assert record.raw.filename == "survey.csv"
    assert intake.safe_filename(None) == intake.safe_filename("..") == "upload"
    assert intake.safe_filename("a\x00b\n.csv") == "ab.csv"


def test_an_uploads_answer_is_the_record_as_stored(ctx: Context) -> None:
    """A new upload's answer is built from what the transaction wrote, not read back: it must still be
    what reading the evidence gives right after, whether its raw file is new, was stored before with
    another media type, or the evidence is a document, stored before or not."""
    vendor = new_org(ctx)
    chamber, pump = _product(ctx, vendor), _product(ctx, vendor, "P-80")
    uploads: list[Callable[[], intake.Intake]] = [
        lambda: _upload(ctx, vendor, chamber, media_type="text/csv"),
        # The same bytes under other metadata: new evidence; the blob's record (text/csv) stands.
        lambda: _upload(ctx, vendor, pump, meta={**PARTICLE_META, "notes": "2nd"}, media_type="text/plain"),
        lambda: _upload(ctx, vendor, pump),  # stored before: linked to a second product
        lambda: intake.ingest_document(ctx, vendor, product_id=pump, document=helium_leak_document()),
        lambda: intake.ingest_document(ctx, vendor, product_id=chamber, document=helium_leak_document()),
    ]
    outcomes = []
    for upload in uploads:
        answer = upload().ingested
        assert answer.evidence == evidence.get_evidence(ctx, vendor, answer.evidence.id)
        raw = answer.evidence.raw
        outcomes.append((answer.created, answer.linked, raw and raw.media_type))
    assert outcomes == [
        (True, True, "text/csv"),
        (True, True, "text/csv"),
        (False, True, "text/csv"),
        (True, True, None),
        (False, True, None),
    ]


def test_a_retried_request_gets_the_first_response(ctx: Context) -> None:
    vendor = new_org(ctx)
    chamber = _product(ctx, vendor)
    first = _upload(ctx, vendor, chamber, idempotency_key="upload-42")
    retry = _upload(ctx, vendor, chamber, idempotency_key="upload-42")
    assert (retry.replayed, retry.status, retry.ingested) == (True, 201, first.ingested)
    assert stored(ctx)["keys"] == 1
    with pytest.raises(IdempotencyKeyReusedError, match="different request"):
        _upload(ctx, vendor, chamber, idempotency_key="upload-42", meta={**PARTICLE_META, "notes": "other"})
    doc = intake.ingest_document(
        ctx, vendor, product_id=chamber, document=helium_leak_document(), idempotency_key="d"
    )
    assert (
        intake.ingest_document(
            ctx, vendor, product_id=chamber, document=helium_leak_document(), idempotency_key="d"
        ).ingested
        == doc.ingested
    )
    with pytest.raises(IdempotencyKeyReusedError):
        intake.ingest_document(
            ctx, vendor, product_id=chamber, document=helium_leak_document(rate=3e-10), idempotency_key="d"
        )


def test_keys_belong_to_an_organization_and_expire(ctx: Context, clock: TickingClock) -> None:
    a, b = new_org(ctx), new_org(ctx)
    mine, theirs = _product(ctx, a), _product(ctx, b)
    _upload(ctx, a, mine, idempotency_key="k")
    other = _upload(ctx, b, theirs, idempotency_key="k")
    assert not other.replayed, "another organization's key of the same name is a different key"
    clock.advance(dt.timedelta(hours=25))
    late = _upload(ctx, a, mine, idempotency_key="k", meta={**PARTICLE_META, "notes": "a day later"})
    assert (late.replayed, late.ingested.created) == (False, True)


@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "ключ"])
def test_malformed_idempotency_keys_are_refused(ctx: Context, key: str) -> None:
    vendor = new_org(ctx)
    with pytest.raises(InputError, match="Idempotency-Key"):
        _upload(ctx, vendor, _product(ctx, vendor), idempotency_key=key)


@pytest.mark.parametrize(
    ("data", "kw", "error", "where"),
    [
        (MALFORMED_CSV, {}, ParseError, ("bad.csv", 10)),
        (NAN_COUNT_CSV, {}, ParseError, ("bad.csv", 11)),
        (NEGATIVE_COUNT_CSV, {}, ParseError, ("bad.csv", 11)),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, {}, ParseError, ("bad.csv", None)),
        (PARTICLE_CSV, {"kind": "espresso_test"}, ParseError, ("bad.csv", None)),
        (
            PARTICLE_CSV,
            {"meta": {**PARTICLE_META, "test_date": "yesterday"}},
            EvidenceError,
            ("bad.csv", None),
        ),
        (
            PARTICLE_CSV,
            {"meta": {**PARTICLE_META, "raw_digest": "sha256:" + "0" * 64}},
            EvidenceError,
            (None, None),
        ),
        (PARTICLE_CSV, {"meta": {**PARTICLE_META, "area_m2": float("nan")}}, InputError, (None, None)),
        (b"x" * (256 * 1024 + 1), {}, TooLargeError, (None, None)),
    ],
    ids=[
        "malformed",
        "nan",
        "negative",
        "binary",
        "unknown-kind",
        "bad-date",
        "claimed-digest",
        "nan-meta",
        "large",
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    ctx: Context,
    data: bytes,
    kw: dict[str, Any],
    error: type[Exception],
    where: tuple[str | None, int | None],
) -> None:
    vendor = new_org(ctx)
    chamber = _product(ctx, vendor)
    with pytest.raises(error) as caught:
        _upload(ctx, vendor, chamber, data, filename="bad.csv", idempotency_key="k", **kw)
    assert isinstance(caught.value, InputError)
    assert (caught.value.where.file, caught.value.where.row) == where
    assert "qualbridge-upload" not in str(caught.value), "the private copy's path never shows"
    assert stored(ctx) == NOTHING


def test_a_json_document_is_evidence_without_a_raw_file(ctx: Context) -> None:
    vendor = new_org(ctx)
    pump = _product(ctx, vendor, "P-80")
    result = intake.ingest_document(ctx, vendor, product_id=pump, document=helium_leak_document())
    record = result.ingested.evidence
    assert (result.status, record.kind, record.raw) == (201, "helium_leak_test", None)
    with pytest.raises(NotFoundError, match="uploaded as a document"):
        evidence.raw_file(ctx, vendor, record.id)
    # The same document sent as a file is the same evidence; the JSON file is not its raw file.
    as_file = _upload(
        ctx, vendor, pump, json.dumps(helium_leak_document()).encode(), filename="leak.json", meta={}
    )
    assert (as_file.ingested.evidence.id, as_file.ingested.created) == (record.id, False)
    assert stored(ctx) == {"evidence": 1, "links": 1, "blobs": 0, "keys": 0, "blob_files": 0}
    with pytest.raises(EvidenceError, match="leak_rate"):
        intake.ingest_document(
            ctx, vendor, product_id=pump, document={**helium_leak_document(), "leak_rate": "low"}
        )
    with pytest.raises(EvidenceError):
        intake.ingest_document(
            ctx, vendor, product_id=pump, document={**helium_leak_document(), "kind": "espresso"}
        )


def test_only_a_vendors_writers_upload_and_only_on_their_own_products(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    theirs = _product(ctx, a)
    with pytest.raises(NotFoundError, match="no product"):
        _upload(ctx, b, theirs)
    with pytest.raises(NotFoundError):
        intake.ingest_document(ctx, b, product_id=theirs, document=helium_leak_document())
    viewer = member(ctx, a, "viewer", scope="read")
    with pytest.raises(PermissionDeniedError):
        _upload(ctx, viewer, theirs)
    fab = new_org(ctx, "fab")
    with pytest.raises(PermissionDeniedError, match="vendor"):
        _upload(ctx, fab, theirs)
    assert stored(ctx) == NOTHING


def test_two_organizations_uploading_one_document_each_keep_their_own(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    ra = _upload(ctx, a, _product(ctx, a)).ingested
    rb = _upload(ctx, b, _product(ctx, b)).ingested
    assert ra.evidence.id == rb.evidence.id, "the id is the content"
    assert rb.created, "b's upload is b's record, not a hint that a has it"
    assert rb.evidence.uploaded_by_org == b.org_id
    assert stored(ctx) == {"evidence": 2, "links": 2, "blobs": 1, "keys": 0, "blob_files": 1}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notes": "line\x00"}, None),
        ({"issuer": "I" * 201}, "issuer"),
        ({"subject": {"type": "room", "id": "\x00"}}, "subject.id"),
    ],
)
def test_documents_every_database_stores_alike(
    ctx: Context, changes: dict[str, Any], field: str | None
) -> None:
    vendor = new_org(ctx)
    with pytest.raises(EvidenceError) as caught:
        intake.ingest_document(
            ctx, vendor, product_id=_product(ctx, vendor), document={**helium_leak_document(), **changes}
        )
    assert caught.value.where.field == field
    with pytest.raises(EvidenceError):
        _upload(ctx, vendor, _product(ctx, vendor, "P-2"), meta={**PARTICLE_META, **changes})
    assert stored(ctx) == NOTHING
