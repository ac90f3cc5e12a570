"""The ceiling: a bare Flask app returning a small JSON body, served exactly as ``pcsim serve --workers N`` serves
pcsim (``simulator.server.run_gunicorn``: same gunicorn settings, access log included).

``python -m benchmarks.ceiling --port P --workers N``
"""

from __future__ import annotations

import argparse

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask("ceiling")

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index():
        return jsonify({"id": "00000000-0000-0000-0000-000000000000", "status": "open", "title": "ceiling"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from simulator.server import run_gunicorn

    run_gunicorn(create_app, [f"{args.host}:{args.port}"], args.workers)


if __name__ == "__main__":
    main()
