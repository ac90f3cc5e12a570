"""Partner Center REST (``/partnercenter/v1``): customers, subscriptions, relationships, profiles."""

from __future__ import annotations

from flask import request

from ...domain import partners as rules
from ...domain.clock import iso
from ...services import partnercenter as service
from .. import context as ctx
from ..openapi import make_api, mount, mount_per_cloud
from . import schemas
from .blueprint import bp, partner
from .exceptions import render

COLLECTION = {"objectType": "Collection"}


def _link(uri: str, headers: list | None = None) -> dict:
    return {"uri": uri, "method": "GET", "headers": headers or []}


def customer_json(t, types: frozenset[str], detail: bool = False) -> dict:
    profile, billing = t.profile, t.profile["billingContact"]
    address = dict(profile["address"], firstName=billing["firstName"], lastName=billing["lastName"])
    body = {
        "id": t.id,
        "commerceId": profile["commerceId"],
        "companyProfile": {
            "tenantId": t.id,
            "domain": t.default_domain,
            "companyName": t.name,
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "billingProfile": {
            "id": profile["commerceId"],
            "firstName": billing["firstName"],
            "lastName": billing["lastName"],
            "email": billing["email"],
            "culture": "en-US",
            "language": "en",
            "companyName": t.name,
            "defaultAddress": address,
            "attributes": {"objectType": "CustomerBillingProfile"},
        },
        "relationshipToPartner": rules.relationship_to_partner(set(types)),
        "links": {"self": _link(f"/v1/customers/{t.id}")},
        "attributes": {"objectType": "Customer"},
    }
    if detail:
        body["allowDelegatedAccess"] = rules.is_provider(set(types)) or "indirectReseller" in types
    return body


def subscription_json(sold: service.SoldSubscription, customer_id: str) -> dict:
    s, azure = sold.subscription, sold.subscription.workload == "azure"
    return {
        "id": s.id,
        "offerId": s.offer_id,
        "entitlementId": s.id,
        "offerName": s.offer_name,
        "friendlyName": s.display_name,
        "quantity": s.quantity,
        "unitType": "none" if azure else "Licenses",
        "creationDate": iso(s.created_at),
        "effectiveStartDate": iso(s.created_at),
        "commitmentEndDate": "9999-12-14T00:00:00Z"
        if azure
        else iso(s.created_at.replace(year=s.created_at.year + (0 if s.is_trial else 1))),
        "status": s.status,
        "autoRenewEnabled": not s.is_trial,
        "billingType": "usage" if azure else "license",
        "billingCycle": s.billing_cycle,
        "termDuration": s.term_duration,
        "isTrial": s.is_trial,
        "isMicrosoftProduct": s.workload != "marketplace",
        "publisherName": sold.publisher or "Microsoft Corporation",
        "partnerId": sold.reseller_mpn_id or "",
        "contractType": "subscription",
        "links": {"self": _link(f"/v1/customers/{customer_id}/subscriptions/{s.id}")},
        "attributes": {"objectType": "Subscription"},
    }


def relationship_json(partner_row, kind: str) -> dict:
    return {
        "id": partner_row.id,
        "name": partner_row.name,
        "relationshipType": rules.PARTNER_RELATIONSHIP_TYPE[kind],
        "state": "active",
        "mpnId": partner_row.mpn_id,
        "location": partner_row.profile["address"]["country"],
        "attributes": {"objectType": "PartnerRelationship"},
    }


def profile_json(t, kind: str) -> dict:
    """The partner's ``partner``, ``mpn`` or ``organization`` profile."""
    billing = t.profile["billingContact"]
    base = {"id": t.id, "attributes": {"objectType": f"{kind[0].upper()}{kind[1:]}Profile"}}
    if kind == "mpn":
        return base | {
            "partnerName": t.name,
            "mpnId": t.mpn_id,
            "profileType": "mpn_profile",
            "attributes": {"objectType": "MpnProfile"},
        }
    if kind == "partner":
        return base | {"partnerName": t.name, "profileType": "partner_profile"}
    return base | {
        "companyName": t.name,
        "tenantId": t.id,
        "domain": t.default_domain,
        "email": billing["email"],
        "culture": "en-US",
        "language": "en",
        "defaultAddress": dict(t.profile["address"], firstName=billing["firstName"], lastName=billing["lastName"]),
        "profileType": "organization_profile",
    }


# --- customers -------------------------------------------------------------------------------------------------
@bp.get("/customers")
@bp.arguments(schemas.CustomerListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CustomerCollection)
def list_customers(size, seekOperation=None, filter=None, continuationToken=None):
    """List the partner's customers, a page at a time (``size``; ``seekOperation=Next`` with
    ``MS-ContinuationToken`` for the next page)."""
    page = service.list_customers(
        ctx.scope(),
        partner(),
        size,
        filter,
        seek=bool(seekOperation),
        continuation=request.headers.get("MS-ContinuationToken") or continuationToken,
    )
    body = {
        "totalCount": page.total,
        "items": [customer_json(t, types) for t, types in page.customers],
        "links": {"self": _link(f"/v1/customers?size={size}")},
        "attributes": COLLECTION,
    }
    if page.continuation:
        body["continuationToken"] = page.continuation
        body["links"]["next"] = _link(
            f"/v1/customers?size={size}&seekOperation=Next",
            [{"key": "MS-ContinuationToken", "value": page.continuation}],
        )
    return body


@bp.get("/customers/<customer_id>")
@bp.response(200, schemas.Customer)
def get_customer(customer_id):
    """One customer of the partner (R1: only with a relationship)."""
    customer, types = service.visible_customer(ctx.scope(), partner(), customer_id)
    return customer_json(customer, types, detail=True)


@bp.get("/customers/<customer_id>/profiles/company")
@bp.response(200, schemas.CompanyProfile)
def company_profile(customer_id):
    customer, types = service.visible_customer(ctx.scope(), partner(), customer_id)
    return customer_json(customer, types)["companyProfile"]


@bp.get("/customers/<customer_id>/profiles/billing")
@bp.response(200, schemas.BillingProfile)
def billing_profile(customer_id):
    customer, types = service.visible_customer(ctx.scope(), partner(), customer_id)
    return customer_json(customer, types)["billingProfile"]


# --- subscriptions and relationships --------------------------------------------------------------------------
@bp.get("/customers/<customer_id>/subscriptions")
@bp.response(200, schemas.SubscriptionCollection)
def list_subscriptions(customer_id):
    """The customer's CSP subscriptions this partner sells (as provider or reseller)."""
    customer, sold = service.customer_subscriptions(ctx.scope(), partner(), customer_id)
    items = [subscription_json(s, customer.id) for s in sold]
    return {
        "totalCount": len(items),
        "items": items,
        "attributes": COLLECTION,
        "links": {"self": _link(f"/v1/customers/{customer.id}/subscriptions")},
    }


@bp.get("/customers/<customer_id>/subscriptions/<subscription_id>")
@bp.response(200, schemas.Subscription)
def get_subscription(customer_id, subscription_id):
    customer, sold = service.customer_subscription(ctx.scope(), partner(), customer_id, subscription_id)
    return subscription_json(sold, customer.id)


@bp.get("/customers/<customer_id>/relationships")
@bp.response(200, schemas.PartnerRelationshipCollection)
def customer_relationships(customer_id):
    """The partners related to the customer (Partner Center documents the indirect ones; pcsim lists all)."""
    items = [
        relationship_json(t, kind) for t, kind in service.customer_relationships(ctx.scope(), partner(), customer_id)
    ]
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


@bp.get("/relationships")
@bp.arguments(schemas.RelationshipArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PartnerRelationshipCollection)
def partner_relationships(relationship_type):
    """A distributor's indirect resellers (``IsIndirectResellerOf``), or a reseller's providers."""
    items = [
        relationship_json(t, kind)
        for t, kind in service.partner_relationships(ctx.scope(), partner(), relationship_type)
    ]
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


# --- the partner's profiles ------------------------------------------------------------------------------------
@bp.get("/profiles/partner")
@bp.response(200, schemas.PartnerProfile)
def partner_profile():
    """The signed-in partner's profile."""
    return profile_json(service.partner_profile(ctx.scope(), partner()), "partner")


@bp.get("/profiles/mpn")
@bp.response(200, schemas.PartnerProfile)
def mpn_profile():
    return profile_json(service.partner_profile(ctx.scope(), partner()), "mpn")


@bp.get("/profiles/organization")
@bp.response(200, schemas.PartnerProfile)
def organization_profile():
    return profile_json(service.partner_profile(ctx.scope(), partner()), "organization")


# The service request routes come after these on the one blueprint (as they always did).
from . import servicerequests  # noqa: E402,F401


def register(app) -> list:
    api = make_api(
        app,
        "partnercenter",
        "Partner Center (pcsim)",
        "Partner Center REST API v1 as pcsim imitates it. Token audience "
        "https://api.partnercenter.microsoft.com; errors in Partner Center's body.",
        error_schema=schemas.PartnerCenterError,
    )
    prefixes = mount_per_cloud(app, api, bp, "/partnercenter/v1", render)
    # Partner Center's links are relative to its host (``"uri": "/v1/customers?..."``): the public cloud's routes
    # are served at /v1 too, so a link followed from pcsim's root works as well as from its Partner Center root.
    mount(app, None, bp, "/v1", "public", name=f"{bp.name}_root")
    return [*prefixes, ("/v1", render)]
