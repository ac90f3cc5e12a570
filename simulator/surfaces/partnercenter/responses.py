"""Partner Center REST (``/partnercenter/v1``): customers, subscriptions, relationships, profiles."""
from __future__ import annotations

import base64
import json

from flask import request
from sqlalchemy import func, select

from ...auth.tokens import TokenRejected
from ...domain import partners as rules
from ...domain.catalog import RESOURCES
from ...domain.clock import iso
from ...domain.errors import Invalid, NotFound
from ...store import queries
from ...store.models import MarketplaceProduct, PartnerRelationship, Subscription, Tenant
from .. import context as ctx
from ..openapi import Blueprint, make_api, mount_per_cloud
from . import schemas, servicerequests
from .exceptions import render
from .headers import add_headers

COLLECTION = {"objectType": "Collection"}


def _partner(cloud: str):
    """The calling partner: a token for a partner tenant of this cloud, with Partner Center's audience."""
    principal = ctx.authenticate(RESOURCES[cloud]["partnercenter"])
    if principal.tenant.kind != "partner":
        raise TokenRejected(f"the token is for tenant {principal.tenant.name!r}, which is not a partner tenant: "
                            "Partner Center takes a token for the partner's own tenant")
    return principal


def _relationship_types(partner_id: str, customer_ids: list[str]) -> dict[str, set[str]]:
    rows = ctx.session().execute(select(PartnerRelationship.customer_id, PartnerRelationship.type).where(
        PartnerRelationship.world_id == ctx.world().id, PartnerRelationship.partner_id == partner_id,
        PartnerRelationship.customer_id.in_(customer_ids)))
    types: dict[str, set[str]] = {}
    for customer_id, kind in rows:
        types.setdefault(customer_id, set()).add(kind)
    return types


def _visible_customer(partner, customer_id: str) -> tuple[Tenant, set[str]]:
    """The customer if this partner has a relationship with it (R1)."""
    customer = queries.tenant(ctx.session(), ctx.world().id, customer_id.lower())
    if customer is None or customer.kind != "customer":
        raise NotFound(f"Tenant not found: {customer_id}")
    types = _relationship_types(partner.tenant.id, [customer.id]).get(customer.id, set())
    rules.require_relationship(partner.tenant.name, partner.tenant.id, customer.id, types)
    return customer, types


def customer_json(t: Tenant, types: set[str], detail: bool = False) -> dict:
    profile, billing = t.profile, t.profile["billingContact"]
    address = dict(profile["address"], firstName=billing["firstName"], lastName=billing["lastName"])
    body = {
        "id": t.id,
        "commerceId": profile["commerceId"],
        "companyProfile": {"tenantId": t.id, "domain": t.default_domain, "companyName": t.name,
                           "attributes": {"objectType": "CustomerCompanyProfile"}},
        "billingProfile": {"id": profile["commerceId"], "firstName": billing["firstName"],
                           "lastName": billing["lastName"], "email": billing["email"], "culture": "en-US",
                           "language": "en", "companyName": t.name, "defaultAddress": address,
                           "attributes": {"objectType": "CustomerBillingProfile"}},
        "relationshipToPartner": rules.relationship_to_partner(types),
        "links": {"self": {"uri": f"/v1/customers/{t.id}", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    }
    if detail:
        body["allowDelegatedAccess"] = rules.is_provider(types) or "indirectReseller" in types
    return body


def subscription_json(s: Subscription, customer_id: str, reseller_mpn: str | None, publisher: str | None) -> dict:
    return {
        "id": s.id, "offerId": s.offer_id, "entitlementId": s.id, "offerName": s.offer_name,
        "friendlyName": s.display_name, "quantity": s.quantity,
        "unitType": "none" if s.workload == "azure" else "Licenses",
        "creationDate": iso(s.created_at), "effectiveStartDate": iso(s.created_at),
        "commitmentEndDate": "9999-12-14T00:00:00Z" if s.workload == "azure" else iso(
            s.created_at.replace(year=s.created_at.year + (0 if s.is_trial else 1))),
        "status": s.status, "autoRenewEnabled": not s.is_trial,
        "billingType": "usage" if s.workload == "azure" else "license", "billingCycle": s.billing_cycle,
        "termDuration": s.term_duration, "isTrial": s.is_trial, "isMicrosoftProduct": s.workload != "marketplace",
        "publisherName": publisher or "Microsoft Corporation", "partnerId": reseller_mpn or "",
        "contractType": "subscription",
        "links": {"self": {"uri": f"/v1/customers/{customer_id}/subscriptions/{s.id}", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Subscription"},
    }


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


def _customer_filter(raw: str | None):
    """Partner Center's customer filter: ``{"Field", "Value", "Operator"}`` on CompanyName, Domain or
    IndirectReseller."""
    if not raw:
        return None
    try:
        spec = json.loads(raw)
        field, value, operator = spec["Field"], str(spec["Value"]), spec.get("Operator", "starts_with")
    except (ValueError, KeyError, TypeError):
        raise Invalid('filter must be JSON like {"Field": "CompanyName", "Value": "Con", "Operator": "starts_with"}')
    if field not in ("CompanyName", "Domain", "IndirectReseller") or operator not in ("starts_with", "equals"):
        raise Invalid(f"Unsupported filter {field} {operator}: fields CompanyName, Domain, IndirectReseller; "
                      "operators starts_with, equals")
    return field, value.lower(), operator


def make_blueprint(cloud: str) -> Blueprint:
    bp = Blueprint(f"partnercenter_{cloud}", __name__, description="Partner Center REST API v1 (customers, "
                   "subscriptions, relationships, profiles).")

    @bp.after_request
    def _headers(response):
        return add_headers(response)

    @bp.get("/customers")
    @bp.arguments(schemas.CustomerListArgs, location="query", as_kwargs=True)
    @bp.response(200, schemas.CustomerCollection)
    def list_customers(size, seekOperation=None, filter=None, continuationToken=None):
        """List the partner's customers, a page at a time (``size``; ``seekOperation=Next`` with
        ``MS-ContinuationToken`` for the next page)."""
        partner = _partner(cloud)
        world = ctx.world().id
        state = {"after": ""}
        if seekOperation:
            token = request.headers.get("MS-ContinuationToken") or continuationToken
            if not token:
                raise Invalid("seekOperation=Next needs the MS-ContinuationToken header from the previous page")
            state = _decode_token(token)
            filter = filter or state.get("filter")
        criteria = _customer_filter(filter)
        visible = select(PartnerRelationship.customer_id).where(
            PartnerRelationship.world_id == world, PartnerRelationship.partner_id == partner.tenant.id)
        query = select(Tenant.__table__).where(Tenant.world_id == world, Tenant.id.in_(visible))
        if criteria:
            field, value, operator = criteria
            if field == "IndirectReseller":
                resold = select(PartnerRelationship.customer_id).where(
                    PartnerRelationship.world_id == world, PartnerRelationship.partner_id == value,
                    PartnerRelationship.type == "indirectReseller")
                query = query.where(Tenant.id.in_(resold))
            else:
                column = Tenant.name if field == "CompanyName" else Tenant.default_domain
                query = query.where(column.ilike(value + "%") if operator == "starts_with" else column.ilike(value))
        total = ctx.session().scalar(select(func.count()).select_from(query.subquery()))
        # Core rows, read like tenants: a page costs no ORM objects.
        page = ctx.session().execute(query.where(Tenant.id > state["after"]).order_by(Tenant.id)
                                     .limit(size + 1)).all()
        more, page = len(page) > size, page[:size]
        types = _relationship_types(partner.tenant.id, [t.id for t in page])
        body = {"totalCount": total, "items": [customer_json(t, types.get(t.id, set())) for t in page],
                "links": {"self": {"uri": f"/v1/customers?size={size}", "method": "GET", "headers": []}},
                "attributes": COLLECTION}
        if more:
            token = _encode_token({"after": page[-1].id, **({"filter": filter} if filter else {})})
            body["continuationToken"] = token
            body["links"]["next"] = {"uri": f"/v1/customers?size={size}&seekOperation=Next", "method": "GET",
                                     "headers": [{"key": "MS-ContinuationToken", "value": token}]}
        return body

    @bp.get("/customers/<customer_id>")
    @bp.response(200, schemas.Customer)
    def get_customer(customer_id):
        """One customer of the partner (R1: only with a relationship)."""
        customer, types = _visible_customer(_partner(cloud), customer_id)
        return customer_json(customer, types, detail=True)

    @bp.get("/customers/<customer_id>/profiles/company")
    @bp.response(200, schemas.CompanyProfile)
    def company_profile(customer_id):
        customer, types = _visible_customer(_partner(cloud), customer_id)
        return customer_json(customer, types)["companyProfile"]

    @bp.get("/customers/<customer_id>/profiles/billing")
    @bp.response(200, schemas.BillingProfile)
    def billing_profile(customer_id):
        customer, types = _visible_customer(_partner(cloud), customer_id)
        return customer_json(customer, types)["billingProfile"]

    def _subscriptions(partner, customer: Tenant) -> list[dict]:
        world = ctx.world().id
        subs = ctx.session().scalars(select(Subscription).where(
            Subscription.world_id == world, Subscription.tenant_id == customer.id, Subscription.channel == "csp")
            .order_by(Subscription.created_at, Subscription.id)).all()
        mine = [s for s in subs if rules.sees_subscription(partner.tenant.id, s.provider_id, s.reseller_id)]
        out = []
        for s in mine:
            reseller = queries.tenant(ctx.session(), world, s.reseller_id) if s.reseller_id else None
            product = ctx.session().get(MarketplaceProduct, (world, s.product_id)) if s.product_id else None
            out.append(subscription_json(s, customer.id, reseller.mpn_id if reseller else None,
                                         product.publisher if product else None))
        return out

    @bp.get("/customers/<customer_id>/subscriptions")
    @bp.response(200, schemas.SubscriptionCollection)
    def list_subscriptions(customer_id):
        """The customer's CSP subscriptions this partner sells (as provider or reseller)."""
        partner = _partner(cloud)
        customer, _ = _visible_customer(partner, customer_id)
        items = _subscriptions(partner, customer)
        return {"totalCount": len(items), "items": items, "attributes": COLLECTION,
                "links": {"self": {"uri": f"/v1/customers/{customer.id}/subscriptions", "method": "GET", "headers": []}}}

    @bp.get("/customers/<customer_id>/subscriptions/<subscription_id>")
    @bp.response(200, schemas.Subscription)
    def get_subscription(customer_id, subscription_id):
        partner = _partner(cloud)
        customer, _ = _visible_customer(partner, customer_id)
        for item in _subscriptions(partner, customer):
            if item["id"] == subscription_id.lower():
                return item
        raise NotFound(f"Subscription with id {subscription_id} not found.")

    def relationship_json(partner_row: Tenant, kind: str) -> dict:
        return {"id": partner_row.id, "name": partner_row.name,
                "relationshipType": rules.PARTNER_RELATIONSHIP_TYPE[kind], "state": "active",
                "mpnId": partner_row.mpn_id, "location": partner_row.profile["address"]["country"],
                "attributes": {"objectType": "PartnerRelationship"}}

    @bp.get("/customers/<customer_id>/relationships")
    @bp.response(200, schemas.PartnerRelationshipCollection)
    def customer_relationships(customer_id):
        """The partners related to the customer (Partner Center documents the indirect ones; pcsim lists all)."""
        customer, _ = _visible_customer(_partner(cloud), customer_id)
        world = ctx.world().id
        rows = ctx.session().execute(select(PartnerRelationship, Tenant).join(
            Tenant, (Tenant.world_id == PartnerRelationship.world_id) & (Tenant.id == PartnerRelationship.partner_id))
            .where(PartnerRelationship.world_id == world, PartnerRelationship.customer_id == customer.id)
            .order_by(Tenant.name, PartnerRelationship.type)).all()
        items = [relationship_json(t, r.type) for r, t in rows]
        return {"totalCount": len(items), "items": items, "attributes": COLLECTION}

    @bp.get("/relationships")
    @bp.arguments(schemas.RelationshipArgs, location="query", as_kwargs=True)
    @bp.response(200, schemas.PartnerRelationshipCollection)
    def partner_relationships(relationship_type):
        """A distributor's indirect resellers (``IsIndirectResellerOf``), or a reseller's providers."""
        partner = _partner(cloud)
        world = ctx.world().id
        if relationship_type == "IsIndirectResellerOf":
            rows = ctx.session().scalars(select(Tenant).where(
                Tenant.world_id == world, Tenant.indirect_provider_id == partner.tenant.id).order_by(Tenant.name))
            items = [relationship_json(t, "indirectReseller") for t in rows]
        else:
            provider = partner.tenant.indirect_provider_id
            row = queries.tenant(ctx.session(), world, provider) if provider else None
            items = [relationship_json(row, "indirectProvider")] if row else []
        return {"totalCount": len(items), "items": items, "attributes": COLLECTION}

    def _profile(kind: str) -> dict:
        t = _partner(cloud).tenant
        billing = t.profile["billingContact"]
        base = {"id": t.id, "attributes": {"objectType": f"{kind[0].upper()}{kind[1:]}Profile"}}
        if kind == "mpn":
            return base | {"partnerName": t.name, "mpnId": t.mpn_id, "profileType": "mpn_profile",
                           "attributes": {"objectType": "MpnProfile"}}
        if kind == "partner":
            return base | {"partnerName": t.name, "profileType": "partner_profile"}
        return base | {"companyName": t.name, "tenantId": t.id, "domain": t.default_domain,
                       "email": billing["email"], "culture": "en-US", "language": "en",
                       "defaultAddress": dict(t.profile["address"], firstName=billing["firstName"],
                                              lastName=billing["lastName"]),
                       "profileType": "organization_profile"}

    @bp.get("/profiles/partner")
    @bp.response(200, schemas.PartnerProfile)
    def partner_profile():
        """The signed-in partner's profile."""
        return _profile("partner")

    @bp.get("/profiles/mpn")
    @bp.response(200, schemas.PartnerProfile)
    def mpn_profile():
        return _profile("mpn")

    @bp.get("/profiles/organization")
    @bp.response(200, schemas.PartnerProfile)
    def organization_profile():
        return _profile("organization")

    servicerequests.add_routes(bp, cloud, lambda: _partner(cloud), _visible_customer)
    return bp


def register(app) -> list:
    api = make_api(app, "partnercenter", "Partner Center (pcsim)",
                   "Partner Center REST API v1 as pcsim imitates it. Token audience "
                   "https://api.partnercenter.microsoft.com; errors in Partner Center's body.",
                   error_schema=schemas.PartnerCenterError)
    return mount_per_cloud(app, api, make_blueprint, "/partnercenter/v1", render)
