"""Microsoft 365 admin center support (``/m365admin/v1.0``), pcsim's own API: no public one exists.

Who calls decides what the rules are (from the token):

* a partner user acting in a customer tenant through GDAP (token tenant = customer, home = partner): files on
  behalf of the customer with the CSP entitlement: R1, R2, R11, then R9 (a GDAP support role; the contact is
  the partner's);
* a customer's own user: an admin files with Microsoft only when its support options include Microsoft
  (R10), never about a marketplace product (R11);
* a partner user signed in to its own tenant acts in its own context (R12): it sees its own tickets only and
  files under its own entitlement, never the CSP one (R13).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import select

from ...domain import support
from ...domain import tickets as ticket_rules
from ...domain.access import EffectiveRoles
from ...domain.catalog import CLOUD_PREFIX, ENTRA_ROLES, RESOURCES, SUPPORT_PLAN_TYPES, SUPPORT_ROLE_IDS
from ...domain.clock import iso
from ...domain.decision import Decision
from ...domain.errors import Denied, Invalid, NotFound
from ...domain.support_catalog import CATEGORIES_BY_ID, MORE_CATEGORY_ID, TOPIC_CATEGORIES, TopicCategory
from ...store import queries
from ...store import tickets as store
from ...store.models import Subscription, Tenant, Ticket, TicketNote
from .. import context as ctx
from .. import odata
from ...services import Principal
from ..graph.schemas import GraphError
from ..openapi import Blueprint, make_api, mount_per_cloud
from . import schemas
from .exceptions import add_headers, render

API_PATH = "/m365admin/v1.0"
GLOBAL_READER = ENTRA_ROLES["Global Reader"]
READ_ROLE_IDS = SUPPORT_ROLE_IDS | {GLOBAL_READER}
ADMIN_ROLE_NAMES = "Global Administrator, Service Support Administrator or Helpdesk Administrator"
CUSTOMER_SUPPORT_PLAN = "Microsoft 365 standard support"
OWN_PLAN_NAMES = {"partnerAgreement": "Partner program agreement", "premier": "Premier", "unified": "Unified",
                  "azureSupportPlan": "Azure support plan"}
MORE_ENTRY = {"id": MORE_CATEGORY_ID, "displayName": "More..."}
DEFAULT_TOP = 100


@dataclass
class Acting:
    """The caller and the context it acts in."""

    principal: Principal
    kind: str  # "partner" (through GDAP in a customer tenant) | "customer" (its own user) | "own" (partner at home)
    tenant: Tenant  # the token's tenant: whose support this is
    home: Tenant  # the user's home tenant

    @property
    def upn(self) -> str:
        return self.principal.name

    def gdap(self) -> EffectiveRoles:
        """The partner user's GDAP roles in the customer now (not as the token recorded them)."""
        return queries.gdap_roles(ctx.session(), ctx.world().id, self.principal.user.id, self.home.id,
                                  self.tenant.id, ctx.now())


def _category_json(c: TopicCategory) -> dict:
    return {"id": c.id, "displayName": c.display_name, "workload": c.workload, "featured": c.featured}


def _note_json(n: TicketNote) -> dict:
    return {"id": str(n.seq), "createdDateTime": iso(n.created_at), "author": n.author, "authorType": n.author_kind,
            "text": n.text}


def ticket_json(t: Ticket, notes: list[TicketNote] | None = None) -> dict:
    body = {
        "id": t.id, "title": t.title, "description": t.description,
        "status": schemas.STATUS_OUT.get(t.status, t.status), "severity": t.severity, "workload": t.workload,
        "origin": t.origin, "topicCategoryId": t.topic_id, "topicCategoryDisplayName": t.topic_name,
        "supportPlan": t.support_plan, "supportPlanId": t.support_plan_id, "customerTenantId": t.customer_id,
        "partnerTenantId": t.partner_id, "productId": t.product_id, "subscriptionId": t.subscription_id,
        "contact": dict(t.contact or {}), "createdBy": t.created_by, "createdDateTime": iso(t.created_at),
        "lastModifiedDateTime": iso(t.modified_at), "closedDateTime": iso(t.closed_at),
    }
    if notes is not None:
        body["notes"] = [_note_json(n) for n in notes]
    return body


def _check_workload_arg(workload: str) -> str:
    if workload == "azure":
        raise Invalid("Azure support requests are filed in the Azure portal (the /azure surface, Microsoft.Support), "
                      "not in the Microsoft 365 admin center.")
    if workload not in schemas.CATEGORY_WORKLOADS:
        raise Invalid(f"workload must be one of {', '.join(schemas.CATEGORY_WORKLOADS)}; got '{workload}'.")
    return workload


def make_blueprint(cloud: str) -> Blueprint:
    bp = Blueprint(f"m365admin_{cloud}", __name__,
                   description="Microsoft 365 admin center support: support options, topic categories, service "
                               "requests and their notes.")
    audience = RESOURCES[cloud]["m365admin"]
    prefix = CLOUD_PREFIX[cloud] + API_PATH

    @bp.after_request
    def _headers(response):
        return add_headers(response)

    def context_url(fragment: str) -> str:
        return f"{request.url_root.rstrip('/')}{prefix}/$metadata#{fragment}"

    # --- who acts --------------------------------------------------------------------------------------
    def acting() -> Acting:
        p = ctx.authenticate(audience)
        if p.user is None:
            raise Denied("The Microsoft 365 admin center's support needs a signed-in user: app-only tokens cannot "
                         "use it.")
        home = p.tenant if p.home_tenant_id == p.tenant.id else ctx.session().get(
            Tenant, (ctx.world().id, p.home_tenant_id))
        if p.tenant.kind == "customer":
            kind = "customer" if home.id == p.tenant.id else "partner"
        else:
            kind = "own"
        return Acting(p, kind, p.tenant, home)

    def customer_admin_roles(a: Acting) -> frozenset[str]:
        return frozenset(a.principal.user.directory_roles or [])

    def require_read(a: Acting) -> None:
        """Viewing the tenant's tickets: an admin role (Global Reader may view), through GDAP for a partner."""
        if a.kind == "partner":
            gdap = a.gdap()
            if not gdap.roles & READ_ROLE_IDS:
                names = ", ".join(gdap.role_names) or "none"
                raise Denied(f"{a.upn}'s GDAP roles in {a.tenant.name} ({names}) do not allow viewing its support "
                             f"tickets: one of {ADMIN_ROLE_NAMES} or Global Reader is needed.", rule="R9")
        elif a.kind == "customer":
            if not customer_admin_roles(a) & READ_ROLE_IDS:
                raise Denied(f"{a.upn} holds no admin role in {a.tenant.name}: the Microsoft 365 admin center's "
                             f"support tickets are for {ADMIN_ROLE_NAMES} (Global Reader may view them).")
        elif not ({"AdminAgent", "HelpdeskAgent"} & set(a.principal.user.partner_roles or [])
                  or customer_admin_roles(a) & READ_ROLE_IDS):
            raise Denied(f"{a.upn} holds neither the AdminAgent nor the HelpdeskAgent role in {a.tenant.name}.")

    def require_write(a: Acting, d: Decision) -> None:
        """Filing, adding notes, closing: a support role (through GDAP for a partner: R9)."""
        if a.kind == "partner":
            support.check_gdap_support_role(d, "R9", a.principal.caller(ctx.scope()), a.gdap())
        elif a.kind == "customer":
            if not customer_admin_roles(a) & SUPPORT_ROLE_IDS:
                raise Denied(f"{a.upn} holds no admin role in {a.tenant.name}: only a {ADMIN_ROLE_NAMES} can open "
                             "or update a service request in the Microsoft 365 admin center. Ask your admin.")
        elif not ("AdminAgent" in (a.principal.user.partner_roles or [])
                  or customer_admin_roles(a) & SUPPORT_ROLE_IDS):
            raise Denied(f"{a.upn} lacks the AdminAgent role needed to open or update the partner's own service "
                         "requests.")

    # --- lookups -------------------------------------------------------------------------------------------
    def category_for(category_id: str) -> TopicCategory:
        if category_id == MORE_CATEGORY_ID:
            raise Invalid("'more' is not a topic category: it expands the list (GET "
                          "/support/topicCategories/more?workload=...). Pick one of the categories it lists.")
        category = CATEGORIES_BY_ID.get(category_id)
        if category is None:
            raise Invalid(f"Unknown topicCategoryId '{category_id}': see /support/topicCategories.")
        return category

    def resolve_product(ref: str | None, tenant_id: str):
        return queries.resolve_product(ctx.session(), ctx.world().id, tenant_id, ref)

    def check_request_workload(given: str | None, category: TopicCategory) -> None:
        if given is None:
            return
        _check_workload_arg(given)
        if given != category.workload:
            raise Invalid(f"topic category '{category.id}' belongs to workload '{category.workload}', not '{given}'.")

    def check_own_plan(d: Decision, given: str | None, partner: Tenant) -> tuple[str, str]:
        """R13: the partner's own tenant is filed under its own entitlement, never the CSP one."""
        held = support.own_entitlements(partner.mpn_id, queries.support_plans(ctx.session(), ctx.world().id,
                                                                               partner.id))
        chosen = support.check_own_entitlement(d, f"tenant ({partner.name})", given, held,
                                               f"partnerAgreement:{partner.mpn_id}")
        return OWN_PLAN_NAMES.get(chosen.partition(":")[0], chosen), chosen

    def load_ticket(a: Acting, ticket_id: str) -> Ticket:
        t = ctx.session().get(Ticket, (ctx.world().id, ticket_id))
        if t is None or t.tenant_id != a.tenant.id or t.origin == "azure":
            raise NotFound(f"The service request with id '{ticket_id}' was not found.")
        return t

    def advance() -> None:
        store.advance(ctx.session(), ctx.world().id, ctx.now())

    # --- support options (R10) -------------------------------------------------------------------------
    @bp.get("/support/options")
    @bp.response(200, schemas.SupportOptions)
    def get_support_options():
        """The signed-in user's tenant's support options (R10): its CSP partner(s), and Microsoft when the tenant
        has a paid Direct subscription (or no CSP partner). A partner user acting through GDAP sees the customer's."""
        a = acting()
        facts = queries.customer_support_facts(ctx.session(), ctx.world().id, a.tenant.id)
        return {"odata_context": context_url("support/options"), "value": support.support_options(facts)}

    # --- topic categories (R9: short list plus "More...") ------------------------------------------------
    @bp.get("/support/topicCategories")
    @bp.arguments(schemas.CategoryArgs, location="query")
    @bp.response(200, schemas.TopicCategories)
    def list_topic_categories(args):
        """The workload's featured categories, then ``{"id": "more", "displayName": "More..."}``, which
        ``/support/topicCategories/more`` expands."""
        acting()
        workload = _check_workload_arg(args["workload"])
        value = [_category_json(c) for c in TOPIC_CATEGORIES if c.workload == workload and c.featured]
        value.append(MORE_ENTRY | {"workload": workload})
        return {"odata_context": context_url("support/topicCategories"), "value": value}

    @bp.get("/support/topicCategories/more")
    @bp.arguments(schemas.CategoryArgs, location="query")
    @bp.response(200, schemas.TopicCategories)
    def list_all_topic_categories(args):
        """"More...": every category of the workload (featured ones first)."""
        acting()
        workload = _check_workload_arg(args["workload"])
        value = [_category_json(c) for c in sorted(
            (c for c in TOPIC_CATEGORIES if c.workload == workload), key=lambda c: not c.featured)]
        return {"odata_context": context_url("support/topicCategories"), "value": value}

    # --- service requests --------------------------------------------------------------------------------
    @bp.post("/support/serviceRequests")
    @bp.arguments(schemas.ServiceRequestCreate)
    @bp.response(201, schemas.ServiceRequest)
    def create_service_request(data):
        """Open a service request. A partner user through GDAP files for the customer with the CSP entitlement
        (R1, R2, R11, R9: GDAP support role, partner's contact); a customer's admin files with Microsoft (R11,
        R10); a partner in its own tenant files under its own entitlement (R11, R13)."""
        a = acting()
        s, w, now = ctx.session(), ctx.world().id, ctx.now()
        category = category_for(data["topicCategoryId"])
        workload = data.get("workload")
        product, subscription = resolve_product(data.get("productId"), a.tenant.id)
        contact = {k: data["contact"][k] for k in ("name", "email", "phone") if data["contact"].get(k)}
        if data.get("supportPlanId") and a.kind != "own":
            raise Invalid("supportPlanId is only for a partner's own tenant: on behalf of a customer the plan is "
                          f"'{support.CSP_SUPPORT_PLAN}', for a customer's own request its Microsoft 365 support.")
        d = Decision("m365admin.serviceRequests.create")
        customer_id = a.tenant.id if a.kind != "own" else None
        if a.kind == "partner":
            support.check_relationship(d, a.home.name, queries.relationship_types(s, w, a.home.id, a.tenant.id))
            support.check_workload(d, workload or category.workload)
            check_request_workload(workload, category)
            support.check_marketplace(d, product)
            require_write(a, d)
            support.check_contact_is_partners(d, "R9", [contact["email"]], queries.tenant_domains(s, w, a.tenant.id))
            plan, plan_id, partner_id = support.CSP_SUPPORT_PLAN, None, a.home.id
        elif a.kind == "customer":
            require_write(a, d)
            check_request_workload(workload, category)
            support.check_marketplace(d, product)
            support.check_customer_may_file_with_microsoft(d, queries.customer_support_facts(s, w, a.tenant.id))
            plan, plan_id, partner_id = CUSTOMER_SUPPORT_PLAN, None, None
        else:
            require_write(a, d)
            check_request_workload(workload, category)
            support.check_marketplace(d, product)
            plan, plan_id = check_own_plan(d, data.get("supportPlanId"), a.home)
            partner_id = a.home.id
        ticket = store.create_ticket(
            s, w, now, origin="m365admin", tenant_id=a.tenant.id, customer_id=customer_id, partner_id=partner_id,
            subscription_id=subscription.id if subscription else None, workload=category.workload,
            title=data["title"], description=data["description"], severity=data["severity"], topic_id=category.id,
            topic_name=category.display_name, support_plan=plan, support_plan_id=plan_id, contact=contact,
            product_id=product.id if product else None, created_by=a.upn,
            details={"filedAs": a.kind})
        return ticket_json(ticket, []) | {"odata_context": context_url("support/serviceRequests/$entity")}

    def parse_filter(text: str | None) -> list[tuple[str, str]]:
        clauses = []
        for field, value in odata.parse_eq_filter(text, ("status", "workload", "origin")):
            if field == "status":
                if value not in schemas.STATUS_IN:
                    raise Invalid(f"status must be one of {', '.join(schemas.STATUS_IN)}; got '{value}'.")
                value = schemas.STATUS_IN[value]
            clauses.append((field, value))
        return clauses

    @bp.get("/support/serviceRequests")
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.ServiceRequestPage)
    def list_service_requests(args):
        """"View all support tickets": the tenant's service requests of every origin except Azure (those are in
        the Azure portal), newest first; ``$filter`` (eq on status, workload, origin), ``$top``, ``$count``."""
        a = acting()
        require_read(a)
        advance()
        query = select(Ticket).where(Ticket.world_id == ctx.world().id, Ticket.tenant_id == a.tenant.id,
                                     Ticket.origin != "azure")
        for field, value in parse_filter(args.get("filter")):
            query = query.where(getattr(Ticket, field) == value)
        rows = ctx.session().scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())).all()
        return odata.page([ticket_json(t) for t in rows], context_url("support/serviceRequests"), args, DEFAULT_TOP)

    @bp.get("/support/serviceRequests/<ticket_id>")
    @bp.response(200, schemas.ServiceRequest)
    def get_service_request(ticket_id):
        """One service request of the tenant, with its notes (Microsoft's included)."""
        a = acting()
        require_read(a)
        advance()
        t = load_ticket(a, ticket_id)
        return ticket_json(t, store.notes(ctx.session(), t)) | {
            "odata_context": context_url("support/serviceRequests/$entity")}

    @bp.post("/support/serviceRequests/<ticket_id>/notes")
    @bp.arguments(schemas.NoteCreate)
    @bp.response(201, schemas.Note)
    def add_note(data, ticket_id):
        """Add a note: it answers Microsoft, so an ``attentionNeeded`` request is ``open`` again; a closed one
        takes no note (409)."""
        a = acting()
        advance()
        t = load_ticket(a, ticket_id)
        require_write(a, Decision("m365admin.serviceRequests.addNote"))
        note = store.add_note(ctx.session(), t, ctx.now(), a.upn, "customer" if a.kind == "customer" else "partner",
                              data["text"])
        return _note_json(note) | {"odata_context": context_url(f"support/serviceRequests('{t.id}')/notes/$entity")}

    @bp.patch("/support/serviceRequests/<ticket_id>")
    @bp.arguments(schemas.ServiceRequestUpdate)
    @bp.response(200, schemas.ServiceRequest)
    def update_service_request(data, ticket_id):
        """Close a service request (``{"status": "closed"}``); a closed one cannot be reopened (409)."""
        a = acting()
        advance()
        t = load_ticket(a, ticket_id)
        require_write(a, Decision("m365admin.serviceRequests.update"))
        wanted = ticket_rules.check_status_change(t.status, schemas.STATUS_IN[data["status"]])
        if wanted != t.status:
            store.set_status(t, wanted, ctx.now())
        return ticket_json(t, store.notes(ctx.session(), t))

    return bp


def register(app) -> list:
    api = make_api(app, "m365admin", "Microsoft 365 admin support (pcsim)",
                   "pcsim's own API for the Microsoft 365 admin center's support (no public API exists), Graph-like: "
                   "support options (R10), topic categories with 'More...', service requests and notes (R1, R2, R9, "
                   "R11, R13). Token audience https://admin.microsoft.com (usgov: https://admin.microsoft.us at "
                   "/usgov/m365admin/v1.0); errors in Graph's body, rule ids in error.innerError.rule, the ISV's or "
                   "partner's contact in error.innerError.contact.", version="v1.0",
                   error_schema=GraphError)
    return mount_per_cloud(app, api, make_blueprint, API_PATH, render)
