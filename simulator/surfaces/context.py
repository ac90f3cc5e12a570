"""Per-request state shared by every surface: the world, its clock, a database session, the caller."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ..auth.tokens import TokenRejected
from ..domain.clock import WorldClock
from ..domain.errors import NotFound
from ..store import facts, queries


class UnknownWorld(NotFound):
    pass


@dataclass
class Principal:
    """The authenticated caller: a user or an app, acting in ``tenant``."""

    claims: dict
    tenant: facts.RowView  # of a Tenant
    user: facts.RowView | None = None  # of a User
    roles: frozenset[str] = field(default_factory=frozenset)  # Entra role template ids (wids)
    app_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def kind(self) -> str:
        return "user" if self.user is not None else "app"

    @property
    def name(self) -> str:
        return self.user.upn if self.user else self.claims.get("app_displayname", self.claims.get("azp", "app"))

    @property
    def home_tenant_id(self) -> str:
        return self.user.tenant_id if self.user else self.tenant.id

    def has_partner_role(self, role: str) -> bool:
        return self.user is not None and role in (self.user.partner_roles or [])

    def caller(self):
        """The caller as the support rules see it."""
        from ..domain.support import Caller
        home = self.tenant if self.home_tenant_id == self.tenant.id else queries.tenant(
            session(), world().id, self.home_tenant_id)
        return Caller(name=self.name, is_user=self.user is not None, home_tenant_id=home.id, home_kind=home.kind,
                      tenant_id=self.tenant.id, partner_roles=frozenset(self.user.partner_roles or []) if self.user
                      else frozenset(), roles=self.roles, partner_name=home.name if home.kind == "partner" else "")


def pcsim():
    """The app's pcsim services (store, worlds, tokens)."""
    return current_app.extensions["pcsim"]


def world_id() -> str:
    return request.environ.get("pcsim.world") or pcsim().config.default_world


def session() -> Session:
    if "db" not in g:
        g.db = pcsim().store.open_session()
    return g.db


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
    claims = pcsim().tokens.verify(token.strip(), world().id, audience, now())
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
