"""Partner Center REST (``/partnercenter/v1``): customers, subscriptions, relationships, profiles."""

from __future__ import annotations

import base64
import hashlib
import json

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


def etag(body: dict) -> str:
    """A resource's ``attributes.etag``: changes when what it describes changes (Partner Center's are opaque)."""
    content = json.dumps({k: v for k, v in body.items() if k != "attributes"}, sort_keys=True, default=str)
    return base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()[:18]).decode()


def with_etag(body: dict, object_type: str) -> dict:
    body["attributes"] = {"etag": etag(body), "objectType": object_type}
    return body


def _address(t) -> dict:
    billing = t.profile["billingContact"]
    return dict(t.profile["address"], firstName=billing["firstName"], lastName=billing["lastName"])


def company_profile_json(t) -> dict:
    """CustomerCompanyProfile (partnercenterservices' MicrosoftPartnerSdkContractsV1CustomerCompanyProfile)."""
    return with_etag(
        {
            "tenantId": t.id,
            "domain": t.default_domain,
            "companyName": t.name,
            "address": _address(t),
            "email": t.profile["billingContact"]["email"],
            "links": {"self": _link(f"/v1/customers/{t.id}/profiles/company")},
        },
        "CustomerCompanyProfile",
    )


def billing_profile_json(t) -> dict:
    profile, billing = t.profile, t.profile["billingContact"]
    return with_etag(
        {
            "id": profile["commerceId"],
            "firstName": billing["firstName"],
            "lastName": billing["lastName"],
            "email": billing["email"],
            "culture": "en-US",
            "language": "en",
            "companyName": t.name,
            "defaultAddress": _address(t),
            "links": {"self": _link(f"/v1/customers/{t.id}/profiles/billing")},
        },
        "CustomerBillingProfile",
    )


def customer_json(t, types: frozenset[str], domains: frozenset[str] | None = None) -> dict:
    """A customer; with ``domains`` (its one customer's read), ``allowDelegatedAccess`` and ``customDomains``."""
    body = {
        "id": t.id,
        "commerceId": t.profile["commerceId"],
        "companyProfile": company_profile_json(t),
        "billingProfile": billing_profile_json(t),
        "relationshipToPartner": rules.relationship_to_partner(set(types)),
        "links": {"self": _link(f"/v1/customers/{t.id}")},
        "attributes": {"objectType": "Customer"},
    }
    if domains is not None:
        body["allowDelegatedAccess"] = rules.is_provider(set(types)) or "indirectReseller" in types
        body["customDomains"] = sorted(d for d in domains if not d.endswith(".onmicrosoft.com"))
    return body


def subscription_json(sold: service.SoldSubscription, customer_id: str) -> dict:
    s, azure = sold.subscription, sold.subscription.workload == "azure"
    pc_id = rules.pc_subscription_id(s.id, s.workload)
    body = {
        "id": pc_id,
        "offerId": s.offer_id,
        "entitlementId": rules.entitlement_id(s.id, s.workload),
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
        # The order that bought it: pcsim has no orders API, so an id of its own, stable per subscription.
        "orderId": rules.entitlement_id(pc_id, "order").replace("-", "")[:24],
        "links": {
            "offer": _link(f"/v1/offers/{s.offer_id}"),
            "self": _link(f"/v1/customers/{customer_id}/subscriptions/{pc_id}"),
        },
    }
    return with_etag(body, "Subscription")


def relationship_json(partner_row, relationship_type: str) -> dict:
    return {
        "id": partner_row.id,
        "name": partner_row.name,
        "relationshipType": rules.PARTNER_RELATIONSHIP_TYPE[relationship_type],
        "state": "active",
        "mpnId": partner_row.mpn_id,
        "location": partner_row.profile["address"]["country"],
        "attributes": {"objectType": "PartnerRelationship"},
    }


def profile_json(t, kind: str) -> dict:
    """The partner's ``partner`` (pcsim's), ``mpn`` or ``organization`` profile."""
    links = {"self": _link(f"/v1/profiles/{kind}")}
    if kind == "mpn":  # MpnProfile (partnercenterservices' MicrosoftPartnerSdkContractsV1MpnProfile): no id
        body = {"partnerName": t.name, "mpnId": t.mpn_id, "profileType": "mpn_profile", "links": links}
        return with_etag(body, "MpnProfile")
    if kind == "partner":
        body = {"id": t.id, "partnerName": t.name, "profileType": "partner_profile", "links": links}
        return with_etag(body, "PartnerProfile")
    body = {
        "id": t.id,
        "companyName": t.name,
        "tenantId": t.id,
        "domain": t.default_domain,
        "email": t.profile["billingContact"]["email"],
        "culture": "en-US",
        "language": "en",
        "defaultAddress": _address(t),
        "profileType": "organization_profile",
        "links": links,
    }
    return with_etag(body, "OrganizationProfile")


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
    items = [customer_json(t, types) for t, types in page.customers]
    body = {
        "totalCount": len(items),  # the items of this page (the SDK's ResourceCollection counts what it holds)
        "items": items,
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
    customer, types, domains = service.customer_detail(ctx.scope(), partner(), customer_id)
    return customer_json(customer, types, domains)


@bp.get("/customers/<customer_id>/profiles/company")
@bp.response(200, schemas.CompanyProfile)
def company_profile(customer_id):
    customer, _ = service.visible_customer(ctx.scope(), partner(), customer_id)
    return company_profile_json(customer)


@bp.get("/customers/<customer_id>/profiles/billing")
@bp.response(200, schemas.BillingProfile)
def billing_profile(customer_id):
    customer, _ = service.visible_customer(ctx.scope(), partner(), customer_id)
    return billing_profile_json(customer)


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
    """The customer's indirect resellers (to their indirect provider: ``is_indirect_cloud_solution_provider_of``),
    or, to one of them, its indirect provider (``is_indirect_reseller_of``)."""
    items = [
        relationship_json(t, kind) for t, kind in service.customer_relationships(ctx.scope(), partner(), customer_id)
    ]
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


@bp.get("/relationships")
@bp.arguments(schemas.RelationshipArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PartnerRelationshipCollection)
def partner_relationships(relationship_type):
    """A distributor's indirect resellers (``IsIndirectCloudSolutionProviderOf``), or a reseller's indirect
    provider (``IsIndirectResellerOf``)."""
    items = [
        relationship_json(t, kind)
        for t, kind in service.partner_relationships(ctx.scope(), partner(), relationship_type)
    ]
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


# --- the partner's profiles ------------------------------------------------------------------------------------
@bp.get("/profiles/partner")
@bp.response(200, schemas.PartnerProfile)
@bp.doc(**{"x-pcsim": "pcsim's own route: Partner Center's profiles are mpn, organization, legalbusiness..."})
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
