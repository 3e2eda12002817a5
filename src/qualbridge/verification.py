"""Verifying a bundle as people read it: the six steps by name in both languages, and how far a
verification got.

``qualbridge verify`` and the web's "verify a bundle" page both show this. The verification itself is
:func:`qualbridge.trust.verify.verify_bundle` with the evaluation engine plugged in as the re-run
(:func:`qualbridge.evaluation.replay.replay`); nothing here touches a database or the network.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Final, Literal

from qualbridge.errors import InputError, QualBridgeError, TooLargeError, VerificationError, at
from qualbridge.evaluation.replay import replay
from qualbridge.text import Text
from qualbridge.trust.bundle import MEDIA_TYPE, Bundle
from qualbridge.trust.verify import STEPS, TrustRoot, VerificationReport, verify_bundle

__all__ = [
    "STEP_NAMES",
    "StepState",
    "StepView",
    "cosigned_at",
    "predicate_name",
    "read_bundle",
    "step_views",
    "verify_data",
]

STEP_NAMES: Final[dict[int, Text]] = {
    1: Text.of(STEPS[1], "捆绑包与文件摘要"),
    2: Text.of(STEPS[2], "声明签名"),
    3: Text.of(STEPS[3], "检查点与见证人"),
    4: Text.of(STEPS[4], "包含证明"),
    5: Text.of(STEPS[5], "截至检查点的状态"),
    6: Text.of(STEPS[6], "重新运行评估"),
}

StepState = Literal["passed", "skipped", "failed", "not run"]


@dataclass(frozen=True, slots=True)
class StepView:
    """One numbered step as shown: what became of it, and what it proved or why it failed."""

    number: int
    name: Text
    state: StepState
    detail: str


def read_bundle(data: bytes, *, max_expanded: int, source: str = "bundle") -> Bundle:
    """The bundle in ``data``; not a zip at all, or files that would expand past ``max_expanded`` bytes
    (a small zip can hold a huge file; its directory says how big), is the sender's mistake and refused
    before anything is unpacked. A zip that is not a well-formed bundle fails step 1."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InputError(
            f"the bundle is not a zip file ({exc})", at(file=source), expected=f"a bundle ({MEDIA_TYPE})"
        ) from exc
    if expanded > max_expanded:
        raise TooLargeError(
            f"the bundle's files expand to {expanded} bytes", at(file=source), f"at most {max_expanded}"
        )
    return Bundle.from_bytes(data)


def verify_data(bundle: Bundle, root: TrustRoot) -> VerificationReport:
    """Steps 1–6 on ``bundle``, the evaluations re-run with this installation's engine."""
    return verify_bundle(bundle, root, rerun=replay)


def step_views(
    report: VerificationReport | None = None, error: QualBridgeError | None = None
) -> list[StepView]:
    """All six steps: those of a finished verification as reported, or, after a failure, the steps
    before it passed, the failed one with the error, and the rest not run."""
    if report is not None:
        return [StepView(s.number, STEP_NAMES[s.number], s.status, s.detail) for s in report.steps]
    failed = error.step if isinstance(error, VerificationError) else None
    views = []
    for number, name in STEP_NAMES.items():
        if failed is None or number > failed:
            views.append(StepView(number, name, "not run", ""))
        elif number < failed:
            views.append(StepView(number, name, "passed", ""))
        else:
            assert error is not None
            # Where and what was expected, without the "step N:" the number already says.
            views.append(StepView(number, name, "failed", QualBridgeError.__str__(error)))
    return views


def cosigned_at(timestamp: int) -> dt.datetime:
    """When a witness says it cosigned (a cosignature/v1 line carries seconds since the epoch, UTC)."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def predicate_name(predicate_type: str) -> str:
    """The short name of one of our predicate types (``…/evidence/v1`` → ``evidence``)."""
    parts = predicate_type.rstrip("/").rsplit("/", 2)
    return parts[-2] if len(parts) == 3 else predicate_type
