"""The qualification report as data: what it says, before any language, layout or format.

:func:`build_report` turns one or more evaluation results (and, for a package, what the package names:
product, vendor, fab, target profiles and evidence) into a :class:`Report`. Nothing here renders,
translates or reads a database, so the same report can be built by the service, by the command line
from a ``qualbridge evaluate --json`` file, and by a fab re-checking a bundle offline.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qualbridge.evaluation.result import (
    Evaluation,
    EvidenceRef,
    Gap,
    Overall,
    ProfileRef,
    RequirementResult,
    Verdict,
)
from qualbridge.reports.series import ChartData, chart_data
from qualbridge.text import Text

#: The command a fab runs on the bundle it received (docs/trust.md: numbered offline verification).
VERIFY_COMMAND = "qualbridge verify BUNDLE --trust-root FILE"
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "missing", "inconclusive")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LogEntry(_Frozen):
    """Where an evidence's signed statement sits in the transparency log."""

    index: int = Field(ge=0, description="the entry's index in the log")
    checkpoint_size: int = Field(ge=1, description="size of the checkpoint that includes it")
    statement_digest: str = Field(description="sha256 of the in-toto statement that was logged")


class EvidenceItem(_Frozen):
    """One piece of evidence as the report lists it; ``log`` is None until it has been logged."""

    id: str = Field(description="content id: sha256 of the evidence document")
    kind: str
    issuer: str
    test_date: dt.date
    raw_digest: str | None = None
    filename: str | None = None
    log: LogEntry | None = None

    @classmethod
    def of_ref(cls, ref: EvidenceRef) -> EvidenceItem:
        return cls(
            id=ref.id, kind=ref.kind, issuer=ref.issuer, test_date=ref.test_date, raw_digest=ref.raw_digest
        )


class PackageInfo(_Frozen):
    """What a qualification package names besides its evaluations and evidence."""

    id: str
    name: str
    product_model: str
    product_name: str
    product_kind: str
    vendor: Text
    fabs: list[Text] = Field(
        default_factory=list, description="the fabs it is shared with, as the reader sees"
    )
    profiles: list[str] = Field(default_factory=list, description="target profiles as id@version")
    created_at: dt.datetime


class StoredEvaluation(_Frozen):
    """An evaluation result and, when it was stored by the service, its id and time."""

    result: Evaluation
    id: str | None = None
    created_at: dt.datetime | None = None


class Section(_Frozen):
    """One evaluation: its verdict table, its gaps and what its charts show."""

    id: str | None
    profile: ProfileRef
    engine_version: str
    as_of: dt.date
    digest: str
    created_at: dt.datetime | None
    overall: Overall
    counts: dict[Verdict, int]
    results: list[RequirementResult]
    gaps: list[Gap]
    evidence: list[str]
    charts: ChartData


class Report(_Frozen):
    subject: Literal["evaluation", "package"]
    package: PackageInfo | None
    overall: Overall
    sections: list[Section]
    evidence: list[EvidenceItem]
    verify_command: str = VERIFY_COMMAND
    generated_at: dt.datetime

    @property
    def gaps(self) -> list[tuple[Section, Gap]]:
        return [(s, g) for s in self.sections for g in s.gaps]

    def requirement_count(self) -> int:
        return sum(len(s.results) for s in self.sections)

    def logged(self) -> int:
        return sum(e.log is not None for e in self.evidence)


def combined(overalls: Sequence[Overall]) -> Overall:
    """A package's summary: ``fail`` if any evaluation fails, ``pass`` if there are some and all pass,
    else ``incomplete`` (a package without evaluations has shown nothing yet)."""
    if "fail" in overalls:
        return "fail"
    if overalls and all(o == "pass" for o in overalls):
        return "pass"
    return "incomplete"


def section(stored: StoredEvaluation) -> Section:
    result = stored.result
    counts = Counter(r.verdict for r in result.results)
    return Section(
        id=stored.id,
        profile=result.profile,
        engine_version=result.engine_version,
        as_of=result.as_of,
        digest=result.digest(),
        created_at=stored.created_at,
        overall=result.overall,
        counts={v: counts.get(v, 0) for v in VERDICTS},
        results=list(result.results),
        gaps=list(result.gaps),
        evidence=[e.id for e in result.evidence],
        charts=chart_data(result),
    )


def _evidence_of(evaluations: Sequence[StoredEvaluation]) -> list[EvidenceItem]:
    found: dict[str, EvidenceItem] = {}
    for stored in evaluations:
        for ref in stored.result.evidence:
            found.setdefault(ref.id, EvidenceItem.of_ref(ref))
    return sorted(found.values(), key=lambda e: (e.test_date, e.id))


def build_report(
    evaluations: Sequence[StoredEvaluation],
    *,
    generated_at: dt.datetime,
    package: PackageInfo | None = None,
    evidence: Sequence[EvidenceItem] | None = None,
) -> Report:
    """The report of one evaluation, or of a package (``package`` given) and its evaluations.

    ``evidence`` is the package's evidence list; without it, the report lists the evidence the
    evaluations name. An evidence's ``log`` is shown only when given: it is never inferred.
    """
    if package is None and len(evaluations) != 1:
        raise ValueError("a report without a package is of exactly one evaluation")
    sections = [section(e) for e in evaluations]
    listed = list(evidence) if evidence is not None else _evidence_of(evaluations)
    return Report(
        subject="package" if package is not None else "evaluation",
        package=package,
        overall=combined([s.overall for s in sections]) if package is not None else sections[0].overall,
        sections=sections,
        evidence=listed,
        generated_at=generated_at,
    )
