"""Microsoft Graph (``/graph/v1.0``): GDAP relationships, access assignments, delegated admin customers."""
from __future__ import annotations

import base64
import uuid

from flask import request
from marshmallow import ValidationError
from sqlalchemy import select

from ...domain import gdap
from ...domain.access import GdapRelationshipFacts, effective_status
from ...domain.catalog import GLOBAL_ADMINISTRATOR, RESOURCES
from ...domain.clock import iso
from ...domain.errors import Conflict, Denied, Invalid, NotFound, PreconditionFailed
from ...store import queries
from ...store.models import GdapAccessAssignment, GdapRelationship, Group, Tenant
from .. import context as ctx, validation
from .. import odata
from ..openapi import Blueprint, make_api, mount_per_cloud
from . import health, schemas
from .exceptions import add_headers, render

GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
WRITE_ROLE = "DelegatedAdminRelationship.ReadWrite.All"
READ_ROLES = {WRITE_ROLE, "DelegatedAdminRelationship.Read.All"}


def _etag(version: int) -> str:
    return 'W/"' + base64.b64encode(f'"{version}"'.encode()).decode() + '"'


def _facts(r: GdapRelationship) -> GdapRelationshipFacts:
    return GdapRelationshipFacts(r.id, r.display_name, r.partner_id, r.customer_id, r.status, r.end_at,
                                 r.auto_extend_duration, frozenset(r.roles))


def relationship_json(r: GdapRelationship, customer_name: str | None) -> dict:
    status, end = effective_status(_facts(r), ctx.now())
    return {
        "odata_type": "#microsoft.graph.delegatedAdminRelationship", "odata_etag": _etag(r.version),
        "id": r.id, "displayName": r.display_name, "duration": r.duration,
        "customer": {"tenantId": r.customer_id, "displayName": customer_name} if r.customer_id else None,
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": x} for x in r.roles]},
        "status": status, "autoExtendDuration": r.auto_extend_duration,
        "createdDateTime": iso(r.created_at), "lastModifiedDateTime": iso(r.last_modified_at),
        "activatedDateTime": iso(r.activated_at), "endDateTime": iso(end),
    }


def assignment_json(a: GdapAccessAssignment) -> dict:
    return {
        "odata_type": "#microsoft.graph.delegatedAdminAccessAssignment", "odata_etag": _etag(a.version),
        "id": a.id, "status": a.status, "createdDateTime": iso(a.created_at),
        "lastModifiedDateTime": iso(a.last_modified_at),
        "accessContainer": {"accessContainerId": a.group_id, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": x} for x in a.roles]},
    }


def _context_url(fragment: str) -> str:
    return f"{GRAPH_ROOT}/$metadata#{fragment}"


def make_blueprint(cloud: str) -> Blueprint:
    bp = Blueprint(f"graph_{cloud}", __name__, description="Microsoft Graph v1.0: GDAP (tenantRelationships).")
    audience = RESOURCES[cloud]["graph"]

    @bp.after_request
    def _headers(response):
        return add_headers(response)

    def caller():
        return ctx.authenticate(audience)

    def partner_caller(write: bool = False):
        """A partner-tenant caller; writes need the AdminAgent role (users) or ReadWrite.All (apps)."""
        p = caller()
        if p.tenant.kind != "partner" or p.home_tenant_id != p.tenant.id:
            raise Denied("GDAP relationships are managed with a token for the partner's own tenant")
        if p.kind == "app":
            if not (p.app_roles & ({WRITE_ROLE} if write else READ_ROLES)):
                raise Denied(f"the app lacks the {WRITE_ROLE if write else 'DelegatedAdminRelationship.Read.All'} "
                             "application permission")
        elif write and not p.has_partner_role("AdminAgent"):
            raise Denied(f"{p.name} lacks the Partner Center AdminAgent role needed to manage GDAP relationships",
                         rule="R3")
        return p

    def customer_name(customer_id: str | None) -> str | None:
        t = queries.tenant(ctx.session(), ctx.world().id, customer_id) if customer_id else None
        return t.name if t else None

    def load_relationship(rel_id: str, p) -> GdapRelationship:
        r = ctx.session().get(GdapRelationship, (ctx.world().id, rel_id))
        visible = r is not None and (r.partner_id == p.tenant.id or (
            p.tenant.kind == "customer" and r.customer_id == p.tenant.id))
        if not visible:
            raise NotFound(f"The delegated admin relationship with id '{rel_id}' was not found.")
        return r

    def check_if_match(version: int) -> None:
        wanted = request.headers.get("If-Match")
        if wanted and wanted != "*" and wanted != _etag(version):
            raise PreconditionFailed("The If-Match header does not match the resource's current @odata.etag.")

    def body(schema):
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Invalid("The request body must be a JSON object.")
        try:
            return validation.schema(schema).load(data)
        except ValidationError as exc:
            flat = "; ".join(f"{k}: {v}" for k, v in exc.messages.items())
            raise Invalid(f"Invalid request body: {flat}") from None

    def paged(items: list[dict], fragment: str, args: dict) -> dict:
        return odata.page(items, _context_url(fragment), args, default_top=300)

    def parse_filter(text: str | None) -> list[tuple[str, str]]:
        return odata.parse_eq_filter(text, ("status", "customer/tenantId", "displayName"))

    # --- relationships -------------------------------------------------------------------------
    @bp.get("/tenantRelationships/delegatedAdminRelationships")
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.RelationshipPage)
    def list_relationships(args):
        """The partner's GDAP relationships (``$filter`` on status, customer/tenantId, displayName; ``$top``)."""
        p = partner_caller()
        clauses = parse_filter(args.get("filter"))
        rows = ctx.session().scalars(select(GdapRelationship).where(
            GdapRelationship.world_id == ctx.world().id, GdapRelationship.partner_id == p.tenant.id)
            .order_by(GdapRelationship.created_at, GdapRelationship.id)).all()
        names = {t.id: t.name for t in ctx.session().scalars(select(Tenant).where(
            Tenant.world_id == ctx.world().id, Tenant.id.in_({r.customer_id for r in rows if r.customer_id})))}
        items = [relationship_json(r, names.get(r.customer_id)) for r in rows]
        for field, value in clauses:
            key = {"status": lambda i: i["status"], "displayName": lambda i: i["displayName"],
                   "customer/tenantId": lambda i: (i["customer"] or {}).get("tenantId")}[field]
            items = [i for i in items if key(i) == value]
        return paged(items, "tenantRelationships/delegatedAdminRelationships", args)

    @bp.post("/tenantRelationships/delegatedAdminRelationships")
    @bp.response(201, schemas.Relationship)
    def create_relationship():
        """Create a relationship in status ``created``; lock it for approval with a request."""
        p = partner_caller(write=True)
        data = body(schemas.RelationshipCreate)
        gdap.check_duration(data["duration"])
        roles = [r["roleDefinitionId"] for r in data["accessDetails"]["unifiedRoles"]]
        auto_extend = data.get("autoExtendDuration", "PT0S")
        gdap.check_auto_extend(auto_extend, set(roles))
        customer_id = _customer_id(p, data.get("customer"))
        world, now = ctx.world().id, ctx.now()
        taken = ctx.session().scalars(select(GdapRelationship.id).where(
            GdapRelationship.world_id == world, GdapRelationship.partner_id == p.tenant.id,
            GdapRelationship.display_name == data["displayName"])).first()
        if taken:
            raise Conflict(f"A relationship named '{data['displayName']}' already exists.")
        rel_id = f"{uuid.uuid4()}-{customer_id or uuid.UUID(int=0)}"
        row = GdapRelationship(
            world_id=world, id=rel_id, key=rel_id, partner_id=p.tenant.id, customer_id=customer_id,
            display_name=data["displayName"], status="created", duration=data["duration"],
            auto_extend_duration=auto_extend, roles=list(dict.fromkeys(roles)), created_at=now,
            activated_at=None, end_at=None, last_modified_at=now, version=1)
        ctx.session().add(row)
        ctx.session().flush()
        return relationship_json(row, customer_name(customer_id)) | {
            "odata_context": _context_url("tenantRelationships/delegatedAdminRelationships/$entity")}

    def _customer_id(p, ref: dict | None) -> str | None:
        if not ref:
            return None
        t = queries.tenant(ctx.session(), ctx.world().id, ref["tenantId"].lower())
        if t is None or t.kind != "customer":
            raise Invalid(f"customer tenant {ref['tenantId']} was not found")
        if t.cloud != p.tenant.cloud:
            raise Invalid(f"customer tenant {ref['tenantId']} is in another cloud (R14)", rule="R14")
        return t.id

    @bp.get("/tenantRelationships/delegatedAdminRelationships/<rel_id>")
    @bp.response(200, schemas.Relationship)
    def get_relationship(rel_id):
        """One relationship: for its partner, or for its customer's users (to review and approve it)."""
        p = caller()
        r = load_relationship(rel_id, p)
        if p.tenant.kind == "partner":
            partner_caller()
        return relationship_json(r, customer_name(r.customer_id))

    @bp.patch("/tenantRelationships/delegatedAdminRelationships/<rel_id>")
    @bp.response(200, schemas.Relationship)
    def update_relationship(rel_id):
        """Change a relationship while it is ``created`` (auto-extension may change while active)."""
        p = partner_caller(write=True)
        r = load_relationship(rel_id, p)
        check_if_match(r.version)
        data = body(schemas.RelationshipUpdate)
        status, _ = effective_status(_facts(r), ctx.now())
        if set(data) - {"autoExtendDuration"} and status != "created":
            raise Conflict(f"Only autoExtendDuration can change once a relationship is past 'created'; it is '{status}'.")
        if "duration" in data:
            gdap.check_duration(data["duration"])
            r.duration = data["duration"]
        if "displayName" in data:
            r.display_name = data["displayName"]
        if "accessDetails" in data:
            r.roles = list(dict.fromkeys(x["roleDefinitionId"] for x in data["accessDetails"]["unifiedRoles"]))
        if "customer" in data:
            r.customer_id = _customer_id(p, data["customer"])
        if "autoExtendDuration" in data:
            r.auto_extend_duration = data["autoExtendDuration"]
        gdap.check_auto_extend(r.auto_extend_duration, set(r.roles))
        r.version += 1
        r.last_modified_at = ctx.now()
        return relationship_json(r, customer_name(r.customer_id))

    @bp.delete("/tenantRelationships/delegatedAdminRelationships/<rel_id>")
    @bp.response(204)
    def delete_relationship(rel_id):
        """Delete a relationship that is still ``created``."""
        p = partner_caller(write=True)
        r = load_relationship(rel_id, p)
        check_if_match(r.version)
        if r.status != "created":
            raise Conflict(f"Only a 'created' relationship can be deleted; it is '{r.status}'. Terminate it instead.")
        ctx.session().delete(r)
        return ""

    @bp.post("/tenantRelationships/delegatedAdminRelationships/<rel_id>/requests")
    @bp.response(201, schemas.RelationshipRequest)
    def relationship_request(rel_id):
        """``lockForApproval`` (partner), ``approve`` (the customer's Global Administrator: pcsim's stand-in for
        the admin center's approval page) or ``terminate``."""
        p = caller()
        r = load_relationship(rel_id, p)
        action = body(schemas.RelationshipRequestCreate)["action"]
        is_partner = p.tenant.id == r.partner_id and p.home_tenant_id == r.partner_id
        if is_partner and action != "approve":
            partner_caller(write=True)
        is_customer_admin = (p.tenant.id == r.customer_id and p.user is not None
                             and p.user.tenant_id == r.customer_id and GLOBAL_ADMINISTRATOR in (p.user.directory_roles or []))
        status, _ = effective_status(_facts(r), ctx.now())
        new = gdap.next_status(action, status, actor_is_partner=is_partner,
                               actor_is_customer_global_admin=is_customer_admin, has_customer=bool(r.customer_id))
        now = ctx.now()
        if new == "active":
            r.activated_at, r.end_at = gdap.activation(now, r.duration)
        if new == "terminated":
            r.end_at = now
        r.status, r.last_modified_at, r.version = new, now, r.version + 1
        return {"id": str(uuid.uuid4()), "action": action, "status": "succeeded",
                "createdDateTime": iso(now), "lastModifiedDateTime": iso(now)}

    # --- access assignments --------------------------------------------------------------------
    def load_assignment(r: GdapRelationship, assignment_id: str) -> GdapAccessAssignment:
        a = ctx.session().get(GdapAccessAssignment, (ctx.world().id, assignment_id))
        if a is None or a.relationship_id != r.id:
            raise NotFound(f"The access assignment with id '{assignment_id}' was not found.")
        return a

    @bp.get("/tenantRelationships/delegatedAdminRelationships/<rel_id>/accessAssignments")
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.AccessAssignmentPage)
    def list_assignments(args, rel_id):
        """The relationship's access assignments: which security group holds which of its roles."""
        p = partner_caller()
        r = load_relationship(rel_id, p)
        rows = ctx.session().scalars(select(GdapAccessAssignment).where(
            GdapAccessAssignment.world_id == ctx.world().id, GdapAccessAssignment.relationship_id == r.id)
            .order_by(GdapAccessAssignment.created_at, GdapAccessAssignment.id)).all()
        items = [assignment_json(a) for a in rows]
        for field, value in parse_filter(args.get("filter")) if args.get("filter") else []:
            if field != "status":
                raise Invalid("accessAssignments support $filter on status only")
            items = [i for i in items if i["status"] == value]
        return paged(items, f"tenantRelationships/delegatedAdminRelationships('{r.id}')/accessAssignments", args)

    @bp.post("/tenantRelationships/delegatedAdminRelationships/<rel_id>/accessAssignments")
    @bp.response(201, schemas.AccessAssignment)
    def create_assignment(rel_id):
        """Give one of the partner's security groups a subset of the relationship's roles (active relationships)."""
        p = partner_caller(write=True)
        r = load_relationship(rel_id, p)
        data = body(schemas.AssignmentCreate)
        status, _ = effective_status(_facts(r), ctx.now())
        if status != "active":
            raise Conflict(f"Access assignments can be created only on an active relationship; it is '{status}'.")
        group_id = data["accessContainer"]["accessContainerId"].lower()
        group = ctx.session().get(Group, (ctx.world().id, group_id))
        if group is None or group.tenant_id != p.tenant.id:
            raise Invalid(f"security group {group_id} does not exist in the partner tenant")
        roles = list(dict.fromkeys(x["roleDefinitionId"] for x in data["accessDetails"]["unifiedRoles"]))
        gdap.check_assignment_roles(roles, r.roles, r.display_name)
        existing = ctx.session().scalars(select(GdapAccessAssignment).where(
            GdapAccessAssignment.world_id == ctx.world().id, GdapAccessAssignment.relationship_id == r.id,
            GdapAccessAssignment.group_id == group_id, GdapAccessAssignment.status == "active")).first()
        if existing:
            raise Conflict(f"The security group already has an active access assignment ({existing.id}).")
        now = ctx.now()
        a = GdapAccessAssignment(world_id=ctx.world().id, id=str(uuid.uuid4()), relationship_id=r.id,
                                 group_id=group_id, roles=roles, status="active", created_at=now,
                                 last_modified_at=now, version=1)
        ctx.session().add(a)
        ctx.session().flush()
        return assignment_json(a) | {"odata_context": _context_url(
            f"tenantRelationships/delegatedAdminRelationships('{r.id}')/accessAssignments/$entity")}

    @bp.get("/tenantRelationships/delegatedAdminRelationships/<rel_id>/accessAssignments/<assignment_id>")
    @bp.response(200, schemas.AccessAssignment)
    def get_assignment(rel_id, assignment_id):
        p = partner_caller()
        return assignment_json(load_assignment(load_relationship(rel_id, p), assignment_id))

    @bp.patch("/tenantRelationships/delegatedAdminRelationships/<rel_id>/accessAssignments/<assignment_id>")
    @bp.response(200, schemas.AccessAssignment)
    def update_assignment(rel_id, assignment_id):
        """Change the roles of an access assignment (a subset of the relationship's)."""
        p = partner_caller(write=True)
        r = load_relationship(rel_id, p)
        a = load_assignment(r, assignment_id)
        check_if_match(a.version)
        data = body(schemas.AssignmentUpdate)
        if a.status != "active":
            raise Conflict(f"Only an active access assignment can change; it is '{a.status}'.")
        roles = list(dict.fromkeys(x["roleDefinitionId"] for x in data["accessDetails"]["unifiedRoles"]))
        gdap.check_assignment_roles(roles, r.roles, r.display_name)
        a.roles, a.version, a.last_modified_at = roles, a.version + 1, ctx.now()
        return assignment_json(a)

    @bp.delete("/tenantRelationships/delegatedAdminRelationships/<rel_id>/accessAssignments/<assignment_id>")
    @bp.response(204)
    def delete_assignment(rel_id, assignment_id):
        """Remove an access assignment: the group's users lose its roles at once."""
        p = partner_caller(write=True)
        a = load_assignment(load_relationship(rel_id, p), assignment_id)
        check_if_match(a.version)
        a.status, a.version, a.last_modified_at = "deleted", a.version + 1, ctx.now()
        return ""

    # --- customers -----------------------------------------------------------------------------
    def customer_json(t: Tenant) -> dict:
        return {"odata_type": "#microsoft.graph.delegatedAdminCustomer", "id": t.id, "tenantId": t.id,
                "displayName": t.name}

    def gdap_customers(p) -> list[Tenant]:
        world = ctx.world().id
        ids = select(GdapRelationship.customer_id).where(
            GdapRelationship.world_id == world, GdapRelationship.partner_id == p.tenant.id)
        return list(ctx.session().scalars(select(Tenant).where(Tenant.world_id == world, Tenant.id.in_(ids))
                                          .order_by(Tenant.name)))

    @bp.get("/tenantRelationships/delegatedAdminCustomers")
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.CustomerPage)
    def list_gdap_customers(args):
        """Customers with which the partner has a GDAP relationship."""
        p = partner_caller()
        return paged([customer_json(t) for t in gdap_customers(p)], "tenantRelationships/delegatedAdminCustomers", args)

    @bp.get("/tenantRelationships/delegatedAdminCustomers/<customer_id>")
    @bp.response(200, schemas.DelegatedAdminCustomer)
    def get_gdap_customer(customer_id):
        p = partner_caller()
        for t in gdap_customers(p):
            if t.id == customer_id.lower():
                return customer_json(t)
        raise NotFound(f"The delegated admin customer with id '{customer_id}' was not found.")

    health.add_routes(bp, caller, _context_url)
    return bp


def register(app) -> list:
    api = make_api(app, "graph", "Microsoft Graph (pcsim)",
                   "Microsoft Graph v1.0 as pcsim imitates it: GDAP (tenantRelationships). Token audience "
                   "https://graph.microsoft.com; errors in Graph's body, rule ids in error.innerError.rule.",
                   version="v1.0", error_schema=schemas.GraphError)
    return mount_per_cloud(app, api, make_blueprint, "/graph/v1.0", render)
