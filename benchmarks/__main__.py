"""Benchmarks, measured side by side in one run (this machine is noisy: compare the ratios, not the times).

HTTP, with wrk (same threads, connections and duration for every target), all on loopback:
  (1) the ceiling: a bare Flask app returning a small JSON body, served as pcsim is (gunicorn, same workers);
  (2) the peer: moto_server answering AWS Support CreateCase (SigV4-signed; moto does not check signatures);
  (3) pcsim (``pcsim serve --workers N`` on an SQLite file): Azure ticket create (GDAP token, unique names),
      Partner Center service request create for a customer, ticket lists of 100, a customer list page;
  (4) the creates again on ``pcsim serve`` in memory, one process: served as moto_server is.
In process: world create from the loaded default scenario and reset (p50, p99), scenario load from scratch;
and the cold start of ``pcsim serve`` (process start to first 200).

``python -m benchmarks --profile`` profiles pcsim's ticket create in process instead (benchmarks/profile.py);
``python -m benchmarks --scale`` runs the scale benchmark instead (a generated 10,000-customer / 100,000-ticket
world: load time, peak RSS, list latency against the default world; benchmarks/scale.py, a few minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from . import load, print_goals
from . import requests_pcsim as pc


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


# --- in process: worlds --------------------------------------------------------------------------------------------
def world_benchmarks(runs: int) -> dict[str, list[float]]:
    from simulator import create_app
    from simulator.worlds import manager

    app = create_app(database_url="sqlite://", frozen_clock=True)
    worlds = app.extensions["pcsim"].worlds
    template = worlds.load_template("default")

    def create():
        worlds.create(f"bench-{uuid.uuid4()}", template)

    def cold_load():
        manager._built.clear()  # as on a fresh process: parse, validate, build and insert the scenario
        with worlds.store.session() as session:
            from simulator.store.models import World

            session.delete(session.get(World, template))
            worlds.store.delete_world_rows(session, template)
        worlds.load_template("default")

    def reset():
        worlds.reset("default")

    return {
        "world create (copy of the loaded scenario)": measure(create, runs),
        "world reset": measure(reset, runs),
        "scenario load from scratch": measure(cold_load, max(5, runs // 20)),
    }


# --- cold start ------------------------------------------------------------------------------------------------------
def cold_start(runs: int, workers: int) -> dict[str, list[float]]:
    """Seconds from process start to the first 200 of ``pcsim serve`` (in-memory), and with ``--workers``."""
    out: dict[str, list[float]] = {
        "pcsim serve (in memory)": [],
        f"pcsim serve --workers {workers} (new SQLite file)": [],
    }
    pcsim = str(load.BIN / "pcsim")
    for _ in range(runs):
        port = load.free_port()
        server = load.start(
            "cold", [pcsim, "serve", "--port", str(port)], port, "/sim/worlds", env={"PCSIM_DATABASE_URL": ""}
        )
        server.stop()
        out["pcsim serve (in memory)"].append(server.ready_s)
        port = load.free_port()
        db = Path(tempfile.gettempdir()) / f"pcsim-bench-cold-{port}.db"
        server = load.start(
            "cold-workers",
            [pcsim, "serve", "--workers", str(workers), "--port", str(port)],
            port,
            "/sim/worlds",
            env={"PCSIM_DATABASE_URL": f"sqlite:///{db}"},
        )
        server.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        out[f"pcsim serve --workers {workers} (new SQLite file)"].append(server.ready_s)
    return out


# --- HTTP under load ------------------------------------------------------------------------------------------------
def moto_target(base: str) -> load.Target:
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps(
        {
            "subject": "Instance does not start",
            "communicationBody": "Something is not working.",
            "serviceCode": "amazon-elastic-compute-cloud-linux",
            "severityCode": "urgent",
            "categoryCode": "other",
            "language": "en",
        }
    )
    request = AWSRequest(
        "POST",
        base + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSSupport_20130415.CreateCase"},
    )
    # Signed once and replayed: moto_server reads the credential scope to pick the service and checks no signature.
    SigV4Auth(Credentials("testing", "testing"), "support", "us-east-1").add_auth(request)
    return load.Target(
        "moto_server: AWS Support CreateCase",
        base + "/",
        "POST",
        {k: v for k, v in request.headers.items() if k.lower() != "host"},
        body,
        group="peer",
    )


def token(base: str, spec: tuple[str, dict]) -> str:
    path, form = spec
    response = requests.post(base + path, data=form, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def pcsim_targets(base: str, label: str = "pcsim") -> tuple[list[load.Target], list[load.Target]]:
    """(lists, creates): lists are measured first, on the default world with 100 Azure tickets filed."""
    arm = {"Authorization": f"Bearer {token(base, pc.ARM_TOKEN)}"}
    partner = {"Authorization": f"Bearer {token(base, pc.PC_TOKEN)}"}
    body = pc.azure_ticket_body()
    json_type = {"Content-Type": "application/json"}
    with requests.Session() as s:
        for i in range(100):
            r = s.put(f"{base}{pc.TICKETS}/bench-list-{i}?{pc.API}", data=body, headers=arm | json_type, timeout=30)
            assert r.status_code in (200, 201), (r.status_code, r.text)
        listed = s.get(base + pc.TICKET_LIST, headers=arm, timeout=30).json()["value"]
        assert len(listed) == 100, len(listed)
        assert (
            s.post(
                base + pc.SERVICE_REQUESTS, data=pc.service_request_body(), headers=partner | json_type, timeout=30
            ).status_code
            == 201
        )
    lists = [
        load.Target(f"{label}: Azure ticket list ($top=100)", base + pc.TICKET_LIST, headers=arm, group="list"),
        load.Target(
            f"{label}: PC service request list (size=100)",
            base + pc.ALL_SERVICE_REQUESTS,
            headers=partner,
            group="list",
        ),
        load.Target(f"{label}: PC customer list page (size=100)", base + pc.CUSTOMERS, headers=partner, group="list"),
    ]
    creates = [
        load.Target(
            f"{label}: Azure ticket create (PUT)",
            base + pc.TICKETS + "/",
            "PUT",
            arm | json_type,
            body,
            unique_suffix=f"?{pc.API}",
            group="create",
        ),
        load.Target(
            f"{label}: PC service request create",
            base + pc.SERVICE_REQUESTS,
            "POST",
            partner | json_type,
            pc.service_request_body(),
            group="create",
        ),
    ]
    return lists, creates


def http_benchmarks(args) -> tuple[list[load.Result], dict[str, float]]:
    wrk = load.ensure_wrk()
    if not wrk:
        return [], {}
    moto = load.ensure_moto()
    results: list[load.Result] = []
    started: dict[str, float] = {}

    def bench(target: load.Target) -> None:
        result = load.run_wrk(wrk, target, args.threads, args.connections, args.duration)
        results.append(result)
        print(
            f"  {target.name:44} {result.rps:9.0f} req/s  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms"
            f"{'  ' + str(result.errors) + ' errors' if result.errors else ''}",
            flush=True,
        )

    port = load.free_port()
    server = load.start(
        "ceiling",
        [sys.executable, "-m", "benchmarks.ceiling", "--port", str(port), "--workers", str(args.workers)],
        port,
        "/",
    )
    try:
        bench(load.Target(f"ceiling: bare Flask, gunicorn {args.workers} workers", server.base + "/", group="ceiling"))
    finally:
        server.stop()

    if moto:
        port = load.free_port()
        server = load.start("moto", [moto, "-H", load.HOST, "-p", str(port)], port, "/moto-api/")
        try:
            bench(moto_target(server.base))
        finally:
            server.stop()

    port = load.free_port()
    db = Path(tempfile.gettempdir()) / f"pcsim-bench-{port}.db"
    server = load.start(
        "pcsim",
        [str(load.BIN / "pcsim"), "serve", "--workers", str(args.workers), "--port", str(port)],
        port,
        "/sim/worlds",
        env={"PCSIM_DATABASE_URL": f"sqlite:///{db}"},
    )
    started["pcsim serve --workers (first run, new SQLite file)"] = server.ready_s
    try:
        lists, creates = pcsim_targets(server.base)
        for target in lists + creates:
            bench(target)
    finally:
        server.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    # Like for like with the peer: moto_server is one process holding its state in memory; so is `pcsim serve`
    # without --workers (the `make serve` default).
    port = load.free_port()
    server = load.start(
        "pcsim-memory",
        [str(load.BIN / "pcsim"), "serve", "--port", str(port)],
        port,
        "/sim/worlds",
        env={"PCSIM_DATABASE_URL": ""},
    )
    try:
        _, creates = pcsim_targets(server.base, label="pcsim in memory, 1 process")
        for target in creates:
            bench(target)
    finally:
        server.stop()
    return results, started


# --- report ----------------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--runs", type=int, default=200, help="world create and reset runs (in process)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--duration", type=float, default=5, help="wrk -d, seconds (after a 1 s warm-up)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the ceiling and pcsim")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="only the in-process benchmarks and cold start")
    parser.add_argument("--profile", action="store_true", help="profile pcsim's ticket create in process instead")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="the scale benchmark instead: 10,000 customers, 100,000 tickets (benchmarks/scale.py)",
    )
    args = parser.parse_args()
    if args.profile:
        from . import profile

        profile.main()
        return
    if args.scale:
        from . import scale

        scale.main([])
        return

    print(
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency (after a 1 s warm-up), "
        f"gunicorn --workers {args.workers}, loopback",
        flush=True,
    )
    results, started = ([], {}) if args.no_http else http_benchmarks(args)
    worlds = world_benchmarks(args.runs)
    cold = cold_start(args.cold_runs, args.workers)

    goals: list[tuple[str, bool | None, str]] = []
    if results:
        ceiling = next((r for r in results if r.target.group == "ceiling"), None)
        moto = next((r for r in results if r.target.group == "peer"), None)
        print()
        print(f"{'target':48} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'x ceiling':>10} {'x moto':>8}")
        for r in results:
            vs_ceiling = f"{r.rps / ceiling.rps:10.2f}" if ceiling else f"{'-':>10}"
            vs_moto = f"{r.rps / moto.rps:8.2f}" if moto else f"{'-':>8}"
            print(
                f"{r.target.name:48} {r.rps:8.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d} {vs_ceiling} {vs_moto}"
            )
        for r in results:
            if r.target.group == "create":
                if moto:
                    goals.append((f"{r.target.name} >= 3x moto", r.rps >= 3 * moto.rps, f"{r.rps / moto.rps:.2f}x"))
                if ceiling:
                    goals.append(
                        (f"{r.target.name} >= 0.5x ceiling", r.rps >= 0.5 * ceiling.rps, f"{r.rps / ceiling.rps:.2f}x")
                    )
            if r.target.group == "list" and ceiling:
                goals.append(
                    (f"{r.target.name} >= 0.5x ceiling", r.rps >= 0.5 * ceiling.rps, f"{r.rps / ceiling.rps:.2f}x")
                )
            if r.errors and r.target.group != "ceiling":
                goals.append((f"{r.target.name}: no errors", False, f"{r.errors} errors"))

    print()
    base = statistics.median(worlds["world create (copy of the loaded scenario)"])
    print(f"{'in process':48} {'p50 ms':>8} {'p99 ms':>8} {'p50 / world create':>20}")
    for name, values in worlds.items():
        p50 = statistics.median(values)
        print(f"{name:48} {p50:8.2f} {percentile(values, 99):8.2f} {p50 / base:20.2f}")
    goals.append(("world create <= 10 ms p50", base <= 10, f"{base:.2f} ms"))

    print()
    print(f"{'cold start (process start to first 200)':48} {'median s':>8} {'max s':>8}")
    for name, values in cold.items():
        print(f"{name:48} {statistics.median(values):8.2f} {max(values):8.2f}")
    for name, seconds in started.items():
        print(f"{name:48} {seconds:8.2f} {seconds:8.2f}")
    first = statistics.median(cold["pcsim serve (in memory)"])
    goals.append(("cold start of pcsim serve <= 1.0 s", first <= 1.0, f"{first:.2f} s"))
    print_goals(goals)


if __name__ == "__main__":
    main()
