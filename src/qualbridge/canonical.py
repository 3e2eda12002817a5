"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Evaluation results and attestations are serialised canonically so that the same content always has the
same bytes and the same digest, on any machine.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import rfc8785
from pydantic import BaseModel

from qualbridge.errors import EngineError


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json", by_alias=True))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise EngineError(f"non-finite number {value!r} cannot be written as canonical JSON")
    return value


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (a model, or plain JSON data)."""
    return bytes(rfc8785.dumps(_plain(value)))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
