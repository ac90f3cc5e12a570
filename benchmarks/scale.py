"""Scale: a generated 10,000-customer / 100,000-ticket world (issue 6, "speed and scale").

``python -m benchmarks.scale`` (or ``python -m benchmarks --scale``):

1. generates the fixture with ``pcsim generate`` (cached in a temporary directory, keyed by the generator's
   arguments: the same arguments give the same bytes);
2. loads it in a fresh process, as a server would (scenario into its template world, then one world copied from
   it), in memory and on a new SQLite file, measuring the wall time, the CPU time (what other processes on a
   busy machine do not inflate as much) and the peak RSS (``ru_maxrss``);
3. measures list latency in process (Flask test client) in the big world and in the default world side by side:
   Azure ticket list ``$top=100`` on a subscription with tickets, Partner Center service request list
   ``size=100``, Partner Center customer list ``size=100``; prints the ratios and whether the goals are met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import print_goals
from . import requests_pcsim as pc

GOAL_LOAD_S, GOAL_RSS_MB, GOAL_RATIO = 5.0, 300.0, 2.0
PROVIDER = "/providers/Microsoft.Support"

# Runs in a fresh interpreter: what a server does with --scenario, nothing else in memory.
LOADER = """
import json, resource, sys, time
started = time.perf_counter()
from simulator.store import Store
from simulator.worlds import Worlds
imported, cpu = time.perf_counter(), time.process_time()
worlds = Worlds(Store(sys.argv[2]))
template = worlds.load_template(sys.argv[1])
loaded = time.perf_counter()
worlds.create("big", template)
done = time.perf_counter()
print(json.dumps({"imports_s": imported - started, "template_s": loaded - imported, "copy_s": done - loaded,
                  "load_s": done - imported, "load_cpu_s": time.process_time() - cpu, "process_s": done - started,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fixture_path(customers: int, tickets: int, seed: int, directory: Path) -> tuple[Path, float | None]:
    """The generated fixture (generated now unless cached) and the seconds generating it took, if it did."""
    path = directory / f"scale-c{customers}-t{tickets}-s{seed}.yaml"
    if path.exists():
        return path, None
    from simulator.scenarios.generate import write_fixture

    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    write_fixture(partial, customers=customers, seed=seed, tickets=tickets, name=path.stem)
    partial.rename(path)
    return path, time.perf_counter() - started


def load_in_fresh_process(path: Path, database_url: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", LOADER, str(path), database_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_ms(client, url: str, headers: dict, runs: int) -> float:
    for _ in range(3):  # warm: caches, first query plans
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


def _items(body: dict) -> int:
    return len(body.get("value") or body.get("items") or [])


def _token(client, prefix: str, user: str, tenant: str, scope: str) -> dict:
    response = client.post(
        f"{prefix}/login/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": pc.CLI_CLIENT_ID,
            "username": user,
            "password": pc.PASSWORD,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def busiest(doc: dict) -> tuple[dict, dict, dict]:
    """(partner, customer, Azure subscription) of the big world to list: the partner that filed the most tickets,
    and its customer whose Azure subscription has the most tickets among those it can list (active GDAP with
    support roles, RBAC for its Support Engineers)."""
    filed: dict[str, int] = {}
    for c in doc["customers"]:
        for t in c.get("tickets", []):
            if t.get("partner"):
                filed[t["partner"]] = filed.get(t["partner"], 0) + 1
    partner_key = max(filed, key=filed.get)
    best = None
    for c in doc["customers"]:
        gdap = [
            g
            for g in c.get("gdap", [])
            if g["partner"] == partner_key and g["status"] == "active" and "Service Support Administrator" in g["roles"]
        ]
        for s in c["subscriptions"]:
            if (
                s["workload"] != "azure"
                or not gdap
                or not any(r["principal"] == f"{partner_key}/support-engineers" for r in s.get("rbac", []))
            ):
                continue
            count = sum(1 for t in c.get("tickets", []) if t.get("subscription") == s["key"])
            if best is None or count > best[0]:
                best = (count, c, s)
    partner = next(p for p in doc["partners"] if p["key"] == partner_key)
    return partner, best[1], best[2]


def list_latency(path: Path, runs: int) -> tuple[dict[str, tuple[float, float]], dict]:
    """{target: (default world ms, big world ms)} (medians), and facts about what was listed."""
    from simulator import create_app
    from simulator.worlds import ids

    doc = json.loads(path.read_text(encoding="utf-8"))
    partner, customer, sub = busiest(doc)
    app = create_app(database_url="sqlite://", frozen_clock=True)
    worlds = app.extensions["pcsim"].worlds
    started = time.perf_counter()
    worlds.create("big", worlds.load_template(str(path)), frozen=True)
    in_app_load = time.perf_counter() - started
    client = app.test_client()

    # The default world, with 100 Azure tickets filed (as the HTTP benchmark does), so both lists are full pages.
    arm = _token(client, "", pc.USER, "contoso.onmicrosoft.com", pc.ARM_SCOPE)
    for i in range(100):
        r = client.put(
            f"{pc.TICKETS}/scale-{i}?{pc.API}",
            data=pc.azure_ticket_body(),
            headers=arm,
            content_type="application/json",
        )
        assert r.status_code in (200, 201), r.get_json()
    default = {"arm": arm, "pc": _token(client, "", pc.USER, "northwindcloud.onmicrosoft.com", pc.PC_SCOPE)}
    domain = partner["domains"][0]
    user = f"admin@{domain}"
    big = {
        "arm": _token(client, "/worlds/big", user, customer["domains"][0], pc.ARM_SCOPE),
        "pc": _token(client, "/worlds/big", user, domain, pc.PC_SCOPE),
    }
    big_base = f"/worlds/big/azure/subscriptions/{ids.subscription_id(sub['key'])}{PROVIDER}/supportTickets"
    for i in range(100):  # the same 100 filed as in the default world: both pages are full
        r = client.put(
            f"{big_base}/scale-{i}?{pc.API}",
            data=pc.azure_ticket_body(),
            headers=big["arm"],
            content_type="application/json",
        )
        assert r.status_code in (200, 201), r.get_json()
    big_tickets = f"{big_base}?{pc.API}&$top=100"
    targets = {
        "Azure ticket list ($top=100)": ((pc.TICKET_LIST, "arm"), (big_tickets, "arm")),
        "PC service request list (size=100)": (
            (pc.ALL_SERVICE_REQUESTS, "pc"),
            ("/worlds/big/partnercenter" + pc.ALL_SERVICE_REQUESTS[14:], "pc"),
        ),
        "PC customer list page (size=100)": (
            (pc.CUSTOMERS, "pc"),
            ("/worlds/big/partnercenter" + pc.CUSTOMERS[14:], "pc"),
        ),
    }
    out = {}
    for name, ((d_url, d_token), (b_url, b_token)) in targets.items():
        out[name] = (
            _median_ms(client, d_url, default[d_token], runs),
            _median_ms(client, b_url, big[b_token], runs),
            _items(client.get(d_url, headers=default[d_token]).get_json()),
            _items(client.get(b_url, headers=big[b_token]).get_json()),
        )
    listed = client.get(big_tickets, headers=big["arm"]).get_json()["value"]
    requests_total = client.get(
        "/worlds/big/partnercenter" + pc.ALL_SERVICE_REQUESTS[14:], headers=big["pc"]
    ).get_json()["totalCount"]
    facts = {
        "partner": partner["key"],
        "customer": customer["key"],
        "subscription": sub["key"],
        "azure_tickets_listed": len(listed),
        "partner_requests": requests_total,
        "in_app_load_s": in_app_load,
    }
    return out, facts


def run(customers: int, tickets: int, seed: int, runs: int, cache: Path) -> list[tuple[str, bool, str]]:
    print(
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"pcsim generate --customers {customers} --tickets {tickets} --seed {seed}",
        flush=True,
    )
    path, generated = fixture_path(customers, tickets, seed, cache)
    size = path.stat().st_size / 1e6
    print(
        f"fixture {path} ({size:.1f} MB, "
        + (f"generated in {generated:.1f} s)" if generated is not None else "cached)"),
        flush=True,
    )
    goals: list[tuple[str, bool, str]] = []
    print()
    print(
        f"{'load in a fresh process':36} {'template s':>10} {'copy s':>8} {'load s':>8} {'load CPU s':>10} "
        f"{'process s':>10} {'peak RSS MB':>12}"
    )
    db = Path(tempfile.gettempdir()) / f"pcsim-scale-{os.getpid()}.db"
    for label, url in (("in memory (sqlite://)", "sqlite://"), ("new SQLite file", f"sqlite:///{db}")):
        try:
            m = load_in_fresh_process(path, url)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        print(
            f"{label:36} {m['template_s']:10.2f} {m['copy_s']:8.2f} {m['load_s']:8.2f} {m['load_cpu_s']:10.2f} "
            f"{m['process_s']:10.2f} {m['rss_mb']:12.0f}",
            flush=True,
        )
        goals.append((f"load ({label}) <= {GOAL_LOAD_S:g} s", m["load_s"] <= GOAL_LOAD_S, f"{m['load_s']:.2f} s"))
        goals.append((f"peak RSS ({label}) <= {GOAL_RSS_MB:g} MB", m["rss_mb"] <= GOAL_RSS_MB, f"{m['rss_mb']:.0f} MB"))

    latency, facts = list_latency(path, runs)
    print()
    print(
        f"lists (median of {runs}, in process; each world with 100 Azure tickets filed on the listed subscription; "
        f"big world loaded in the app in {facts['in_app_load_s']:.1f} s: partner {facts['partner']} with "
        f"{facts['partner_requests']} service requests, subscription {facts['subscription']} with "
        f"{facts['azure_tickets_listed']} tickets on the first page)"
    )
    print(
        f"{'target':40} {'default ms':>10} {'items':>6} {'big ms':>8} {'items':>6} {'big / default':>14} "
        f"{'per item':>9}"
    )
    for name, (default_ms, big_ms, default_items, big_items) in latency.items():
        ratio = big_ms / default_ms
        per_item = (big_ms / max(big_items, 1)) / (default_ms / max(default_items, 1))
        print(
            f"{name:40} {default_ms:10.2f} {default_items:6d} {big_ms:8.2f} {big_items:6d} {ratio:14.2f} "
            f"{per_item:9.2f}"
        )
        goals.append((f"{name}: big <= {GOAL_RATIO:g}x default", ratio <= GOAL_RATIO, f"{ratio:.2f}x"))
        if big_items != default_items:  # the default world's page is not full (Northwind has 9 customers)
            goals.append(
                (
                    f"{name}, per item listed: big <= {GOAL_RATIO:g}x default",
                    per_item <= GOAL_RATIO,
                    f"{per_item:.2f}x ({big_items} items against {default_items})",
                )
            )
    return goals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30, help="requests per list and world")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pcsim-scale",
        help="where generated fixtures are kept",
    )
    args = parser.parse_args(argv)
    print_goals(run(args.customers, args.tickets, args.seed, args.runs, args.cache))


if __name__ == "__main__":
    main()
