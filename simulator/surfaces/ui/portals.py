"""The Azure portal's and the Microsoft 365 admin center's support pages, as the persona sees them.

Every page calls the surfaces through :mod:`.backend`, signed in as the persona in the tenant it acts in: a
partner user in a customer's tenant (through GDAP), a customer's user in its own. The pages hold no rule: what
the surfaces refuse is shown with its rule, reason and decision trace (the ``why`` macro).

Azure portal (``/ui/azure``): the tenants the persona can open; a tenant's subscriptions with the support request
form pre-filled as the real one (support plan "Cloud Solution Provider", the persona's contact details, problem
types from ``Microsoft.Support/services``); "Manage support requests" and a ticket's communications.

Microsoft 365 admin center (``/ui/m365``): a customer's support options (R10), "View all support tickets" and a
new request; a partner chooses a customer, then files through GDAP (topic categories with "More...", R9, R11).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import abort, g, redirect, render_template, request, url_for

from ...store import directory
from .. import context as ctx
from . import views
from .backend import Answer, Backend
from .views import NAV, bp

NAV.extend([("ui.azure_home", "Azure portal"), ("ui.m365_support", "Microsoft 365 admin")])

ARM_RESOURCES = "api-version=2022-12-01"
ARM_SUPPORT = "api-version=2024-04-01"
SUPPORT = "/providers/Microsoft.Support"
M365 = "/m365admin/v1.0/support"
CSP_PLAN = "Cloud Solution Provider"
AZURE_SEVERITIES = (
    ("minimal", "C - Minimal impact"),
    ("moderate", "B - Moderate impact"),
    ("critical", "A - Critical impact"),
    ("highestcriticalimpact", "A - Highest critical impact"),
)
M365_SEVERITIES = (("minimal", "Minimal"), ("moderate", "Moderate"), ("critical", "Critical"))
M365_WORKLOADS = (
    ("microsoft365", "Microsoft 365"),
    ("ems", "Enterprise Mobility + Security"),
    ("dynamics", "Dynamics 365"),
)
NOTICES = {
    "created": "Your support request was created.",
    "noted": "Your message was added.",
    "closed": "The support request is closed.",
}


# --- calling the surfaces -----------------------------------------------------------------------------------
def backend() -> Backend:
    """The current persona's backend (a page without a persona goes to the persona chooser first)."""
    return views.backend()


def next_pages(b: Backend, answer: Answer, tenant: str | None, pages: int = 5) -> list:
    """The items of a paged ARM answer, following ``nextLink`` (a few pages at most)."""
    items = list(answer.body.get("value", []))
    link = answer.body.get("nextLink")
    while link and pages > 1:
        parts = urlsplit(link)
        path = parts.path[parts.path.find("/azure/") :] + (f"?{parts.query}" if parts.query else "")
        more = b.call("GET", path, tenant=tenant)
        if not more.ok:
            break
        items.extend(more.body.get("value", []))
        link, pages = more.body.get("nextLink"), pages - 1
    return items


# --- who is who (the world's directory, from the persona list) ----------------------------------------------
@dataclass
class TenantInfo:
    id: str
    name: str
    kind: str
    domain: str


def tenants() -> dict[str, TenantInfo]:
    out: dict[str, TenantInfo] = {}
    for p in g.ui["personas"]:
        out.setdefault(p.tenant_id, TenantInfo(p.tenant_id, p.tenant_name, p.tenant_kind, p.upn.rpartition("@")[2]))
    return out


def tenant_or_404(tenant_id: str) -> TenantInfo:
    info = tenants().get(tenant_id.lower())
    if info is None:
        abort(404, f"no tenant {tenant_id} in world {g.ui['world']}")
    return info


def acting_label(persona, tenant: TenantInfo) -> str:
    if persona.tenant_id == tenant.id:
        return f"{persona.upn} in its own tenant, {tenant.name}"
    return f"{persona.upn} ({persona.tenant_name}) in {tenant.name}'s tenant, through GDAP"


def partner_customers(b: Backend) -> tuple[list[dict], Answer]:
    """The partner's customers from Partner Center (all pages)."""
    answer = b.call("GET", "/partnercenter/v1/customers?size=500")
    return (
        sorted(answer.body.get("items", []), key=lambda c: c["companyProfile"]["companyName"]) if answer.ok else []
    ), answer


def notice() -> str | None:
    return NOTICES.get(request.args.get("done", ""))


def split_name(display_name: str) -> tuple[str, str]:
    first, _, last = display_name.partition(" ")
    return first, last or first


# --- Azure portal ------------------------------------------------------------------------------------------------
@bp.get("/azure")
def azure_home():
    """The tenants the persona can open in the Azure portal: a partner's customers (from Partner Center) and its
    own tenant; a customer's own tenant."""
    persona = g.ui["persona"]
    b = backend()
    customers, answer = ([], None)
    if persona.is_partner:
        customers, answer = partner_customers(b)
    return render_template(
        "ui/azure_home.html",
        customers=customers,
        refused=answer if answer and not answer.ok else None,
        own=tenants()[persona.tenant_id],
    )


def _catalogue(b: Backend, tenant: str) -> tuple[list[dict], Answer | None]:
    """Problem types: every support service with its problem classifications."""
    services = b.call("GET", f"/azure{SUPPORT}/services?{ARM_SUPPORT}", tenant=tenant)
    if not services.ok:
        return [], services
    groups = []
    for s in services.body["value"]:
        found = b.call(
            "GET", f"/azure{SUPPORT}/services/{s['name']}/problemClassifications?{ARM_SUPPORT}", tenant=tenant
        )
        if not found.ok:
            return [], found
        label = s["properties"]["displayName"]
        groups.append(
            {
                "label": label,
                "id": s["id"],
                "problems": [
                    {"id": c["id"], "label": c["properties"]["displayName"].removeprefix(f"{label} / ")}
                    for c in found.body["value"]
                ],
            }
        )
    return groups, None


def _azure_form_defaults(persona, tenant: TenantInfo, subscription: str = "") -> dict:
    first, last = split_name(persona.display_name)
    on_behalf = persona.is_partner and tenant.kind == "customer"
    return {
        "subscription": subscription,
        "context": "customer",
        "problem": "",
        "severity": "moderate",
        "title": "",
        "description": "",
        "supportPlanId": CSP_PLAN if on_behalf else "",
        "firstName": first,
        "lastName": last,
        "email": persona.upn,
        "phone": "",
        "contactMethod": "email",
        "timezone": "Pacific Standard Time",
        "country": "usa",
        "language": "en-US",
        "consent": "Yes",
    }


def _azure_portal(customer_id: str, form: dict | None = None, refused: Answer | None = None):
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    subs = b.call("GET", f"/azure/subscriptions?{ARM_RESOURCES}", tenant=tenant.id)
    visible = subs.body.get("value", []) if subs.ok else []
    known = {s["subscriptionId"] for s in visible}
    # What Partner Center says the customer has in Azure, though the persona may hold no RBAC role on it (R7).
    hidden = []
    if persona.is_partner and tenant.kind == "customer" and subs.ok:
        sold = b.call("GET", f"/partnercenter/v1/customers/{tenant.id}/subscriptions")
        if sold.ok:
            # An Azure plan's Azure subscription is its entitlementId (its own id is Partner Center's).
            hidden = [
                s | {"id": s["entitlementId"]}
                for s in sold.body.get("items", [])
                if s.get("billingType") == "usage" and s["entitlementId"] not in known
            ]
    problems, catalogue_refused = _catalogue(b, tenant.id) if subs.ok else ([], None)
    defaults = _azure_form_defaults(persona, tenant, request.args.get("subscription", ""))
    return render_template(
        "ui/azure_portal.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        subs=subs,
        visible=visible,
        hidden=hidden,
        problems=problems,
        catalogue_refused=catalogue_refused,
        refused=refused,
        form=defaults | (form or {}),
        severities=AZURE_SEVERITIES,
        can_switch_context=persona.is_partner and tenant.kind == "customer",
    )


@bp.get("/azure/<customer_id>")
def azure_portal(customer_id):
    """A tenant's subscriptions and the "New support request" form."""
    return _azure_portal(customer_id)


@bp.post("/azure/<customer_id>/tickets")
def azure_create_ticket(customer_id):
    """File the form as ``PUT .../supportTickets/{name}`` in the tenant (or, to see R12, in the persona's own)."""
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    f = request.form
    problem = f.get("problem", "")
    contact = {
        "firstName": f.get("firstName", ""),
        "lastName": f.get("lastName", ""),
        "preferredContactMethod": f.get("contactMethod", "email"),
        "primaryEmailAddress": f.get("email", ""),
        "preferredTimeZone": f.get("timezone", ""),
        "country": f.get("country", ""),
        "preferredSupportLanguage": f.get("language", ""),
    }
    if f.get("phone"):
        contact["phoneNumber"] = f["phone"]
    props = {
        "serviceId": problem.split("/problemClassifications/")[0],
        "problemClassificationId": problem,
        "title": f.get("title", ""),
        "description": f.get("description", ""),
        "severity": f.get("severity", "moderate"),
        "advancedDiagnosticConsent": f.get("consent", "Yes"),
        "contactDetails": contact,
    }
    if f.get("supportPlanId", "").strip():
        props["supportPlanId"] = f["supportPlanId"].strip()
    acting_in = persona.tenant_id if f.get("context") == "own" and persona.is_partner else tenant.id
    subscription = f.get("subscription", "")
    name = str(uuid.uuid4())
    answer = b.call(
        "PUT",
        f"/azure/subscriptions/{subscription}{SUPPORT}/supportTickets/{name}?{ARM_SUPPORT}",
        tenant=acting_in,
        json={"properties": props},
    )
    if answer.ok:
        return redirect(
            url_for("ui.azure_ticket", customer_id=tenant.id, subscription_id=subscription, name=name, done="created")
        )
    return _azure_portal(customer_id, form=f.to_dict(), refused=answer)


@bp.get("/azure/<customer_id>/subscriptions/<subscription_id>/tickets")
def azure_tickets(customer_id, subscription_id):
    """ "Manage support requests": the subscription's tickets, newest first."""
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    answer = b.call(
        "GET", f"/azure/subscriptions/{subscription_id}{SUPPORT}/supportTickets?{ARM_SUPPORT}", tenant=tenant.id
    )
    items = next_pages(b, answer, tenant.id) if answer.ok else []
    return render_template(
        "ui/azure_tickets.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        subscription_id=subscription_id,
        answer=answer,
        tickets=items,
    )


def _azure_ticket(customer_id: str, subscription_id: str, name: str, refused: Answer | None = None):
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    path = f"/azure/subscriptions/{subscription_id}{SUPPORT}/supportTickets/{name}"
    ticket = b.call("GET", f"{path}?{ARM_SUPPORT}", tenant=tenant.id)
    comms = b.call("GET", f"{path}/communications?{ARM_SUPPORT}", tenant=tenant.id) if ticket.ok else None
    communications = next_pages(b, comms, tenant.id) if comms is not None and comms.ok else []
    return render_template(
        "ui/azure_ticket.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        subscription_id=subscription_id,
        name=name,
        ticket=ticket,
        comms=comms,
        communications=communications,
        refused=refused,
        notice=notice(),
    )


@bp.get("/azure/<customer_id>/subscriptions/<subscription_id>/tickets/<name>")
def azure_ticket(customer_id, subscription_id, name):
    """One ticket with its communications (Microsoft Support's inbound, the filer's outbound)."""
    return _azure_ticket(customer_id, subscription_id, name)


@bp.post("/azure/<customer_id>/subscriptions/<subscription_id>/tickets/<name>/communications")
def azure_add_communication(customer_id, subscription_id, name):
    b = backend()
    tenant = tenant_or_404(customer_id)
    body = {"properties": {"subject": request.form.get("subject", ""), "body": request.form.get("body", "")}}
    answer = b.call(
        "PUT",
        f"/azure/subscriptions/{subscription_id}{SUPPORT}/supportTickets/{name}/communications/"
        f"{uuid.uuid4()}?{ARM_SUPPORT}",
        tenant=tenant.id,
        json=body,
    )
    if answer.ok:
        return redirect(
            url_for("ui.azure_ticket", customer_id=tenant.id, subscription_id=subscription_id, name=name, done="noted")
        )
    return _azure_ticket(customer_id, subscription_id, name, refused=answer)


@bp.post("/azure/<customer_id>/subscriptions/<subscription_id>/tickets/<name>/close")
def azure_close_ticket(customer_id, subscription_id, name):
    b = backend()
    tenant = tenant_or_404(customer_id)
    answer = b.call(
        "PATCH",
        f"/azure/subscriptions/{subscription_id}{SUPPORT}/supportTickets/{name}?{ARM_SUPPORT}",
        tenant=tenant.id,
        json={"status": "closed"},
    )
    if answer.ok:
        return redirect(
            url_for("ui.azure_ticket", customer_id=tenant.id, subscription_id=subscription_id, name=name, done="closed")
        )
    return _azure_ticket(customer_id, subscription_id, name, refused=answer)


# --- Microsoft 365 admin center -----------------------------------------------------------------------------------
def _options(b: Backend, tenant: str) -> Answer:
    return b.call("GET", f"{M365}/options", tenant=tenant)


def _categories(b: Backend, tenant: str, workload: str, more: bool) -> Answer:
    return b.call(
        "GET", f"{M365}/topicCategories{'/more' if more else ''}?{urlencode({'workload': workload})}", tenant=tenant
    )


def _products(b: Backend, persona, tenant: TenantInfo) -> list[dict]:
    """What a request may be about: the customer's subscriptions (Partner Center's, for its partner; the
    directory's for the customer itself), Azure left out (filed in the Azure portal)."""
    if persona.is_partner and tenant.kind == "customer":
        sold = b.call("GET", f"/partnercenter/v1/customers/{tenant.id}/subscriptions")
        return [
            {
                "id": s["id"],
                "label": f"{s['friendlyName']} ({s['offerName']})",
                "publisher": s["publisherName"],
                "microsoft": s["isMicrosoftProduct"],
            }
            for s in (sold.body.get("items", []) if sold.ok else [])
            if s.get("billingType") != "usage"
        ]
    with ctx.pcsim().store.session() as session:
        rows = directory.subscriptions(session, g.ui["world"], tenant_id=tenant.id, not_workload="azure")
        return [
            {
                "id": s.id,
                "label": f"{s.display_name} ({s.offer_name})",
                "publisher": None,
                "microsoft": s.workload != "marketplace",
            }
            for s in rows
        ]


def _m365_form_defaults(persona) -> dict:
    return {
        "title": "",
        "description": "",
        "topicCategoryId": "",
        "severity": "moderate",
        "name": persona.display_name,
        "email": persona.upn,
        "phone": "",
        "productId": "",
        "supportPlanId": "",
    }


def _request_form(b: Backend, persona, tenant: TenantInfo, form: dict | None = None) -> dict:
    """What the new-request form needs: the workload's categories (short list or "More..."), products, values."""
    workload = request.values.get("workload", "microsoft365")
    more = request.values.get("more") == "1"
    categories = _categories(b, tenant.id, workload, more)
    values = _m365_form_defaults(persona) | {"topicCategoryId": request.args.get("category", "")} | (form or {})
    return {
        "workload": workload,
        "more": more,
        "categories": categories,
        "products": _products(b, persona, tenant) if categories.ok else [],
        "form": values,
        "workloads": M365_WORKLOADS,
        "severities": M365_SEVERITIES,
        "own": persona.tenant_id == tenant.id and persona.is_partner,
    }


@bp.get("/m365")
def m365_support():
    """A customer's "Support": its options (R10), its tickets and a new request; a partner's customers."""
    persona = g.ui["persona"]
    b = backend()
    if persona.is_partner:
        customers, answer = partner_customers(b)
        return render_template(
            "ui/m365_support.html",
            customers=customers,
            refused=None if answer.ok else answer,
            own=tenants()[persona.tenant_id],
        )
    tenant = tenants()[persona.tenant_id]
    options = _options(b, tenant.id)
    tickets = b.call("GET", f"{M365}/serviceRequests?{urlencode({'$top': 5})}", tenant=tenant.id)
    return render_template(
        "ui/m365_support.html", tenant=tenant, options=options, tickets=tickets, **_request_form(b, persona, tenant)
    )


def _m365_new(customer_id: str, form: dict | None = None, refused: Answer | None = None):
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    return render_template(
        "ui/m365_new.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        options=_options(b, tenant.id),
        refused=refused,
        **_request_form(b, persona, tenant, form),
    )


@bp.get("/m365/<customer_id>/new")
def m365_new_request(customer_id):
    """New service request in the tenant: topic categories ("More..." expands), contact, optional product."""
    return _m365_new(customer_id)


@bp.post("/m365/<customer_id>/new")
def m365_create(customer_id):
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    f = request.form
    contact = {"name": f.get("name", ""), "email": f.get("email", "")}
    if f.get("phone", "").strip():
        contact["phone"] = f["phone"].strip()
    body = {
        "title": f.get("title", ""),
        "description": f.get("description", ""),
        "topicCategoryId": f.get("topicCategoryId", ""),
        "severity": f.get("severity", "moderate"),
        "contact": contact,
        "workload": f.get("workload", "microsoft365"),
    }
    for key in ("productId", "supportPlanId"):
        if f.get(key, "").strip():
            body[key] = f[key].strip()
    answer = b.call("POST", f"{M365}/serviceRequests", tenant=tenant.id, json=body)
    if answer.ok:
        return redirect(url_for("ui.m365_ticket", customer_id=tenant.id, ticket_id=answer.body["id"], done="created"))
    if f.get("from") == "support" and not persona.is_partner:
        tickets = b.call("GET", f"{M365}/serviceRequests?{urlencode({'$top': 5})}", tenant=tenant.id)
        return render_template(
            "ui/m365_support.html",
            tenant=tenant,
            options=_options(b, tenant.id),
            tickets=tickets,
            refused=answer,
            **_request_form(b, persona, tenant, f.to_dict()),
        )
    return _m365_new(customer_id, form=f.to_dict(), refused=answer)


@bp.get("/m365/<customer_id>/tickets")
def m365_tickets(customer_id):
    """ "View all support tickets": the tenant's service requests (Azure's live in the Azure portal)."""
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    status = request.args.get("status", "")
    query = {"$filter": f"status eq '{status}'"} if status else {}
    answer = b.call("GET", f"{M365}/serviceRequests" + (f"?{urlencode(query)}" if query else ""), tenant=tenant.id)
    return render_template(
        "ui/m365_tickets.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        answer=answer,
        status=status,
        statuses=(("", "All"), ("open", "Open"), ("attentionNeeded", "Attention needed"), ("closed", "Closed")),
    )


def _m365_ticket(customer_id: str, ticket_id: str, refused: Answer | None = None):
    persona = g.ui["persona"]
    b = backend()
    tenant = tenant_or_404(customer_id)
    answer = b.call("GET", f"{M365}/serviceRequests/{ticket_id}", tenant=tenant.id)
    return render_template(
        "ui/m365_ticket.html",
        tenant=tenant,
        acting=acting_label(persona, tenant),
        answer=answer,
        ticket_id=ticket_id,
        refused=refused,
        notice=notice(),
    )


@bp.get("/m365/<customer_id>/tickets/<ticket_id>")
def m365_ticket(customer_id, ticket_id):
    """One service request with its notes; add a note, or close it."""
    return _m365_ticket(customer_id, ticket_id)


@bp.post("/m365/<customer_id>/tickets/<ticket_id>/notes")
def m365_add_note(customer_id, ticket_id):
    b = backend()
    tenant = tenant_or_404(customer_id)
    answer = b.call(
        "POST",
        f"{M365}/serviceRequests/{ticket_id}/notes",
        tenant=tenant.id,
        json={"text": request.form.get("text", "")},
    )
    if answer.ok:
        return redirect(url_for("ui.m365_ticket", customer_id=tenant.id, ticket_id=ticket_id, done="noted"))
    return _m365_ticket(customer_id, ticket_id, refused=answer)


@bp.post("/m365/<customer_id>/tickets/<ticket_id>/close")
def m365_close(customer_id, ticket_id):
    b = backend()
    tenant = tenant_or_404(customer_id)
    answer = b.call("PATCH", f"{M365}/serviceRequests/{ticket_id}", tenant=tenant.id, json={"status": "closed"})
    if answer.ok:
        return redirect(url_for("ui.m365_ticket", customer_id=tenant.id, ticket_id=ticket_id, done="closed"))
    return _m365_ticket(customer_id, ticket_id, refused=answer)
