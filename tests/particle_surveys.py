"""Particle surveys built from location averages, for the ISO 14644-1 computation and check tests."""

import datetime as dt
from collections.abc import Sequence

from qualbridge.evidence.models import ParticleSurvey


def survey(
    sizes: Sequence[float],
    means: Sequence[Sequence[float]],
    *,
    volume_l: float = 28.3,
    samples: int = 1,
    duration_s: float | None = 60,
    occupancy: str | None = "at-rest",
    area_m2: float | None = 10,
    test_date: dt.date = dt.date(2025, 3, 1),
    max_factor: float = 1.0,
) -> ParticleSurvey:
    """One location per row of ``means`` (per m³, aligned with ``sizes``); maxima = means × ``max_factor``."""
    return ParticleSurvey.model_validate(
        {
            "kind": "particle_survey",
            "issuer": "Test Lab",
            "test_date": test_date,
            "subject": {"type": "room", "id": "R1"},
            "occupancy": occupancy,
            "area_m2": area_m2,
            "sizes_um": list(sizes),
            "locations": [
                {
                    "name": f"L{i + 1}",
                    "samples": samples,
                    "min_sample_volume_l": volume_l,
                    "total_volume_l": volume_l * samples,
                    "min_sample_duration_s": duration_s,
                    "mean_per_m3": list(row),
                    "max_per_m3": [v * max_factor for v in row],
                }
                for i, row in enumerate(means)
            ],
        }
    )
