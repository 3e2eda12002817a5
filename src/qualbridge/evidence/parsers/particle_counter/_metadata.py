"""Instrument metadata from the lines above the column header.

Counters write ``key: value`` or ``key,value`` lines (model, serial number, flow rate, calibration dates,
room, operator, sample time...). Keys are recognised by the patterns below; a value is read only when it
is needed, so a value that nobody uses (a start date when the caller gives the test date) never fails a
parse. A value that is needed and cannot be read is an error naming its line and key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from qualbridge.errors import ParseError, at
from qualbridge.evidence.parsers.particle_counter._dates import DateFormatError, parse_datetime
from qualbridge.evidence.parsers.particle_counter._header import MetaLine
from qualbridge.evidence.parsers.particle_counter._names import (
    Basis,
    Mode,
    basis_of,
    flow_lpm_of,
    mode_of,
    quantity_of,
    seconds_of,
    split_unit,
    volume_factor,
)

Field = str
# Order matters: the first pattern that matches a key names its field.
_FIELDS: tuple[tuple[Field, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "calibration_due",
            r"cal(?:ibration)?\.?\s*(?:due|expir\w*)(?:\s*date)?|next\s*cal(?:ibration)?(?:\s*date)?|"
            r"due\s*date|recal(?:ibration)?(?:\s*date)?|nächste\s*kalibrierung|kalibrierung\s*fällig|"
            r"校准有效期|下次校准(?:日期)?|校准到期(?:日期?)?",
        ),
        (
            "calibration_date",
            r"(?:last\s*)?cal(?:ibration)?\.?(?:\s*date)?|date\s*of\s*calibration|calibrated(?:\s*on)?|"
            r"(?:letzte\s*)?kalibrier(?:ung|datum)|校准日期|上次校准(?:日期)?",
        ),
        ("serial", r"serial(?:\s*(?:number|no\.?|#))?|s/?n|seriennummer|序列号|出厂编号|仪器编号"),
        (
            "model",
            r"(?:(?:instrument|counter|device|sensor)\s*)?(?:model|type)(?:\s*(?:name|number|no\.?))?|"
            r"instrument|counter|device|product|model|gerät(?:etyp)?|modell|型号|仪器型号|仪器|设备型号",
        ),
        (
            "flow",
            r"(?:(?:nominal|sample|sampling)\s*)?flow(?:\s*rate)?|durchfluss|volumenstrom|(?:采样)?流量",
        ),
        (
            "sample_time",
            r"(?:sample|sampling|count(?:ing)?)\s*(?:time|duration|period)|duration|messzeit|采样时间|采样时长",
        ),
        ("volume_unit", r"vol(?:ume)?\.?\s*units?"),
        ("volume", r"(?:(?:sample[ds]?|sampling)\s*)?vol(?:ume)?\.?|(?:proben)?volumen|采样体积|采样量"),
        (
            "location",
            r"(?:sample\s*|sampling\s*)?(?:location|point|position|site)(?:\s*(?:id|name))?|"
            r"messort|messpunkt|ort|采样点|位置|测点",
        ),
        ("room", r"room|area|clean\s*room|zone|facility|raum|房间|洁净室|区域"),
        (
            "operator",
            r"operator|user|technician|tested\s*by|performed\s*by|analyst|bediener|prüfer|操作员|操作人员|检测人员",
        ),
        (
            "issuer",
            r"company|issuer|certifier|laboratory|lab|test(?:ing)?\s*company|organi[sz]ation|firma|公司|检测机构|检测单位",
        ),
        (
            "test_date",
            r"(?:(?:test|report|start|sample|survey|measurement|run)\s*)?date(?:\s*(?:/|&|and)?\s*time)?|"
            r"(?:prüf|mess)?datum|(?:测试|检测)?日期",
        ),
    )
)
# Keys whose value may state the counting mode and/or the basis ("Count mode: Cumulative (/ft³)").
_MODE_KEYS = re.compile(
    r"(?:count(?:ing)?|data|display|channel|report|output|concentration|measurement)?\s*"
    r"(?:mode|type|units?|format)|data|units?|reported\s*as|concentration|cumulative\s*/\s*differential|"
    r"(?:zähl)?modus|einheit|(?:计数|测量)?模式|数据类型|单位|计数方式"
)


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    src: str
    entries: dict[Field, MetaLine]
    mode: Mode | None
    basis: Basis | None

    @classmethod
    def read(cls, src: str, lines: Iterable[MetaLine]) -> HeaderInfo:
        entries: dict[Field, MetaLine] = {}
        mode: Mode | None = None
        basis: Basis | None = None
        for line in lines:
            key, _ = split_unit(line.key)
            if _MODE_KEYS.fullmatch(key) and (mode_of(line.value) or basis_of(line.value)):
                mode = mode or mode_of(line.value)
                basis = basis or basis_of(line.value)
                continue
            for name, pattern in _FIELDS:
                if pattern.fullmatch(key):
                    entries.setdefault(name, line)
                    break
        return cls(src=src, entries=entries, mode=mode, basis=basis)

    def _fail(self, name: Field, message: str, expected: str) -> ParseError:
        line = self.entries[name]
        return ParseError(message, at(self.src, row=line.line, field=line.key), expected=expected)

    def text(self, name: Field) -> str | None:
        line = self.entries.get(name)
        return line.value.strip() or None if line else None

    def date(self, name: Field) -> dt.date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return parse_datetime(value).date()
        except DateFormatError as exc:
            raise self._fail(name, str(exc), "a date such as 2024-03-05, or the value in --meta") from exc

    def flow_lpm(self) -> float | None:
        """The nominal flow rate in L/min (``1.0 CFM``, ``28.3 L/min``, ``50 LPM``)."""
        line = self.entries.get("flow")
        if line is None:
            return None
        flow = flow_lpm_of(line.value, split_unit(line.key)[1])
        if flow is None:
            raise self._fail(
                "flow",
                f"cannot read the flow rate {line.value!r}",
                "a flow rate such as 1.0 CFM, 28.3 L/min or 50 LPM",
            )
        return flow

    def sample_time_s(self) -> float | None:
        line = self.entries.get("sample_time")
        if line is None:
            return None
        seconds = seconds_of(line.value, split_unit(line.key)[1])
        if seconds is None or not seconds > 0:
            raise self._fail(
                "sample_time",
                f"cannot read the sample time {line.value!r}",
                "a duration such as 00:01:00 or 60 s",
            )
        return seconds

    def volume_l(self) -> float | None:
        line = self.entries.get("volume")
        if line is None:
            return None
        found = quantity_of(line.value)
        factor = volume_factor(found[1] or split_unit(line.key)[1]) if found else None
        if found is None or factor is None or not found[0] > 0:
            raise self._fail(
                "volume", f"cannot read the sample volume {line.value!r}", "e.g. 28.3 L or 1 ft³"
            )
        return found[0] * factor

    def volume_unit_factor(self) -> float | None:
        if "volume_unit" not in self.entries:
            return None
        factor = volume_factor(self.entries["volume_unit"].value)
        if factor is None:
            raise self._fail("volume_unit", "unknown volume unit", "L, ft3 or m3")
        return factor
