"""`pcsim serve` as users start it: the banner, the dev server, and gunicorn workers sharing one state."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from .personas import CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, upn
from .ports import free_port
from .workers import from_both_workers, worker

PCSIM = str(Path(sys.executable).with_name("pcsim"))


def start(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``pcsim serve`` on a free port, its output going to a file (``process.log``): a pipe nobody reads while
    the test runs fills up with gunicorn's access log, and the server then blocks writing it."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [PCSIM, "serve", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    process.log = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
            time.sleep(0.1)
        assert process.poll() is None, output(process)
    process.kill()
    raise AssertionError("pcsim serve did not answer in time")


def output(process: subprocess.Popen) -> str:
    """What the server printed so far."""
    log = getattr(process, "log", None)
    if log is None:  # started with a pipe
        return process.stdout.read() if process.stdout else ""
    log.seek(0)
    return log.read()


def stop(process: subprocess.Popen) -> str:
    """Stop the server; everything it printed."""
    process.terminate()
    piped = getattr(process, "log", None) is None
    try:
        if piped:
            return process.communicate(timeout=20)[0]
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        if piped:
            return process.communicate()[0]
        process.wait()
    return output(process)


def graph_token(base: str) -> str:
    return requests.post(
        f"{base}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": PASSWORD,
            "scope": GRAPH_SCOPE,
        },
        timeout=30,
    ).json()["access_token"]


def test_serve_prints_urls_and_an_example():
    process, base = start()
    try:
        token = graph_token(base)
        assert (
            requests.get(
                f"{base}/graph/v1.0/tenantRelationships/delegatedAdminRelationships",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).status_code
            == 200
        )
    finally:
        out = stop(process)
    assert f"HTTP   {base}" in out and "curl" in out and "/partnercenter/v1/customers" in out
    assert f"UI     {base}/ui/" in out


def test_workers_share_one_state(tmp_path):
    database = f"sqlite:///{tmp_path / 'pcsim.db'}"
    process, base = start("--workers", "2", env={"PCSIM_DATABASE_URL": database})
    try:
        token = graph_token(base)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{base}/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
        created = requests.post(
            url,
            headers=headers,
            timeout=10,
            json={
                "displayName": "Made on one worker",
                "duration": "P30D",
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
            },
        )
        assert created.status_code == 201
        maker = worker(created)  # the process that wrote it
        seen = set()

        def read(_):  # fresh connections: the requests spread over both workers
            response = requests.get(url, headers={**headers, "Connection": "close"}, timeout=30)
            seen.add(response.status_code)
            assert any(r["id"] == created.json()["id"] for r in response.json()["value"])
            return response

        readers = {worker(r) for r in from_both_workers(read)}
        assert seen == {200}
        assert len(readers) == 2 and maker in readers  # two processes; the one that did not write it sees it too
    finally:
        stop(process)
