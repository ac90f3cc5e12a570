"""Microsoft Graph (``/graph/v1.0``): GDAP relationships, access assignments, delegated admin customers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request, url_for
from marshmallow import ValidationError

from ...domain.catalog import RESOURCES
from ...domain.clock import iso
from ...domain.errors import Invalid
from ...domain.gdap import RETRY_AFTER_SECONDS, etag
from ...services import Principal, gdap
from ...validation import describe, error_pairs
from .. import context as ctx
from .. import odata, validation
from ..openapi import Blueprint, cloud, make_api, mount_per_cloud
from . import schemas
from .exceptions import add_headers, render

RELATIONSHIPS = "/tenantRelationships/delegatedAdminRelationships"
ASSIGNMENTS = RELATIONSHIPS + "/<rel_id>/accessAssignments"
CUSTOMERS = "/tenantRelationships/delegatedAdminCustomers"

# The public cloud's name is the documented one (the OpenAPI document's tag).
bp = Blueprint("graph_public", __name__, description="Microsoft Graph v1.0: GDAP (tenantRelationships).")


@bp.after_request
def _headers(response):
    return add_headers(response)


def principal() -> Principal:
    """The caller, with a token for this cloud's Graph."""
    return ctx.authenticate(RESOURCES[cloud()]["graph"])


def graph_root() -> str:
    """This cloud's Graph v1.0 root (``https://graph.microsoft.com/v1.0``; US Government: graph.microsoft.us)."""
    return f"{RESOURCES[cloud()]['graph']}/v1.0"


def context_url(fragment: str) -> str:
    return f"{graph_root()}/$metadata#{fragment}"


def tr_context(fragment: str) -> str:
    """GDAP's ``@odata.context``, as Graph's docs show it: ``.../v1.0/tenantRelationships/$metadata#<fragment>``."""
    return f"{graph_root()}/tenantRelationships/$metadata#{fragment}"


def created(body: dict, location: str) -> tuple[dict, int, dict]:
    """A 201 with the created resource's URL (on this server) in ``Location``, as Graph's docs show."""
    return body, 201, {"Location": location}


def body(schema) -> Callable[[], dict]:
    """The request's JSON body loaded with ``schema``, read when the use case asks for it."""

    def read() -> dict:
        data = validation.json_object()
        if data is None:
            raise Invalid(f"Invalid request body: {validation.json_problem()}.")
        try:
            return validation.schema(schema).load(data)
        except ValidationError as exc:
            raise Invalid(f"Invalid request body: {describe(error_pairs(exc.messages))}") from None

    return read


def paged(items: list[dict], fragment: str, args: dict) -> dict:
    return odata.page(items, tr_context(fragment), args, default_top=300)


def filtered(
    items: list[dict], text: str | None, fields: tuple[str, ...] | None = None, what: str = "accessAssignments"
) -> list[dict]:
    """``items`` that pass ``$filter`` (eq on status, customer/tenantId, displayName; ``fields`` narrows them)."""
    keys = {
        "status": lambda i: i["status"],
        "customer/tenantId": lambda i: (i["customer"] or {}).get("tenantId"),
        "displayName": lambda i: i["displayName"],
    }
    for field, value in odata.parse_eq_filter(text, tuple(keys)):
        if fields is not None and field not in fields:
            raise Invalid(f"{what} support $filter on {' and '.join(fields)} only")
        items = [i for i in items if keys[field](i) == value]
    return items


# --- rendering ----------------------------------------------------------------------------------------------
def relationship_json(v: gdap.Relationship) -> dict:
    r = v.row
    return {
        "odata_type": "#microsoft.graph.delegatedAdminRelationship",
        "odata_etag": etag(r.version),
        "id": r.id,
        "displayName": r.display_name,
        "duration": r.duration,
        "customer": {"tenantId": r.customer_id, "displayName": v.customer_name} if r.customer_id else None,
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": x} for x in r.roles]},
        "status": v.status,
        "autoExtendDuration": r.auto_extend_duration,
        "createdDateTime": iso(r.created_at),
        "lastModifiedDateTime": iso(r.last_modified_at),
        "activatedDateTime": iso(v.activated_at),
        "endDateTime": iso(v.end_at),
    }


def assignment_json(view: gdap.Assignment) -> dict:
    a = view.row
    return {
        "odata_type": "#microsoft.graph.delegatedAdminAccessAssignment",
        "odata_etag": etag(a.version),
        "id": a.id,
        "status": view.status,
        "createdDateTime": iso(a.created_at),
        "lastModifiedDateTime": iso(a.last_modified_at),
        "accessContainer": {"accessContainerId": a.group_id, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": x} for x in a.roles]},
    }


def customer_json(t) -> dict:
    return {
        "odata_type": "#microsoft.graph.delegatedAdminCustomer",
        "id": t.id,
        "tenantId": t.id,
        "displayName": t.name,
    }


def request_json(r: gdap.RelationshipRequest) -> dict:
    return {
        "odata_type": "#microsoft.graph.delegatedAdminRelationshipRequest",
        "id": r.id,
        "action": r.action,
        "status": r.status,
        "createdDateTime": iso(r.created_at),
        "lastModifiedDateTime": iso(r.last_modified_at),
    }


def operation_json(o: gdap.Operation) -> dict:
    return {
        "odata_type": "#microsoft.graph.delegatedAdminRelationshipOperation",
        "id": o.id,
        "operationType": o.operation_type,
        "data": o.data,
        "status": o.status,
        "createdDateTime": iso(o.created_at),
        "lastModifiedDateTime": iso(o.last_modified_at),
    }


def relationship_url(rel_id: str) -> str:
    """The relationship's URL on this server (the Location of what is created under it)."""
    return url_for(".get_relationship", rel_id=rel_id, _external=True)


# --- relationships ----------------------------------------------------------------------------------------------
@bp.get(RELATIONSHIPS)
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.RelationshipPage)
def list_relationships(args):
    """The partner's GDAP relationships (``$filter`` on status, customer/tenantId, displayName; ``$top``)."""
    items = [relationship_json(v) for v in gdap.list_relationships(ctx.scope(), principal())]
    return paged(filtered(items, args.get("filter")), "delegatedAdminRelationships", args)


@bp.post(RELATIONSHIPS)
@bp.response(201, schemas.Relationship)
def create_relationship():
    """Create a relationship in status ``created``; lock it for approval with a request."""
    v = gdap.create_relationship(ctx.scope(), principal(), body(schemas.RelationshipCreate))
    return created(
        relationship_json(v) | {"odata_context": tr_context("delegatedAdminRelationships")}, relationship_url(v.row.id)
    )


@bp.get(f"{RELATIONSHIPS}/<rel_id>")
@bp.response(200, schemas.Relationship)
def get_relationship(rel_id):
    """One relationship: for its partner, or for its customer's users (to review and approve it)."""
    v = gdap.get_relationship(ctx.scope(), principal(), rel_id)
    return relationship_json(v) | {"odata_context": tr_context("delegatedAdminRelationships/$entity")}


@bp.patch(f"{RELATIONSHIPS}/<rel_id>")
@bp.response(200, schemas.Relationship)
def update_relationship(rel_id):
    """Change a relationship while it is ``created`` (auto-extension may change while active); ``If-Match``
    (the ``@odata.etag`` last read) is required."""
    v = gdap.update_relationship(
        ctx.scope(), principal(), rel_id, request.headers.get("If-Match"), body(schemas.RelationshipUpdate)
    )
    return relationship_json(v) | {"odata_context": tr_context("delegatedAdminRelationships/$entity")}


@bp.delete(f"{RELATIONSHIPS}/<rel_id>")
@bp.response(204)
def delete_relationship(rel_id):
    """Delete a relationship that is still ``created`` (``If-Match`` required)."""
    gdap.delete_relationship(ctx.scope(), principal(), rel_id, request.headers.get("If-Match"))
    return Response(status=204)  # no body at all, as Graph answers


@bp.post(f"{RELATIONSHIPS}/<rel_id>/requests")
@bp.response(201, schemas.RelationshipRequest)
def relationship_request(rel_id):
    """``lockForApproval`` (partner), ``approve`` (the customer's Global Administrator: pcsim's stand-in for
    the admin center's approval page) or ``terminate``."""
    r = gdap.request_action(ctx.scope(), principal(), rel_id, body(schemas.RelationshipRequestCreate))
    location = url_for(".get_relationship_request", rel_id=r.relationship_id, request_id=r.id, _external=True)
    return created(request_json(r) | {"odata_context": tr_context("requests")}, location)


@bp.get(f"{RELATIONSHIPS}/<rel_id>/requests")
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.RelationshipRequestPage)
def list_relationship_requests(args, rel_id):
    """The relationship's requests, oldest first: ``created``, ``pending``, then ``succeeded`` by the world's
    clock."""
    items = [request_json(r) for r in gdap.list_requests(ctx.scope(), principal(), rel_id)]
    return paged(filtered(items, args.get("filter"), ("status",), "requests"), "requests", args)


@bp.get(f"{RELATIONSHIPS}/<rel_id>/requests/<request_id>")
@bp.response(200, schemas.RelationshipRequest)
def get_relationship_request(rel_id, request_id):
    r = gdap.get_request(ctx.scope(), principal(), rel_id, request_id)
    return request_json(r) | {"odata_context": tr_context("requests/$entity")}


@bp.get(f"{RELATIONSHIPS}/<rel_id>/operations")
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.OperationPage)
def list_relationship_operations(args, rel_id):
    """The relationship's long-running operations (access assignment updates): ``notStarted``, ``running``,
    then ``succeeded`` by the world's clock."""
    items = [operation_json(o) for o in gdap.list_operations(ctx.scope(), principal(), rel_id)]
    return paged(filtered(items, args.get("filter"), ("status",), "operations"), "operations", args)


@bp.get(f"{RELATIONSHIPS}/<rel_id>/operations/<operation_id>")
@bp.response(200, schemas.Operation)
def get_relationship_operation(rel_id, operation_id):
    o = gdap.get_operation(ctx.scope(), principal(), rel_id, operation_id)
    return operation_json(o) | {"odata_context": tr_context("operations/$entity")}


# --- access assignments --------------------------------------------------------------------------------------
@bp.get(ASSIGNMENTS)
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.AccessAssignmentPage)
def list_assignments(args, rel_id):
    """The relationship's access assignments: which security group holds which of its roles."""
    rel_id, rows = gdap.list_assignments(ctx.scope(), principal(), rel_id)
    items = filtered([assignment_json(a) for a in rows], args.get("filter"), ("status",))
    return paged(items, "accessAssignments", args)


@bp.post(ASSIGNMENTS)
@bp.response(201, schemas.AccessAssignment)
def create_assignment(rel_id):
    """Give one of the partner's security groups a subset of the relationship's roles (active relationships)."""
    a = gdap.create_assignment(ctx.scope(), principal(), rel_id, body(schemas.AssignmentCreate))
    location = url_for(".get_assignment", rel_id=a.relationship_id, assignment_id=a.row.id, _external=True)
    return created(assignment_json(a) | {"odata_context": tr_context("accessAssignments")}, location)


@bp.get(f"{ASSIGNMENTS}/<assignment_id>")
@bp.response(200, schemas.AccessAssignment)
def get_assignment(rel_id, assignment_id):
    a = gdap.get_assignment(ctx.scope(), principal(), rel_id, assignment_id)
    return assignment_json(a) | {"odata_context": tr_context("accessAssignments/$entity")}


@bp.patch(f"{ASSIGNMENTS}/<assignment_id>")
@bp.response(200, schemas.AccessAssignment, description="The roles asked are the ones it holds: nothing changes.")
@bp.alt_response(202, schema=schemas.Accepted, description="A long-running operation: its URL is in Location.")
def update_assignment(rel_id, assignment_id):
    """Change the roles of an access assignment (a subset of the relationship's; ``If-Match`` required): 202 and
    the long-running operation's URL in ``Location`` (``Retry-After``), as Graph's docs show."""
    result = gdap.update_assignment(
        ctx.scope(),
        principal(),
        rel_id,
        assignment_id,
        request.headers.get("If-Match"),
        body(schemas.AssignmentUpdate),
    )
    if isinstance(result, gdap.Assignment):
        return assignment_json(result) | {"odata_context": tr_context("accessAssignments/$entity")}
    location = url_for(
        ".get_relationship_operation", rel_id=result.relationship_id, operation_id=result.id, _external=True
    )
    return {}, 202, {"Location": location, "Retry-After": str(RETRY_AFTER_SECONDS)}


@bp.delete(f"{ASSIGNMENTS}/<assignment_id>")
@bp.response(204)
def delete_assignment(rel_id, assignment_id):
    """Remove an access assignment: the group's users lose its roles at once."""
    gdap.delete_assignment(ctx.scope(), principal(), rel_id, assignment_id, request.headers.get("If-Match"))
    return Response(status=204)  # no body at all, as Graph answers


# --- customers -----------------------------------------------------------------------------------------------
@bp.get(CUSTOMERS)
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.CustomerPage)
def list_gdap_customers(args):
    """Customers with which the partner has a GDAP relationship."""
    items = [customer_json(t) for t in gdap.list_customers(ctx.scope(), principal())]
    return paged(items, "delegatedAdminCustomers", args)


@bp.get(f"{CUSTOMERS}/<customer_id>")
@bp.response(200, schemas.DelegatedAdminCustomer)
def get_gdap_customer(customer_id):
    t = gdap.get_customer(ctx.scope(), principal(), customer_id)
    return customer_json(t) | {"odata_context": tr_context("delegatedAdminCustomers/$entity")}


@bp.get(f"{CUSTOMERS}/<customer_id>/serviceManagementDetails")
@bp.arguments(schemas.ListArgs, location="query")
@bp.response(200, schemas.ServiceManagementDetailPage)
def list_service_management_details(args, customer_id):
    """The admin portals where the partner manages the customer's services."""
    items = [
        {
            "odata_type": "#microsoft.graph.delegatedAdminServiceManagementDetail",
            "id": d.id,
            "serviceName": d.service_name,
            "serviceManagementUrl": d.url,
        }
        for d in gdap.service_management_details(ctx.scope(), principal(), customer_id)
    ]
    return paged(items, f"delegatedAdminCustomers/{customer_id.lower()}/serviceManagementDetails", args)


def register(app) -> list:
    api = make_api(
        app,
        "graph",
        "Microsoft Graph (pcsim)",
        "Microsoft Graph v1.0 as pcsim imitates it: GDAP (tenantRelationships). Token audience "
        "https://graph.microsoft.com; errors in Graph's body, rule ids in error.innerError.rule.",
        version="v1.0",
        error_schema=schemas.GraphError,
    )
    return mount_per_cloud(app, api, bp, "/graph/v1.0", render)
