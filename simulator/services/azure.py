"""Azure Resource Manager's use cases: the subscriptions a token sees, the support catalogue, and where Azure
support tickets live with who may act there (:func:`support_scope`: R14, R12, R7).

A refusal is a domain error; when ARM names it more precisely than by its rule or kind, the error carries
``problem`` (what is wrong: ``parameter``, ``subscription_id``, ``subscription``, ``resource_name``,
``support_plan``, ``contact``) and ``target`` (the request property at fault), which the surface maps to ARM's
error code and target.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from ..domain import support as rules
from ..domain.catalog import CLOUD_PREFIX
from ..domain.decision import Decision
from ..domain.errors import Denied, DomainError, Invalid, NotFound
from ..domain.regions import REGIONS, Region
from ..domain.support_catalog import AZURE_SERVICES, SERVICES_BY_ID, AzureService
from ..store import azure as store
from ..store import queries
from ..store.facts import RowView
from ..store.models import Subscription
from .scope import Principal, Scope

PROVIDER = "/providers/Microsoft.Support"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
READ_SUBSCRIPTION = "Microsoft.Resources/subscriptions/read"


def refuse(error: DomainError, problem: str | None = None, target: str | None = None) -> DomainError:
    """``error`` with what the surface names it by: ``problem`` (the kind of fault) and ``target`` (the request
    property at fault)."""
    error.problem, error.target = problem, target
    return error


@contextmanager
def naming(problem: str, target: str | None = None):
    """Give a rule's denial a ``problem`` and ``target`` more precise than its rule."""
    try:
        yield
    except Denied as exc:
        raise refuse(exc, problem, target) from None


# --- who may act where -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SupportScope:
    """Where tickets live: a subscription (``sub``), or without one the tenant's tenant-level tickets (ARM's "no
    subscription" tickets); with the caller and the decision its access was recorded in."""

    tenant: RowView  # of a Tenant
    sub: rules.AzureSubscriptionFacts | None
    caller: rules.Caller
    decision: Decision

    @property
    def subscription_id(self) -> str | None:
        return self.sub.id if self.sub else None

    @property
    def path(self) -> str:
        return f"/subscriptions/{self.sub.id}" if self.sub else "the tenant"


def support_scope(
    scope: Scope, principal: Principal, subscription_id: str | None, action: str, write: bool
) -> SupportScope:
    """A subscription's tickets: R14 (its cloud), R12 (the token's tenant), then R7 (GDAP for a partner user in a
    customer tenant, then RBAC on the subscription). Without a subscription, the token's tenant's: R7's GDAP half
    only (no subscription, so no RBAC)."""
    caller = principal.caller(scope)
    d = Decision(action)
    if subscription_id is None:
        d.note("R12", "tenant-level tickets live in the token's own tenant")
        rules.check_azure_on_behalf(d, caller, _gdap(scope, principal, caller))
        d.note("R7", "tenant-level: no subscription, so no Azure RBAC applies")
        return SupportScope(principal.tenant, None, caller, d)
    sub = _azure_subscription(scope, subscription_id)
    rules.check_azure_visibility(d, caller, sub)
    rules.check_azure_on_behalf(d, caller, _gdap(scope, principal, caller))
    rules.check_azure_rbac(d, caller, sub, _rbac(scope, principal, sub.id), action, write)
    return SupportScope(queries.tenant(scope.db, scope.world_id, sub.tenant_id), sub, caller, d)


def _azure_subscription(scope: Scope, subscription_id: str) -> rules.AzureSubscriptionFacts:
    """The subscription's facts: 400 for a malformed id, 404 when it does not exist in this cloud (R14)."""
    if not GUID.match(subscription_id):
        raise refuse(
            Invalid(f"The provided subscription identifier '{subscription_id}' is malformed or invalid."),
            "subscription_id",
        )
    sub = queries.azure_subscription(scope.db, scope.world_id, subscription_id)
    if sub is None:
        raise refuse(NotFound(f"The subscription '{subscription_id}' could not be found."), "subscription")
    owner = queries.tenant(scope.db, scope.world_id, sub.tenant_id)
    if owner.cloud != scope.cloud:
        raise refuse(
            NotFound(
                f"The subscription '{subscription_id}' could not be found in the "
                f"{scope.cloud} cloud: it belongs to the "
                f"{owner.cloud} cloud, served under {CLOUD_PREFIX[owner.cloud]}/azure (R14).",
                rule="R14",
                facts={"subscriptionCloud": owner.cloud, "surfaceCloud": scope.cloud},
            ),
            "subscription",
        )
    return sub


def principal_id(principal: Principal) -> str:
    return principal.user.id if principal.user is not None else principal.claims.get("oid", "")


def _gdap(scope: Scope, principal: Principal, caller: rules.Caller):
    if not caller.is_guest or principal.user is None:
        return None
    return queries.gdap_roles(
        scope.db, scope.world_id, principal.user.id, caller.home_tenant_id, caller.tenant_id, scope.now
    )


def _rbac(scope: Scope, principal: Principal, subscription_id: str) -> list[dict]:
    return list(queries.rbac_assignments_for(scope.db, scope.world_id, subscription_id, principal_id(principal)))


def _sees(scope: Scope, principal: Principal, subscription_id: str) -> bool:
    """R7's read half (:func:`rules.sees_azure_subscription`): an Azure RBAC role on the subscription."""
    return rules.sees_azure_subscription(_rbac(scope, principal, subscription_id))


# --- subscriptions (Microsoft.Resources) ---------------------------------------------------------------------
def list_subscriptions(scope: Scope, principal: Principal) -> list[Subscription]:
    """The Azure subscriptions the token can see: its tenant's, on which the caller holds an Azure RBAC role (an
    Entra ID role, Global Administrator included, gives none)."""
    return [
        s
        for s in store.azure_subscriptions(scope.db, scope.world_id, principal.tenant.id)
        if _sees(scope, principal, s.id)
    ]


def get_subscription(scope: Scope, principal: Principal, subscription_id: str) -> Subscription:
    """One subscription: R12 (a token for its tenant), then a role on it (403 without)."""
    sub = _azure_subscription(scope, subscription_id)
    rules.check_azure_visibility(Decision(READ_SUBSCRIPTION), principal.caller(scope), sub)
    if not _sees(scope, principal, sub.id):
        raise Denied(
            f"The client '{principal.name}' with object id '{principal_id(principal)}' does not have "
            f"authorization to perform action '{READ_SUBSCRIPTION}' over scope '/subscriptions/{sub.id}' or "
            "the scope is invalid."
        )
    found = store.subscription(scope.db, scope.world_id, sub.id)
    assert found is not None  # _azure_subscription found it
    return found


# --- the support catalogue -----------------------------------------------------------------------------------
def list_services() -> tuple[AzureService, ...]:
    """The Azure services one can file a ticket about (billing, subscription management and quota are the
    non-technical ones, R6)."""
    return AZURE_SERVICES


def get_service(service_name: str) -> AzureService:
    service = SERVICES_BY_ID.get(service_name.lower())
    if service is None:
        raise NotFound(f"The service '{service_name}' was not found. List the services with GET {PROVIDER}/services.")
    return service


def get_classification(service_name: str, classification_name: str) -> tuple[AzureService, str, str]:
    """(service, problem classification id, its display name)."""
    service = get_service(service_name)
    for pid, name in service.classifications:
        if pid == classification_name.lower():
            return service, pid, name
    raise NotFound(
        f"The problem classification '{classification_name}' was not found for service '{service.display_name}'."
    )


# --- tenants and locations (Microsoft.Resources) ------------------------------------------------------------
@dataclass(frozen=True)
class TenantView:
    """A tenant as ARM's ``GET /tenants`` describes it to the caller; ``details`` False for an app's token (ARM
    then names the tenant only)."""

    tenant: RowView  # of a Tenant
    category: str  # Home | ProjectedBy | ManagedBy
    domains: tuple[str, ...]
    details: bool = True


def list_tenants(scope: Scope, principal: Principal) -> list[TenantView]:
    """The tenants the caller's account belongs to: a user's home tenant (pcsim has no guest users); a partner's
    customer tenants reached through GDAP are not listed (a partner user names one to sign in to it, ``az login
    --tenant``), nor to an app, which sees its token's tenant only."""
    if principal.user is None:
        return [TenantView(principal.tenant, "Home", (), details=False)]
    home = queries.tenant(scope.db, scope.world_id, principal.home_tenant_id)
    domains = sorted(queries.tenant_domains(scope.db, scope.world_id, home.id))
    first = [home.default_domain] if home.default_domain in domains else []
    return [TenantView(home, "Home", tuple(first + [d for d in domains if d not in first]))]


def list_locations(scope: Scope, principal: Principal, subscription_id: str) -> tuple[Region, ...]:
    """The regions of the subscription's cloud, for a caller who may read the subscription (as its GET)."""
    get_subscription(scope, principal, subscription_id)
    return REGIONS[scope.cloud]
