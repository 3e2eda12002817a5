"""How particle counters name their columns and metadata, and how those names are read.

A header cell is *folded* first (lower case, µ/μ → u, ³ → 3, spelled-out units → symbols) so that one
small grammar covers the spellings of every vendor. A channel name is a particle size plus optional
qualifiers, and nothing else::

    channel   = [index] [mode] size [unit] [mode] [basis] [mode]
    index     = "ch" N | "channel" N | "bin" N | "size"
    size      = NUMBER ["um" | "u" | "micron"]          0.3, 0.3um, 0.3 µm, 0,3 µm
              | NUMBER "-" NUMBER ["um"]                  a differential range, read as its lower bound
    mode      = ">=" | "≥" | ">" | "cum" | "cumulative"  → cumulative
              | "diff" | "differential" | "delta"         → differential
    basis     = "counts" | "count" | "raw"                → counts
              | "/m3" | "per m3" | "p/m3" | "#/m3"        → per m³ (likewise ft3, cf, l)

Whatever is left after removing these parts must be punctuation, or the cell is not a channel: that is
what keeps ``Volume (ft3)`` or ``Flow 1.0 CFM`` from being read as a particle size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Mode = Literal["cumulative", "differential"]
Basis = Literal["counts", "per_m3", "per_ft3", "per_l"]
Role = Literal["location", "timestamp", "date", "time", "sample_time", "duration", "volume", "status"]

# Concentration bases, as a factor from "per <basis volume>" to per m³.
BASIS_TO_PER_M3: dict[Basis, float] = {
    "counts": 1.0,
    "per_m3": 1.0,
    "per_ft3": 1.0 / 0.028316846592,
    "per_l": 1000.0,
}
BASIS_LABEL: dict[Basis, str] = {
    "counts": "counts",
    "per_m3": "particles/m³",
    "per_ft3": "particles/ft³",
    "per_l": "particles/L",
}

_FOLDS: tuple[tuple[str, str], ...] = (
    (r"[µμ]", "u"),
    (r"（", "("),
    (r"）", ")"),
    (r"：", ":"),
    (r"³|\^3|\*\*3", "3"),
    (r"\bcu\.?\s*ft\.?|\bcubic\s+f(?:ee|oo)t\b|\bft\^?3\b", "ft3"),
    (r"\bcubic\s+met(?:er|re)s?\b", "m3"),
    (r"\blit(?:er|re)s?\b|\bltrs?\b", "l"),
    (r"\s+", " "),
)


@lru_cache(maxsize=8192)  # header cells and keys repeat from file to file; data cells are short
def fold(text: str) -> str:
    """A header cell or metadata key in the one spelling the grammars below are written for."""
    s = text.strip().strip("\ufeff").lower()
    for pattern, replacement in _FOLDS:
        s = re.sub(pattern, replacement, s)
    return s.strip()


_NUMBER = r"\d+(?:[.,]\d+)?"
_MICRONS = r"(?:um|u|microns?|micrometers?|micrometres?)"
_BASIS_WORDS: dict[str, Basis] = {"m3": "per_m3", "ft3": "per_ft3", "cf": "per_ft3", "l": "per_l"}
_BASIS_RE = re.compile(
    r"(?:p(?:articles?)?|pcs|#|counts?|cnts?)?\s*(?:/|\bper\s+)\s*(m3|ft3|cf|l)(?![a-z0-9])"
)
_COUNTS_RE = re.compile(r"\b(?:raw\s+)?(?:counts?|cnts?|raw)\b")
_CUMULATIVE_RE = re.compile(r">=|=>|≥|>|\bcum(?:ulative|m)?\b\.?")
_DIFFERENTIAL_RE = re.compile(r"\b(?:diff(?:erential)?|dif|delta)\b\.?|δ|Δ")
_INDEX_RE = re.compile(r"\b(?:ch(?:annel)?|bin)\s*#?\s*\d+\b|\bsize\b")
_RANGE_RE = re.compile(rf"({_NUMBER})\s*{_MICRONS}?\s*(?:-|–|~|\bto\b)\s*({_NUMBER})\s*{_MICRONS}?(?![\w.])")
_SIZE_RE = re.compile(rf"(?<![\w.,])({_NUMBER})\s*({_MICRONS})?(?![\w.])")
_FILLER_RE = re.compile(r"\b(?:particles?|pcs|p|conc(?:entration)?|number|no|of)\b|#|[\s()\[\]{}:_\-,.;|/=+]")


@dataclass(frozen=True, slots=True)
class ChannelName:
    """What a column name says about a particle channel."""

    size_um: float
    mode: Mode | None
    basis: Basis | None
    bare: bool = False  # a number and nothing else ("0.3"): a size only in a header row


def to_float(text: str) -> float:
    return float(text.replace(",", "."))


@lru_cache(maxsize=8192)
def channel_of(cell: str) -> ChannelName | None:
    """The channel a header cell names, or ``None`` when the cell is not a particle channel."""
    s = fold(cell)
    basis: Basis | None = None
    if m := _BASIS_RE.search(s):
        basis = _BASIS_WORDS[m.group(1)]
        s = s[: m.start()] + " " + s[m.end() :]
    elif m := _COUNTS_RE.search(s):
        basis = "counts"
        s = s[: m.start()] + " " + s[m.end() :]
    mode: Mode | None = None
    s = _INDEX_RE.sub(" ", s)
    if m := _RANGE_RE.search(s):
        size, has_unit, mode = to_float(m.group(1)), True, "differential"
        s = s[: m.start()] + " " + s[m.end() :]
    elif m := _SIZE_RE.search(s):
        size, has_unit = to_float(m.group(1)), m.group(2) is not None
        s = s[: m.start()] + " " + s[m.end() :]
        if _SIZE_RE.search(s):
            return None  # two numbers: not one particle size
    else:
        return None
    if _DIFFERENTIAL_RE.search(s):
        mode = "differential"
        s = _DIFFERENTIAL_RE.sub(" ", s)
    if _CUMULATIVE_RE.search(s):
        if mode == "differential":
            return None
        mode = "cumulative"
        s = _CUMULATIVE_RE.sub(" ", s)
    if _FILLER_RE.sub("", s):
        return None
    # Without a unit a bare number is a size only where particle counters have channels.
    low, high = (0.01, 1000.0) if has_unit else (0.01, 100.0)
    if not low <= size <= high:
        return None
    bare = not has_unit and mode is None and basis is None and not re.search(r"[a-z]", fold(cell))
    return ChannelName(size_um=size, mode=mode, basis=basis, bare=bare)


# --- other columns -----------------------------------------------------------------------------------

_UNIT_SUFFIX_RE = re.compile(r"\s*(?:\(([^)]*)\)|\[([^\]]*)\])\s*$")
# English, with the German and Chinese names that exports from those markets use.
_ROLE_PATTERNS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (
        "location",
        re.compile(
            r"(?:(?:sample|sampling|measuring|measurement|probe)\s*)?"
            r"(?:location|loc|point|position|pos|site|place)(?:\s*(?:id|name|no|number|#))?|"
            r"ort|messort|messpunkt|messstelle|位置|采样点|采样位置|测点|点位"
        ),
    ),
    ("location", re.compile(r"probe|room|zone|area|raum|房间|区域")),
    (
        "timestamp",
        re.compile(
            r"date\s*(?:/|&|and)?\s*time|datetime|time\s*stamp|timestamp|"
            r"(?:start|end|stop)\s*(?:date\s*)?(?:/\s*)?time|sample\s*(?:date|start)(?:\s*time)?|start|end|"
            r"datum\s*(?:/|und)?\s*(?:uhr)?zeit|zeitstempel|日期时间|时间戳"
        ),
    ),
    ("date", re.compile(r"(?:sample\s*)?date|datum|日期")),
    ("sample_time", re.compile(r"(?:sample|sampling|count(?:ing)?)\s*time|messzeit|采样时间")),
    ("time", re.compile(r"time|(?:uhr)?zeit|时间")),
    (
        "duration",
        re.compile(
            r"(?:(?:sample|sampling|count(?:ing)?)\s*)?(?:duration|period|length)|(?:mess)?dauer|采样时长"
        ),
    ),
    (
        "volume",
        re.compile(
            r"(?:(?:sample[ds]?|sampling)\s*)?vol(?:ume)?\.?|(?:proben|mess)?volumen|采样体积|体积|采样量"
        ),
    ),
    (
        "status",
        re.compile(
            r".*\b(?:status|state|flags?|alarms?|errors?|faults?|warnings?|events?|fehler)\b.*|"
            r".*(?:状态|报警|错误|故障|标志).*"
        ),
    ),
)


def split_unit(cell: str) -> tuple[str, str | None]:
    """``"Sample Volume (L)"`` → (``"sample volume"``, ``"l"``); the unit part may be absent."""
    s = fold(cell)
    unit: str | None = None
    if m := _UNIT_SUFFIX_RE.search(s):
        unit = (m.group(1) or m.group(2) or "").strip() or None
        s = s[: m.start()]
    else:
        words = s.rsplit(" ", 1)
        if len(words) == 2 and words[1] in {"l", "ft3", "cf", "m3", "s", "sec", "min", "secs"}:
            s, unit = words
    return s.strip(" :,"), unit


def role_of(cell: str) -> tuple[Role, int] | None:
    """The role a non-channel column plays, with its priority (lower wins when several compete)."""
    name, _ = split_unit(cell)
    for priority, (role, pattern) in enumerate(_ROLE_PATTERNS):
        if pattern.fullmatch(name):
            return role, priority
    return None


# Volume units as written in column names or metadata, as a factor to litres.
VOLUME_TO_L: dict[str, float] = {
    "l": 1.0,
    "ml": 1e-3,
    "ft3": 28.316846592,
    "cf": 28.316846592,
    "m3": 1000.0,
}
# Durations, as a factor to seconds.
TIME_TO_S: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "minutes": 60.0,
}


_QUANTITY = re.compile(r"([-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*([^\s(]*)")
_HMS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)")
# Flow rates, as a factor to L/min.
FLOW_TO_LPM: dict[str, float] = {
    "cfm": 28.316846592,
    "ft3/min": 28.316846592,
    "cf/min": 28.316846592,
    "l/min": 1.0,
    "lpm": 1.0,
    "slpm": 1.0,
    "l/m": 1.0,
    "m3/h": 1000.0 / 60.0,
    "m3/min": 1000.0,
    "ml/min": 1e-3,
}


def quantity_of(text: str) -> tuple[float, str | None] | None:
    """``"28.3 L/min"`` → (28.3, ``"L/min"``); ``"28,3"`` → (28.3, None); words → None."""
    m = _QUANTITY.match(text.strip())
    if m is None:
        return None
    return to_float(m.group(1)), (m.group(2) or None)


def flow_lpm_of(text: str, unit: str | None = None) -> float | None:
    """A flow rate in L/min (``1.0 CFM``, ``28.3 L/min``, ``50 LPM``), or None when unreadable."""
    found = quantity_of(text)
    if found is None or not found[0] > 0:
        return None
    factor = FLOW_TO_LPM.get(fold(found[1] or unit or "").strip("."))
    return None if factor is None else found[0] * factor


def seconds_of(text: str, unit: str | None) -> float | None:
    """A duration written ``00:01:00``, ``01:00``, ``60 s``, ``1 min`` or (with a unit) ``60``."""
    s = text.strip()
    if m := _HMS.fullmatch(s):
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if (m := _QUANTITY.fullmatch(s)) is None:
        return None
    factor = time_factor(m.group(2) or unit)
    return None if factor is None else to_float(m.group(1)) * factor


def volume_factor(unit: str | None) -> float | None:
    return None if unit is None else VOLUME_TO_L.get(fold(unit).strip(" ."))


def time_factor(unit: str | None) -> float | None:
    return None if unit is None else TIME_TO_S.get(fold(unit).strip(" ."))


def mode_of(text: str) -> Mode | None:
    """Cumulative or differential, as a metadata value states it (``"Cumulative counts"``, ``"Diff"``)."""
    s = fold(text)
    if _DIFFERENTIAL_RE.search(s) or re.search(r"differentiell|差分|微分", s):
        return "differential"
    if re.search(r"\bcum(?:ulative|m)?\b|kumulativ|累计|累积", s):
        return "cumulative"
    return None


def basis_of(text: str) -> Basis | None:
    """Counts or a concentration basis, as a metadata value states it (``"Counts"``, ``"p/ft³"``)."""
    s = fold(text)
    if m := _BASIS_RE.search(s):
        return _BASIS_WORDS[m.group(1)]
    if m := re.search(r"\b(m3|ft3|cf)\b", s):
        return _BASIS_WORDS[m.group(1)]
    if _COUNTS_RE.search(s) or re.search(r"zählwerte|计数|粒子数", s):
        return "counts"
    return None
