"""Imports every module that registers profile rules (see :mod:`qualbridge.standards.validation`)."""

import qualbridge.standards.iso14644_1  # noqa: F401
from qualbridge.standards import (  # noqa: F401  # noqa: F401
    iso8573_1,
    iso14644_8,
    materials,
    scope,
    semi_f21,
    vacuum,
)
