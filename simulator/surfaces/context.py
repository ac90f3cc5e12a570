"""Per-request state shared by every surface: the world, its clock, a database session, the caller, and the
:class:`~simulator.services.Scope` a use case works in."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ..auth.tokens import TokenRejected
from ..domain.clock import WorldClock
from ..domain.decision import start_trace
from ..domain.errors import NotFound
from ..services import Principal, Scope
from ..store import facts, queries
from .openapi import cloud


class UnknownWorld(NotFound):
    pass


def pcsim():
    """The app's pcsim services (store, worlds, tokens)."""
    return current_app.extensions["pcsim"]


def world_id() -> str:
    return request.environ.get("pcsim.world") or pcsim().config.default_world


def origin() -> str:
    """Where the request came: scheme, host and port (``https://localhost:8443``), the host of the tokens'
    issuer, as Entra ID's issuer is on its authority's host."""
    return request.host_url.rstrip("/")


def issuer_root() -> str:
    """The root of this world's sign-in as the client reached it: :func:`origin`, then ``/worlds/<id>`` when the
    world was reached by that path (nothing at the world's own root): where its tokens' issuer lives."""
    return request.url_root.rstrip("/")


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session() -> Session:
    """The request's session: a read transaction for a GET, HEAD or OPTIONS request (it never takes SQLite's
    write lock), a write transaction for any other."""
    if "db" not in g:
        g.db = pcsim().store.open_session(read_only=request.method in READ_METHODS and not g.get("write"))
    return g.db


def release_session() -> None:
    """End the request's transaction (rolled back: it has only read so far) and give its connection back,
    forgetting what it read; the next :func:`session` or :func:`world` begins a new one. For a request about to
    wait (a latency fault), so that it waits holding no lock and no connection."""
    db = g.pop("db", None)
    for name in ("world", "now", "scope"):
        g.pop(name, None)
    if db is not None:
        try:
            db.rollback()
        finally:
            pcsim().store.close_session(db)


def again_as_write() -> None:
    """The request's view is to run again, in a write transaction: what it read and decided so far is dropped."""
    release_session()
    g.write = True
    g.decisions = start_trace()
    world()


def world() -> facts.RowView:
    """This request's world row (a read-only view: the control plane edits worlds in its own sessions)."""
    if "world" not in g:
        w = queries.world(session(), world_id())
        if w is None or w.template:
            raise UnknownWorld(f"pcsim world {world_id()!r} does not exist")
        facts.use_version(session(), w.id, w.facts_version)
        g.world = w
    return g.world


def now() -> datetime:
    if "now" not in g:
        w = world()
        g.now = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen).now()
    return g.now


def scope() -> Scope:
    """What a use case works in for this request: its world's session and time, and the cloud being served."""
    if "scope" not in g:
        g.scope = Scope(session(), world().id, now(), cloud())
    return g.scope


def request_id(header: str) -> str:
    """The caller's request id from ``header`` if it sent one, else a new one; stable within a request."""
    if "request_id" not in g:
        g.request_id = request.headers.get(header) or str(uuid.uuid4())
    return g.request_id


def authenticate(audience: str) -> Principal:
    """Check the bearer token for ``audience`` in this world; the caller, or TokenRejected."""
    if "principal" in g:
        return g.principal
    world()  # an unknown world is a 404 whatever the token
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("no bearer token in the Authorization header")
    claims = pcsim().tokens.verify(token.strip(), world().id, audience, now(), origin=origin(), cloud=cloud())
    db = session()
    tenant = queries.tenant(db, world().id, claims.get("tid", ""))
    if tenant is None:
        raise TokenRejected("the token's tenant does not exist in this world")
    if claims.get("idtyp") == "app":
        principal = Principal(claims, tenant, app_roles=frozenset(claims.get("roles") or ()))
    else:
        user = queries.user(db, world().id, claims.get("oid", ""))
        if user is None:
            raise TokenRejected("the token's user does not exist in this world")
        principal = Principal(claims, tenant, user, roles=frozenset(claims.get("wids") or ()))
    g.principal = principal
    return principal
