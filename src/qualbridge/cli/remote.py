"""Client-mode commands (``qualbridge --server URL --token T …``): the directory of organizations, products,
evaluations and qualification packages on a QualBridge server. (``qualbridge evidence upload`` is in the
evidence group.) ``--json`` prints the server's answer as it came: the same shape as the API."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from qualbridge.cli._client import IdempotencyKeyOption, connect
from qualbridge.cli._output import (
    EXIT_FAILED_CHECK,
    VERDICT_STYLE,
    JsonOption,
    LangOption,
    check_lang,
    console,
    emit,
)
from qualbridge.cli.evaluate import render_evaluation
from qualbridge.evaluation.result import Evaluation

LimitOption = typer.Option(50, "--limit", min=1, max=200, help="Items per page.")
OffsetOption = typer.Option(0, "--offset", min=0, help="Items to skip.")
ProductOption = typer.Option(..., "--product", help="The product's id (see: qualbridge products list).")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

Column = tuple[str, Callable[[dict[str, Any]], str]]


def _page(title: str, page: dict[str, Any], columns: Sequence[Column]) -> None:
    table = Table(title=title)
    for name, _ in columns:
        table.add_column(name, overflow="fold")
    for item in page["items"]:
        table.add_row(*(escape(cell(item)) for _, cell in columns))
    console.print(table)
    shown = len(page["items"])
    first = page["offset"] + 1 if shown else 0
    console.print(f"[dim]{first}–{page['offset'] + shown} of {page['total']}[/]")


# --- signing in ----------------------------------------------------------------------------------------


def login(
    ctx: typer.Context,
    email: str = typer.Option(..., "--email", help="Your e-mail address on the server."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        envvar="QUALBRIDGE_PASSWORD",
        help="Your password (asked for when not given).",
    ),
    name: str = typer.Option("qualbridge-cli", "--name", help="What to call the token (to revoke it later)."),
    scope: str = typer.Option("write", "--scope", help="write or read."),
    days: int | None = typer.Option(None, "--days", min=1, help="Lifetime (default: the server's longest)."),
    as_json: bool = JsonOption,
) -> None:
    """Sign in with your password and get an API token for the other commands (shown once: keep it)."""
    if scope not in ("read", "write"):
        raise typer.BadParameter("use write or read", param_hint="--scope")
    body = _set({"email": email, "password": password, "name": name, "scope": scope, "expires_in_days": days})
    with connect(ctx, signed_in=False) as client:
        # Not retried: signing in again would issue a second token, not replay the first.
        issued = client.post("/auth/tokens", retry=False, json=body)

    def render() -> None:
        token = issued["token"]
        what = f"token {escape(token['name'])} ({token['scope']}), expires {token['expires_at']}"
        console.print(f"[green]signed in[/]: {what}")
        console.print("shown this once; use it as --token or:")
        console.print(f"export QUALBRIDGE_TOKEN={issued['secret']}", highlight=False, soft_wrap=True)

    emit(issued, as_json=as_json, render=render)


# --- organizations and products ------------------------------------------------------------------------

orgs_app = typer.Typer(help="The directory of organizations on the server.", no_args_is_help=True)
products_app = typer.Typer(help="Your organization's products on the server.", no_args_is_help=True)


@orgs_app.command("list")
def list_orgs(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, "--kind", help="vendor, lab, fab or center."),
    search: str | None = typer.Option(None, "--search", "-q", help="Text in the slug or either name."),
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
) -> None:
    """Find an organization (e.g. the fab to share a package with): public entries only."""
    with connect(ctx) as client:
        page = client.get("/orgs", params={"kind": kind, "q": search, "limit": limit, "offset": offset})
    columns: list[Column] = [
        ("slug", lambda o: o["slug"]),
        ("kind", lambda o: o["kind"]),
        ("name", lambda o: f"{o['name_en']}\n{o['name_zh']}"),
        ("country", lambda o: o["country"]),
        ("id", lambda o: o["id"]),
    ]
    emit(page, as_json=as_json, render=lambda: _page("Organizations", page, columns))


@products_app.command("list")
def list_products(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, "--kind", help="equipment, subsystem, component or material."),
    search: str | None = typer.Option(None, "--search", "-q", help="Text in the model or name."),
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
) -> None:
    """Your organization's products, with the ids the other commands take."""
    with connect(ctx) as client:
        page = client.get("/products", params={"kind": kind, "q": search, "limit": limit, "offset": offset})
    columns: list[Column] = [
        ("model", lambda p: p["model"]),
        ("kind", lambda p: p["kind"]),
        ("name", lambda p: p["name"]),
        ("id", lambda p: p["id"]),
    ]
    emit(page, as_json=as_json, render=lambda: _page("Products", page, columns))


# --- evaluations ---------------------------------------------------------------------------------------

evaluations_app = typer.Typer(help="Evaluations of your products on the server.", no_args_is_help=True)


def _evaluated(evaluation: dict[str, Any], *, as_json: bool, lang: str) -> None:
    """Print an evaluation (the engine's table, as ``qualbridge evaluate`` prints it); exit 1 unless it
    passes, as a local evaluation does."""
    language = check_lang(lang)

    def render() -> None:
        result = Evaluation.model_validate(evaluation["result"])
        ref = f"{evaluation['profile_id']}@{evaluation['profile_version']}"
        render_evaluation(result, ref, language)
        console.print(f"[dim]evaluation {evaluation['id']} · {len(evaluation['evidence'])} evidence[/]")

    emit(evaluation, as_json=as_json, render=render)
    if evaluation["overall"] != "pass":
        raise typer.Exit(EXIT_FAILED_CHECK)


@evaluations_app.command("run")
def run_evaluation(
    ctx: typer.Context,
    product: str = ProductOption,
    profile: str = typer.Option(..., "--profile", "-p", help="A published profile: id or id@version."),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: today, UTC)."),
    evidence: list[str] = typer.Option(
        [], "--evidence", help="Evaluate only these evidence ids (repeat; default: all of the product's)."
    ),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Evaluate a product's evidence (own and inherited) on the server and store the result.
    Exit 0 pass, 1 fail/incomplete, 2 bad input."""
    body: dict[str, Any] = {"profile": profile, "as_of": as_of, "evidence": evidence or None}
    with connect(ctx) as client:
        evaluation = client.post(f"/products/{product}/evaluations", key=key, json=_set(body))
    _evaluated(evaluation, as_json=as_json, lang=lang)


@evaluations_app.command("rerun")
def rerun(
    ctx: typer.Context,
    evaluation_id: str = typer.Argument(..., help="The evaluation to run again."),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: the first one's)."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evaluate only these evidence ids."),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Evaluate again as a new evaluation (same profile version). Exit 0 pass, 1 fail/incomplete."""
    body = _set({"as_of": as_of, "evidence": evidence or None})
    with connect(ctx) as client:
        evaluation = client.post(f"/evaluations/{evaluation_id}/rerun", key=key, json=body)
    _evaluated(evaluation, as_json=as_json, lang=lang)


@evaluations_app.command("list")
def list_evaluations(
    ctx: typer.Context,
    product: str = ProductOption,
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
) -> None:
    """A product's evaluations, newest first."""
    with connect(ctx) as client:
        page = client.get(f"/products/{product}/evaluations", params={"limit": limit, "offset": offset})
    columns: list[Column] = [
        ("created", lambda e: e["created_at"]),
        ("profile", lambda e: f"{e['profile_id']}@{e['profile_version']}"),
        ("as of", lambda e: e["as_of"]),
        ("overall", lambda e: e["overall"]),
        ("id", lambda e: e["id"]),
    ]
    emit(page, as_json=as_json, render=lambda: _page("Evaluations", page, columns))


@evaluations_app.command("show")
def show_evaluation(
    ctx: typer.Context,
    evaluation_id: str = typer.Argument(..., help="The evaluation."),
    package: str | None = typer.Option(None, "--package", help="Read it through this shared package."),
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """One evaluation with its results and gaps (a fab reads one through the package it was shared in).
    Exit 0 pass, 1 fail/incomplete."""
    path = f"/packages/{package}/evaluations/{evaluation_id}" if package else f"/evaluations/{evaluation_id}"
    with connect(ctx) as client:
        evaluation = client.get(path)
    _evaluated(evaluation, as_json=as_json, lang=lang)


def _set(body: dict[str, Any]) -> dict[str, Any]:
    """The fields that were given (the server's defaults stand for the others)."""
    return {k: v for k, v in body.items() if v is not None}


# --- packages and grants -------------------------------------------------------------------------------

packages_app = typer.Typer(
    help="Qualification packages and the grants that share them.", no_args_is_help=True
)


def _package_line(package: dict[str, Any]) -> None:
    product = package["product"]
    console.print(
        f"[bold]{escape(package['name'])}[/] ({package['id']}) · {escape(product['model'])} · "
        f"{package['access']}"
        + (f" until {package['grant_expires_at']}" if package.get("grant_expires_at") else "")
    )


def _package(package: dict[str, Any]) -> None:
    _package_line(package)
    profiles = ", ".join(f"{p['id']}@{p['version']}" for p in package["profiles"])
    console.print(f"profiles: {escape(profiles)}")
    for e in package["evidence"]:
        console.print(f"  evidence {e['id']} · {e['kind']} · {escape(e['issuer'])} · {e['test_date']}")
    for e in package["evaluations"]:
        style = VERDICT_STYLE.get(e["overall"], "")
        console.print(
            f"  evaluation {e['id']} · {e['profile_id']}@{e['profile_version']} · [{style}]{e['overall']}[/]"
        )


@packages_app.command("create")
def create_package(
    ctx: typer.Context,
    product: str = ProductOption,
    name: str = typer.Option(..., "--name", help="What the fab will see the package as."),
    profile: list[str] = typer.Option(..., "--profile", "-p", help="Target profile, id[@version] (repeat)."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evidence id to include (repeat)."),
    evaluation: list[str] = typer.Option(
        [], "--evaluation", help="Evaluation id to include (repeat): it may only have read included evidence."
    ),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Bundle a product, target profiles, chosen evidence and evaluations into a package."""
    body = {"product_id": product, "name": name, "profiles": profile, "evidence": evidence}
    with connect(ctx) as client:
        package = client.post("/packages", key=key, json={**body, "evaluations": evaluation})
    emit(package, as_json=as_json, render=lambda: _package(package))


@packages_app.command("list")
def list_packages(
    ctx: typer.Context, limit: int = LimitOption, offset: int = OffsetOption, as_json: bool = JsonOption
) -> None:
    """Your packages, and those shared with you by an active grant."""
    with connect(ctx) as client:
        page = client.get("/packages", params={"limit": limit, "offset": offset})
    columns: list[Column] = [
        ("name", lambda p: p["name"]),
        ("product", lambda p: p["product"]["model"]),
        (
            "access",
            lambda p: p["access"] + (f" until {p['grant_expires_at']}" if p["grant_expires_at"] else ""),
        ),
        ("id", lambda p: p["id"]),
    ]
    emit(page, as_json=as_json, render=lambda: _page("Packages", page, columns))


@packages_app.command("show")
def show_package(
    ctx: typer.Context, package_id: str = typer.Argument(..., help="The package."), as_json: bool = JsonOption
) -> None:
    """A package: its product, profiles, evidence and evaluations."""
    with connect(ctx) as client:
        package = client.get(f"/packages/{package_id}")
    emit(package, as_json=as_json, render=lambda: _package(package))


def fab_field(fab: str) -> dict[str, str]:
    """A fab named by id, slug or English name, as the grant request names it."""
    try:
        return {"fab_org_id": str(uuid.UUID(fab))}
    except ValueError:
        pass
    return {"fab_slug": fab} if _SLUG.match(fab) else {"fab_name": fab}


def expiry(expires: str | None, days: int | None, *, now: dt.datetime) -> str:
    """The grant's end: ``--days`` from now, or ``--expires`` as a time with its zone or a date (access
    then lasts to the end of that day, UTC)."""
    if (expires is None) == (days is None):
        raise typer.BadParameter("give --expires DATE or --days N (one of them)", param_hint="--expires")
    if days is not None:
        return (now + dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")
    assert expires is not None
    try:
        day = dt.date.fromisoformat(expires)
    except ValueError:
        pass
    else:
        return f"{day + dt.timedelta(days=1)}T00:00:00Z"
    try:
        when = dt.datetime.fromisoformat(expires)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD or an ISO 8601 time", param_hint="--expires") from None
    if when.tzinfo is None:
        raise typer.BadParameter(
            "give the time with its zone, e.g. 2026-12-31T18:00:00Z", param_hint="--expires"
        )
    return when.isoformat()


def _grant_line(share: dict[str, Any]) -> None:
    state = "active" if share["active"] else ("revoked" if share["revoked_at"] else "expired")
    console.print(
        f"grant {share['id']}: {escape(share['fab_name_en'])} until {share['expires_at']} ({state})"
    )


@packages_app.command("share")
def share(
    ctx: typer.Context,
    package_id: str = typer.Argument(..., help="The package."),
    fab: str = typer.Option(
        ..., "--fab", help="The fab: its slug, id or English name (qualbridge orgs list)."
    ),
    expires: str | None = typer.Option(None, "--expires", help="YYYY-MM-DD (to the end of that day, UTC)."),
    days: int | None = typer.Option(None, "--days", min=1, help="…or this many days from now."),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Let a fab read the package until the expiry (at most three years ahead); revocable."""
    body = {**fab_field(fab), "expires_at": expiry(expires, days, now=dt.datetime.now(dt.UTC))}
    with connect(ctx) as client:
        granted = client.post(f"/packages/{package_id}/shares", key=key, json=body)
    emit(granted, as_json=as_json, render=lambda: _grant_line(granted))


@packages_app.command("shares")
def list_shares(
    ctx: typer.Context, package_id: str = typer.Argument(..., help="The package."), as_json: bool = JsonOption
) -> None:
    """Every grant of your package, active or not."""
    with connect(ctx) as client:
        grants = client.get(f"/packages/{package_id}/shares")

    def render() -> None:
        for g in grants:
            _grant_line(g)

    emit(grants, as_json=as_json, render=render)


@packages_app.command("audit")
def audit_trail(
    ctx: typer.Context,
    package_id: str = typer.Argument(..., help="Your package."),
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
) -> None:
    """Who did what with your package and when, oldest first: your actions and every read by a fab."""
    with connect(ctx) as client:
        page = client.get(f"/packages/{package_id}/audit", params={"limit": limit, "offset": offset})
    columns: list[Column] = [
        ("at", lambda e: e["at"]),
        ("organization", lambda e: e["org_id"]),
        ("action", lambda e: e["action"]),
        ("what", lambda e: ", ".join(f"{k} {v}" for k, v in e["detail"].items() if k != "share")),
    ]
    emit(page, as_json=as_json, render=lambda: _page("Audit trail", page, columns))


@packages_app.command("revoke")
def revoke(
    ctx: typer.Context,
    package_id: str = typer.Argument(..., help="The package."),
    share_id: str = typer.Argument(..., help="The grant (see: qualbridge packages shares)."),
    as_json: bool = JsonOption,
) -> None:
    """End a grant now."""
    with connect(ctx) as client:
        revoked = client.delete(f"/packages/{package_id}/shares/{share_id}")
    emit(revoked, as_json=as_json, render=lambda: _grant_line(revoked))


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(products_app, name="products")
    app.add_typer(evaluations_app, name="evaluations")
    app.add_typer(packages_app, name="packages")
