"""How requirement kinds find their evidence and their check.

A check is a pure function ``(requirement, candidates, ctx) -> RequirementResult``. The engine selects
candidates (evidence of an accepted kind that is neither expired nor of an unaccepted method) before it
calls the check, so checks only judge the measurements. A check module registers itself with
:func:`check`; :mod:`qualbridge.evaluation.checks` imports every check module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from qualbridge.errors import EngineError
from qualbridge.evidence.models import EvidenceBase

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Context:
    as_of: dt.date


CheckFn = Callable[[Any, Sequence[Any], Context], Any]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    kind: str
    evidence_kinds: tuple[str, ...]
    fn: CheckFn
    missing_action: tuple[str, str]


_CHECKS: dict[str, CheckSpec] = {}


def check(
    kind: str, *, evidence: tuple[str, ...], missing_action: tuple[str, str]
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Register the check for requirement ``kind``; ``missing_action`` is (en, zh) for no evidence."""

    def register(fn: Callable[..., R]) -> Callable[..., R]:
        if kind in _CHECKS:
            raise EngineError(f"a check for requirement kind {kind!r} is already registered")
        _CHECKS[kind] = CheckSpec(kind, evidence, fn, missing_action)
        return fn

    return register


def spec_for(kind: str) -> CheckSpec:
    try:
        return _CHECKS[kind]
    except KeyError:
        raise EngineError(f"no check is registered for requirement kind {kind!r}") from None


def registered_kinds() -> list[str]:
    return sorted(_CHECKS)


def latest(candidates: Sequence[EvidenceBase]) -> EvidenceBase:
    """The most recent evidence; ties broken by id so the choice is deterministic."""
    return max(candidates, key=lambda e: (e.test_date, e.evidence_id()))
