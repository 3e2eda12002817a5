"""Offline re-run of a signed evaluation: real parsers, real engine, real demo exports."""

from pathlib import Path

import pytest

from qualbridge.canonical import canonical_json
from qualbridge.errors import ReproducibilityError
from qualbridge.evaluation.replay import replay
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.verify import EvaluationInput, verify_bundle
from tests.trust.scenario import CHAMBER_AS_OF, World, chamber_bundle


def issued(folder: Path, *, alter: str | None = None) -> tuple[World, Bundle]:
    world, _, bundle = chamber_bundle(folder, alter=alter)
    return world, bundle


def test_a_real_evaluation_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path)
    report = verify_bundle(Bundle.from_bytes(bundle.to_bytes()), world.trust_root, rerun=replay)
    assert [(s.number, s.status) for s in report.steps] == [(n, "passed") for n in range(1, 7)]
    evaluations = [s for s in report.statements if s.predicate_type == intoto.EVALUATION]
    assert len(evaluations) == 1
    result = evaluations[0].statement.predicate["result"]
    # Six raw exports and two JSON documents went in; the engine's verdicts came back (not a toy).
    assert len(result["evidence"]) == 8
    assert len(result["results"]) > 8
    assert result["as_of"] == CHAMBER_AS_OF.isoformat()


def test_the_replay_returns_the_signed_canonical_result(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path)
    seen: list[bytes] = []

    def spy(job: EvaluationInput) -> bytes:
        assert set(job.evidence_predicates) == set(job.evidence)
        seen.append(replay(job))
        return seen[-1]

    report = verify_bundle(bundle, world.trust_root, rerun=spy)
    (evaluation,) = (s for s in report.statements if s.predicate_type == intoto.EVALUATION)
    assert seen == [canonical_json(evaluation.statement.predicate["result"])]


def test_a_record_its_raw_file_does_not_reproduce_fails_at_step_6(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path, alter="helium-leak.txt")
    with pytest.raises(ReproducibilityError) as caught:
        verify_bundle(bundle, world.trust_root, rerun=replay)
    assert caught.value.step == 6
    assert "helium-leak.txt" in str(caught.value)
    assert "does not reproduce the signed record" in str(caught.value)
    assert "notes" in str(caught.value)


def test_an_unattested_evidence_file_cannot_be_replayed(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path)
    report = verify_bundle(bundle, world.trust_root)
    (evaluation,) = (s for s in report.statements if s.predicate_type == intoto.EVALUATION)
    names = {s.sha256: s.name for s in evaluation.statement.subjects}
    files = {f.sha256: bundle.members[f.path] for f in bundle.manifest.files}
    predicate = evaluation.statement.predicate
    job = EvaluationInput(
        evaluation.digest,
        predicate,
        {names[d]: files[d] for d in predicate["evidence"]},
        files[predicate["profile"]["sha256"]],
    )
    with pytest.raises(ReproducibilityError, match="no evidence statement in the bundle attests"):
        replay(job)


def test_another_engine_version_is_named(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path)
    report = verify_bundle(bundle, world.trust_root)
    (evaluation,) = (s for s in report.statements if s.predicate_type == intoto.EVALUATION)
    predicate = dict(evaluation.statement.predicate)
    predicate["result"] = {**predicate["result"], "engine_version": "qualbridge-engine/9.9.9"}
    job = EvaluationInput(evaluation.digest, predicate, {}, b"{}")
    with pytest.raises(ReproducibilityError, match=r"signed by engine 'qualbridge-engine/9\.9\.9'"):
        replay(job)


def test_a_raw_file_that_does_not_parse_with_its_signed_metadata_is_named(tmp_path: Path) -> None:
    world, bundle = issued(tmp_path)
    jobs: list[EvaluationInput] = []

    def keep(job: EvaluationInput) -> bytes:
        jobs.append(job)
        return replay(job)

    verify_bundle(bundle, world.trust_root, rerun=keep)
    (job,) = jobs
    # Without its metadata the leak report says neither who issued it nor what was tested.
    stripped = {**job.evidence_predicates["helium-leak.txt"], "meta": {}}
    broken = EvaluationInput(
        job.statement_digest,
        job.predicate,
        job.evidence,
        job.profile,
        {**job.evidence_predicates, "helium-leak.txt": stripped},
    )
    with pytest.raises(ReproducibilityError, match="no longer parses with its signed metadata") as caught:
        replay(broken)
    assert caught.value.where.file == "helium-leak.txt"
