"""End-to-end fixtures: the whole application served by uvicorn on a free port of 127.0.0.1, on a fresh
SQLite database with the demo data, driven by Debian's Chromium through Playwright (one browser per
session). Screenshots go to ``test-artifacts/screenshots/``.

The browser reaches nothing but the server under test: every request to another host is aborted.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from qualbridge.api.app import create_app
from qualbridge.demo import scenarios
from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import demo_seed, transparency
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from qualbridge.store.db import make_engine
from qualbridge.store.migrate import upgrade

CHROMIUM = Path(os.environ.get("QUALBRIDGE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: How long one step of a page may take on a loaded 2-core machine.
TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Served:
    url: str
    files: Path
    #: The server's own context, for what happens outside the browser (witnesses cosigning).
    ctx: Context


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("e2e")
    settings = Settings(database_url=f"sqlite:///{root / 'qualbridge.db'}", blob_dir=root / "blobs")
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # A cheap Argon2 for the demo users: the sign-in path is the same, only the cost differs.
    ctx = Context.from_settings(settings)
    ctx.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    demo_seed.seed(ctx)
    scenarios.build(root / "files")
    # Port 0: the system picks a free port, read back from the listening socket below.
    app = create_app(settings, context=ctx)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server under test did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(url=f"http://127.0.0.1:{port}", files=root / "files", ctx=ctx)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        ctx.db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium (scripts/system-deps)")
    args = [
        "--disable-dev-shm-usage",  # a container's /dev/shm is small
        "--disable-gpu",
        "--no-first-run",
        # A closed network: no background requests, and no host but 127.0.0.1 resolves.
        "--disable-background-networking",
        "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root in a container
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield found
        finally:
            found.close()


def _local_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def new_page(browser: Browser, served: Served, *, width: int = 1280, locale: str = "en-GB") -> Page:
    context: BrowserContext = browser.new_context(
        base_url=served.url, viewport={"width": width, "height": 900}, locale=locale
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", _local_only)
    return context.new_page()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def cosign(served: Served) -> None:
    """The demo witnesses cosign the log's latest checkpoint, as ``qualbridge demo seed`` has them do
    (through the function behind POST /log/cosignature)."""
    for name in demo_witnesses.NAMES:
        transparency.cosign_latest(served.ctx, demo_witnesses.signer(name))


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
