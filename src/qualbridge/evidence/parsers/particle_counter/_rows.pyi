"""The compiled row scan (``_rows.c``): the fast path of the particle-counter reader."""

from collections.abc import Sequence
from mmap import mmap

# (nulls, min or None, sum, max or None) of one channel's values
Channel = tuple[int, float | None, float, float | None]
# (nulls, min or None, sum) of the volume or the duration
Amount = tuple[int, float | None, float]
# (key, samples, channels, volume, duration, rows whose counts increase with size)
Group = tuple[tuple[str | None, ...], int, tuple[Channel, ...], Amount, Amount, int]
# (column or None, constant value, factor)
Quantity = tuple[int | None, float, float]

def aggregate(
    data: mmap | bytes | memoryview,
    start: int,
    end: int,
    delimiter: str,
    decimal: str,
    n_fields: int,
    keys: Sequence[int],
    channels: Sequence[int],
    differential: bool,
    check_increase: bool,
    volume: Quantity | None,
    duration: Quantity | None,
    basis_scale: float,
    /,
) -> list[Group] | None: ...
