"""The application as a whole: what ``create_app`` sets up around the routes."""

from anyio import to_thread

from qualbridge.api import create_app
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.api.client import TestClient


def test_synchronous_routes_get_no_more_threads_than_the_database_pool_has_connections(ctx: Context) -> None:
    app = create_app(Settings(db_pool_size=3), context=ctx)
    with TestClient(app) as client:
        threads = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert threads == 3
