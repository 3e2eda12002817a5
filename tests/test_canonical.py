"""Canonical JSON: the fast path (the standard library's encoder) gives the bytes of the reference RFC 8785
implementation (the ``rfc8785`` package) for every value, ordinary or not.

The RFC 8785 vectors themselves are in tests/trust/test_intoto.py."""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from qualbridge.canonical import Canonical, canonical_json, es_number, reference_canonical_json
from qualbridge.errors import EngineError

#: ECMA-262 Number::toString, worked by hand from the spec's steps (k digits, decimal point n):
#: k ≤ n ≤ 21 → digits and zeros; 0 < n ≤ 21 → a point inside; −6 < n ≤ 0 → 0.000…; otherwise an exponent.
ECMASCRIPT = [
    (0.0, "0"),
    (-0.0, "0"),
    (1.0, "1"),
    (-2.5, "-2.5"),
    (123e-20, "1.23e-18"),
    (1e-6, "0.000001"),
    (1e-7, "1e-7"),
    (0.00012, "0.00012"),
    (1e20, "100000000000000000000"),
    (1e21, "1e+21"),
    (2.0**53 + 2, "9007199254740994"),
    (2.0**60, "1152921504606847000"),  # the shortest digits, then zeros: not 1152921504606846976
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (5e-324, "5e-324"),
    (333333333.33333329, "333333333.3333333"),
]


@pytest.mark.parametrize(("value", "text"), ECMASCRIPT)
def test_numbers_are_written_as_ecmascript_writes_them(value: float, text: str) -> None:
    assert es_number(value) == text
    assert canonical_json([value]) == f"[{text}]".encode()


def _double(bits: int) -> float:
    return struct.unpack("<d", bits.to_bytes(8, "little"))[0]


@settings(max_examples=3000)
@given(st.integers(min_value=0, max_value=2**64 - 1))
@example(0x0000000000000001)  # the smallest subnormal
@example(0x4340000000000000)  # 2**53
@example(0x444B1AE4D6E2EF50)  # 1e21
@example(0x444B1AE4D6E2EF4F)  # the double below 1e21
@example(0x3EB0C6F7A0B5ED8D)  # 1e-6
@example(0x3EB0C6F7A0B5ED8C)  # the double below 1e-6
def test_every_double_is_written_as_the_reference_writes_it(bits: int) -> None:
    value = _double(bits)
    if not math.isfinite(value):
        with pytest.raises(EngineError, match="non-finite"):
            canonical_json(value)
        return
    assert canonical_json([value, -value]) == rfc8785.dumps([value, -value])


_KEYS = st.text(max_size=6) | st.sampled_from(["a", "péché", "\U0001f600", "\ufb33", "€", "\x00"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=40,
)


def _outcome(make: Any, value: Any) -> bytes | type[Exception]:
    try:
        return bytes(make(value))
    except (rfc8785.CanonicalizationError, EngineError) as exc:
        return type(exc)


@settings(max_examples=1500)
@given(_VALUES)
@example({"\U0001f600": 1, "\ufb33": 2})  # key order differs between UTF-16 and code points
@example({"s": "nul \x00 inside"})
@example([2**53, 2**53 - 1])  # the first integer beyond JSON's exact range is refused
@example(["lone \ud800 surrogate"])
def test_any_json_value_gives_the_references_bytes_or_its_error(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


class Quantity(BaseModel):
    value: float
    unit: str


def test_models_and_tuples_are_written_as_their_json() -> None:
    value = {"q": Quantity(value=2.5e-9, unit="Pa"), "t": (1, 2.0)}
    assert canonical_json(value) == b'{"q":{"unit":"Pa","value":2.5e-9},"t":[1,2]}'
    assert canonical_json(value) == reference_canonical_json(value)
    assert json.loads(canonical_json(value)) == {"q": {"unit": "Pa", "value": 2.5e-9}, "t": [1, 2]}


@settings(max_examples=500)
@given(_VALUES, _VALUES, _KEYS)
@example({"n": 1e-7, "s": "\u00e9"}, {"n": 1e21}, "\U0001f600")  # numbers spliced beside the part
@example({"s": "nul \x00 inside"}, [1], "a")  # the part itself out of the ordinary
def test_a_part_written_canonically_is_spliced_in_as_the_whole_would_write_it(
    part: Any, beside: Any, key: str
) -> None:
    """``Canonical`` bytes inside a value give the bytes of the value holding the part as data, on the
    fast path and on the reference's (a key beyond U+FFFF, a NUL character) alike."""
    try:
        written = Canonical.of(part)
    except (rfc8785.CanonicalizationError, EngineError):
        return  # a part that cannot be written has no canonical bytes to splice
    whole = {key: part, "beside": beside}
    assert _outcome(canonical_json, {key: written, "beside": beside}) == _outcome(canonical_json, whole)
    assert canonical_json([written, written]) == b"[" + written.data + b"," + written.data + b"]"
    assert written.digest == "sha256:" + hashlib.sha256(written.data).hexdigest()
