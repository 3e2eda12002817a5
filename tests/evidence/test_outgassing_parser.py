"""ASTM E595 results and outgassing-rate reports (golden files in tests/assets/outgassing)."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qualbridge.errors import ParseError
from qualbridge.evidence.models import OutgassingTest
from qualbridge.evidence.parsers import load_evidence, outgassing

ASSETS = Path(__file__).parent.parent / "assets" / "outgassing"
META = {
    "issuer": "Example Space Materials Lab",
    "test_date": "2026-03-11",
    "subject": {"type": "material_lot", "id": "L1"},
}


def _load(name: str, **meta: Any) -> OutgassingTest:
    ev = load_evidence(ASSETS / name, kind="outgassing_test", meta=META | meta)
    assert isinstance(ev, OutgassingTest)
    return ev


def test_three_specimens_are_averaged() -> None:
    ev = load_evidence(ASSETS / "e595-three-specimens.csv", kind="outgassing_test")
    assert isinstance(ev, OutgassingTest)
    # E595 reports the mean of its specimens: (0.30 + 0.32 + 0.31)/3, (0.02 + 0.03 + 0.01)/3, ...
    assert ev.tml_pct == pytest.approx(0.31)
    assert ev.cvcm_pct == pytest.approx(0.02)
    assert ev.wvr_pct == pytest.approx(0.05)
    assert (ev.sample_temperature_c, ev.collector_temperature_c, ev.duration_h) == (125, 25, 24)
    assert (ev.material, ev.method) == ("FKM O-ring compound V-747", "ASTM E595-15")
    assert (ev.issuer, ev.test_date, ev.subject.id) == (
        "Example Space Materials Lab",
        dt.date(2026, 3, 11),
        "FKM-ORING-LOT-3304",
    )


def test_conditions_in_other_units_are_converted() -> None:
    ev = _load("e595-conditions-in-fahrenheit-and-minutes.csv")
    # (257 − 32)/1.8 = 125 °C; (77 − 32)/1.8 = 25 °C; 1440 min = 24 h
    assert ev.sample_temperature_c == pytest.approx((257 - 32) / 1.8)
    assert ev.collector_temperature_c == pytest.approx((77 - 32) / 1.8)
    assert ev.duration_h == pytest.approx(1440 / 60)
    assert ev.tml_pct == pytest.approx(1.2)
    assert ev.wvr_pct == pytest.approx(0.4)


def test_one_material_per_file() -> None:
    with pytest.raises(ParseError, match="several materials") as err:
        _load("e595-material-column-two-materials.csv")
    assert (err.value.where.row, err.value.where.field) == (2, "Material")


def test_wvr_for_every_specimen_or_none() -> None:
    with pytest.raises(ParseError, match="WVR missing for one specimen") as err:
        _load("e595-wvr-missing-for-one-specimen.csv")
    assert (err.value.where.row, err.value.where.field) == (4, "WVR %")


def test_negative_cvcm_is_refused() -> None:
    with pytest.raises(ParseError, match="negative CVCM") as err:
        _load("e595-negative-cvcm.csv")
    assert err.value.where.row == 3


def test_outgassing_rate_report_without_a_table() -> None:
    ev = _load("outgassing-rate-only.txt")
    assert ev.tml_pct is None
    assert ev.rate_per_area is not None
    assert ev.rate_per_area.to("mbar·L/(s·cm²)") == pytest.approx(3.1e-10)


def test_a_throughput_is_not_a_rate_per_area() -> None:
    with pytest.raises(ParseError, match="not an outgassing rate per area") as err:
        _load("outgassing-rate-in-throughput-units.txt")
    assert err.value.where.row == 2


def test_sniff() -> None:
    for name in ("e595-three-specimens.csv", "outgassing-rate-only.txt"):
        assert outgassing._sniff((ASSETS / name).read_text(encoding="utf-8"))
    icpms = Path(__file__).parent.parent / "assets" / "icpms" / "icpms-censored-forms.csv"
    assert not outgassing._sniff(icpms.read_text(encoding="utf-8"))
