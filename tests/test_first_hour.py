"""The README's Quick tour as a newcomer runs it: every shell block with bash and the Python tour as a script,
against ``pcsim serve`` on a real port, from a folder outside the checkout. The README cannot drift from the
product: a command that stops working fails here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_serve import start, stop

README = Path(__file__).resolve().parents[1] / "README.md"
DEFAULT_URL = "http://127.0.0.1:8080"


def tour() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Quick tour") : text.index("\n## ", text.index("## Quick tour") + 1)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", tour(), re.S)


@pytest.fixture(scope="module")
def served():
    process, base = start()
    yield base
    stop(process)


def test_the_tour_has_shell_and_python_blocks():
    assert len(blocks("sh")) >= 2 and len(blocks("python")) == 1
    assert DEFAULT_URL in tour()


@pytest.mark.parametrize("index", range(len(blocks("sh"))))
def test_each_shell_block_runs_as_written(served, tmp_path, index):
    script = "set -euo pipefail\n" + blocks("sh")[index].replace(DEFAULT_URL, served)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert outputs, done.stdout
    refusals = [o for o in outputs if "error" in o]
    # The tour shows one refusal on purpose (Fourth Coffee's expired relationship), only in a comment.
    assert not refusals, refusals


def test_the_python_tour_runs_as_a_script_outside_the_checkout(served, tmp_path):
    script = tmp_path / "tour.py"
    script.write_text(blocks("python")[0].replace(DEFAULT_URL, served))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "403 R6 Only the Azure subscription's provider" in done.stdout
    assert "adatum ['partner']" in done.stdout and "litware ['partner', 'microsoft']" in done.stdout
