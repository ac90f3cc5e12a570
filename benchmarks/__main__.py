"""Benchmarks, measured side by side in one run (this machine is noisy: compare the ratios, not the times).

HTTP, with wrk (same threads, connections and duration for every target), all on loopback:
  (1) the peer: moto_server answering AWS Support CreateCase (SigV4-signed; moto does not check signatures);
  (2) pcsim (``pcsim serve --workers N`` on an SQLite file): Azure ticket create (GDAP token, unique names),
      Partner Center service request create for a customer, ticket lists of 100, a customer list page; each
      followed by its ceiling: a bare Flask app served as pcsim is, answering the bytes pcsim answered to that
      request (benchmarks/ceiling.py), and a small constant body for reference;
  (3) reads (Azure ticket list, customer page) on 1 and 2 workers (SQLite) and 1, 2 and 4 workers (PostgreSQL,
      when installed), all of an engine's servers running, measured in turns;
  (4) the creates again on ``pcsim serve`` in memory, one process: served as moto_server is.
In process: world create from the loaded default scenario and reset (p50, p99), scenario load from scratch;
the cold start of ``pcsim serve`` (process start to first 200); the load time and peak RSS of the
10,000-customer / 100,000-ticket world (benchmarks/scale.py). Then each goal of issue 14, met or not.

``python -m benchmarks --profile`` profiles pcsim's ticket create in process instead (benchmarks/profile.py);
``python -m benchmarks --scale`` runs the scale benchmark instead (a generated 10,000-customer / 100,000-ticket
world: load time, peak RSS, list latency against the default world; benchmarks/scale.py, a few minutes).
"""

from __future__ import annotations

import argparse
import json
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
        load.Target(
            f"{label}: Azure ticket list ($top=100)", base + pc.TICKET_LIST, headers=arm, group="list", key="azure-list"
        ),
        load.Target(
            f"{label}: PC service request list (size=100)",
            base + pc.ALL_SERVICE_REQUESTS,
            headers=partner,
            group="list",
            key="pc-list",
        ),
        load.Target(
            f"{label}: PC customer list page (size=100)",
            base + pc.CUSTOMERS,
            headers=partner,
            group="list",
            key="customers",
        ),
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
            key="azure-create",
        ),
        load.Target(
            f"{label}: PC service request create",
            base + pc.SERVICE_REQUESTS,
            "POST",
            partner | json_type,
            pc.service_request_body(),
            group="create",
            key="pc-create",
        ),
    ]
    return lists, creates


def capture(targets: list[load.Target]) -> dict[str, dict]:
    """pcsim's answer to each target's request (status and JSON), for the ceiling to return as is."""
    out = {}
    with requests.Session() as s:
        for t in targets:
            url = t.url + (f"capture-{uuid.uuid4().hex[:8]}{t.unique_suffix}" if t.unique_suffix is not None else "")
            r = s.request(t.method, url, data=t.body, headers=t.headers, timeout=30)
            assert r.status_code in (200, 201), (t.name, r.status_code, r.text[:300])
            out[t.key] = {"status": r.status_code, "json": r.json(), "bytes": len(r.content)}
    return out


def same_answer(ceiling_base: str, target: load.Target, size: int) -> load.Target:
    """The ceiling's request answering what pcsim answered to ``target`` (same method, headers, body)."""
    return load.Target(
        f"  ceiling: same answer ({size / 1024:.0f} KB)",
        f"{ceiling_base}/same/{target.key}/",
        target.method,
        target.headers,
        target.body,
        unique_suffix=target.unique_suffix,
        group="same",
        key=target.key,
    )


def start_pcsim(name: str, workers: int, database_url: str) -> load.Server:
    port = load.free_port()
    argv = [str(load.BIN / "pcsim"), "serve", "--port", str(port)]
    if workers:
        argv[2:2] = ["--workers", str(workers)]
    return load.start(name, argv, port, "/sim/worlds", env={"PCSIM_DATABASE_URL": database_url})


def sqlite_file(name: str) -> tuple[str, list[Path]]:
    db = Path(tempfile.gettempdir()) / f"pcsim-bench-{name}-{uuid.uuid4().hex[:8]}.db"
    return f"sqlite:///{db}", [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm")]


def postgres_cluster():
    """A throwaway PostgreSQL cluster (tests/postgres_setup.py), or None when PostgreSQL is not installed."""
    try:
        from tests.postgres_setup import start_cluster

        return start_cluster()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # pytest's skip when the server is not installed
        print(f"PostgreSQL is not available ({str(error)[:200]}): its figures are skipped.", flush=True)
        return None


def http_benchmarks(args) -> tuple[list[load.Result], dict[str, float], dict[str, dict[int, load.Result]]]:
    wrk = load.ensure_wrk()
    if not wrk:
        return [], {}, {}
    moto = load.ensure_moto()
    results: list[load.Result] = []
    started: dict[str, float] = {}
    scaling: dict[str, dict[int, load.Result]] = {}

    def bench(target: load.Target) -> load.Result:
        result = load.run_wrk(wrk, target, args.threads, args.connections, args.duration)
        results.append(result)
        print(
            f"  {target.name:52} {result.rps:9.0f} req/s  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms"
            f"{'  ' + str(result.errors) + ' errors' if result.errors else ''}",
            flush=True,
        )
        return result

    if moto:
        port = load.free_port()
        server = load.start("moto", [moto, "-H", load.HOST, "-p", str(port)], port, "/moto-api/")
        try:
            bench(moto_target(server.base))
        finally:
            server.stop()

    # pcsim and, right after each of its targets, a bare Flask app answering the same bytes under the same server.
    url, files = sqlite_file("main")
    server = start_pcsim("pcsim", args.workers, url)
    started[f"pcsim serve --workers {args.workers} (first run, new SQLite file)"] = server.ready_s
    ceiling = None
    bodies = Path(tempfile.gettempdir()) / f"pcsim-bench-bodies-{uuid.uuid4().hex[:8]}.json"
    try:
        lists, creates = pcsim_targets(server.base)
        answers = capture(lists + creates)
        bodies.write_text(json.dumps(answers))
        port = load.free_port()
        ceiling = load.start(
            "ceiling",
            [sys.executable, "-m", "benchmarks.ceiling", "--port", str(port), "--workers", str(args.workers)]
            + ["--bodies", str(bodies)],
            port,
            "/",
        )
        bench(
            load.Target(f"ceiling: bare Flask, small body, {args.workers} workers", ceiling.base + "/", group="ceiling")
        )
        for target in lists + creates:
            bench(target)
            bench(same_answer(ceiling.base, target, answers[target.key]["bytes"]))
    finally:
        if ceiling:
            ceiling.stop()
        server.stop()
        bodies.unlink(missing_ok=True)
        for f in files:
            f.unlink(missing_ok=True)

    # Reads: one server per worker count, all running; the same reads measured in turns, round after round, so
    # that the other load of a shared machine falls on every worker count alike (no writes while they run).
    engines = [("SQLite file", [1, 2], None)]
    cluster = None if args.no_postgres else postgres_cluster()
    if cluster:
        engines.append(("PostgreSQL", [1, 2, 4], cluster))
    try:
        for engine, counts, pg in engines:
            servers, files, turns = [], [], []
            try:
                for workers in counts:
                    if pg:
                        url = pg.create_database(f"bench_{workers}_{uuid.uuid4().hex[:6]}")
                    else:
                        url, more = sqlite_file(f"w{workers}")
                        files += more
                    servers.append(start_pcsim(f"reads-{workers}", workers, url))
                    reads, _ = pcsim_targets(servers[-1].base, label=f"{engine}, {workers} worker{'s' * (workers > 1)}")
                    turns += [(workers, target) for target in (reads[0], reads[2])]
                rounds: dict[tuple[int, str], list[load.Result]] = {}
                for _ in range(args.rounds):
                    for workers, target in turns:
                        result = load.run_wrk(wrk, target, args.threads, args.connections, args.duration)
                        rounds.setdefault((workers, target.name), []).append(result)
                for (workers, name), runs in rounds.items():
                    target = runs[0].target
                    target.group = "reads"
                    result = load.Result(
                        target,
                        sum(r.requests for r in runs),
                        statistics.mean(r.rps for r in runs),
                        statistics.mean(r.p50_ms for r in runs),
                        max(r.p99_ms for r in runs),
                        sum(r.errors for r in runs),
                    )
                    results.append(result)
                    rps = " ".join(f"{r.rps:.0f}" for r in runs)
                    print(f"  {name:52} {result.rps:9.0f} req/s  (rounds: {rps})", flush=True)
                    scaling.setdefault(f"{engine}: {name.split(': ', 1)[1]}", {})[workers] = result
            finally:
                for server in servers:
                    server.stop()
                for f in files:
                    f.unlink(missing_ok=True)
    finally:
        if cluster:
            cluster.stop()

    # Like for like with the peer: moto_server is one process holding its state in memory; so is `pcsim serve`
    # without --workers (the `make serve` default).
    server = start_pcsim("pcsim-memory", 0, "")
    try:
        _, creates = pcsim_targets(server.base, label="pcsim in memory, 1 process")
        for target in creates:
            target.group = "create-memory"
            bench(target)
    finally:
        server.stop()
    return results, started, scaling


def large_world(args) -> dict[str, dict]:
    """Load time and peak RSS of the 10,000-customer / 100,000-ticket world (benchmarks/scale.py), fresh process."""
    from . import scale

    path, generated = scale.fixture_path(10_000, 100_000, 1, Path(tempfile.gettempdir()) / "pcsim-scale")
    if generated:
        print(f"  generated {path} in {generated:.1f} s", flush=True)
    out = {"in memory (sqlite://)": scale.load_in_fresh_process(path, "sqlite://")}
    url, files = sqlite_file("scale")
    try:
        out["new SQLite file"] = scale.load_in_fresh_process(path, url)
    finally:
        for f in files:
            f.unlink(missing_ok=True)
    for name, figures in out.items():
        print(f"  large world, {name}: {figures['load_s']:.2f} s, {figures['rss_mb']:.0f} MB", flush=True)
    return out


# --- report ----------------------------------------------------------------------------------------------------------
def ratio_goal(goals: list, name: str, value: float | None, base: float | None, at_least: float) -> None:
    if value is not None and base:
        goals.append((f"{name} >= {at_least:g}x", value >= at_least * base, f"{value / base:.2f}x"))


def http_report(results: list[load.Result], scaling: dict[str, dict[int, load.Result]], goals: list) -> None:
    moto = next((r for r in results if r.target.group == "peer"), None)
    small = next((r for r in results if r.target.group == "ceiling"), None)
    print()
    print(f"{'target':56} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'x its ceiling':>14} {'x moto':>8}")
    for i, r in enumerate(results):
        after = results[i + 1] if i + 1 < len(results) else None
        own = after if after and after.target.group == "same" and r.target.key else None
        vs_ceiling = f"{r.rps / own.rps:14.2f}" if own else f"{'':>14}"
        vs_moto = f"{r.rps / moto.rps:8.2f}" if moto and r.target.group.startswith("create") else f"{'':>8}"
        print(f"{r.target.name:56} {r.rps:8.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d} {vs_ceiling} {vs_moto}")
        if own:
            ratio_goal(goals, f"{r.target.name} vs a bare Flask app answering the same", r.rps, own.rps, 0.5)
        if r.target.group.startswith("create") and moto:
            ratio_goal(goals, f"{r.target.name} vs moto's CreateCase", r.rps, moto.rps, 3)
        if r.errors and r.target.group not in ("ceiling", "same"):
            goals.append((f"{r.target.name}: no errors", False, f"{r.errors} errors"))
    if small and moto:
        print(f"(the small-body ceiling is {small.rps / moto.rps:.1f}x moto)")
    if scaling:
        print()
        print(f"{'reads: workers side by side':56} {'workers':>8} {'req/s':>8} {'x 1 worker':>11}")
        for name, by_workers in scaling.items():
            one = by_workers.get(1)
            for workers, r in sorted(by_workers.items()):
                print(f"{name:56} {workers:8d} {r.rps:8.0f} {r.rps / one.rps if one else 0:11.2f}")
            if one and 2 in by_workers:
                ratio_goal(goals, f"{name}: 2 workers vs 1", by_workers[2].rps, one.rps, 1.7)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--runs", type=int, default=200, help="world create and reset runs (in process)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--duration", type=float, default=5, help="wrk -d, seconds (after a 1 s warm-up)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the ceilings and pcsim")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="only the in-process benchmarks and cold start")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the worker-count reads, side by side")
    parser.add_argument("--no-postgres", action="store_true", help="no PostgreSQL worker figures")
    parser.add_argument("--no-large", action="store_true", help="skip the 10,000-customer world's load")
    parser.add_argument("--profile", action="store_true", help="profile pcsim's ticket create in process instead")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="the scale benchmark instead: 10,000 customers, 100,000 tickets (benchmarks/scale.py)",
    )
    args = parser.parse_args()
    if args.profile:
        from . import profile

        profile.main([])
        return
    if args.scale:
        from . import scale

        scale.main([])
        return

    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration:g}s --latency (after a 1 s warm-up), gunicorn --workers {args.workers}, loopback",
        flush=True,
    )
    results, started, scaling = ([], {}, {}) if args.no_http else http_benchmarks(args)
    worlds = world_benchmarks(args.runs)
    cold = cold_start(args.cold_runs, args.workers)
    large = {} if args.no_large else large_world(args)

    goals: list[tuple[str, bool | None, str]] = []
    if results:
        http_report(results, scaling, goals)

    print()
    base = statistics.median(worlds["world create (copy of the loaded scenario)"])
    print(f"{'in process':56} {'p50 ms':>8} {'p99 ms':>8} {'p50 / world create':>20}")
    for name, values in worlds.items():
        p50 = statistics.median(values)
        print(f"{name:56} {p50:8.2f} {percentile(values, 99):8.2f} {p50 / base:20.2f}")
    goals.append(("world create <= 10 ms p50", base <= 10, f"{base:.2f} ms"))

    print()
    print(f"{'cold start (process start to first 200)':56} {'median s':>8} {'max s':>8}")
    for name, values in cold.items():
        print(f"{name:56} {statistics.median(values):8.2f} {max(values):8.2f}")
    for name, seconds in started.items():
        print(f"{name:56} {seconds:8.2f} {seconds:8.2f}")
    first = statistics.median(cold["pcsim serve (in memory)"])
    goals.append(("cold start of pcsim serve <= 1.0 s", first <= 1.0, f"{first:.2f} s"))

    if large:
        print()
        print(f"{'10,000 customers / 100,000 tickets, fresh process':56} {'load s':>8} {'CPU s':>8} {'RSS MB':>8}")
        for name, f in large.items():
            print(f"{name:56} {f['load_s']:8.2f} {f['load_cpu_s']:8.2f} {f['rss_mb']:8.0f}")
            goals.append((f"large world, {name}: load <= 5 s", f["load_s"] <= 5, f"{f['load_s']:.2f} s"))
            goals.append((f"large world, {name}: RSS <= 300 MB", f["rss_mb"] <= 300, f"{f['rss_mb']:.0f} MB"))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_goals(goals)


if __name__ == "__main__":
    main()
