"""in-toto statements, predicate types, and the RFC 8785 vectors the payloads rely on."""

import json

import pytest

from qualbridge.canonical import canonical_json
from qualbridge.errors import SignatureError
from qualbridge.trust import intoto


def test_rfc8785_number_and_string_vector() -> None:
    # trailofbits/rfc8785.py test/assets (from the cyberphone reference), quoted in the reference notes §8.
    source = (
        '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(source)) == expected.encode("utf-8")


def test_rfc8785_sorting_vectors() -> None:
    assert (
        canonical_json(json.loads('[56,{"d":true,"10":null,"1":[]}]')) == b'[56,{"1":[],"10":null,"d":true}]'
    )
    french = {"sin": "ignore locale", "pêche": "b", "péché": "a", "peach": "c"}
    assert list(json.loads(canonical_json(french))) == ["peach", "péché", "pêche", "sin"]
    # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so U+1F600 (a surrogate pair) sorts before U+FB33.
    keys = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    assert list(json.loads(canonical_json(keys))) == [
        "\r",
        "1",
        "\u0080",
        "\u00f6",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]


def test_statement_payload_is_canonical_and_round_trips() -> None:
    subject = intoto.Subject.of("report.csv", b"data")
    statement = intoto.evidence_statement(
        [subject],
        kind="leak_test",
        issuer="lab.example",
        record={"b": 1, "a": 2},
        issued_at="2026-03-01T09:00:00Z",
    )
    payload = statement.to_payload()
    assert payload == canonical_json(json.loads(payload))
    doc = json.loads(payload)
    assert doc["_type"] == "https://in-toto.io/Statement/v1"
    assert doc["subject"] == [{"name": "report.csv", "digest": {"sha256": subject.sha256}}]
    assert doc["predicateType"] == "https://qualbridge.dev/attestations/evidence/v1"
    assert intoto.Statement.from_payload(payload) == statement
    assert statement.digest == intoto.sha256_hex(payload)


def test_parsing_ignores_unknown_fields_and_refuses_what_is_not_a_statement() -> None:
    doc = {
        "_type": intoto.STATEMENT_TYPE,
        "subject": [{"digest": {"sha256": "a" * 64, "sha512": "b" * 128}, "uri": "x"}],
        "predicateType": intoto.STATUS,
        "extension": 1,
    }
    statement = intoto.Statement.from_payload(json.dumps(doc).encode())
    assert statement.subjects == (intoto.Subject("_", "a" * 64),)
    assert statement.predicate == {}
    with pytest.raises(SignatureError, match="predicateType"):
        intoto.Statement.from_payload(json.dumps(doc).encode(), predicate_types=[intoto.EVIDENCE])
    doc["subject"] = [{"digest": {"sha256": "A" * 64}}]
    with pytest.raises(SignatureError, match="lowercase hex"):
        intoto.Statement.from_payload(json.dumps(doc).encode())
    with pytest.raises(SignatureError, match="not an in-toto Statement"):
        intoto.Statement.from_payload(b'{"_type": "https://in-toto.io/Statement/v0.1"}')


def test_evaluation_predicate_carries_the_result_digest() -> None:
    report, profile = intoto.Subject.of("r.csv", b"r"), intoto.Subject.of("p.yaml", b"p")
    result = {"overall": "pass", "margin": 0.25}
    statement = intoto.evaluation_statement(
        [report],
        profile,
        profile_id="p",
        profile_version="1",
        engine_version="e",
        result=result,
        issuer="center",
        issued_at="2026-03-01T09:00:00Z",
    )
    assert statement.predicate["resultSha256"] == intoto.sha256_hex(canonical_json(result))
    assert statement.subject_digests() == {report.sha256, profile.sha256}


def test_status_changes_apply_in_log_order() -> None:
    def change(status: intoto.StatusValue, **extra: str) -> intoto.Statement:
        return intoto.status_statement(
            ["a" * 64], status=status, reason="r", issuer="lab", effective_at="t", issued_at="t", **extra
        )

    changes = [
        (7, change("valid")),
        (3, change("suspended")),
        (5, change("superseded", superseded_by="b" * 64)),
    ]
    assert intoto.statuses_as_of(changes) == {"a" * 64: "valid"}
    assert intoto.statuses_as_of(changes[1:]) == {"a" * 64: "superseded"}
    with pytest.raises(ValueError, match="superseded_by"):
        change("withdrawn", superseded_by="b" * 64)


def test_predicate_type_uris_are_versioned() -> None:
    assert intoto.PREDICATE_TYPES == (
        "https://qualbridge.dev/attestations/evidence/v1",
        "https://qualbridge.dev/attestations/evaluation/v1",
        "https://qualbridge.dev/attestations/status/v1",
        "https://qualbridge.dev/attestations/share-grant/v1",
        "https://qualbridge.dev/attestations/status-snapshot/v1",
    )


def test_an_evidence_statement_carries_the_intake_metadata_or_an_empty_object() -> None:
    report = intoto.Subject.of("survey.csv", b"location,count\n")
    meta = {"issuer": "Lab", "subject": {"type": "equipment", "id": "VX-200"}}
    with_meta = intoto.evidence_statement(
        [report], kind="particle_counts", issuer="Lab", record={}, issued_at="2026-03-01T09:00:00Z", meta=meta
    )
    without = intoto.evidence_statement(
        [report], kind="particle_counts", issuer="Lab", record={}, issued_at="2026-03-01T09:00:00Z"
    )
    assert with_meta.predicate["meta"] == meta
    assert without.predicate["meta"] == {}
    assert json.loads(with_meta.to_payload())["predicate"]["meta"] == meta
