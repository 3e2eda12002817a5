"""Test-suite settings shared by every test module."""

import os

from hypothesis import HealthCheck, settings

# Timing varies on a loaded 2-core CI machine; a per-example deadline would make property tests flaky
# without finding anything. CI also derandomises, so a failure there is reproducible locally with
# HYPOTHESIS_PROFILE=ci.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
