"""Evidence kinds: what a test report states, as validated, frozen values.

Every kind records who issued it, when the test was done, by which method and instrument, on what
subject, and the sha256 digest of the raw file it was parsed from. Measurement data is summarised to what
the standards evaluate (a particle survey keeps per-location statistics, not millions of raw rows); the raw
file, stored content-addressed, stays the source of truth.

The union :data:`Evidence` is discriminated by ``kind``; ``qualbridge schema`` exports its JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from qualbridge.canonical import Canonical
from qualbridge.measure import Measure

Digest = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
Occupancy = Literal["as-built", "at-rest", "operational"]
SubjectType = Literal["equipment", "subsystem", "component", "material_lot", "room", "system"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Instrument(_Frozen):
    model: str | None = None
    serial: str | None = None
    calibration_date: dt.date | None = None
    calibration_due: dt.date | None = None


class Subject(_Frozen):
    """What was tested: an equipment model, one of its subsystems, a material lot, a room..."""

    type: SubjectType
    id: str = Field(min_length=1)
    name: str | None = None


class EvidenceBase(_Frozen):
    issuer: str = Field(min_length=1, description="Organisation that performed and issued the test")
    test_date: dt.date
    method: str | None = Field(default=None, description="Test method, e.g. 'ISO 14644-1:2015'")
    instrument: Instrument | None = None
    subject: Subject
    raw_digest: Digest | None = Field(default=None, description="sha256 of the raw file")
    raw_filename: str | None = None
    notes: str | None = None

    def canonical(self) -> Canonical:
        """This evidence document as canonical JSON (RFC 8785)."""
        return Canonical.of(self)

    def evidence_id(self) -> str:
        """Content address of this evidence document: sha256 of its canonical JSON."""
        return self.canonical().digest


# --- particles (ISO 14644-1) -------------------------------------------------------------------------


class LocationStats(_Frozen):
    """One sampling location's statistics, per considered size (aligned with ``sizes_um``)."""

    name: str = Field(min_length=1)
    samples: int = Field(ge=1, description="valid samples, the ones the statistics are computed from")
    min_sample_volume_l: float | None = Field(
        default=None, gt=0, description="None when the export gives concentrations without the volume"
    )
    total_volume_l: float | None = Field(default=None, gt=0)
    min_sample_duration_s: float | None = Field(default=None, gt=0)
    mean_per_m3: list[float] = Field(description="Mean cumulative concentration (≥ size), per m³")
    max_per_m3: list[float] = Field(description="Highest single-sample concentration, per m³")
    excluded_samples: int = Field(
        default=0, ge=0, description="samples the instrument flagged invalid (flow or laser error): not used"
    )
    flagged_samples: int = Field(default=0, ge=0, description="valid samples carrying an alarm flag")

    @field_validator("mean_per_m3", "max_per_m3")
    @classmethod
    def _non_negative(cls, v: list[float]) -> list[float]:
        if any(not (x >= 0) for x in v):
            raise ValueError("concentrations must be finite and ≥ 0")
        return v


class ParticleSurvey(EvidenceBase):
    kind: Literal["particle_survey"] = "particle_survey"
    occupancy: Occupancy | None = None
    area_m2: float | None = Field(default=None, gt=0)
    unidirectional_airflow: bool | None = None
    sizes_um: list[float] = Field(min_length=1, description="Cumulative thresholds, ascending")
    locations: list[LocationStats] = Field(min_length=1)
    flow_rate_lpm: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _aligned(self) -> ParticleSurvey:
        if self.sizes_um != sorted(set(self.sizes_um)):
            raise ValueError("sizes_um must be strictly ascending")
        n = len(self.sizes_um)
        for loc in self.locations:
            if len(loc.mean_per_m3) != n or len(loc.max_per_m3) != n:
                raise ValueError(f"location {loc.name!r}: one value per size in sizes_um expected")
        names = [loc.name for loc in self.locations]
        if len(names) != len(set(names)):
            raise ValueError("location names must be unique")
        return self


# --- compressed air (ISO 8573-1) ---------------------------------------------------------------------


class ParticleBands(_Frozen):
    """Particle counts per m³ in ISO 8573-1 size bands (not cumulative)."""

    d_0_1_to_0_5: float | None = Field(default=None, ge=0, description="0.1 < d ≤ 0.5 µm")
    d_0_5_to_1_0: float | None = Field(default=None, ge=0, description="0.5 < d ≤ 1.0 µm")
    d_1_0_to_5_0: float | None = Field(default=None, ge=0, description="1.0 < d ≤ 5.0 µm")


AirQuantity = Literal[
    "d_0_1_to_0_5",
    "d_0_5_to_1_0",
    "d_1_0_to_5_0",
    "particle_mass",
    "pressure_dew_point",
    "liquid_water",
    "total_oil",
]

# The dimension each compressed-air measurement must have (checked against a reference unit).
_AIR_UNITS: dict[str, str] = {
    "particle_mass": "mg/m**3",
    "pressure_dew_point": "K",
    "liquid_water": "g/m**3",
    "total_oil": "mg/m**3",
    "line_pressure": "Pa",
}


class CompressedAirPurityTest(EvidenceBase):
    kind: Literal["compressed_air_purity"] = "compressed_air_purity"
    particles_per_m3: ParticleBands | None = None
    particles_above_5um_detected: bool | None = None
    particle_mass: Measure | None = Field(default=None, description="mass concentration, mg/m³")
    pressure_dew_point: Measure | None = Field(default=None, description="°C at line pressure")
    liquid_water: Measure | None = Field(default=None, description="g/m³")
    total_oil: Measure | None = Field(default=None, description="aerosol + vapour + liquid, mg/m³")
    oil_vapour_included: bool | None = Field(
        default=None,
        description="whether total_oil includes oil vapour (ISO 8573-5); False when only the aerosol "
        "and liquid part (ISO 8573-2) was measured",
    )
    below_detection_limit: list[AirQuantity] = Field(
        default_factory=list,
        description="quantities reported as '< value': the value is the detection limit, an upper bound",
    )
    methods: dict[AirQuantity, str] = Field(
        default_factory=dict, description="test method per quantity, e.g. pressure_dew_point: ISO 8573-3"
    )
    line_pressure: Measure | None = None
    line_pressure_reference: Literal["gauge", "absolute"] | None = None
    reference_conditions: str = "20 °C, 1 bar(a), 0 % relative water vapour pressure"

    @model_validator(mode="after")
    def _consistent(self) -> CompressedAirPurityTest:
        for name, reference in _AIR_UNITS.items():
            value = getattr(self, name)
            if value is not None and not value.convertible_to(reference):
                raise ValueError(f"{name}: unit {value.unit!r} is not of the same kind as {reference!r}")
        for name in self.below_detection_limit:
            if self.air_value(name) is None:
                raise ValueError(f"below_detection_limit names {name!r}, which has no value")
        return self

    def air_value(self, name: AirQuantity) -> float | None:
        """A measurement in the unit ISO 8573-1 tabulates (per m³, mg/m³, °C, g/m³), or None."""
        if name.startswith("d_"):
            bands = self.particles_per_m3
            return None if bands is None else getattr(bands, name)
        value: Measure | None = getattr(self, name)
        if value is None:
            return None
        return value.to({"pressure_dew_point": "degC", "liquid_water": "g/m**3"}.get(name, "mg/m**3"))


# --- airborne molecular contamination (ISO 14644-8, SEMI F21) ----------------------------------------


class ChemicalResult(_Frozen):
    substance: str = Field(min_length=1, description="Substance or category, e.g. 'NH3', 'acid'")
    category: (
        Literal["acid", "base", "biotoxic", "condensable", "corrosive", "dopant", "organic", "oxidant"] | None
    ) = None
    concentration: Measure = Field(description="for a '< DL' result, the detection limit")
    detection_limit: Measure | None = None
    below_detection_limit: bool = False

    @model_validator(mode="after")
    def _censoring(self) -> ChemicalResult:
        if self.concentration.value < 0:
            raise ValueError(f"{self.substance}: a concentration cannot be negative")
        if self.detection_limit is not None:
            if self.detection_limit.value <= 0:
                raise ValueError(f"{self.substance}: a detection limit must be positive")
            if not self.detection_limit.convertible_to(self.concentration.unit):
                raise ValueError(f"{self.substance}: detection limit and concentration differ in kind")
        if self.below_detection_limit and self.detection_limit is None:
            raise ValueError(f"{self.substance}: a '< DL' result needs its detection limit")
        return self

    def upper_bound(self, unit: str) -> float:
        """The highest the true concentration can be: the value, or the detection limit for '< DL'."""
        if self.below_detection_limit and self.detection_limit is not None:
            return self.detection_limit.to(unit)
        return self.concentration.to(unit)

    def lower_bound(self, unit: str) -> float:
        """The lowest the true concentration can be: 0 for a '< DL' result."""
        return 0.0 if self.below_detection_limit else self.concentration.to(unit)


class AirborneMolecularContamination(EvidenceBase):
    kind: Literal["airborne_molecular_contamination"] = "airborne_molecular_contamination"
    location: str | None = None
    sampling_hours: float | None = Field(default=None, gt=0)
    results: list[ChemicalResult] = Field(min_length=1)


# --- vacuum ------------------------------------------------------------------------------------------

LeakTestMode = Literal["spray", "hood", "bombing", "sniffer", "accumulation"]


class HeliumLeakTest(EvidenceBase):
    kind: Literal["helium_leak_test"] = "helium_leak_test"
    leak_rate: Measure
    below_detection_limit: bool = Field(default=False, description="result reported as '< value'")
    detection_limit: Measure | None = None
    background: Measure | None = None
    mode: LeakTestMode = "spray"
    test_state: str | None = Field(default=None, description="e.g. 'baked', 'unbaked, 24 h pump-down'")

    @field_validator("leak_rate", "detection_limit", "background")
    @classmethod
    def _throughput(cls, v: Measure | None) -> Measure | None:
        if v is not None and not v.convertible_to("mbar·L/s"):
            raise ValueError(f"{v.unit!r} is not a leak-rate unit (mbar·L/s, Pa·m³/s, atm·cc/s, sccm...)")
        if v is not None and v.value < 0:
            raise ValueError("a leak rate cannot be negative")
        return v


class PressurePoint(_Frozen):
    t_s: float = Field(ge=0)
    pressure: float = Field(gt=0)


class RateOfRiseTest(EvidenceBase):
    kind: Literal["rate_of_rise_test"] = "rate_of_rise_test"
    volume: Measure
    p_start: Measure
    p_end: Measure
    duration: Measure
    curve_unit: str | None = Field(default=None, description="pressure unit of the curve points")
    curve: list[PressurePoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dimensions(self) -> RateOfRiseTest:
        for name, value, reference in (
            ("volume", self.volume, "L"),
            ("p_start", self.p_start, "mbar"),
            ("p_end", self.p_end, "mbar"),
            ("duration", self.duration, "s"),
        ):
            if not value.convertible_to(reference):
                raise ValueError(f"{name}: {value.unit!r} is not a unit like {reference}")
        if self.duration.value <= 0 or self.volume.value <= 0:
            raise ValueError("volume and duration must be positive")
        curve_unit = Measure(value=1.0, unit=self.curve_unit or self.p_end.unit)
        if not curve_unit.convertible_to("mbar"):
            raise ValueError(f"curve_unit: {self.curve_unit!r} is not a pressure unit")
        times = [pt.t_s for pt in self.curve]
        if times != sorted(set(times)):
            raise ValueError("curve: times must increase")
        return self


class BasePressureTest(EvidenceBase):
    kind: Literal["base_pressure_test"] = "base_pressure_test"
    pressure: Measure
    pumpdown_hours: float | None = Field(default=None, gt=0)
    baked: bool | None = None

    @field_validator("pressure")
    @classmethod
    def _a_pressure(cls, v: Measure) -> Measure:
        if not v.convertible_to("mbar") or v.value <= 0:
            raise ValueError(f"{v} is not a positive pressure (mbar, Pa, torr)")
        return v


class RgaPeak(_Frozen):
    amu: int = Field(ge=1, le=300)
    partial_pressure: float = Field(ge=0)


class RgaScan(EvidenceBase):
    kind: Literal["rga_scan"] = "rga_scan"
    pressure_unit: str = "mbar"
    total_pressure: float = Field(gt=0)
    amu_range: tuple[int, int] = (1, 100)
    peaks: list[RgaPeak] = Field(min_length=1)
    test_state: str | None = None

    @model_validator(mode="after")
    def _unique_masses(self) -> RgaScan:
        masses = [p.amu for p in self.peaks]
        if len(masses) != len(set(masses)):
            raise ValueError("one partial pressure per mass number expected")
        lo, hi = self.amu_range
        if not 1 <= lo <= hi <= 300:
            raise ValueError("amu_range must be (first, last) within 1–300")
        if any(not lo <= m <= hi for m in masses):
            raise ValueError(f"peaks must lie within amu_range {lo}–{hi}")
        if not Measure(value=1.0, unit=self.pressure_unit).convertible_to("mbar"):
            raise ValueError(f"pressure_unit: {self.pressure_unit!r} is not a pressure unit")
        return self


class OutgassingTest(EvidenceBase):
    """Material outgassing: ASTM E595-style mass loss, and/or an outgassing rate per area."""

    kind: Literal["outgassing_test"] = "outgassing_test"
    material: str | None = None
    tml_pct: float | None = Field(default=None, description="total mass loss, % of initial mass")
    cvcm_pct: float | None = Field(default=None, ge=0)
    wvr_pct: float | None = Field(default=None, ge=0)
    rate_per_area: Measure | None = Field(default=None, description="e.g. Pa·m³/(s·m²)")
    sample_temperature_c: float | None = None
    collector_temperature_c: float | None = None
    duration_h: float | None = Field(default=None, gt=0)

    @field_validator("rate_per_area")
    @classmethod
    def _per_area(cls, v: Measure | None) -> Measure | None:
        if v is not None and not v.convertible_to("Pa·m³/(s·m²)"):
            raise ValueError(f"{v.unit!r} is not an outgassing rate per area (Pa·m³/(s·m²), mbar·L/(s·cm²))")
        return v


# --- materials ---------------------------------------------------------------------------------------

Basis = Literal["w/w", "w/v", "per_area"]


class ElementResult(_Frozen):
    element: str = Field(pattern=r"^[A-Z][a-z]?$")
    isotope: int | None = Field(default=None, ge=1, le=300, description="mass measured, e.g. 56 for 56Fe")
    value: float | None = Field(default=None, ge=0, description="None when below the detection limit")
    unit: str
    detection_limit: float | None = Field(default=None, gt=0)
    below_detection_limit: bool = False

    @model_validator(mode="after")
    def _censoring(self) -> ElementResult:
        if self.below_detection_limit and self.detection_limit is None:
            raise ValueError(f"{self.element}: a '< DL' result needs its detection limit")
        if not self.below_detection_limit and self.value is None:
            raise ValueError(f"{self.element}: a value or '< DL' is required")
        Measure(value=1.0, unit=self.unit)  # an unknown unit is refused here, not at evaluation
        return self


class TraceMetalAnalysis(EvidenceBase):
    kind: Literal["trace_metal_analysis"] = "trace_metal_analysis"
    matrix: str | None = Field(default=None, description="e.g. 'H2SO4 96 %', 'UPW extract'")
    basis: Basis = "w/w"
    wetted_area: Measure | None = None
    density: Measure | None = Field(
        default=None, description="sample density (e.g. 1.84 g/mL); relates w/v results to w/w limits"
    )
    results: list[ElementResult] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_elements(self) -> TraceMetalAnalysis:
        elements = [r.element for r in self.results]
        if len(elements) != len(set(elements)):
            raise ValueError("one result per element expected")
        if self.density is not None and not self.density.convertible_to("g/mL"):
            raise ValueError(f"density: {self.density.unit!r} is not a mass per volume")
        if self.wetted_area is not None and not self.wetted_area.convertible_to("m²"):
            raise ValueError(f"wetted_area: {self.wetted_area.unit!r} is not an area")
        reference = {"w/w": "ppb", "w/v": "µg/L", "per_area": "µg/m²"}[self.basis]
        for r in self.results:
            # Under w/v, labs write ppm/ppb/ppt for mg/L, µg/L, ng/L (dilute aqueous samples).
            aqueous = self.basis == "w/v" and r.unit.strip().lower() in ("ppm", "ppb", "ppt")
            if not aqueous and not Measure(value=1.0, unit=r.unit).convertible_to(reference):
                problem = f"{r.element}: {r.unit!r} is not a unit of basis {self.basis}, like {reference}"
                raise ValueError(problem)
        return self


class MaterialDeclaration(EvidenceBase):
    kind: Literal["material_declaration"] = "material_declaration"
    statements: dict[str, bool] = Field(
        description="Declared facts, e.g. {'rohs_compliant': true, 'pfas_free': false}"
    )
    materials: list[str] = Field(default_factory=list, description="wetted / vacuum-exposed materials")
    signed_by: str | None = None


Evidence = Annotated[
    ParticleSurvey
    | CompressedAirPurityTest
    | AirborneMolecularContamination
    | HeliumLeakTest
    | RateOfRiseTest
    | BasePressureTest
    | RgaScan
    | OutgassingTest
    | TraceMetalAnalysis
    | MaterialDeclaration,
    Field(discriminator="kind"),
]

EvidenceKind = Literal[
    "particle_survey",
    "compressed_air_purity",
    "airborne_molecular_contamination",
    "helium_leak_test",
    "rate_of_rise_test",
    "base_pressure_test",
    "rga_scan",
    "outgassing_test",
    "trace_metal_analysis",
    "material_declaration",
]

evidence_adapter: TypeAdapter[Evidence] = TypeAdapter(Evidence)
