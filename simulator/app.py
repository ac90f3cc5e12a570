"""The app factory: one Flask app serving every surface of every world."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .auth.keys import KeyRing
from .auth.tokens import TokenRejected, TokenService
from .config import Config
from .domain.errors import DomainError
from .roots import WorldRoots
from .store import Store, WriteInReadTransaction
from .worlds import FixtureInvalid, Worlds


@dataclass
class Services:
    config: Config
    store: Store
    worlds: Worlds
    keys: KeyRing
    tokens: TokenService
    roots: WorldRoots | None = None  # every world at its own root (simulator/roots.py)


MAX_BODY_BYTES = 1024 * 1024  # no real request of these APIs comes near it


class WorldPathMiddleware:
    """Serves a world other than the default one under ``/worlds/<id>/...``: strips the prefix and
    moves it to SCRIPT_NAME, so every surface's routes and links work unchanged inside a world. At a world's own
    root (``environ["pcsim.world"]`` already set, simulator/roots.py) ``/worlds/<id>`` is no other world's."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/worlds/") and "pcsim.world" not in environ:
            world, _, rest = path[len("/worlds/") :].partition("/")
            if world:
                environ["pcsim.world"] = world
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/worlds/" + world
                environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


class _App(Flask):
    """Flask, with one more step: a view that read in a read transaction and then had to write, but could not
    (another request wrote meanwhile, see :class:`~simulator.store.WriteInReadTransaction`), runs again once in
    a write transaction. Only the view: the request's faults were applied once, before it."""

    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except WriteInReadTransaction:
            from .surfaces import context as ctx

            ctx.again_as_write()
            return super().dispatch_request()


def create_app(config: Config | None = None, **overrides) -> Flask:
    """Build the app: ``create_app()`` reads the environment; keyword arguments override it."""
    return _build_app(config or Config.from_env(**overrides))


def _build_app(config: Config) -> Flask:
    app = _App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    from .surfaces import exposure

    exposure.settle(config)  # off loopback: the control secret, made up unless given
    app.json.sort_keys = False
    store = Store(config.database_url, journal_retention=config.journal_retention)
    worlds = Worlds(store)
    keys = KeyRing(store)
    services = Services(config, store, worlds, keys, TokenService(keys, config.default_world))
    app.extensions["pcsim"] = services
    worlds.ensure(config.default_world, config.scenario, frozen=config.frozen_clock)
    keys.load()

    from .surfaces import azure, docs, graph, hooks, login, m365admin, partnercenter, sim, ui

    renderers = {}
    for surface in (login, partnercenter, graph, m365admin, azure, sim):
        for prefix, renderer in surface.register(app):
            renderers[hooks.surface_of(prefix + "/")[0]] = renderer
    docs.register(app)
    ui.register(app)

    def render(exc):
        """Any error, in the error body of the surface the request was for."""
        if isinstance(exc, DomainError):
            g.denied_rule = exc.rule
            g.retry_after = getattr(exc, "retry_after", None)
        renderer = renderers.get(hooks.surface_of(request.path)[0])
        if renderer is not None:
            return renderer(exc)
        status = getattr(exc, "status", None) or getattr(exc, "code", None) or 500
        return jsonify({"error": {"code": type(exc).__name__, "message": str(exc)}}), status

    app.register_error_handler(DomainError, render)
    app.register_error_handler(TokenRejected, render)
    app.register_error_handler(HTTPException, render)
    app.register_error_handler(FixtureInvalid, render)
    app.before_request(exposure.guard)  # first: a refused request touches nothing
    app.before_request(hooks.before_request)

    @app.after_request
    def _finish_transaction(response):
        """Commit the request's changes (roll them back on an error) and end its transaction; then journal it
        in any case, in a short transaction of its own, before the answer goes out."""
        db = g.pop("db", None)
        if db is not None:
            try:
                if response.status_code >= 400:
                    db.rollback()
                db.commit()
            finally:
                store.close_session(db)
        hooks.after_request(response)
        if hooks.needs_journal():
            with store.session() as journal:
                hooks.journal(response, journal)
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
    services.roots = WorldRoots(app, config.host, config.tls)
    return app
