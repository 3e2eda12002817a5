"""Fixtures of the report tests: the demo's real evaluations, one browser for the session, and the
folder where generated reports are kept for people to look at (``test-artifacts/reports``)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualbridge.demo import scenarios
from qualbridge.evaluation import Evaluation
from qualbridge.reports import Report, StoredEvaluation, build_report
from qualbridge.reports.pdf import PdfRenderer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
#: A fixed moment, so that reports rendered twice are byte-identical.
GENERATED_AT = dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Evaluation]:
    """Each demo scenario's evaluation (qualbridge.demo.scenarios, seed 0, as of 2026-06-30), by key."""
    out = tmp_path_factory.mktemp("demo")
    return {o.scenario.key: o.evaluation for o in scenarios.run(scenarios.build(out, seed=0))}


def report_of(evaluation: Evaluation) -> Report:
    return build_report([StoredEvaluation(result=evaluation)], generated_at=GENERATED_AT)


@pytest.fixture(scope="session")
def pdf() -> Iterator[PdfRenderer]:
    with PdfRenderer() as renderer:
        yield renderer


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def keep(path: Path, artifacts: Path) -> None:
    """A copy of a generated report under test-artifacts/, for people to look at."""
    shutil.copyfile(path, artifacts / path.name)
