"""Entry point: builds the Typer app from the command-group modules and maps errors to exit codes.

Exit codes: 0 success; 1 a check whose verdict is not a pass, a verification that fails, or a server
error; 2 bad input (file, row, field named), or a request a server refused as the caller's mistake; 3 a
server or remote log that cannot be reached (nothing was done or proven either way).
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.markup import escape

from qualbridge import __version__
from qualbridge.cli._client import Remote
from qualbridge.cli._output import err_console, exit_code
from qualbridge.errors import QualBridgeError

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
    "report",
    "profiles",
    "evidence",
    "iso14644",
    "iso8573",
    "schema",
    "verify",
    "witness",
    "demo",
    "serve",
    "db",
    "trust",
    "remote",
    "keys",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualbridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    server: str | None = typer.Option(
        None,
        "--server",
        envvar="QUALBRIDGE_SERVER",
        help="A QualBridge server, e.g. https://qualbridge.example (for orgs, products, evidence upload, "
        "evaluations, packages).",
    ),
    token: str | None = typer.Option(
        None, "--token", envvar="QUALBRIDGE_TOKEN", help="Its API token (qbt_…).", show_default=False
    ),
) -> None:
    """QualBridge command line."""
    ctx.obj = Remote(server=server, token=token)


for _name in _GROUPS:
    importlib.import_module(f"qualbridge.cli.{_name}").register(app)


def main() -> None:
    """Run the CLI; Typer handles usage errors (exit 2), QualBridge errors become one line here."""
    try:
        app()
    except QualBridgeError as exc:
        # Escaped: a message may quote text in brackets (an ISO 8573 class "[1:2:1]", a server's detail).
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exit_code(exc))
