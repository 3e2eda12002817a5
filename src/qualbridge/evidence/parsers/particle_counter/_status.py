"""What an instrument's status and flag columns say about a sample.

Three outcomes: ``invalid`` (the instrument says the sample is not a measurement: flow error, laser
fault...; the row is excluded, counted and reported), ``alarm`` (a count alarm or limit warning: the
sample is valid and kept, the flag is counted), ``ok``. A value nobody recognises is kept as valid and
named in the evidence notes, so a reviewer can see it; the mapping file can classify it.

Columns named for errors or faults mark any non-empty value invalid; columns named for alarms or warnings
mark any non-empty value an alarm. Other status columns are read word by word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from qualbridge.evidence.parsers.particle_counter._mapping import StatusSpec
from qualbridge.evidence.parsers.particle_counter._names import fold

Outcome = Literal["ok", "alarm", "invalid", "unknown"]
_SEVERITY: tuple[Outcome, ...] = ("invalid", "alarm", "unknown")

_NORMAL = re.compile(
    r"|-+|0|ok|okay|normal|valid|good|pass(?:ed)?|none|no|n/?a|"
    r"no\s*(?:errors?|faults?|alarms?|warnings?|flags?)|(?:status\s*)?ok|正常|有效|无|合格"
)
_INVALID = re.compile(
    r"error|fault|fail|invalid|malfunction|abort|void|rejected|"
    r"flow\s*(?:alarm|low|high|out|unstable|warning)|(?:low|high)\s*flow|"
    r"laser\s*(?:low|high|current|power|off)|noise|purg|blocked|overflow|coincidence|"
    r"fehler|ungültig|störung|故障|错误|无效|异常"
)
_ALARM = re.compile(
    r"alarm|alert|limit|exceed|threshold|warning|high\s*count|\bover\b|grenzwert|报警|超标|超限"
)
_ERROR_COLUMN = re.compile(r"\b(?:errors?|faults?|fehler)\b|错误|故障")
_ALARM_COLUMN = re.compile(r"\b(?:alarms?|warnings?)\b|报警")


def _contains(words: Sequence[str], value: str) -> bool:
    return any(w in value for w in words)


def classify(column: str, value: str | None, spec: StatusSpec) -> Outcome:
    """The outcome of one status cell."""
    v = fold(value or "")
    if spec.invalid is not None and _contains(spec.invalid, v):
        return "invalid"
    if spec.alarm is not None and _contains(spec.alarm, v):
        return "alarm"
    if _NORMAL.fullmatch(v):
        return "ok"
    if spec.invalid is None and _INVALID.search(v):
        return "invalid"
    if spec.alarm is None and _ALARM.search(v):
        return "alarm"
    name = fold(column)
    if _ERROR_COLUMN.search(name):
        return "invalid"
    if _ALARM_COLUMN.search(name):
        return "alarm"
    return "unknown"


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One row's outcome from its status cells: the most serious wins."""
    for level in _SEVERITY:
        if level in outcomes:
            return level
    return "ok"
