"""Entry point: builds the Typer app from the command-group modules and maps errors to exit codes.

Exit codes: 0 success; 1 a check whose verdict is not a pass; 2 bad input (file, row, field named).
"""

from __future__ import annotations

import importlib
import sys

import typer

from qualbridge import __version__
from qualbridge.cli._output import EXIT_BAD_INPUT, err_console
from qualbridge.errors import EngineError, QualBridgeError

app = typer.Typer(
    name="qualbridge",
    help="Qualification evidence: standards as data, evidence parsing, evaluation and gap analysis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module defines `register(app)`; order is the order of `qualbridge --help`.
_GROUPS = (
    "evaluate",
    "profiles",
    "evidence",
    "iso14644",
    "iso8573",
    "schema",
    "demo",
    "serve",
    "db",
    "trust",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualbridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """QualBridge command line."""


for _name in _GROUPS:
    importlib.import_module(f"qualbridge.cli.{_name}").register(app)


def main() -> None:
    """Run the CLI; Typer handles usage errors (exit 2), QualBridge errors become one line here."""
    try:
        app()
    except QualBridgeError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1 if isinstance(exc, EngineError) else EXIT_BAD_INPUT)
