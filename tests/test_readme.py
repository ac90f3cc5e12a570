"""The README's tour runs as written (against a real port), and says what it claims."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(after_heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(after_heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_seed_procedure_tour_runs(live_server):
    code = python_block("### The seed's procedure, end to end").replace("http://127.0.0.1:8080", live_server.url)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    printed = out.getvalue()
    assert "('Exchange', 'serviceDegradation')" in printed
    assert "403 R6 Only the Azure subscription's provider" in printed
    assert "adatum ['partner']" in printed and "litware ['partner', 'microsoft']" in printed
