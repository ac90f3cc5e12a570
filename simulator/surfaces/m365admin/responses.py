"""Microsoft 365 admin center support (``/m365admin/v1.0``), pcsim's own API: no public one exists.

Who calls decides what the rules are (from the token): see :mod:`simulator.services.m365_support`.
"""

from __future__ import annotations

from flask import request

from ...domain.catalog import CLOUD_PREFIX, RESOURCES
from ...domain.clock import iso
from ...domain.errors import Invalid
from ...domain.support_catalog import MORE_CATEGORY_ID, TopicCategory
from ...services import m365_support as service
from .. import context as ctx
from .. import odata
from ..graph.schemas import GraphError
from ..openapi import Blueprint, cloud, make_api, mount_per_cloud
from . import schemas
from .exceptions import add_headers, render

API_PATH = "/m365admin/v1.0"
MORE_ENTRY = {"id": MORE_CATEGORY_ID, "displayName": "More..."}
DEFAULT_TOP = 100

# Named as the public cloud's copy always was: the OpenAPI document's tag.
bp = Blueprint(
    "m365admin_public",
    __name__,
    description="Microsoft 365 admin center support: support options, topic categories, service "
    "requests and their notes.",
)
bp.after_request(add_headers)


def _principal():
    return ctx.authenticate(RESOURCES[cloud()]["m365admin"])


def context_url(fragment: str) -> str:
    return f"{request.url_root.rstrip('/')}{CLOUD_PREFIX[cloud()]}{API_PATH}/$metadata#{fragment}"


def _category_json(c: TopicCategory) -> dict:
    return {"id": c.id, "displayName": c.display_name, "workload": c.workload, "featured": c.featured}


def _note_json(n) -> dict:
    return {
        "id": str(n.seq),
        "createdDateTime": iso(n.created_at),
        "author": n.author,
        "authorType": n.author_kind,
        "text": n.text,
    }


def ticket_json(t, notes: list | None = None) -> dict:
    body = {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "status": schemas.STATUS_OUT.get(t.status, t.status),
        "severity": t.severity,
        "workload": t.workload,
        "origin": t.origin,
        "topicCategoryId": t.topic_id,
        "topicCategoryDisplayName": t.topic_name,
        "supportPlan": t.support_plan,
        "supportPlanId": t.support_plan_id,
        "customerTenantId": t.customer_id,
        "partnerTenantId": t.partner_id,
        "productId": t.product_id,
        "subscriptionId": t.subscription_id,
        "contact": dict(t.contact or {}),
        "createdBy": t.created_by,
        "createdDateTime": iso(t.created_at),
        "lastModifiedDateTime": iso(t.modified_at),
        "closedDateTime": iso(t.closed_at),
    }
    if notes is not None:
        body["notes"] = [_note_json(n) for n in notes]
    return body


def _equals(text: str | None) -> list[tuple[str, str]]:
    """``$filter``'s eq clauses on status (the API's enum values), workload and origin."""
    clauses = []
    for field, value in odata.parse_eq_filter(text, ("status", "workload", "origin")):
        if field == "status":
            if value not in schemas.STATUS_IN:
                raise Invalid(f"status must be one of {', '.join(schemas.STATUS_IN)}; got '{value}'.")
            value = schemas.STATUS_IN[value]
        clauses.append((field, value))
    return clauses


# --- support options (R10) -------------------------------------------------------------------------------------
@bp.get("/support/options")
@bp.response(200, schemas.SupportOptions)
def get_support_options():
    """The signed-in user's tenant's support options (R10): its CSP partner(s), and Microsoft when the tenant
    has a paid Direct subscription (or no CSP partner). A partner user acting through GDAP sees the customer's."""
    return {
        "odata_context": context_url("support/options"),
        "value": service.support_options(ctx.scope(), _principal()),
    }


# --- topic categories (R9: short list plus "More...") ----------------------------------------------------------
@bp.get("/support/topicCategories")
@bp.arguments(schemas.CategoryArgs, location="query")
@bp.response(200, schemas.TopicCategories)
def list_topic_categories(args):
    """The workload's featured categories, then ``{"id": "more", "displayName": "More..."}``, which
    ``/support/topicCategories/more`` expands."""
    value = [_category_json(c) for c in service.topic_categories(ctx.scope(), _principal(), args["workload"])]
    value.append(MORE_ENTRY | {"workload": args["workload"]})
    return {"odata_context": context_url("support/topicCategories"), "value": value}


@bp.get("/support/topicCategories/more")
@bp.arguments(schemas.CategoryArgs, location="query")
@bp.response(200, schemas.TopicCategories)
def list_all_topic_categories(args):
    """ "More...": every category of the workload (featured ones first)."""
    categories = service.topic_categories(ctx.scope(), _principal(), args["workload"], more=True)
    return {"odata_context": context_url("support/topicCategories"), "value": [_category_json(c) for c in categories]}


# --- service requests ------------------------------------------------------------------------------------------
@bp.post("/support/serviceRequests")
@bp.arguments(schemas.ServiceRequestCreate)
@bp.response(201, schemas.ServiceRequest)
def create_service_request(data):
    """Open a service request. A partner user through GDAP files for the customer with the CSP entitlement
    (R1, R2, R11, R9: GDAP support role, partner's contact); a customer's admin files with Microsoft (R11,
    R10); a partner in its own tenant files under its own entitlement (R11, R13)."""
    ticket = service.file_request(ctx.scope(), _principal(), data)
    return ticket_json(ticket, []) | {"odata_context": context_url("support/serviceRequests/$entity")}


@bp.get("/support/serviceRequests")
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.ServiceRequestPage)
def list_service_requests(args):
    """ "View all support tickets": the tenant's service requests of every origin except Azure (those are in
    the Azure portal), newest first; ``$filter`` (eq on status, workload, origin), ``$top``, ``$count``."""
    rows = service.list_requests(ctx.scope(), _principal(), lambda: _equals(args.get("filter")))
    return odata.page([ticket_json(t) for t in rows], context_url("support/serviceRequests"), args, DEFAULT_TOP)


@bp.get("/support/serviceRequests/<ticket_id>")
@bp.response(200, schemas.ServiceRequest)
def get_service_request(ticket_id):
    """One service request of the tenant, with its notes (Microsoft's included)."""
    ticket, notes = service.get_request(ctx.scope(), _principal(), ticket_id)
    return ticket_json(ticket, notes) | {"odata_context": context_url("support/serviceRequests/$entity")}


@bp.post("/support/serviceRequests/<ticket_id>/notes")
@bp.arguments(schemas.NoteCreate)
@bp.response(201, schemas.Note)
def add_note(data, ticket_id):
    """Add a note: it answers Microsoft, so an ``attentionNeeded`` request is ``open`` again; a closed one
    takes no note (409)."""
    ticket, note = service.add_note(ctx.scope(), _principal(), ticket_id, data["text"])
    return _note_json(note) | {"odata_context": context_url(f"support/serviceRequests('{ticket.id}')/notes/$entity")}


@bp.patch("/support/serviceRequests/<ticket_id>")
@bp.arguments(schemas.ServiceRequestUpdate)
@bp.response(200, schemas.ServiceRequest)
def update_service_request(data, ticket_id):
    """Close a service request (``{"status": "closed"}``); a closed one cannot be reopened (409)."""
    ticket, notes = service.update_request(ctx.scope(), _principal(), ticket_id, schemas.STATUS_IN[data["status"]])
    return ticket_json(ticket, notes)


def register(app) -> list:
    api = make_api(
        app,
        "m365admin",
        "Microsoft 365 admin support (pcsim)",
        "pcsim's own API for the Microsoft 365 admin center's support (no public API exists), Graph-like: "
        "support options (R10), topic categories with 'More...', service requests and notes (R1, R2, R9, "
        "R11, R13). Token audience https://admin.microsoft.com (usgov: https://admin.microsoft.us at "
        "/usgov/m365admin/v1.0); errors in Graph's body, rule ids in error.innerError.rule, the ISV's or "
        "partner's contact in error.innerError.contact.",
        version="v1.0",
        error_schema=GraphError,
    )
    return mount_per_cloud(app, api, bp, API_PATH, render)
