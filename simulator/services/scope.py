"""What every use case works in (:class:`Scope`) and who acts (:class:`Principal`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.support import Caller
from ..store import facts, queries


@dataclass(frozen=True)
class Scope:
    """One world's database session (the request's transaction), the world's id and time, and the cloud."""

    db: Session
    world_id: str
    now: datetime
    cloud: str = "public"


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

    def caller(self, scope: Scope) -> Caller:
        """The caller as the support rules see it."""
        home = (
            self.tenant
            if self.home_tenant_id == self.tenant.id
            else queries.tenant(scope.db, scope.world_id, self.home_tenant_id)
        )
        return Caller(
            name=self.name,
            is_user=self.user is not None,
            home_tenant_id=home.id,
            home_kind=home.kind,
            tenant_id=self.tenant.id,
            partner_roles=frozenset(self.user.partner_roles or []) if self.user else frozenset(),
            roles=self.roles,
            partner_name=home.name if home.kind == "partner" else "",
        )
