"""Requirement kinds: what a profile can ask of the evidence.

Each kind is a frozen model discriminated by ``kind``. Every requirement says where its number comes from
(``source``: standard and clause, or "fab-defined"), whether it is mandatory, and what it applies to, so a
profile that applies a standard outside its scope can be refused (see :mod:`qualbridge.standards.scope`).
Limits that the public standards do not fix (vacuum, trace metals) are always profile parameters.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from qualbridge.measure import Measure
from qualbridge.text import Text

Occupancy = Literal["as-built", "at-rest", "operational"]
AppliesTo = Literal["cleanroom_air", "compressed_air", "vacuum_system", "component", "material", "equipment"]
ClassSymbol = int | Literal["X"]


class RequirementBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="unique within the profile")
    title: Text
    mandatory: bool = True
    source: str = Field(min_length=1, description="standard and clause, or 'fab-defined'")
    standard: str | None = Field(default=None, description="the standard applied, e.g. 'SEMI F57'")
    fab_defined: bool = Field(default=False, description="the limit is set by the fab, not a standard")
    applies_to: AppliesTo
    accepted_methods: list[str] | None = Field(
        default=None, description="evidence must name one of these methods (case-insensitive)"
    )
    max_age_days: int | None = Field(default=None, gt=0, description="evidence older than this expires")


# --- ISO 14644-1 -------------------------------------------------------------------------------------


class CleanroomClassRequirement(RequirementBase):
    """ISO 14644-1:2015 class N at the considered sizes, in one occupancy state."""

    kind: Literal["iso14644_1_class"] = "iso14644_1_class"
    applies_to: AppliesTo = "cleanroom_air"
    iso_class: float = Field(ge=1, le=9, description="1 to 9 in steps of 0.1")
    sizes_um: list[float] = Field(min_length=1)
    occupancy: Occupancy
    area_m2: float | None = Field(default=None, gt=0, description="room/zone area for the plan")
    limits_per_m3: dict[str, float] | None = Field(
        default=None,
        description="tabulated limits by size (e.g. from Table E.1 for intermediate classes); "
        "when absent the Table 1 rounding of the formula is used",
    )

    @model_validator(mode="after")
    def _decimal_step(self) -> CleanroomClassRequirement:
        if abs(self.iso_class * 10 - round(self.iso_class * 10)) > 1e-9:
            raise ValueError("iso_class: intermediate classes go in steps of 0.1")
        if self.sizes_um != sorted(set(self.sizes_um)):
            raise ValueError("sizes_um must be strictly ascending")
        return self


class MacroparticleRequirement(RequirementBase):
    """ISO 14644-1 Annex C M descriptor: 'ISO M (a; ≥ b µm); method'."""

    kind: Literal["iso14644_1_macroparticle"] = "iso14644_1_macroparticle"
    applies_to: AppliesTo = "cleanroom_air"
    max_per_m3: float = Field(gt=0)
    size_um: float = Field(
        ge=5,
        description="threshold (equivalent diameter) of the macroparticles counted, ≥ 5 µm; exactly 5 µm "
        "is the Table 1 footnote f case (5 µm with ISO Class 5)",
    )
    measurement_method: str = "LSAPC"
    occupancy: Occupancy


# --- chemical contamination --------------------------------------------------------------------------


class AirChemicalRequirement(RequirementBase):
    """ISO 14644-8 ACC: concentration of a substance or category at most 10^N g/m³."""

    kind: Literal["iso14644_8_acc"] = "iso14644_8_acc"
    applies_to: AppliesTo = "cleanroom_air"
    substance: str = Field(min_length=1, description="substance or category, e.g. 'NH3', 'acid'")
    acc_class: float = Field(ge=-12, le=0, description="N: maximum concentration 10^N g/m³")


class MolecularCategoryRequirement(RequirementBase):
    """SEMI F21-style molar category level: total of a category at most L pptM."""

    kind: Literal["semi_f21_amc"] = "semi_f21_amc"
    applies_to: AppliesTo = "cleanroom_air"
    category: Literal["MA", "MB", "MC", "MD"]
    level_pptM: float = Field(gt=0, description="e.g. 1, 10, 100, 1000, 10000")  # noqa: N815 (the unit is spelt pptM)


# --- compressed air ----------------------------------------------------------------------------------


class Class0Limits(BaseModel):
    """ISO 8573-1 class 0: a stated limit stricter than class 1, per contaminant."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    particles_per_m3: tuple[float, float, float] | None = Field(
        default=None, description="max counts in the 0.1–0.5, 0.5–1 and 1–5 µm bands"
    )
    pressure_dew_point_c: float | None = None
    total_oil_mg_m3: float | None = None


class CompressedAirRequirement(RequirementBase):
    """ISO 8573-1:2010 purity ``[P:W:O]``; None for a contaminant means unspecified ('-')."""

    kind: Literal["iso8573_1_purity"] = "iso8573_1_purity"
    applies_to: AppliesTo = "compressed_air"
    particle_class: ClassSymbol | None = None
    water_class: ClassSymbol | None = None
    oil_class: ClassSymbol | None = None
    class0: Class0Limits | None = None


# --- vacuum ------------------------------------------------------------------------------------------


class HeliumLeakRequirement(RequirementBase):
    kind: Literal["helium_leak_rate"] = "helium_leak_rate"
    applies_to: AppliesTo = "vacuum_system"
    max_leak_rate: Measure
    accepted_modes: list[str] | None = None
    test_state: str | None = None


class RateOfRiseRequirement(RequirementBase):
    """Gas load from a pressure-rise test, q = V·Δp/Δt, at most the limit."""

    kind: Literal["rate_of_rise"] = "rate_of_rise"
    applies_to: AppliesTo = "vacuum_system"
    max_gas_load: Measure


class BasePressureRequirement(RequirementBase):
    kind: Literal["base_pressure"] = "base_pressure"
    applies_to: AppliesTo = "vacuum_system"
    max_pressure: Measure
    min_pumpdown_hours: float | None = Field(default=None, gt=0)
    baked: bool | None = Field(
        default=None, description="the limit holds after a bake-out (true) or without one (false)"
    )


class RgaMassRangeRequirement(RequirementBase):
    """Sum of partial pressures over a mass range, relative to total pressure (or absolute)."""

    kind: Literal["rga_mass_range"] = "rga_mass_range"
    applies_to: AppliesTo = "vacuum_system"
    amu_min: int = Field(ge=1)
    amu_max: int = Field(le=300)
    max_fraction_of_total: float | None = Field(default=None, gt=0, le=1)
    max_partial_pressure: Measure | None = None

    @model_validator(mode="after")
    def _one_limit(self) -> RgaMassRangeRequirement:
        if self.amu_min > self.amu_max:
            raise ValueError("amu_min must not exceed amu_max")
        if (self.max_fraction_of_total is None) == (self.max_partial_pressure is None):
            raise ValueError("state exactly one of max_fraction_of_total, max_partial_pressure")
        return self


class RgaPeakLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    amu: int = Field(ge=1, le=300)
    name: str | None = None
    max_fraction_of_total: float = Field(gt=0, le=1)


class RgaPeaksRequirement(RequirementBase):
    """Named peaks (e.g. pump-oil masses 39, 41, 43, 55, 57) each below a fraction of total."""

    kind: Literal["rga_peaks"] = "rga_peaks"
    applies_to: AppliesTo = "vacuum_system"
    peaks: list[RgaPeakLimit] = Field(min_length=1)


class RgaAirLeakRequirement(RequirementBase):
    """No air-leak signature: O₂ (32) with N₂ (28) and Ar (40) in atmospheric proportion."""

    kind: Literal["rga_air_leak"] = "rga_air_leak"
    applies_to: AppliesTo = "vacuum_system"
    n2_o2_ratio_window: tuple[float, float] = (3.0, 4.5)
    min_o2_fraction_of_total: float = Field(default=0.01, gt=0, le=1)


class OutgassingRateRequirement(RequirementBase):
    kind: Literal["outgassing_rate"] = "outgassing_rate"
    applies_to: AppliesTo = "vacuum_system"
    max_rate_per_area: Measure


# --- materials ---------------------------------------------------------------------------------------


class ElementLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    element: str = Field(pattern=r"^[A-Z][a-z]?$")
    max: Measure


class TraceMetalsRequirement(RequirementBase):
    kind: Literal["trace_metals"] = "trace_metals"
    applies_to: AppliesTo = "material"
    basis: Literal["w/w", "w/v", "per_area"] = "w/w"
    limits: list[ElementLimit] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> TraceMetalsRequirement:
        elements = [limit.element for limit in self.limits]
        if len(elements) != len(set(elements)):
            raise ValueError("one limit per element")
        return self


class OutgassingScreeningRequirement(RequirementBase):
    """ASTM E595 screening (TML, CVCM) or the TML − WVR rule (water loss excused)."""

    kind: Literal["outgassing_screening"] = "outgassing_screening"
    applies_to: AppliesTo = "material"
    rule: Literal["astm_e595", "tml_minus_wvr"]
    max_tml_pct: float | None = Field(default=None, gt=0)
    max_tml_minus_wvr_pct: float | None = Field(default=None, gt=0)
    max_cvcm_pct: float = Field(gt=0)

    @model_validator(mode="after")
    def _rule_limits(self) -> OutgassingScreeningRequirement:
        if self.rule == "astm_e595" and self.max_tml_pct is None:
            raise ValueError("rule astm_e595 needs max_tml_pct")
        if self.rule == "tml_minus_wvr" and self.max_tml_minus_wvr_pct is None:
            raise ValueError("rule tml_minus_wvr needs max_tml_minus_wvr_pct")
        return self


class DeclarationRequirement(RequirementBase):
    """A statement the supplier must declare (e.g. 'rohs_compliant': true)."""

    kind: Literal["declaration"] = "declaration"
    applies_to: AppliesTo = "material"
    statement: str = Field(min_length=1)
    expected: bool = True


Requirement = Annotated[
    CleanroomClassRequirement
    | MacroparticleRequirement
    | AirChemicalRequirement
    | MolecularCategoryRequirement
    | CompressedAirRequirement
    | HeliumLeakRequirement
    | RateOfRiseRequirement
    | BasePressureRequirement
    | RgaMassRangeRequirement
    | RgaPeaksRequirement
    | RgaAirLeakRequirement
    | OutgassingRateRequirement
    | TraceMetalsRequirement
    | OutgassingScreeningRequirement
    | DeclarationRequirement,
    Field(discriminator="kind"),
]

requirement_adapter: TypeAdapter[Requirement] = TypeAdapter(Requirement)
