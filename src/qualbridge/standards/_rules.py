"""Imports every module that registers profile rules (see :mod:`qualbridge.standards.validation`)."""

from qualbridge.standards import scope  # noqa: F401
