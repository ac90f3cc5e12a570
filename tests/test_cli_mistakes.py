"""A user's mistake on the command line gets a few lines saying what is wrong and what to do, and a non-zero
exit: never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from .ports import free_port
from .test_serve import PCSIM, start, stop

ROOT = Path(__file__).resolve().parents[1]


def serve(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PCSIM, "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def assert_told(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 14, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.mark.parametrize("how", ["option", "environment"])
def test_an_unknown_fixture_names_the_shipped_ones(how):
    done = serve("--scenario", "nosuch") if how == "option" else serve(env={"PCSIM_SCENARIO": "nosuch"})
    assert_told(done, "no fixture 'nosuch'", "default", "path")


def test_a_replay_scenario_given_to_serve_says_how_to_replay_it():
    done = serve("--scenario", "scenarios/trial-vs-paid.yaml")
    assert_told(done, "is a replay scenario", "pcsim replay scenarios/trial-vs-paid.yaml")


def test_an_invalid_fixture_lists_its_errors_and_points_to_validate(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (ROOT / "tests" / "fixtures" / "base.yaml")
        .read_text()
        .replace("  - key: direct\n", "  - key: direct\n    colour: blue\n", 1)
    )
    assert_told(serve("--scenario", str(broken)), "partners[0].colour: Unknown field.", "pcsim validate")


@pytest.mark.parametrize("option", ["--port", "--tls-port"])
def test_a_taken_port_names_the_option_to_change(option):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = str(holder.getsockname()[1])
        args = ["--port", taken] if option == "--port" else ["--tls", "--tls-port", taken]
        done = subprocess.run(
            [PCSIM, "serve", *args] if option == "--port" else [PCSIM, "serve", "--port", str(free_port()), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    assert_told(done, f"127.0.0.1:{taken}", option)


def test_the_banner_example_signs_in_as_a_partner_of_the_served_world():
    process, base = start("--scenario", str(ROOT / "tests" / "fixtures" / "base.yaml"))
    out = stop(process)
    assert "Try it (as admin@directcloud.onmicrosoft.com)" in out
    assert "northwind" not in out
