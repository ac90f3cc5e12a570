"""Which gunicorn worker answered: ``pcsim serve --workers N`` tags every answer with the worker's process id
(``x-pcsim-worker``, simulator/server.py), so a test can prove that two processes answered, not assume it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import requests

from simulator.server import WORKER_HEADER


def worker(response: requests.Response) -> str:
    pid = response.headers.get(WORKER_HEADER)
    assert pid, f"no {WORKER_HEADER} header: not answered by a gunicorn worker ({dict(response.headers)})"
    return pid


def from_both_workers(
    send: Callable[[int], requests.Response], at_least: int = 12, each: int = 2, limit: int = 200
) -> list[requests.Response]:
    """``send(0)``, ``send(1)``, ... (each on a new connection: gunicorn hands connections to whichever worker
    accepts first) until at least ``at_least`` answers, ``each`` of them at least from each of two workers.
    Fails if more than two processes answered (a worker restarted) or one never did within ``limit`` calls."""
    responses: list[requests.Response] = []
    seen: Counter[str] = Counter()
    for i in range(limit):
        response = send(i)
        responses.append(response)
        seen[worker(response)] += 1
        assert len(seen) <= 2, f"more than two worker processes answered: {seen}"
        if i + 1 >= at_least and len(seen) == 2 and min(seen.values()) >= each:
            return responses
    raise AssertionError(f"{limit} calls were not answered by two workers, {each} each at least: {seen}")
