"""HTTP load with ``wrk`` against servers this run starts on loopback: tools, processes, targets.

Every target gets the same wrk settings (threads, connections, duration, a short warm-up first); a Lua script
generated per target sets the method, headers and body, makes each ticket name unique where the API needs it,
and writes wrk's summary (requests, errors, p50 and p99) as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


# --- tools -------------------------------------------------------------------------------------------------------
def ensure_wrk() -> str | None:
    """wrk's path; installs the Debian package when missing and running as root, else prints how."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)
        found = shutil.which("wrk")
    if not found:
        print(
            "wrk is not installed and could not be installed here: run `sudo apt-get install -y wrk` "
            "(Debian/Ubuntu) and `make bench` again. The HTTP targets are skipped.",
            flush=True,
        )
    return found


def ensure_moto() -> str | None:
    """The venv's moto_server; ``pip install 'moto[server]'`` into this venv when missing (not a project dependency)."""
    path = BIN / "moto_server"
    if not path.exists():
        print("moto_server is missing: pip install 'moto[server]' (benchmark only)", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "moto[server]"],
            check=False,
        )
    if not path.exists():
        print("moto[server] could not be installed: the peer is skipped.", flush=True)
        return None
    return str(path)


# --- processes ---------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str
    log: Path
    ready_s: float = 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: gunicorn's master and its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(
    name: str, argv: list[str], port: int, ready_path: str, env: dict | None = None, timeout: float = 60.0
) -> Server:
    """Start ``argv`` in its own session; wait for the first 200 on ``ready_path`` (the time is ``ready_s``)."""
    log = Path(tempfile.gettempdir()) / f"pcsim-bench-{name}-{port}.log"
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=out,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = Server(name, process, f"http://{HOST}:{port}", log)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            if requests.get(server.base + ready_path, timeout=5).status_code == 200:
                server.ready_s = time.perf_counter() - started
                return server
        except requests.RequestException:  # not listening yet, or listening before a worker answers
            pass
        time.sleep(0.005)
    server.stop()
    raise RuntimeError(f"{name} not ready after {timeout}s; see {log}")


# --- wrk ---------------------------------------------------------------------------------------------------------
@dataclass
class Target:
    name: str
    url: str  # base + path (+ query); for unique names, the path's part before the name
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: str | None = None
    unique_suffix: str | None = None  # when set: url + <unique name> + unique_suffix per request
    group: str = ""  # "create" or "list": which goal applies
    key: str = ""  # the ceiling's name for this request (benchmarks.ceiling's /same/<key>/)


@dataclass
class Result:
    target: Target
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


LUA = r"""
local counter = 0
local nonce = "%(nonce)s"
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
wrk.method = "%(method)s"
%(headers)s
%(body)s
%(request)s
function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open("%(out)s", "w")
  f:write(string.format('{"requests": %%d, "duration_us": %%d, "status_errors": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d}', summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""

UNIQUE_REQUEST = r"""
function request()
  counter = counter + 1
  return wrk.format(nil, "%(path)s" .. nonce .. "-" .. tid .. "-" .. counter .. "%(suffix)s")
end
"""


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def run_wrk(wrk: str, target: Target, threads: int, connections: int, duration: float, warmup: float = 1.0) -> Result:
    from urllib.parse import urlsplit

    workdir = Path(tempfile.mkdtemp(prefix="pcsim-bench-wrk-"))
    try:

        def once(seconds: float) -> dict:
            out = workdir / f"{uuid.uuid4().hex}.json"
            parts = urlsplit(target.url)
            request = ""
            if target.unique_suffix is not None:
                request = UNIQUE_REQUEST % {"path": parts.path, "suffix": target.unique_suffix}
            script = LUA % {
                "nonce": uuid.uuid4().hex[:8],
                "method": target.method,
                "out": out,
                "headers": "\n".join(
                    f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in target.headers.items()
                ),
                "body": f"wrk.body = {lua_string(target.body)}" if target.body is not None else "",
                "request": request,
            }
            lua = workdir / "script.lua"
            lua.write_text(script)
            completed = subprocess.run(
                [
                    wrk,
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{max(1, round(seconds))}s",
                    "--timeout",
                    "30s",
                    "--latency",
                    "-s",
                    str(lua),
                    target.url,
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
            )
            if completed.returncode != 0 or not out.exists():
                raise RuntimeError(f"wrk failed on {target.name}: {completed.stderr or completed.stdout}")
            return json.loads(out.read_text())

        if warmup:
            once(warmup)
        s = once(duration)
        seconds = s["duration_us"] / 1e6
        return Result(
            target,
            s["requests"],
            s["requests"] / seconds,
            s["p50_us"] / 1000,
            s["p99_us"] / 1000,
            s["status_errors"] + s["socket_errors"],
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
