"""The README's tour runs as written (against a real port), and says what it claims."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(after_heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(after_heading) :]
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


def test_no_document_points_outside_the_repository():
    """A clone has nothing above its own folder: the documents and the shipped fixtures and scenarios link only
    inside it (the rule book is docs/rules.md)."""
    root = README.parent
    documents = [
        README,
        *root.glob("*/README.md"),
        *root.glob("docs/**/*.md"),
        *root.glob("fixtures/*.yaml"),
        *root.glob("scenarios/**/*.yaml"),
    ]
    outside = []
    for document in documents:
        for match in re.finditer(r"(?<![.\w])(?:\.\./)+[\w./-]*", document.read_text(encoding="utf-8")):
            target = (document.parent / match.group(0)).resolve()
            if not target.is_relative_to(root):
                outside.append(f"{document.relative_to(root)}: {match.group(0)}")
    assert outside == []
