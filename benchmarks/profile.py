"""Profile pcsim's Azure ticket create in process (Flask test client, SQLite file, 500 requests) with cProfile
(``--no-profiler``: only the time a request takes, median of 5 rounds).

``python -m benchmarks --profile`` (or ``python -m benchmarks.profile [--requests N] [--target create|list|pc]``)
prints the top functions by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
import uuid
from pathlib import Path

from . import requests_pcsim as pc

# Phases of a request: (label, [(file suffix, function)]); each phase's cumulative time is summed over its functions.
PHASES = [
    ("world hooks (world row, fault rules, BEGIN)", [("surfaces/hooks.py", "before_request")]),
    ("commit and journal entry", [("simulator/app.py", "_finish_transaction")]),
    (
        "use case (services: SQL, rows, rules)",
        [
            ("services/azure_support.py", "list_tickets"),
            ("services/azure_support.py", "create_ticket"),
            ("services/service_requests.py", "list_requests"),
            ("services/service_requests.py", "file_customer_request"),
            ("services/partnercenter.py", "list_customers"),
        ],
    ),
    ("  of which rows fetched (Result.all)", [("engine/result.py", "all")]),
    ("request body parsed and validated", [("surfaces/parsing.py", "json_body")]),
    (
        "shaping (ticket_json, service_request_json)",
        [("azure/shapes.py", "ticket_json"), ("partnercenter/servicerequests.py", "service_request_json")],
    ),
    ("response dump (surfaces/dumping.py)", [("surfaces/dumping.py", "dump")]),
    ("JSON encoding (jsonify)", [("flask/json/provider.py", "response")]),
]


def phases(profiler: cProfile.Profile) -> list[tuple[str, float]]:
    """Each phase's share of the time in Flask's ``wsgi_app`` (cumulative times, from pstats)."""
    stats = pstats.Stats(profiler).stats  # {(file, line, function): (calls, calls, own, cumulative, callers)}
    total = sum(v[3] for (file, _, func), v in stats.items() if func == "wsgi_app" and file.endswith("flask/app.py"))
    out = []
    for label, names in PHASES:
        spent = sum(
            v[3] for (file, _, func), v in stats.items() if any(file.endswith(x) and func == y for x, y in names)
        )
        out.append((label, spent / total if total else 0.0))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--target", choices=("create", "list", "pc-create", "pc-list", "customers"), default="create")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--phases", action="store_true", help="print each phase's share of the request's time")
    parser.add_argument("--no-profiler", action="store_true", help="only time the requests (median of 5 rounds)")
    args = parser.parse_args(argv)
    from simulator import create_app

    db = Path(tempfile.gettempdir()) / f"pcsim-profile-{uuid.uuid4().hex[:8]}.db"
    try:
        app = create_app(database_url=f"sqlite:///{db}")
        client = app.test_client()

        def bearer(spec):
            path, form = spec
            response = client.post(path, data=form)
            assert response.status_code == 200, response.get_json()
            return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

        arm, partner = bearer(pc.ARM_TOKEN), bearer(pc.PC_TOKEN)
        body = pc.azure_ticket_body()
        for i in range(100):
            client.put(f"{pc.TICKETS}/seed-{i}?{pc.API}", data=body, headers=arm, content_type="application/json")
        counter = iter(range(10**9))

        def one():
            if args.target == "create":
                r = client.put(
                    f"{pc.TICKETS}/p-{next(counter)}?{pc.API}", data=body, headers=arm, content_type="application/json"
                )
            elif args.target == "pc-create":
                r = client.post(
                    pc.SERVICE_REQUESTS,
                    data=pc.service_request_body(),
                    headers=partner,
                    content_type="application/json",
                )
            elif args.target == "pc-list":
                r = client.get(pc.ALL_SERVICE_REQUESTS, headers=partner)
            elif args.target == "list":
                r = client.get(pc.TICKET_LIST, headers=arm)
            else:
                r = client.get(pc.CUSTOMERS, headers=partner)
            assert r.status_code in (200, 201), (r.status_code, r.get_data(as_text=True)[:500])

        for _ in range(20):  # warm
            one()
        if args.no_profiler:
            rounds = []
            for _ in range(5):
                start = time.perf_counter()
                for _ in range(args.requests // 5):
                    one()
                rounds.append((time.perf_counter() - start) / (args.requests // 5) * 1000)
            print(f"{args.target}: {sorted(rounds)[2]:.2f} ms a request (median of 5 rounds, in process)")
            return
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            one()
        profiler.disable()
        elapsed = time.perf_counter() - start
        if args.phases:
            print(f"{args.target}: share of the time in Flask's wsgi_app, {args.requests} requests under cProfile")
            for label, share in phases(profiler):
                print(f"  {label:48} {share * 100:5.1f} %")
            return
        print(
            f"{args.target}: {args.requests} requests in {elapsed:.2f} s under cProfile "
            f"({elapsed / args.requests * 1000:.2f} ms each)"
        )
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
            print(f"--- by {key}")
            print(
                out.getvalue().split("\n", 6)[-1]
                if False
                else "\n".join(
                    line
                    for line in out.getvalue().splitlines()
                    if line.strip() and not line.startswith(("   Ordered", "         "))
                )
            )
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
