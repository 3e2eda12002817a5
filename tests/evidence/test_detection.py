"""Every golden raw file is recognised as its own kind when the caller names none."""

from pathlib import Path

import pytest

from qualbridge.evidence.parsers import _choose

ASSETS = Path(__file__).parents[1] / "assets"

# Golden files that are valid exports of one kind (the error cases are named for their defect).
EXPECTED = {
    "compressed_air": "compressed_air_purity",
    "amc": "airborne_molecular_contamination",
    "icpms": "trace_metal_analysis",
    "outgassing": "outgassing_test",
}


def _valid_files(folder: str) -> list[Path]:
    return sorted(
        p for p in (ASSETS / folder).iterdir() if p.suffix in {".csv", ".txt"} and "refused" not in p.name
    )


@pytest.mark.parametrize(
    ("path", "kind"),
    [(p, kind) for folder, kind in EXPECTED.items() for p in _valid_files(folder)],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_report_files_are_not_mistaken_for_particle_exports(path: Path, kind: str) -> None:
    assert _choose(path, None).kind == kind


def test_particle_exports_are_recognised() -> None:
    path = ASSETS / "particle_counter" / "lighthouse_cumulative_litres.csv"
    assert _choose(path, None).kind == "particle_survey"
