"""``pcsim replay``: find, check, select and run scenario files; report and give an exit code."""
from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager

from .model import ScenarioInvalid, discover, load_scenarios, matches_keyword
from .report import print_result, write_junit
from .runner import Runner, ScenarioResult

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@contextmanager
def pcsim_server(url: str | None) -> Iterator[str]:
    """``url`` as is, or an in-process pcsim (the default configuration) on a free port."""
    if url:
        yield url.rstrip("/")
        return
    from .. import create_app
    from ..server import start_server

    server = start_server(create_app(host="127.0.0.1"), "127.0.0.1", 0, threaded=True)  # loopback: no secret
    try:
        yield server.url
    finally:
        server.stop()


def answers(url: str) -> bool:
    """Whether a pcsim answers at ``url`` (its ``/health``)."""
    import requests

    try:
        return requests.get(url.rstrip("/") + "/health", timeout=5).ok
    except requests.RequestException:
        return False


def replay(paths: list[str], url: str | None = None, junit_xml: str | None = None, keyword: str | None = None,
           jobs: int = 1, console=None) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = console or Console(highlight=False)
    files = discover(paths)
    if not files:
        console.print(f"[red]no scenario files in {escape(' '.join(paths))}[/red]")
        return EXIT_INVALID
    try:
        scenarios = load_scenarios(files)
    except ScenarioInvalid as exc:
        for error in exc.errors:
            console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        bad = len({e.file for e in exc.errors})
        console.print(f"[red]{bad} invalid scenario file(s), {len(exc.errors)} error(s): nothing was run[/red]")
        return EXIT_INVALID
    selected = [s for s in scenarios if not keyword or matches_keyword(s, keyword)]
    deselected = len(scenarios) - len(selected)
    if not selected:
        console.print(f"no scenario selected by -k {escape(keyword or '')} ({len(scenarios)} deselected)")
        if junit_xml:
            write_junit([], junit_xml, duration=0.0)
        return EXIT_OK

    if url and not answers(url):
        console.print(f"[red]no pcsim answers at {escape(url)}: start one (pcsim serve) or leave out --url to run "
                      "an in-process pcsim[/red]", soft_wrap=True)
        return EXIT_INVALID
    started = time.perf_counter()
    results: dict[int, ScenarioResult] = {}
    with pcsim_server(url) as base:
        runner = Runner(base, keep_failed_worlds=bool(url))
        console.print(f"replaying {len(selected)} scenario(s) against {escape(base)}"
                      + (f" ({deselected} deselected by -k)" if deselected else "")
                      + (f", {jobs} at a time" if jobs > 1 else ""))
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn()]
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("scenarios", total=len(selected))
            with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="pcsim-replay") as pool:
                futures = {pool.submit(runner.run, s): i for i, s in enumerate(selected)}
                for future in as_completed(futures):
                    result = future.result()
                    results[futures[future]] = result
                    print_result(progress.console, result)
                    progress.advance(task)
    ordered = [results[i] for i in range(len(selected))]
    elapsed = time.perf_counter() - started
    if junit_xml:
        write_junit(ordered, junit_xml, duration=elapsed)
    failed = [r for r in ordered if not r.passed]
    passed = len(ordered) - len(failed)
    colour = "red" if failed else "green"
    for r in failed:
        console.print(f"[red]FAILED[/red] {escape(r.scenario.file)} :: {escape(r.scenario.name)}: "
                      f"{escape(r.headline())}", soft_wrap=True)
    if url and any(r.world_id for r in failed):
        console.print("[dim]the worlds of failed scenarios are kept (idle for an hour at most) so their explain "
                      "URLs work[/dim]")
    # The last line alone says the outcome, as test runners do (the header said what -k deselected; the time
    # is in the JUnit report).
    console.print(f"[{colour}]{passed} passed, {len(failed)} failed[/{colour}]")
    return EXIT_FAILED if failed else EXIT_OK
