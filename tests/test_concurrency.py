"""Concurrency (issue 6, hardening): 8 clients x N Partner Center service request creates and note appends
against `pcsim serve --workers 2` on an SQLite file database (and on PostgreSQL, marked ``postgres``). Nothing
acknowledged may be lost, no id may be given twice, and every note must be there, in the order it was acknowledged.

N is ``PCSIM_CONCURRENCY_N``: the issue's figure is 500 (``PCSIM_CONCURRENCY_N=500``, a few minutes here); the
default is 100 (30 on PostgreSQL), which keeps each run around 40 s on a 2-core machine. SQLite serializes
writers (BEGIN IMMEDIATE), so the run is bounded by one writer's rate (about 45 writes/s here), whatever the
worker count. Besides its own tickets, every client appends notes to one ticket they all share.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from .personas import CLI_CLIENT_ID, PASSWORD, PC_SCOPE, bearer, tid, upn
from .ports import free_port

PCSIM = str(Path(sys.executable).with_name("pcsim"))
CLIENTS = 8
N = int(os.environ.get("PCSIM_CONCURRENCY_N", "100"))
N_POSTGRES = int(os.environ.get("PCSIM_CONCURRENCY_N", "30"))  # slower here: a smaller default
EXCHANGE_TOPIC = "32444671"
NOTES_PER_GROUP = 5  # the first ticket of every 5 a client creates gets the next 5 of its notes
SHARED_NOTES = 10  # notes every client also appends to one ticket all of them share


# --- a real multi-worker server, started and stopped robustly (also used by test_crash_safety) -------------


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: Path

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (gunicorn's master and its workers)."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.process.wait(timeout=20)
        self.kill(signal.SIGKILL)  # any worker the master left behind


def start_server(database: Path | str, log: Path, workers: int = 2, timeout: float = 90) -> Server:
    """``pcsim serve --workers N`` on ``database`` (an SQLite file, or a URL), in its own process group, output
    to ``log`` (a pipe nobody reads would fill up with access log lines and stall the server)."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    env = {**os.environ, "PCSIM_DATABASE_URL": url}
    for _attempt in range(3):  # the free port may be taken by someone else between our check and the bind
        port = free_port()
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [PCSIM, "serve", "--workers", str(workers), "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{server.base}/health", timeout=5).status_code == 200:
                    return server
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        server.stop()
        if "Address already in use" not in log.read_text(errors="replace"):
            break
    raise AssertionError(f"pcsim serve did not answer in time:\n{log.read_text(errors='replace')[-4000:]}")


def pc_token(base: str, session: requests.Session | None = None) -> str:
    response = (session or requests).post(
        f"{base}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        timeout=60,
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": PASSWORD,
            "scope": PC_SCOPE,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def create_request(session: requests.Session, base: str, title: str, timeout: float = 60) -> requests.Response:
    return session.post(
        f"{base}/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
        timeout=timeout,
        json={
            "Title": title,
            "Description": f"{title}: mail is delayed",
            "Severity": "minimal",
            "SupportTopicId": EXCHANGE_TOPIC,
        },
    )


def read_request(session: requests.Session, base: str, request_id: str) -> requests.Response:
    return session.get(f"{base}/partnercenter/v1/servicerequests/{request_id}", timeout=60)


# --- the test ---------------------------------------------------------------------------------------------


@dataclass
class ClientResult:
    created: dict[str, str] = field(default_factory=dict)  # ticket id -> title
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # ticket id -> texts, in order
    failures: list[str] = field(default_factory=list)


def run_client(base: str, token: str, number: int, shared_id: str, start: threading.Barrier, n: int) -> ClientResult:
    result = ClientResult()
    with requests.Session() as session:
        session.headers.update(bearer(token))
        start.wait()
        leader = None
        for i in range(n):
            title = f"client {number} ticket {i}"
            response = create_request(session, base, title)
            if response.status_code != 201:
                result.failures.append(f"create {title}: {response.status_code} {response.text[:300]}")
                continue
            ticket = response.json()["id"]
            if ticket in result.created:
                result.failures.append(f"create {title}: id {ticket} already given to {result.created[ticket]}")
            result.created[ticket] = title
            if i % NOTES_PER_GROUP == 0:
                leader = ticket
            target = (
                shared_id
                if i % (n // SHARED_NOTES or 1) == 0 and len(result.notes[shared_id]) < SHARED_NOTES
                else leader
            )
            if target is None:
                continue
            text = f"client {number} note {i}"
            noted = session.patch(
                f"{base}/partnercenter/v1/servicerequests/{target}", json={"NewNote": {"Text": text}}, timeout=60
            )
            if noted.status_code != 200:
                result.failures.append(f"note {text} on {target}: {noted.status_code} {noted.text[:300]}")
                continue
            result.notes[target].append(text)
    return result


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """An SQLite file (the default), or a database on a throwaway PostgreSQL cluster (tests/postgres_setup.py)."""
    if request.param == "sqlite":
        yield tmp_path / "pcsim.db"
        return
    from .postgres_setup import require_postgres

    cluster = require_postgres()
    try:
        yield cluster.create_database("pcsim_concurrency")
    finally:
        cluster.stop()


def test_concurrent_creates_and_notes_lose_and_mix_up_nothing(tmp_path, database):
    n = N if isinstance(database, Path) else N_POSTGRES
    started = time.monotonic()
    server = start_server(database, tmp_path / "serve.log")
    try:
        token = pc_token(server.base)
        with requests.Session() as admin:
            admin.headers.update(bearer(token))
            shared = create_request(admin, server.base, "shared by every client")
            assert shared.status_code == 201, shared.text
            shared_id = shared.json()["id"]

            barrier = threading.Barrier(CLIENTS)
            with ThreadPoolExecutor(CLIENTS) as pool:
                results = list(
                    pool.map(lambda k: run_client(server.base, token, k, shared_id, barrier, n), range(CLIENTS))
                )
            loaded = time.monotonic()

            failures = [f for r in results for f in r.failures]
            assert not failures, f"{len(failures)} requests failed, e.g. {failures[:5]}"
            acknowledged = [t for r in results for t in r.created]
            assert len(acknowledged) == CLIENTS * n
            duplicated = len(acknowledged) - len(set(acknowledged))
            assert duplicated == 0 and shared_id not in acknowledged

            # The customer's list holds exactly the acknowledged tickets (and the shared one), each with its
            # own title and every note appended to it, in order.
            listed: dict[str, dict] = {}
            offset = 0
            while True:
                page = admin.get(
                    f"{server.base}/partnercenter/v1/customers/{tid('contoso')}/servicerequests",
                    params={"offset": offset, "size": 500},
                    timeout=120,
                )
                assert page.status_code == 200, page.text
                for item in page.json()["items"]:
                    assert item["id"] not in listed, f"{item['id']} listed twice"
                    listed[item["id"]] = item
                offset += 500
                if "next" not in page.json()["links"]:  # totalCount is the page's
                    break
            titles = {t: title for r in results for t, title in r.created.items()}
            lost = [t for t in acknowledged if t not in listed]
            assert not lost, f"{len(lost)} acknowledged creates lost, e.g. {lost[:5]}"
            assert set(listed) == set(acknowledged) | {shared_id}

            def client_notes(item: dict) -> list[str]:
                return [n["text"] for n in item["notes"] if n["text"].startswith("client ")]

            expected = {t: texts for r in results for t, texts in r.notes.items() if t != shared_id}
            wrong = [
                t
                for t in acknowledged
                if listed[t]["title"] != titles[t] or client_notes(listed[t]) != expected.get(t, [])
            ]
            assert not wrong, [(listed[t]["title"], client_notes(listed[t]), expected.get(t)) for t in wrong[:3]]

            # Every ticket that got notes reads back on its own too, notes in order.
            def read(ticket: str) -> str | None:
                response = read_request(admin, server.base, ticket)
                if response.status_code != 200 or client_notes(response.json()) != expected[ticket]:
                    return f"{ticket}: {response.status_code} {response.text[:300]}"
                return None

            with ThreadPoolExecutor(CLIENTS) as pool:
                unreadable = [p for p in pool.map(read, expected) if p]
            assert not unreadable, unreadable[:3]

            # The shared ticket holds every client's notes, each client's in its own order.
            on_shared = client_notes(read_request(admin, server.base, shared_id).json())
            for number, r in enumerate(results):
                mine = [t for t in on_shared if t.startswith(f"client {number} ")]
                assert mine == r.notes[shared_id] and len(mine) == min(SHARED_NOTES, n)
            assert len(on_shared) == len(set(on_shared)) == CLIENTS * min(SHARED_NOTES, n)
    finally:
        server.stop()
    notes = sum(len(v) for r in results for v in r.notes.values())
    engine = "sqlite" if isinstance(database, Path) else "postgresql"
    print(
        f"\nconcurrency ({engine}): {CLIENTS} clients x {n}: {len(acknowledged)} "
        f"creates, {notes} notes acknowledged in "
        f"{loaded - started:.1f} s; lost 0, duplicated ids 0, notes out of order 0; "
        f"whole test {time.monotonic() - started:.1f} s"
    )
