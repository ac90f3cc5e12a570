"""The Debian packages some tests need (Chromium, PostgreSQL) are installed by ``make system-deps``, which ``make
test`` runs first; pytest never installs anything: without them, the tests that need them are skipped and say how
to install them."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from . import postgres_setup, ui_browser_setup

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def nothing_runs(monkeypatch):
    """Any command started from here fails the test (apt-get above all)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a test set-up ran a command: {args[0] if args else kwargs}")

    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    monkeypatch.setattr(os, "system", refuse)


def test_a_missing_browser_skips_the_browser_tests(nothing_runs, tmp_path):
    with pytest.raises(pytest.skip.Exception, match="make system-deps"):
        ui_browser_setup.ensure_chromium(str(tmp_path / "no-chromium"))


def test_a_missing_postgresql_skips_its_tests(nothing_runs, monkeypatch):
    monkeypatch.setattr(postgres_setup, "_bin_dir", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="make system-deps"):
        postgres_setup.require_postgres()


def make(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    return subprocess.run(["make", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60)


def test_make_test_installs_them_before_pytest():
    planned = make("-n", "test", "VENV=/nonexistent-venv").stdout  # -n: printed, not run
    assert "/usr/lib/postgresql/*/bin/pg_ctl" in planned and "apt-get" in planned
    assert planned.index("apt-get") < planned.index("-m pytest")


def test_make_system_deps_is_quick_when_they_are_present():
    chromium = os.environ.get("PCSIM_CHROMIUM", "/usr/bin/chromium")
    if not (os.access(chromium, os.X_OK) and glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")):
        pytest.skip("Chromium or PostgreSQL is missing: `make system-deps` would install it (not from pytest)")
    started = time.monotonic()
    done = make("-s", "system-deps")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert time.monotonic() - started < 5
