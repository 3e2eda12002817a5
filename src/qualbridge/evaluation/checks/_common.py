"""Building blocks shared by the check modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from qualbridge.evaluation.registry import latest
from qualbridge.evaluation.result import Detail, LimitType, RequirementResult, Verdict, margin_for
from qualbridge.evidence.models import EvidenceBase
from qualbridge.measure import Measure
from qualbridge.standards.requirements import RequirementBase
from qualbridge.text import Text

E = TypeVar("E", bound=EvidenceBase)

_ROUND_OFF = 1e-9


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


def at_most(value: float, limit: float) -> bool:
    """``value`` ≤ ``limit`` with a relative slack of 1e-9, so that the round-off of a unit conversion
    never turns a value stated at the limit into a failure."""
    return value <= limit * (1 + _ROUND_OFF)


def at_most_result(
    req: RequirementBase,
    evidence: EvidenceBase,
    measured: Measure,
    limit: Measure,
    *,
    message: Callable[[bool], Text],
    action: Text,
    details: Sequence[Detail] = (),
) -> RequirementResult:
    """``pass`` when ``measured`` is :func:`at_most` ``limit`` (both in the limit's unit), else ``fail``
    with ``action``; ``message(passed)`` says which."""
    passed = at_most(measured.value, limit.value)
    return result(
        req,
        verdict="pass" if passed else "fail",
        evidence=[evidence],
        measured=measured,
        limit=limit,
        details=details,
        message=message(passed),
        action=None if passed else action,
    )


def tightest(details: Sequence[Detail]) -> Detail | None:
    """The passed or failed detail with the smallest margin: the one that sets the requirement's margin."""
    judged = [d for d in details if d.margin is not None and d.verdict in ("pass", "fail")]
    return min(judged, key=lambda d: d.margin or 0.0) if judged else None


def joined(parts: Sequence[Text]) -> Text:
    """Several bilingual texts as one: '; ' between the English parts, '；' between the Chinese ones."""
    return Text.of("; ".join(p.en for p in parts), "；".join(p.zh for p in parts))


def latest_of(candidates: Sequence[E], kind: type[E]) -> E:
    """The most recent of ``candidates`` (:func:`latest`), typed as the evidence class the check reads."""
    found = latest(candidates)
    assert isinstance(found, kind), f"a {type(found).__name__} was handed to a check of {kind.__name__}"
    return found


def fmt(x: float) -> str:
    """A number as people read it in a report: 3 significant figures, no trailing noise."""
    return f"{x:.3g}"
