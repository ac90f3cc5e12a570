"""The ceilings: bare Flask apps served exactly as ``pcsim serve --workers N`` serves pcsim
(``simulator.server.run_gunicorn``: same gunicorn settings, access log included).

- ``/``: a small constant JSON body (the plain ceiling of the server itself);
- ``/same/<key>/...``: what pcsim answered to the request ``key`` of this run (``--bodies FILE``: a JSON object
  ``{key: {"status": int, "json": ...}}`` captured from pcsim before the load): the request's JSON body, if any,
  is parsed (``request.get_json()``), and the captured JSON is encoded again on every request (``jsonify``, as
  flask-smorest does for pcsim). Any method, any path below the key (the ticket create's unique names).

``python -m benchmarks.ceiling --port P --workers N [--bodies FILE]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from flask import Flask, abort, jsonify, request


def create_app(bodies: dict | None = None) -> Flask:
    app = Flask("ceiling")
    bodies = bodies or {}

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index():
        return jsonify({"id": "00000000-0000-0000-0000-000000000000", "status": "open", "title": "ceiling"})

    @app.route("/same/<key>/", methods=["GET", "POST", "PUT"], defaults={"rest": ""})
    @app.route("/same/<key>/<path:rest>", methods=["GET", "POST", "PUT"])
    def same(key: str, rest: str):
        answer = bodies.get(key) or abort(404)
        if request.content_length:
            request.get_json()
        return jsonify(answer["json"]), answer["status"]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bodies", type=Path, help="pcsim's answers to serve under /same/<key>/")
    args = parser.parse_args()
    from simulator.server import run_gunicorn

    bodies = json.loads(args.bodies.read_text()) if args.bodies else {}
    run_gunicorn(lambda: create_app(bodies), [f"{args.host}:{args.port}"], args.workers)


if __name__ == "__main__":
    main()
