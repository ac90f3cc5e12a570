"""The app factory: one Flask app serving every surface of every world."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .auth.keys import KeyRing
from .auth.tokens import TokenRejected, TokenService
from .config import Config
from .domain.errors import DomainError
from .store import Store
from .worlds import Worlds


@dataclass
class Services:
    config: Config
    store: Store
    worlds: Worlds
    keys: KeyRing
    tokens: TokenService


class WorldPathMiddleware:
    """Serves a world other than the default one under ``/worlds/<id>/...``: strips the prefix and
    moves it to SCRIPT_NAME, so every surface's routes and links work unchanged inside a world."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/worlds/"):
            world, _, rest = path[len("/worlds/"):].partition("/")
            if world:
                environ["pcsim.world"] = world
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/worlds/" + world
                environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


def create_app(config: Config | None = None, **overrides) -> Flask:
    """Build the app: ``create_app()`` reads the environment; keyword arguments override it."""
    config = config or Config.from_env(**overrides)
    app = Flask(__name__)
    app.json.sort_keys = False
    store = Store(config.database_url)
    worlds = Worlds(store)
    keys = KeyRing(store)
    services = Services(config, store, worlds, keys, TokenService(keys, config.default_world))
    app.extensions["pcsim"] = services
    worlds.ensure(config.default_world, config.scenario, frozen=config.frozen_clock)
    keys.load()

    from .surfaces import docs, graph, login, partnercenter
    renderers = []
    for surface in (login, partnercenter, graph):
        renderers.extend(surface.register(app))
    docs.register(app)
    # Longest prefix first, so /usgov/partnercenter wins over a shorter match.
    renderers.sort(key=lambda pr: len(pr[0]), reverse=True)

    def render(exc):
        path = request.path
        for prefix, renderer in renderers:
            if path == prefix or path.startswith(prefix + "/"):
                return renderer(exc)
        status = getattr(exc, "status", None) or getattr(exc, "code", None) or 500
        return jsonify({"error": {"code": type(exc).__name__, "message": str(exc)}}), status

    app.register_error_handler(DomainError, render)
    app.register_error_handler(TokenRejected, render)
    app.register_error_handler(HTTPException, render)

    @app.after_request
    def _finish_transaction(response):
        db = g.pop("db", None)
        if db is not None:
            try:
                if response.status_code < 400:
                    db.commit()
                else:
                    db.rollback()
            finally:
                store.close_session(db)
        return response

    @app.teardown_request
    def _release_session(_exc):
        db = g.pop("db", None)
        if db is not None:  # after_request did not run (an unhandled error): nothing is kept
            db.rollback()
            store.close_session(db)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    app.wsgi_app = WorldPathMiddleware(app.wsgi_app)
    return app
