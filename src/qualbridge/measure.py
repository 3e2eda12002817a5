"""A number with its unit, as it travels through profiles, evidence and results."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from qualbridge import units
from qualbridge.errors import UnitError


class Measure(BaseModel):
    """A finite value and the unit it was stated in (any spelling :func:`qualbridge.units.unit` reads)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    unit: str

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, v: str) -> str:
        try:
            units.unit(v)
        except UnitError as exc:
            raise ValueError(exc.message) from exc
        return v

    def to(self, unit: str) -> float:
        """The value converted to ``unit``; raises :class:`UnitError` on a dimension mismatch."""
        return units.convert(self.value, self.unit, unit)

    def convertible_to(self, unit: str) -> bool:
        return units.same_dimension(self.unit, unit)

    def quantity(self) -> Any:
        return units.quantity(self.value, self.unit)

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def measure(value: float, unit: str) -> Measure:
    return Measure(value=value, unit=unit)


def is_finite(x: float) -> bool:
    return math.isfinite(x)
