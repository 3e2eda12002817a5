"""PDF: the report's HTML printed by Debian's Chromium (``/usr/bin/chromium``, installed by
``make install``) through Playwright, A4 with page numbers.

The HTML is self-contained, so the browser is given no network at all: every request it would make is
refused. Chromium embeds the fonts it lays the text out with, so Chinese comes out as real text set in
Noto Sans CJK SC. One :class:`PdfRenderer` keeps one browser for as many reports as it is asked for.

Playwright's synchronous API refuses to run in a thread that has an asyncio loop running, and its objects
belong to the thread that made them; so a renderer drives its browser from a thread of its own, and may
be called from any thread (a CLI, a server's worker threads, a test session that has other browsers).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Final

from playwright.sync_api import Browser, Playwright, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from qualbridge.errors import RenderError

CHROMIUM: Final = Path("/usr/bin/chromium")
#: What a headless Chromium needs in a container on a closed network: /dev/shm is small there, no GPU,
#: and nothing that phones home.
_FLAGS: Final = (
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--metrics-recording-only",
    "--mute-audio",
)
_FOOTER: Final = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#57606a;font-family:sans-serif">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def launch_flags() -> list[str]:
    """Chromium's flags here; its sandbox cannot start as root, so only then is it switched off."""
    return [*_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]


def _refuse(route: Route) -> None:
    route.abort("blockedbyclient")


class PdfRenderer:
    """``with PdfRenderer() as pdf: pdf.render(html)`` — one browser, any number of reports."""

    def __init__(self, *, executable: Path = CHROMIUM) -> None:
        self._executable = executable
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._thread: ThreadPoolExecutor | None = None

    def __enter__(self) -> PdfRenderer:
        if not self._executable.exists():
            raise RenderError(
                f"no Chromium at {self._executable}: PDF reports need it",
                expected="run 'make install' (it installs Debian's chromium)",
            )
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        try:
            self._thread.submit(self._start).result()
        except BaseException:
            self._thread.shutdown()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._thread is not None:
            self._thread.submit(self._stop).result()
            self._thread.shutdown()
        self._thread = None

    def render(self, html: str) -> bytes:
        """The PDF of ``html``: A4, backgrounds printed, page numbers in the footer."""
        if self._thread is None:
            raise RuntimeError("use PdfRenderer as a context manager")
        return self._thread.submit(self._render, html).result()

    # --- on the renderer's own thread ---------------------------------------------------------------

    def _start(self) -> None:
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(self._executable), headless=True, args=launch_flags()
            )
        except PlaywrightError as exc:
            self._playwright.stop()
            self._playwright = None
            raise RenderError(f"Chromium did not start: {exc.message.splitlines()[0]}") from exc

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None

    def _render(self, html: str) -> bytes:
        assert self._browser is not None  # started by __enter__
        context = self._browser.new_context(offline=True, java_script_enabled=False)
        try:
            page = context.new_page()
            page.route("**/*", _refuse)
            page.set_content(html, wait_until="load")
            return page.pdf(
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=_FOOTER,
            )
        except PlaywrightError as exc:
            raise RenderError(f"the PDF could not be rendered: {exc.message.splitlines()[0]}") from exc
        finally:
            context.close()


def render_pdf(html: str) -> bytes:
    """One report's PDF, with a browser started for it alone."""
    with PdfRenderer() as renderer:
        return renderer.render(html)
