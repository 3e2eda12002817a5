"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Evaluation results and attestations are serialised canonically so that the same content always has the
same bytes and the same digest, on any machine.

The bytes are made by the standard library's compiled JSON encoder, which writes RFC 8785's form for
everything but two things, both settled while the value is walked once beforehand:

- **numbers**: RFC 8785 writes a float as ECMAScript's ``Number.prototype.toString`` does. Python's
  ``repr`` has the same (shortest round-trip) digits but places the exponent elsewhere and writes
  ``5.0`` where ECMAScript writes ``5``. A float that is a whole number below 2**53 becomes that
  integer; any other float that Python would write differently is replaced by a placeholder, written
  the ECMAScript way by :func:`es_number` and put back into the text afterwards.
- **key order**: RFC 8785 sorts keys by UTF-16 code units, Python by code points. The two orders differ
  only for characters beyond U+FFFF, so a key holding one sends the value to the reference
  implementation (the ``rfc8785`` package), as does anything else out of the ordinary (a NUL character,
  which the placeholders use; an integer beyond 2**53; a lone surrogate).

Both paths give the same bytes: tests compare them on generated values.

A part already written canonically (:class:`Canonical`, an evidence document whose content id was just
computed from these bytes, say) is spliced into the text as it is, the way the numbers are, instead of
being walked and written again: a canonical value's form does not depend on what holds it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import rfc8785
from pydantic import BaseModel

from qualbridge.errors import EngineError

#: Integers JSON carries exactly (IEEE 754 doubles); RFC 8785 refuses the others.
_SAFE_INT = 2**53 - 1
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode
_PLACEHOLDER = re.compile(r'"\\u0000(\d+)\\u0000"')


@dataclass(frozen=True, slots=True)
class Canonical:
    """A JSON value already in canonical form: :func:`canonical_json` writes these bytes where it meets
    it (they are not checked: make them with :func:`canonical_json`)."""

    data: bytes

    @classmethod
    def of(cls, value: Any) -> Canonical:
        return cls(canonical_json(value))

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the bytes: a content id."""
        return "sha256:" + sha256_hex(self.data)


class _UnusualValueError(Exception):
    """The value needs the reference implementation (see the module's notes)."""


def es_number(value: float) -> str:
    """A finite float as ECMAScript's ``Number.prototype.toString`` writes it (ECMA-262, Number::toString;
    RFC 8785 §3.2.2.3)."""
    if value == 0:
        return "0"
    if value < 0:
        return "-" + es_number(-value)
    # repr gives the shortest digits that read back as the same double: split them from their exponent.
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # The value is 0.DIGITS × 10**point.
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{mantissa}e{'+' if point - 1 >= 0 else '-'}{abs(point - 1)}"


def _spliced(text: str, spliced: list[str]) -> str:
    """A placeholder for ``text``, to be written as it is."""
    spliced.append(text)
    return f"\x00{len(spliced) - 1}\x00"


def _float(value: float, spliced: list[str]) -> float | int | str:
    if not math.isfinite(value):
        raise EngineError(f"non-finite number {value!r} cannot be written as canonical JSON")
    if value.is_integer() and abs(value) <= _SAFE_INT:
        return int(value)
    if 1e-4 <= abs(value) < 1e16 and not value.is_integer():
        return value  # Python writes these as ECMAScript does
    return _spliced(es_number(value), spliced)


def _key(key: Any) -> str:
    text = key if type(key) is str else str(key)
    if not text.isascii() and ("\x00" in text or any(ord(c) > 0xFFFF for c in text)):
        raise _UnusualValueError
    return text


def _walk(value: Any, spliced: list[str]) -> Any:
    """Plain JSON data to encode: models dumped, floats settled, canonical parts set aside in
    ``spliced``, the unusual detected."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise _UnusualValueError
        return value
    if kind is dict:
        return {_key(k): _walk(v, spliced) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_walk(v, spliced) for v in value]
    if kind is int:
        if not -_SAFE_INT <= value <= _SAFE_INT:
            raise _UnusualValueError
        return value
    if kind is float:
        return _float(value, spliced)
    if value is None or kind is bool:
        return value
    if kind is Canonical:
        return _spliced(value.data.decode("utf-8"), spliced)
    if isinstance(value, BaseModel):
        return _walk(value.model_dump(mode="json", by_alias=True), spliced)
    raise _UnusualValueError  # subclasses of the types above, and anything else: the reference decides


def _exact_or_float(text: str) -> int | float:
    number = int(text)
    return number if -_SAFE_INT <= number <= _SAFE_INT else float(text)


def _plain(value: Any) -> Any:
    """Plain JSON data for the reference implementation (models dumped, canonical parts read, non-finite
    floats refused)."""
    if isinstance(value, Canonical):
        # A whole number beyond JSON's exact range was written from a float (an integer there is refused).
        return json.loads(value.data, parse_int=_exact_or_float)
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json", by_alias=True))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise EngineError(f"non-finite number {value!r} cannot be written as canonical JSON")
    return value


def reference_canonical_json(value: Any) -> bytes:
    """:func:`canonical_json` by the reference implementation alone (slower; for values out of the
    ordinary, and to test the fast path against)."""
    return bytes(rfc8785.dumps(_plain(value)))


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (a model, or plain JSON data)."""
    spliced: list[str] = []
    try:
        text = _ENCODE(_walk(value, spliced))
        if spliced:
            text = _PLACEHOLDER.sub(lambda m: spliced[int(m.group(1))], text)
        return text.encode("utf-8")
    except (_UnusualValueError, UnicodeEncodeError):
        return reference_canonical_json(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
