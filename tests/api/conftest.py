from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from qualbridge.api import create_app
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.api.client import TestClient
from tests.store.databases import clock, ctx, database, postgres_engine, sqlite_template

__all__ = ["app", "client", "clock", "ctx", "database", "postgres_engine", "sqlite_template"]

#: Small limits, so that "too large" is cheap to test.
MAX_BODY = 64 * 1024


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    settings = Settings(max_upload_bytes=ctx.limits.max_upload_bytes, max_body_bytes=MAX_BODY)
    return create_app(settings, context=ctx)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
