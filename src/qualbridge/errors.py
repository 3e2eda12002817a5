"""The one error family of QualBridge.

    QualBridgeError
    ├── InputError            the caller's input is wrong (exit code 2, HTTP 4xx)
    │   ├── ParseError        a raw file cannot be read: names file, row, column
    │   ├── UnitError         a value has no unit, an unknown unit or the wrong dimension
    │   ├── ProfileError      a requirement profile is invalid or cannot be found
    │   └── EvidenceError     an evidence document is invalid
    └── EngineError           a malfunction of QualBridge itself (a bug, never the caller's fault)

A verdict is data, never an exception: a failing measurement is a ``fail`` verdict, not an error.
Every error carries structured fields so that the CLI and the API can say exactly where the problem is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input a problem is: all parts optional, most specific last."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)


@dataclass(eq=False)
class QualBridgeError(Exception):
    """Base of every QualBridge error."""

    message: str
    where: Location = field(default_factory=Location)
    expected: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        where = str(self.where)
        if where:
            text = f"{where}: {text}"
        if self.expected:
            text = f"{text} (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "file": self.where.file,
            "row": self.where.row,
            "field": self.where.field,
            "expected": self.expected,
        }


class InputError(QualBridgeError, ValueError):
    """The caller's input is wrong; fixing the input fixes the problem."""


class ParseError(InputError):
    """A raw evidence file cannot be read."""


class UnitError(InputError):
    """A quantity has no unit, an unknown unit, or a unit of the wrong dimension."""


class ProfileError(InputError):
    """A requirement profile is invalid, inconsistent or not found."""


class EvidenceError(InputError):
    """An evidence document is invalid."""


class EngineError(QualBridgeError, RuntimeError):
    """QualBridge itself malfunctioned."""


def at(file: str | None = None, row: int | None = None, field: str | None = None) -> Location:
    """Shorthand for building a :class:`Location`."""
    return Location(file=file, row=row, field=field)
