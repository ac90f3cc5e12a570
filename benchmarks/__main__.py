"""Benchmarks, measured side by side in one run (this machine is noisy: compare the ratios, not the times).

World creation: a new world from an already-loaded scenario (copy of the template) against loading the
scenario from scratch (parse, validate, build, insert) and against a reset; p50 and p99 of each.
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

from simulator import create_app
from simulator.worlds import manager


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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
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

    results = {"world create (copy of the loaded scenario)": measure(create, args.runs),
               "world reset": measure(reset, args.runs),
               "scenario load from scratch": measure(cold_load, max(5, args.runs // 20))}
    base = statistics.median(results["world create (copy of the loaded scenario)"])
    print(f"{'benchmark':48} {'p50 ms':>8} {'p99 ms':>8} {'p50 / world create':>20}")
    for name, values in results.items():
        p50 = statistics.median(values)
        print(f"{name:48} {p50:8.2f} {percentile(values, 99):8.2f} {p50 / base:20.2f}")


if __name__ == "__main__":
    main()
