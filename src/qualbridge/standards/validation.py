"""Standard-specific profile rules, registered by the module that knows the standard.

A rule looks at one requirement and returns problems (empty when the requirement is sound). Rules are
how ISO 14644-1 refuses a class/size cell where classification is not applicable, or how a component
standard applied to cleanroom air is caught as a category error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rule = Callable[[Any], list[str]]

_RULES: dict[str, list[Rule]] = {}


def rule(*kinds: str) -> Callable[[Rule], Rule]:
    """Register ``fn`` as a rule for requirements of ``kinds`` (``"*"`` for every kind)."""

    def register(fn: Rule) -> Rule:
        for kind in kinds:
            _RULES.setdefault(kind, []).append(fn)
        return fn

    return register


def problems_of(requirement: Any) -> list[str]:
    found: list[str] = []
    for fn in [*_RULES.get("*", []), *_RULES.get(requirement.kind, [])]:
        found.extend(fn(requirement))
    return found
