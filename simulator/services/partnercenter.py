"""Partner Center's use cases: the partner's customers (R1: only those it has a relationship with), their
profiles, subscriptions and relationships, the partner's own relationships and profile."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from ..domain import partners as rules
from ..domain.errors import Invalid, NotFound
from ..store import partnercenter as store
from ..store import queries
from .scope import Principal, Scope

FILTER_FIELDS = ("CompanyName", "Domain", "IndirectReseller")
FILTER_OPERATORS = ("starts_with", "equals")


@dataclass
class CustomerPage:
    total: int
    customers: list[tuple[Any, frozenset[str]]]  # (tenant row, the partner's relationship types with it)
    continuation: str | None  # the next page's continuation token, when there is one


@dataclass
class SoldSubscription:
    """A CSP subscription the partner sells, with its reseller's MPN id and its publisher (marketplace)."""

    subscription: Any
    reseller_mpn_id: str | None
    publisher: str | None


def visible_customer(scope: Scope, principal: Principal, customer_id: str) -> tuple[Any, frozenset[str]]:
    """The customer and the partner's relationship types with it, if it has one (R1); NotFound for no customer."""
    customer = queries.tenant(scope.db, scope.world_id, customer_id.lower())
    if customer is None or customer.kind != "customer":
        raise tenant_not_found(customer_id)
    types = queries.relationship_types(scope.db, scope.world_id, principal.tenant.id, customer.id)
    rules.require_relationship(principal.tenant.name, principal.tenant.id, customer.id, set(types))
    return customer, types


def tenant_not_found(customer_id: str) -> NotFound:
    """Partner Center's "Tenant not found" (its error code 60003: the surface names it by ``problem``)."""
    error = NotFound(f"Tenant not found: {customer_id}")
    error.problem = "tenant"
    return error


def customer_detail(scope: Scope, principal: Principal, customer_id: str) -> tuple[Any, frozenset[str], frozenset[str]]:
    """The customer (R1), the partner's relationship types with it, and its domains."""
    customer, types = visible_customer(scope, principal, customer_id)
    return customer, types, queries.tenant_domains(scope.db, scope.world_id, customer.id)


def _encode_token(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> dict:
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(value, dict) or not isinstance(value.get("after"), str):
            raise ValueError
        return value
    except ValueError:
        raise Invalid("Invalid continuation token") from None


def _customer_filter(raw: str | None) -> tuple[str, str, str] | None:
    """Partner Center's customer filter: ``{"Field", "Value", "Operator"}`` on CompanyName, Domain or
    IndirectReseller."""
    if not raw:
        return None
    try:
        spec = json.loads(raw)
        field, value, operator = spec["Field"], str(spec["Value"]), spec.get("Operator", "starts_with")
    except (ValueError, KeyError, TypeError):
        raise Invalid(
            'filter must be JSON like {"Field": "CompanyName", "Value": "Con", "Operator": "starts_with"}'
        ) from None
    if field not in FILTER_FIELDS or operator not in FILTER_OPERATORS:
        raise Invalid(
            f"Unsupported filter {field} {operator}: fields CompanyName, Domain, IndirectReseller; "
            "operators starts_with, equals"
        )
    return field, value.lower(), operator


def list_customers(
    scope: Scope,
    principal: Principal,
    size: int,
    filter: str | None = None,
    seek: bool = False,
    continuation: str | None = None,
) -> CustomerPage:
    """The partner's customers, ``size`` at a time, by id; ``seek`` with the previous page's ``continuation``
    token for the next page (the token keeps the filter)."""
    state = {"after": ""}
    if seek:
        if not continuation:
            raise Invalid("seekOperation=Next needs the MS-ContinuationToken header from the previous page")
        state = _decode_token(continuation)
        filter = filter or state.get("filter")
    partner_id = principal.tenant.id
    total, page = store.customer_page(
        scope.db, scope.world_id, partner_id, _customer_filter(filter), state["after"], size + 1
    )
    more, page = len(page) > size, page[:size]
    types = store.relationship_types(scope.db, scope.world_id, partner_id, [t.id for t in page])
    token = _encode_token({"after": page[-1].id, **({"filter": filter} if filter else {})}) if more else None
    return CustomerPage(total, [(t, frozenset(types.get(t.id, ()))) for t in page], token)


def customer_subscriptions(scope: Scope, principal: Principal, customer_id: str) -> tuple[Any, list]:
    """(the customer, the CSP subscriptions of it this partner sells: as provider or reseller)."""
    customer, _ = visible_customer(scope, principal, customer_id)
    sold = []
    for s in store.csp_subscriptions(scope.db, scope.world_id, customer.id):
        if rules.sees_subscription(principal.tenant.id, s.provider_id, s.reseller_id):
            reseller = queries.tenant(scope.db, scope.world_id, s.reseller_id) if s.reseller_id else None
            sold.append(
                SoldSubscription(
                    s,
                    reseller.mpn_id if reseller else None,
                    store.product_publisher(scope.db, scope.world_id, s.product_id),
                )
            )
    return customer, sold


def customer_subscription(
    scope: Scope, principal: Principal, customer_id: str, subscription_id: str
) -> tuple[Any, SoldSubscription]:
    customer, sold = customer_subscriptions(scope, principal, customer_id)
    for item in sold:
        if rules.pc_subscription_id(item.subscription.id, item.subscription.workload) == subscription_id.lower():
            return customer, item
    error = NotFound(f"Subscription with ID {subscription_id} not found.")
    error.problem = "subscription"  # Partner Center's error code 20003
    raise error


def customer_relationships(scope: Scope, principal: Principal, customer_id: str) -> list[tuple[Any, str]]:
    """The customer's indirect partners the calling partner is related to, each with the caller's relationship to
    it (Partner Center's "Get a customer's indirect resellers"): an indirect provider sees the customer's
    indirect resellers that are its own (``IsIndirectCloudSolutionProviderOf``); an indirect reseller sees the
    customer's indirect provider that is its own (``IsIndirectResellerOf``, pcsim's choice). Direct providers and
    advisors have none."""
    customer, _ = visible_customer(scope, principal, customer_id)
    caller, related = principal.tenant, []
    for partner, kind in store.partners_of(scope.db, scope.world_id, customer.id):
        if kind == "indirectReseller" and partner.indirect_provider_id == caller.id:
            related.append((partner, "IsIndirectCloudSolutionProviderOf"))
        elif kind == "indirectProvider" and partner.id == caller.indirect_provider_id:
            related.append((partner, "IsIndirectResellerOf"))
    return related


def partner_relationships(scope: Scope, principal: Principal, relationship_type: str) -> list[tuple[Any, str]]:
    """The partner's indirect relationships of ``relationship_type`` (the caller's relationship to each):
    ``IsIndirectCloudSolutionProviderOf``, an indirect provider's (distributor's) indirect resellers;
    ``IsIndirectResellerOf``, an indirect reseller's indirect provider."""
    partner = principal.tenant
    if relationship_type == "IsIndirectCloudSolutionProviderOf":
        return [(t, relationship_type) for t in store.indirect_resellers(scope.db, scope.world_id, partner.id)]
    provider = partner.indirect_provider_id
    row = queries.tenant(scope.db, scope.world_id, provider) if provider else None
    return [(row, relationship_type)] if row else []


def partner_profile(scope: Scope, principal: Principal):
    """The signed-in partner's own tenant (its profiles)."""
    return principal.tenant
