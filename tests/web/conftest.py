"""The web pages driven through Starlette's test client, on SQLite and PostgreSQL (as the API tests)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from qualbridge.api import create_app
from qualbridge.services import accounts, intake, products
from qualbridge.services.actor import Actor, OrgKind
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, stream
from tests.store.databases import clock, ctx, database, postgres_engine, sqlite_template

__all__ = ["clock", "ctx", "database", "postgres_engine", "sqlite_template"]

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    """Two vendors and a fab, each with an admin; the first vendor has a product."""

    actors: dict[str, Actor]
    emails: dict[str, str]
    product: uuid.UUID


def _org(ctx: Context, key: str, kind: OrgKind) -> tuple[Actor, str]:
    email = f"admin@{key}.example"
    org, user = accounts.bootstrap_organization(
        ctx,
        kind=kind,
        name_en=f"{key.title()} Example",
        name_zh=f"{key}示例",
        country="CN",
        admin_email=email,
        admin_name=f"{key} admin",
        admin_password=PASSWORD,
    )
    return Actor(org.id, kind, user.id, "admin", "write"), email


@pytest.fixture
def world(ctx: Context) -> World:
    made = {
        key: _org(ctx, key, kind) for key, kind in [("acme", "vendor"), ("other", "vendor"), ("fab", "fab")]
    }
    actors = {k: a for k, (a, _) in made.items()}
    product = products.create_product(
        ctx, actors["acme"], kind="equipment", model="SECRET-MODEL-7", name="Acme secret chamber"
    )
    return World(actors=actors, emails={k: e for k, (_, e) in made.items()}, product=product.id)


@pytest.fixture
def survey(ctx: Context, world: World) -> str:
    """A particle survey stored (signed and logged) on the first vendor's product; its content id."""
    stored = intake.ingest_file(
        ctx,
        world.actors["acme"],
        product_id=world.product,
        stream=stream(PARTICLE_CSV),
        filename="survey.csv",
        meta=PARTICLE_META,
    )
    return stored.ingested.evidence.id


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    return create_app(Settings(), context=ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in; returns the CSRF secret of the new session."""
    page = client.get("/sign-in")
    done = client.post(
        "/sign-in", data={"csrf": csrf_of(page.text), "email": email, "password": password, "next": "/"}
    )
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/").text)


def create_package(client: TestClient, csrf: str, world: World, *, name: str = "Acme package") -> str:
    """A package of the world's product, made through the form; returns its page's path."""
    made = client.post(
        "/packages",
        data={
            "csrf": csrf,
            "product_id": str(world.product),
            "name": name,
            "profile": "iso14644-1/class-5/at-rest",
        },
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).split("?")[0]
