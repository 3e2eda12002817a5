"""Building blocks shared by the check modules."""

from __future__ import annotations

from collections.abc import Sequence

from qualbridge.evaluation.result import Detail, LimitType, RequirementResult, Verdict, margin_for
from qualbridge.evidence.models import EvidenceBase
from qualbridge.measure import Measure
from qualbridge.standards.requirements import RequirementBase
from qualbridge.text import Text


def result(
    req: RequirementBase,
    *,
    verdict: Verdict,
    message: Text,
    action: Text | None = None,
    evidence: Sequence[EvidenceBase] = (),
    measured: Measure | None = None,
    limit: Measure | None = None,
    limit_type: LimitType = "max",
    margin: float | None = None,
    details: Sequence[Detail] = (),
) -> RequirementResult:
    """A result for ``req``; the margin is derived from measured and limit unless given."""
    if margin is None and measured is not None and limit is not None:
        margin = margin_for(measured.to(limit.unit), limit.value, limit_type)
    if verdict != "pass" and action is None:
        raise ValueError(f"{req.id}: a {verdict} result needs an action that closes the gap")
    return RequirementResult(
        requirement_id=req.id,
        kind=req.kind,  # type: ignore[attr-defined]
        title=req.title,
        mandatory=req.mandatory,
        source=req.source,
        verdict=verdict,
        measured=measured,
        limit=limit,
        limit_type=limit_type,
        margin=margin,
        message=message,
        action=action if verdict != "pass" else None,
        evidence=sorted(e.evidence_id() for e in evidence),
        details=list(details),
    )


def compare_max(measured: Measure, limit: Measure) -> Verdict:
    """``pass`` when measured ≤ limit (inclusive), after conversion to the limit's unit."""
    return "pass" if measured.to(limit.unit) <= limit.value else "fail"


def fmt(x: float) -> str:
    """A number as people read it in a report: 3 significant figures, no trailing noise."""
    return f"{x:.3g}"
