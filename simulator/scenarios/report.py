"""Reporting scenario results: JUnit XML (for CI) and the terminal display (rich)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .runner import ScenarioResult


def write_junit(results: list[ScenarioResult], path: str | Path, suite: str = "pcsim replay",
                duration: float | None = None) -> None:
    """One <testsuite>, one <testcase> per scenario; <failure> for a wrong answer, <error> for one that
    could not run (no world); the step results go to <system-out>."""
    failures = sum(r.outcome == "failed" for r in results)
    errors = sum(r.outcome == "error" for r in results)
    total = duration if duration is not None else sum(r.duration for r in results)
    root = ET.Element("testsuites", name=suite, tests=str(len(results)), failures=str(failures),
                      errors=str(errors), time=f"{total:.3f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)), failures=str(failures),
                       errors=str(errors), skipped="0", time=f"{total:.3f}")
    for r in results:
        classname = Path(r.scenario.file).with_suffix("").as_posix().replace("/", ".").lstrip(".")
        case = ET.SubElement(ts, "testcase", classname=classname, name=r.scenario.name, file=r.scenario.file,
                             time=f"{r.duration:.3f}")
        if r.outcome == "failed":
            el = ET.SubElement(case, "failure", message=r.headline(), type="ScenarioFailure")
            el.text = r.failure_message()
        elif r.outcome == "error":
            el = ET.SubElement(case, "error", message=r.headline(), type="ScenarioError")
            el.text = r.failure_message()
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(f"steps[{s.index}] {s.status}: {s.summary}" for s in r.steps) or "(no step ran)"
    ET.indent(root)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def print_result(console, result: ScenarioResult) -> None:
    """One line per scenario; a failure's details under it."""
    from rich.markup import escape
    from rich.text import Text

    rules = f" [dim]{escape(' '.join(result.scenario.rules))}[/dim]" if result.scenario.rules else ""
    if result.passed:
        console.print(f"[green]PASS[/green] {escape(result.scenario.name)}{rules} "
                      f"[dim]({escape(result.scenario.file)}, {len(result.steps)} steps, {result.duration:.2f}s)[/dim]",
                      soft_wrap=True)
        return
    label = "ERROR" if result.error else "FAIL"
    console.print(f"[red]{label}[/red] {escape(result.scenario.name)}{rules} [dim]({escape(result.scenario.file)}, "
                  f"{result.duration:.2f}s)[/dim]", soft_wrap=True)
    # Not wrapped: the explain URL stays one piece a person can copy.
    details = result.failure_message().split("\n", 1)[1:]
    for line in (details[0].splitlines() if details else []):
        console.print(Text(line, style="red" if not line.startswith("      ") else ""), soft_wrap=True)
