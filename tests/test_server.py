"""The server pcsim runs by default (``pcsim serve``, the pytest plugin, ``pcsim replay``): HTTP/1.1 with
keep-alive, the usual reason phrases, requests served side by side; and its exposure: off loopback the control
plane and the UI need the control secret, which the SDK and the pytest plugin send."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from client_sdk.sim import Sim, SimError
from simulator import create_app
from simulator.server import start_server

from .personas import CLI_CLIENT_ID, PASSWORD, PC_SCOPE, upn
from .ports import free_port

pytest_plugins = ["pytester"]

PCSIM = str(Path(sys.executable).with_name("pcsim"))
SECRET = "s3cret-for-the-tests"
LATENCY_MS = 4000


@pytest.fixture(scope="module")
def exposed():
    """A server whose app is configured as bound beyond loopback (``host=0.0.0.0``), served on the loopback:
    the rule is the configured host's, so it is checked here without opening a port to the network."""
    server = start_server(create_app(host="0.0.0.0", control_secret=SECRET, frozen_clock=True))
    yield server.url
    server.stop()


def connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def exchange(conn: http.client.HTTPConnection, method: str, path: str, headers: dict | None = None):
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    return response, body


def test_http_1_1_with_keep_alive_and_the_usual_reason_phrases(exposed):
    conn = connection(exposed)
    try:
        answers = []
        for path, headers in (
            ("/health", {}),
            ("/sim/worlds", {}),  # no secret: 401
            ("/sim/worlds", {"X-Pcsim-Secret": "not it"}),  # another one: 403
            ("/sim/worlds/nope", {"X-Pcsim-Secret": SECRET}),
        ):
            response, _ = exchange(conn, "GET", path, headers)
            answers.append((response.version, response.status, response.reason, response.will_close))
            sock = conn.sock
            assert sock is not None  # still open: the next request goes on the same connection
        assert answers == [
            (11, 200, "OK", False),
            (11, 401, "Unauthorized", False),
            (11, 403, "Forbidden", False),
            (11, 404, "Not Found", False),
        ]
    finally:
        conn.close()


def test_one_connection_carries_many_requests(exposed):
    conn = connection(exposed)
    try:
        exchange(conn, "GET", "/health")
        first = conn.sock
        for _ in range(5):
            response, body = exchange(conn, "GET", "/health")
            assert response.status == 200 and b"ok" in body
        assert conn.sock is first  # never reconnected
    finally:
        conn.close()


# --- pcsim serve ----------------------------------------------------------------------------------------------
def serve(*args: str, host: str = "127.0.0.1", env: dict | None = None) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"pcsim-serve-{port}.log"
    out = log.open("w")
    process = subprocess.Popen(
        [PCSIM, "serve", "--host", host, "--port", str(port), *args],
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return process, base, log
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
        assert process.poll() is None, log.read_text()
    process.kill()
    raise AssertionError(f"pcsim serve did not answer in time:\n{log.read_text()}")


def stop(process: subprocess.Popen, log: Path) -> str:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    text = log.read_text()
    log.unlink(missing_ok=True)
    return text


def test_the_default_serve_answers_a_request_while_another_is_slow():
    """``pcsim serve`` as started by default (in-memory database, no --workers): a request held by a latency
    fault does not hold another one (``/health``, which touches no database) behind it."""
    process, base, log = serve()
    try:
        Sim(base).world("default").add_fault(surface="partnercenter", path="/customers*", latency_ms=LATENCY_MS)
        slow: dict = {}

        def slow_request():
            started = time.monotonic()
            slow["status"] = requests.get(f"{base}/partnercenter/v1/customers", timeout=60).status_code
            slow["took"] = time.monotonic() - started

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.5)  # the slow request is in its delay
        started = time.monotonic()
        assert requests.get(f"{base}/health", timeout=60).status_code == 200
        quick = time.monotonic() - started
        thread.join(timeout=60)
        assert slow["status"] == 401 and slow["took"] >= LATENCY_MS / 1000 * 0.9  # the fault did hold it
        assert quick < LATENCY_MS / 1000 / 2, f"/health waited {quick:.2f}s behind the slow request"
    finally:
        stop(process, log)


def this_machines_address() -> str | None:
    """A non-loopback address of this machine (the interface a packet to the outside would leave by), if any."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    if address.startswith("127.") or address == "0.0.0.0":
        return None
    try:
        with socket.socket() as s:
            s.bind((address, 0))
    except OSError:
        return None
    return address


def test_serve_beyond_loopback_asks_for_a_secret_it_prints():
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address but the loopback")
    process, base, log = serve(host=address)
    try:
        time.sleep(0.2)
        banner = log.read_text()
        secret = re.search(r"control secret (\S+)", banner).group(1)
        assert f"HTTP   {base}" in banner and f"{base}/ui/?pcsim-secret={secret}" in banner
        assert "0.0.0.0" not in banner
        refused = requests.get(f"{base}/sim/worlds", timeout=30)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "Unauthorized"
        assert requests.get(f"{base}/sim/worlds", headers={"X-Pcsim-Secret": secret}, timeout=30).status_code == 200
        with pytest.raises(SimError) as denied:
            Sim(base, secret="").worlds()
        assert denied.value.status == 401
        assert Sim(base, secret=secret).world("default").id == "default"
        # the surfaces keep their own sign-in: no secret needed
        token = requests.post(
            f"{base}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": upn("northwind"),
                "password": PASSWORD,
                "scope": PC_SCOPE,
            },
            timeout=30,
        ).json()["access_token"]
        customers = requests.get(
            f"{base}/partnercenter/v1/customers", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert customers.status_code == 200
    finally:
        stop(process, log)


def test_serve_takes_the_secret_from_the_environment():
    address = this_machines_address()
    if address is None:
        pytest.skip("this machine has no address but the loopback")
    process, base, log = serve(host=address, env={"PCSIM_CONTROL_SECRET": SECRET})
    try:
        assert requests.get(f"{base}/sim/worlds", headers={"X-Pcsim-Secret": SECRET}, timeout=30).status_code == 200
        assert requests.get(f"{base}/sim/worlds", headers={"X-Pcsim-Secret": "x"}, timeout=30).status_code == 403
    finally:
        assert f"control secret {SECRET}" in stop(process, log)


def test_serve_on_loopback_asks_for_nothing():
    process, base, log = serve()
    try:
        assert requests.get(f"{base}/sim/worlds", timeout=30).status_code == 200
        assert requests.get(f"{base}/ui/", timeout=30).status_code == 200
    finally:
        assert "control secret" not in stop(process, log)


# --- the rule, in process -------------------------------------------------------------------------------------
def test_off_loopback_the_control_plane_needs_the_secret_and_the_surfaces_do_not():
    client = create_app(host="0.0.0.0", control_secret=SECRET).test_client()
    refused = client.get("/sim/worlds")
    assert refused.status_code == 401 and set(refused.get_json()["error"]) == {"code", "message"}
    assert client.get("/sim/worlds", headers={"X-Pcsim-Secret": "nope"}).status_code == 403
    assert client.get("/worlds/default/sim/worlds", headers={"X-Pcsim-Secret": "nope"}).status_code == 403
    assert client.get("/sim/worlds", headers={"X-Pcsim-Secret": SECRET}).status_code == 200
    assert client.post("/sim/worlds", json={}).status_code == 401
    # the surfaces answer as they do on loopback: their own sign-in, their own error bodies
    assert client.get("/partnercenter/v1/customers").status_code == 401
    assert client.get("/health").status_code == 200
    assert client.get("/docs/sim/openapi.json").status_code == 200


def test_off_loopback_without_a_secret_given_one_is_made():
    app = create_app(host="::")
    secret = app.extensions["pcsim"].config.control_secret
    assert secret and len(secret) >= 24
    client = app.test_client()
    assert client.get("/sim/worlds").status_code == 401
    assert client.get("/sim/worlds", headers={"X-Pcsim-Secret": secret}).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_on_loopback_nothing_is_asked(host):
    client = create_app(host=host, control_secret=SECRET).test_client()
    assert client.get("/sim/worlds").status_code == 200
    assert client.get("/ui/").status_code == 200
    assert client.post("/ui/trainer/reset").status_code == 302


def test_off_loopback_the_ui_takes_the_secret_once_from_its_link():
    client = create_app(host="0.0.0.0", control_secret=SECRET).test_client()
    assert client.get("/ui/").status_code == 401
    assert client.post("/ui/persona", data={"user": "x"}).status_code == 401
    assert client.get("/ui/trainer").status_code == 401
    assert client.get("/ui/?pcsim-secret=wrong").status_code == 403
    linked = client.get("/ui/trainer?pcsim-secret=" + SECRET)
    assert linked.status_code == 302 and linked.headers["Location"].endswith("/ui/trainer")
    assert "HttpOnly" in linked.headers["Set-Cookie"]
    assert client.get("/ui/").status_code == 200  # the cookie, from now on
    assert client.get("/ui/trainer").status_code == 200
    reset = client.post("/ui/trainer/reset")  # the trainer's own calls to the control plane carry the secret
    assert reset.status_code == 302 and "done=reset" in reset.headers["Location"]


# --- the SDK and the pytest plugin send it --------------------------------------------------------------------
def test_the_sdk_sends_the_secret_given_or_from_the_environment(exposed, monkeypatch):
    monkeypatch.delenv("PCSIM_CONTROL_SECRET", raising=False)
    with pytest.raises(SimError) as refused:
        Sim(exposed).worlds()
    assert refused.value.status == 401 and refused.value.code == "Unauthorized"
    world = Sim(exposed, secret=SECRET).create_world(frozen=True)
    try:
        monkeypatch.setenv("PCSIM_CONTROL_SECRET", SECRET)
        assert Sim(exposed).world(world.id).id == world.id
        monkeypatch.setenv("PCSIM_CONTROL_SECRET", "wrong")
        with pytest.raises(SimError) as wrong:
            Sim(exposed).world(world.id)
        assert wrong.value.status == 403
    finally:
        world.delete()


def test_the_plugin_sends_its_secret_option_or_the_environment(pytester, exposed, monkeypatch):
    pytester.makepyfile(
        """
        def test_a_world(pcsim_world, pcsim_client):
            pcsim_client.sign_in_user("admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!")
            assert pcsim_world.clock().frozen
        """
    )
    monkeypatch.delenv("PCSIM_CONTROL_SECRET", raising=False)
    root = str(Path(__file__).resolve().parents[1])  # this checkout's plugin, from pytester's own directory
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    url = f"--pcsim-url={exposed}"
    pytester.runpytest_subprocess("-p", "no:cacheprovider", url).assert_outcomes(errors=1)  # refused: 401
    pytester.runpytest_subprocess("-p", "no:cacheprovider", url, f"--pcsim-secret={SECRET}").assert_outcomes(passed=1)
    monkeypatch.setenv("PCSIM_CONTROL_SECRET", SECRET)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", url).assert_outcomes(passed=1)


def test_a_stopped_server_leaves_nothing_behind():
    """A port per world means servers started and stopped all day: none may leave state in the process (cheroot
    files each server's statistics in a process-wide dict)."""
    import gc
    import logging

    from simulator.server import start_server

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    start_server(app, "127.0.0.1", 0, threads=2).stop()  # the first one imports what every later one uses
    gc.collect()
    before = (len(getattr(logging, "statistics", {})), len(gc.get_objects()))
    for _ in range(20):
        start_server(app, "127.0.0.1", 0, threads=2).stop()
    gc.collect()
    after = (len(getattr(logging, "statistics", {})), len(gc.get_objects()))
    assert after[0] == before[0] and after[1] - before[1] < 200, (before, after)
