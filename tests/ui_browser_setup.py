"""A real browser for the UI tests: Playwright (Python) driving Debian's Chromium.

Playwright's own browser download is not available here, so the tests launch the system browser
(``/usr/bin/chromium``, or ``$PCSIM_CHROMIUM``). ``make test`` installs Debian's ``chromium`` package first
(``make system-deps``); pytest never installs anything: run alone on a machine without the browser, the browser
tests are skipped, and say how to install it.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("PCSIM_CHROMIUM", "/usr/bin/chromium")
# What is known to work here (headless, as root, on a machine with no network beyond its package mirrors):
# without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
HOW_TO_INSTALL = (
    "The browser tests need Chromium at {path}: `make system-deps` (or `make test`) installs Debian's package "
    "(as root: apt-get install -y chromium); elsewhere point PCSIM_CHROMIUM at a Chromium or Chrome executable."
)


def _usable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def ensure_chromium(path: str = CHROMIUM) -> str:
    """The browser's executable; the test is skipped, with how to install it, when there is none."""
    if not _usable(path):
        pytest.skip(HOW_TO_INSTALL.format(path=path))
    return path


def _playwright():
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail(
            "The browser tests need the Python package `playwright` (the `test` extra): pip install -e '.[test]'",
            pytrace=False,
        )
    return sync_api


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The browser, checked once per test session."""
    return ensure_chromium()


@pytest.fixture(scope="module")
def browser(chromium_executable):
    """Headless Chromium for the tests of one module.

    Not for the whole session: while Playwright's sync API is started, the thread counts its event loop as
    running, and any later test in the same process calling ``asyncio.run`` (the msgraph-sdk tests) would fail.
    Stopping it at the end of the module clears that."""
    sync_api = _playwright()
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        except sync_api.Error as error:  # a broken install: say so rather than a bare traceback
            pytest.fail(
                f"Could not start {chromium_executable}: {error}\n\n" + HOW_TO_INSTALL.format(path=chromium_executable),
                pytrace=False,
            )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies: nobody signed in) on the live server, 1280x800."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(30_000)  # a loaded CI machine renders the busier pages slowly
    page = context.new_page()
    yield page
    context.close()
