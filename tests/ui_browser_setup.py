"""A real browser for the UI tests: Playwright (Python) driving Debian's Chromium.

Playwright's own browser download is not available here, so the tests launch the system browser
(``/usr/bin/chromium``, or ``$PCSIM_CHROMIUM``). When it is missing, the session installs it once
(``apt-get update && apt-get install -y chromium``) if it runs as root; otherwise the tests FAIL with how to
install it. They never skip: a suite without its browser tests is not a passing suite.

With pytest-xdist every worker runs this set-up: a file lock in the temporary directory makes the first
worker install and the others wait for it, then find the browser in place.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PCSIM_CHROMIUM", "/usr/bin/chromium")
# What is known to work here (headless, as root, on a machine with no network beyond its package mirrors):
# without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
INSTALL_LOCK = Path(tempfile.gettempdir()) / "pcsim-chromium-install.lock"
HOW_TO_INSTALL = (
    "The browser tests need Chromium at {path}. Install Debian's package, as root:\n"
    "    apt-get update && apt-get install -y chromium\n"
    "(or `sudo apt-get install -y chromium`; elsewhere point PCSIM_CHROMIUM at a Chromium or Chrome "
    "executable). Running the tests as root installs it automatically."
)


def _usable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _apt_install() -> str:
    """``apt-get update && apt-get install -y chromium``; returns what went wrong, or '' on success."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available on this machine."
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              check=False)
        if done.returncode != 0:
            tail = "\n".join(done.stdout.splitlines()[-15:])
            return f"`{' '.join(command)}` failed (exit {done.returncode}):\n{tail}"
    return ""


def ensure_chromium(path: str = CHROMIUM) -> str:
    """The browser's executable, installed first if needed (once per machine, whatever the workers)."""
    if _usable(path):
        return path
    if os.geteuid() != 0:
        pytest.fail(HOW_TO_INSTALL.format(path=path), pytrace=False)
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be installing: wait for it
        try:
            if not _usable(path):  # ...and it may have finished meanwhile
                started = time.monotonic()
                problem = _apt_install()
                if problem or not _usable(path):
                    pytest.fail(f"Installing Chromium failed. {problem}\n\n" + HOW_TO_INSTALL.format(path=path),
                                pytrace=False)
                print(f"\ninstalled Debian's chromium in {time.monotonic() - started:.0f} s")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _playwright():
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("The browser tests need the Python package `playwright` (the `test` extra): "
                    "pip install -e '.[test]'", pytrace=False)
    return sync_api


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The browser, checked (and installed if need be) once per test session."""
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
            pytest.fail(f"Could not start {chromium_executable}: {error}\n\n"
                        + HOW_TO_INSTALL.format(path=chromium_executable), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies: nobody signed in) on the live server, 1280x800."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US",
                                  timezone_id="UTC")
    context.set_default_timeout(30_000)  # a loaded CI machine renders the busier pages slowly
    page = context.new_page()
    yield page
    context.close()
