"""The evaluation engine: profile × evidence → per-requirement verdicts, overall verdict, gaps.

For each requirement the engine (1) finds evidence of a kind the requirement's check reads, (2) sets
aside evidence that is not admissible — dated after ``as_of``, older than ``max_age_days``, tested with an
expired instrument calibration, or by a method the requirement does not accept — and (3) hands what is
left to the check. No evidence at all is ``missing``; only inadmissible evidence is ``inconclusive``.

The result is deterministic: it depends only on the profile, the evidence, ``as_of`` and the engine
version, and its canonical JSON is byte-identical across runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from qualbridge import ENGINE_VERSION
from qualbridge.evaluation.checks import ensure_loaded
from qualbridge.evaluation.checks._common import result
from qualbridge.evaluation.registry import Context, spec_for
from qualbridge.evaluation.result import (
    Evaluation,
    EvidenceRef,
    Gap,
    ProfileRef,
    RequirementResult,
    overall_verdict,
)
from qualbridge.evidence.models import EvidenceBase
from qualbridge.standards.profile import Profile
from qualbridge.standards.requirements import RequirementBase
from qualbridge.text import Text


@dataclass(frozen=True, slots=True)
class _Inadmissible:
    reason: Text
    action: Text


def _inadmissible(req: RequirementBase, ev: EvidenceBase, as_of: dt.date) -> _Inadmissible | None:
    """Why ``ev`` may not be used for ``req`` on ``as_of``, and what would make it usable; None if it may."""
    if ev.test_date > as_of:
        return _Inadmissible(
            Text.of(
                f"evidence is dated {ev.test_date}, after the evaluation date {as_of}",
                f"证据日期 {ev.test_date} 晚于评估日期 {as_of}",
            ),
            Text.of(
                f"correct the test date, or evaluate on or after {ev.test_date}",
                f"请更正测试日期，或在 {ev.test_date} 当日或之后评估",
            ),
        )
    if req.max_age_days is not None and (as_of - ev.test_date).days > req.max_age_days:
        age = (as_of - ev.test_date).days
        return _Inadmissible(
            Text.of(
                f"evidence from {ev.test_date} is {age} days old; the profile accepts at most "
                f"{req.max_age_days} days",
                f"{ev.test_date} 的证据已有 {age} 天，规范最多接受 {req.max_age_days} 天",
            ),
            Text.of(
                f"re-test: evidence must be at most {req.max_age_days} days old on {as_of}",
                f"请重新测试：于 {as_of} 证据不得超过 {req.max_age_days} 天",
            ),
        )
    inst = ev.instrument
    if inst is not None and inst.calibration_due is not None and inst.calibration_due < ev.test_date:
        return _Inadmissible(
            Text.of(
                f"instrument calibration was due {inst.calibration_due}, before the test on {ev.test_date}",
                f"仪器校准有效期至 {inst.calibration_due}，早于测试日期 {ev.test_date}",
            ),
            Text.of(
                "re-test with an instrument whose calibration is valid on the test date",
                "请使用在测试日期校准有效的仪器重新测试",
            ),
        )
    if req.accepted_methods:
        method = (ev.method or "").casefold()
        if not any(method.startswith(m.casefold()) for m in req.accepted_methods):
            accepted = ", ".join(req.accepted_methods)
            return _Inadmissible(
                Text.of(
                    f"method {ev.method or 'not stated'!r} is not accepted; accepted: {accepted}",
                    f"测试方法 {ev.method or '未注明'!r} 不被接受；可接受：{accepted}",
                ),
                Text.of(f"re-test by an accepted method: {accepted}", f"请按认可的方法重新测试：{accepted}"),
            )
    return None


def _missing(req: RequirementBase, kinds: tuple[str, ...], action: tuple[str, str]) -> RequirementResult:
    names = ", ".join(kinds)
    return result(
        req,
        verdict="missing",
        message=Text.of(f"no evidence of kind {names}", f"缺少证据（类型：{names}）"),
        action=Text.of(*action),
    )


def _inconclusive(
    req: RequirementBase, rejected: list[_Inadmissible], pool: Sequence[EvidenceBase]
) -> RequirementResult:
    actions = list(dict.fromkeys(r.action for r in rejected))  # unique, in order
    return result(
        req,
        verdict="inconclusive",
        message=Text.of(
            "no admissible evidence: " + "; ".join(r.reason.en for r in rejected),
            "没有可采用的证据：" + "；".join(r.reason.zh for r in rejected),
        ),
        action=Text.of("; ".join(a.en for a in actions), "；".join(a.zh for a in actions)),
        evidence=pool,
    )


def evaluate_requirement(
    req: RequirementBase, evidence: Sequence[EvidenceBase], ctx: Context
) -> RequirementResult:
    spec = spec_for(req.kind)  # type: ignore[attr-defined]
    pool = [e for e in evidence if e.kind in spec.evidence_kinds]  # type: ignore[attr-defined]
    if not pool:
        return _missing(req, spec.evidence_kinds, spec.missing_action)
    admissible: list[EvidenceBase] = []
    rejected: list[_Inadmissible] = []
    for ev in pool:
        why = _inadmissible(req, ev, ctx.as_of)
        if why is None:
            admissible.append(ev)
        else:
            rejected.append(why)
    if not admissible:
        return _inconclusive(req, rejected, pool)
    result: RequirementResult = spec.fn(req, admissible, ctx)
    return result


def evaluate(profile: Profile, evidence: Sequence[EvidenceBase], *, as_of: dt.date) -> Evaluation:
    """Evaluate every requirement of ``profile`` against ``evidence`` as of the date ``as_of``."""
    ensure_loaded()
    ctx = Context(as_of=as_of)
    results = [evaluate_requirement(req, evidence, ctx) for req in profile.requirements]
    gaps = [
        Gap(
            requirement_id=r.requirement_id,
            title=r.title,
            verdict=r.verdict,
            mandatory=r.mandatory,
            action=r.action,
        )
        for r in results
        if r.verdict != "pass" and r.action is not None
    ]
    refs = sorted(
        (
            EvidenceRef(
                id=e.evidence_id(),
                kind=e.kind,  # type: ignore[attr-defined]
                issuer=e.issuer,
                test_date=e.test_date,
                raw_digest=e.raw_digest,
            )
            for e in evidence
        ),
        key=lambda ref: ref.id,
    )
    return Evaluation(
        engine_version=ENGINE_VERSION,
        profile=ProfileRef(id=profile.id, version=profile.version, digest=profile.digest()),
        as_of=as_of,
        evidence=refs,
        overall=overall_verdict(results),
        results=results,
        gaps=gaps,
    )
