"""The engine's own duties: evidence selection, admissibility, overall verdict, gaps, determinism."""

import datetime as dt
from typing import Any

import pytest

from qualbridge import ENGINE_VERSION
from qualbridge.evaluation import evaluate
from qualbridge.evaluation.result import RequirementResult, margin_for, overall_verdict
from qualbridge.evidence.models import evidence_adapter
from qualbridge.standards.profile import documents_from_data, resolve
from qualbridge.text import Text

AS_OF = dt.date(2026, 6, 1)


def _profile(*reqs: dict[str, Any]) -> Any:
    doc = {
        "id": "t/engine",
        "version": 1,
        "title": {"en": "engine test", "zh": "引擎测试"},
        "publisher": "Test",
        "requirements": list(reqs),
    }
    return resolve(documents_from_data(doc, source="test")[0])


def _req(rid: str, statement: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "declaration",
        "id": rid,
        "title": {"en": rid, "zh": rid},
        "source": "fab-defined",
        "statement": statement,
        **extra,
    }


def _decl(statements: dict[str, bool], **extra: Any) -> Any:
    return evidence_adapter.validate_python(
        {
            "kind": "material_declaration",
            "issuer": "Vendor A",
            "test_date": "2026-01-10",
            "subject": {"type": "material_lot", "id": "LOT-1"},
            "statements": statements,
            **extra,
        }
    )


def test_no_evidence_is_missing_with_an_action() -> None:
    result = evaluate(_profile(_req("rohs", "rohs_compliant")), [], as_of=AS_OF)
    (r,) = result.results
    assert r.verdict == "missing"
    assert r.action is not None
    assert "declaration" in r.action.en
    assert result.overall == "incomplete"
    assert [g.requirement_id for g in result.gaps] == ["rohs"]


def test_pass_and_fail_drive_the_overall_verdict() -> None:
    profile = _profile(_req("rohs", "rohs_compliant"), _req("pfas", "pfas_free"))
    ok = evaluate(profile, [_decl({"rohs_compliant": True, "pfas_free": True})], as_of=AS_OF)
    assert ok.overall == "pass"
    assert ok.gaps == []
    bad = evaluate(profile, [_decl({"rohs_compliant": True, "pfas_free": False})], as_of=AS_OF)
    assert bad.overall == "fail"
    assert [(r.requirement_id, r.verdict) for r in bad.results] == [("rohs", "pass"), ("pfas", "fail")]


def test_optional_requirement_does_not_decide_the_overall_verdict() -> None:
    profile = _profile(_req("rohs", "rohs_compliant"), _req("pfas", "pfas_free", mandatory=False))
    result = evaluate(profile, [_decl({"rohs_compliant": True, "pfas_free": False})], as_of=AS_OF)
    assert result.overall == "pass"
    assert [g.requirement_id for g in result.gaps] == ["pfas"]
    assert result.gaps[0].mandatory is False


def test_expired_evidence_is_inconclusive_not_missing() -> None:
    profile = _profile(_req("rohs", "rohs_compliant", max_age_days=90))
    (r,) = evaluate(profile, [_decl({"rohs_compliant": True})], as_of=AS_OF).results
    assert r.verdict == "inconclusive"
    assert "142 days old" in r.message.en
    assert "90" in r.message.en
    assert r.action is not None
    assert r.action.en == "re-test: evidence must be at most 90 days old on 2026-06-01"


def test_evidence_dated_after_the_evaluation_date_is_not_admissible() -> None:
    (r,) = evaluate(
        _profile(_req("rohs", "rohs_compliant")),
        [_decl({"rohs_compliant": True})],
        as_of=dt.date(2026, 1, 1),
    ).results
    assert r.verdict == "inconclusive"
    assert "after the evaluation date" in r.message.en


def test_unaccepted_method_is_inconclusive() -> None:
    profile = _profile(_req("rohs", "rohs_compliant", accepted_methods=["IEC 62321"]))
    ev = _decl({"rohs_compliant": True}, method="self-declaration")
    (r,) = evaluate(profile, [ev], as_of=AS_OF).results
    assert r.verdict == "inconclusive"
    assert "not accepted" in r.message.en
    assert r.action is not None
    assert r.action.en == "re-test by an accepted method: IEC 62321"
    (r2,) = evaluate(profile, [_decl({"rohs_compliant": True}, method="IEC 62321-3-1")], as_of=AS_OF).results
    assert r2.verdict == "pass"


def test_expired_calibration_is_inconclusive() -> None:
    ev = _decl(
        {"rohs_compliant": True},
        instrument={"model": "XRF-1", "calibration_due": "2025-12-31"},
    )
    (r,) = evaluate(_profile(_req("rohs", "rohs_compliant")), [ev], as_of=AS_OF).results
    assert r.verdict == "inconclusive"
    assert "calibration" in r.message.en
    assert r.action is not None
    assert "calibration is valid on the test date" in r.action.en
    assert r.evidence == [ev.evidence_id()]


def test_latest_admissible_evidence_wins() -> None:
    old = _decl({"rohs_compliant": False})
    new = _decl({"rohs_compliant": True}, test_date="2026-03-01")
    (r,) = evaluate(_profile(_req("rohs", "rohs_compliant")), [old, new], as_of=AS_OF).results
    assert r.verdict == "pass"
    assert r.evidence == [new.evidence_id()]


def test_result_is_byte_identical_across_runs_and_input_order() -> None:
    profile = _profile(_req("rohs", "rohs_compliant"), _req("pfas", "pfas_free"))
    evs = [_decl({"rohs_compliant": True}), _decl({"pfas_free": False}, test_date="2026-02-02")]
    first = evaluate(profile, evs, as_of=AS_OF).canonical()
    second = evaluate(profile, list(reversed(evs)), as_of=AS_OF).canonical()
    assert first == second
    assert ENGINE_VERSION.encode() in first


def test_canonical_json_is_rfc8785_sorted_and_compact() -> None:
    result = evaluate(_profile(_req("rohs", "rohs_compliant")), [], as_of=AS_OF)
    text = result.canonical().decode()
    assert text.startswith('{"as_of":"2026-06-01","engine_version":')
    assert ": " not in text
    assert ", " not in text.split('"message"')[0]


@pytest.mark.parametrize(
    ("measured", "limit", "kind", "expected"),
    [(80, 100, "max", 0.2), (120, 100, "max", -0.2), (5, 4, "min", 0.25), (1, 0, "max", None)],
)
def test_margin(measured: float, limit: float, kind: str, expected: float | None) -> None:
    assert margin_for(measured, limit, kind) == expected  # type: ignore[arg-type]


def _r(verdict: str, mandatory: bool = True) -> RequirementResult:
    t = Text.of("x", "x")
    return RequirementResult(
        requirement_id="x",
        kind="declaration",
        title=t,
        mandatory=mandatory,
        source="s",
        verdict=verdict,  # type: ignore[arg-type]
        message=t,
    )


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "fail"], "fail"),
        (["pass", "missing"], "incomplete"),
        (["inconclusive", "fail"], "fail"),
        (["pass", "inconclusive"], "incomplete"),
    ],
)
def test_overall_rule(verdicts: list[str], expected: str) -> None:
    assert overall_verdict([_r(v) for v in verdicts]) == expected
