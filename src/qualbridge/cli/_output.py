"""Output conventions shared by every command: ``--json`` prints machine-readable data of the same shape
as the API; otherwise Rich renders tables for people. Errors are one line on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from qualbridge.errors import (
    EngineError,
    LogUnavailableError,
    QualBridgeError,
    RemoteError,
    VerificationError,
)
from qualbridge.text import Lang

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON (same shape as the API).")
LangOption = typer.Option("en", "--lang", help="Language of messages: en or zh.")

EXIT_OK = 0
EXIT_FAILED_CHECK = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


def exit_code(exc: QualBridgeError) -> int:
    """The one mapping of errors to exit codes: a malfunction or a failed verification is 1 (like a
    failed check), a log or server out of reach 3 (nothing was done or proven), a server's refusal 2 when
    it names the caller's mistake (a 4xx) and 1 otherwise, any other error the caller's input."""
    if isinstance(exc, RemoteError):
        if exc.status is None:
            return EXIT_UNAVAILABLE
        return EXIT_BAD_INPUT if exc.caller_mistake else EXIT_FAILED_CHECK
    if isinstance(exc, EngineError | VerificationError):
        return EXIT_FAILED_CHECK
    if isinstance(exc, LogUnavailableError):
        return EXIT_UNAVAILABLE
    return EXIT_BAD_INPUT


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def emit(data: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")
    else:
        render()


def check_lang(lang: str) -> Lang:
    if lang not in ("en", "zh"):
        raise typer.BadParameter("use en or zh", param_hint="--lang")
    return "en" if lang == "en" else "zh"


VERDICT_STYLE = {
    "pass": "bold green",
    "fail": "bold red",
    "missing": "yellow",
    "inconclusive": "magenta",
    "incomplete": "yellow",
}


T = TypeVar("T")


def read_all(paths: Sequence[Path], load: Callable[[Path], T]) -> list[T]:
    """``load`` each path with a progress display on stderr (a large export takes seconds to parse).

    The display goes to stderr and vanishes when done, so ``--json`` output on stdout stays clean.
    """
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    loaded: list[T] = []
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("reading", total=len(paths))
        for path in paths:
            bar.update(task, description=f"reading {path.name}")
            loaded.append(load(path))
            bar.advance(task)
    return loaded


@contextmanager
def steps(first: str, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step of a long command; yields the function that names the next."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True, disable=quiet
    ) as bar:
        task = bar.add_task(first, total=None)
        yield lambda step: bar.update(task, description=step)
