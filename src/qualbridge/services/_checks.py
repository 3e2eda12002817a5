"""Checks of free text that every database must store alike (PostgreSQL refuses NUL characters and
over-long values that SQLite would keep: both are refused here, before any row is written)."""

from __future__ import annotations

import unicodedata

from qualbridge.errors import InputError, at


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """``value`` stripped; refused if empty (when required), too long, or holding control characters."""
    value = value.strip()
    if required and not value:
        raise InputError("a value is required", at(field=field))
    if len(value) > max_length:
        raise InputError(f"longer than {max_length} characters", at(field=field))
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InputError("control characters are not allowed", at(field=field))
    return value
