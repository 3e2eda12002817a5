"""What an evaluation returns: per-requirement verdicts with margins, an overall verdict, and gaps.

The shapes here are a stable contract (DESIGN.md "Verdicts"): the CLI's ``--json``, the API and the
signed evaluation attestations all carry them unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.measure import Measure
from qualbridge.text import Text

Verdict = Literal["pass", "fail", "missing", "inconclusive"]
Overall = Literal["pass", "fail", "incomplete"]
LimitType = Literal["max", "min"]

#: Order of severity, best first; used to combine verdicts and by property tests.
VERDICT_RANK: dict[Verdict, int] = {"pass": 0, "inconclusive": 1, "missing": 2, "fail": 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Detail(_Frozen):
    """One line under a requirement: a location × size, a band, an element, a peak..."""

    label: str
    verdict: Verdict
    measured: Measure | None = None
    limit: Measure | None = None
    margin: float | None = None
    note: Text | None = None


class RequirementResult(_Frozen):
    requirement_id: str
    kind: str
    title: Text
    mandatory: bool
    source: str
    verdict: Verdict
    measured: Measure | None = None
    limit: Measure | None = None
    limit_type: LimitType = "max"
    margin: float | None = Field(
        default=None, description="(limit − measured) / limit for a maximum; negative when failing"
    )
    message: Text
    action: Text | None = Field(default=None, description="what closes the gap; set for non-pass")
    evidence: list[str] = Field(default_factory=list, description="ids of the evidence used")
    details: list[Detail] = Field(default_factory=list)


class Gap(_Frozen):
    requirement_id: str
    title: Text
    verdict: Verdict
    mandatory: bool
    action: Text


class EvidenceRef(_Frozen):
    id: str
    kind: str
    issuer: str
    test_date: dt.date
    raw_digest: str | None = None


class ProfileRef(_Frozen):
    id: str
    version: int
    digest: str


class Evaluation(_Frozen):
    engine_version: str
    profile: ProfileRef
    as_of: dt.date = Field(description="date used for expiry checks")
    evidence: list[EvidenceRef]
    overall: Overall
    results: list[RequirementResult]
    gaps: list[Gap]

    def canonical(self) -> bytes:
        """RFC 8785 bytes: identical for the same profile version, evidence and engine version."""
        return canonical_json(self)

    def digest(self) -> str:
        return "sha256:" + sha256_hex(self.canonical())


def margin_for(measured: float, limit: float, limit_type: LimitType = "max") -> float | None:
    """Relative margin: (limit − measured)/limit for a maximum, (measured − limit)/limit for a minimum.

    Undefined (None) when the limit is zero. For limits that can be negative (a dew point in °C), callers
    pass values on an absolute scale.
    """
    if limit == 0:
        return None
    raw = (limit - measured) / abs(limit) if limit_type == "max" else (measured - limit) / abs(limit)
    return round(raw, 6)


def overall_verdict(results: list[RequirementResult]) -> Overall:
    mandatory = [r for r in results if r.mandatory]
    if any(r.verdict == "fail" for r in mandatory):
        return "fail"
    if all(r.verdict == "pass" for r in mandatory):
        return "pass"
    return "incomplete"


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe verdict; ``pass`` for an empty list is refused."""
    if not verdicts:
        raise ValueError("no verdicts to combine")
    return max(verdicts, key=VERDICT_RANK.__getitem__)
