"""Partner Center pages of the training UI: customers (relationship, subscriptions, GDAP), a customer's page
(profile, GDAP access, service health R5, "Service requests > New request" R4, filing R1/R2/R3/R9/R11), and the
partner's service requests with their notes.

Everything goes through the surfaces as the chosen persona (:func:`views.backend`): Partner Center for customers,
subscriptions and service requests, Graph for GDAP and, with a token in the customer's tenant, service health.
The store is read only for display (the names of the partner's security groups).
"""

from __future__ import annotations

import functools
import math
from datetime import datetime
from urllib.parse import quote, urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from ...domain.catalog import ENTRA_ROLE_NAMES
from ...store import directory
from ...store import partnercenter as pc_store
from .. import context as ctx
from . import views
from .backend import Answer
from .views import NAV, bp

NAV.append(("ui.pc_customers", "Partner Center"))

PC = "/partnercenter/v1"
GDAP_LIST = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
HEALTH = "/graph/v1.0/admin/serviceAnnouncement/healthOverviews?$expand=issues"
WORKLOADS = (
    ("azure", "Azure"),
    ("microsoft365", "Microsoft 365"),
    ("dynamics", "Dynamics 365 (CRM Online)"),
    ("ems", "Enterprise Mobility + Security"),
)
RELATIONSHIP_LABELS = {
    "directProvider": "Direct provider",
    "indirectProvider": "Indirect provider",
    "indirectReseller": "Indirect reseller",
    "advisor": "Advisor",
}
REQUEST_STATUSES = (("open", "Open"), ("attention_needed", "Attention needed"), ("closed", "Closed"))
SEVERITIES = (("minimal", "Minimal"), ("moderate", "Moderate"), ("critical", "Critical"))
PAGE = 100


# --- calling the surfaces ------------------------------------------------------------------------------------
def partner_page(view):
    """Partner Center is for partner users: anyone else goes back to the personas with a word why."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        persona = g.ui["persona"]
        if persona is None:
            flash("Choose a persona first: Partner Center needs a partner user.")
            return redirect(url_for("ui.home", next=request.path))
        if not persona.is_partner:
            flash(
                f"Partner Center is for partner users; {persona.upn} is a user of the customer "
                f"{persona.tenant_name}. Sign in as a partner's agent to see it.",
                "error",
            )
            return redirect(url_for("ui.home", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def _graph_path(link: str) -> str:
    """An ``@odata.nextLink`` as a surface path for the backend (without host, world or cloud prefix)."""
    parts = urlsplit(link)
    path = parts.path[parts.path.find("/graph/") :]
    return f"{path}?{parts.query}" if parts.query else path


def all_customers(b) -> tuple[Answer, list[dict]]:
    """Every customer of the partner, following Partner Center's continuation tokens."""
    items: list[dict] = []
    answer = b.call("GET", f"{PC}/customers?size={PAGE}")
    while answer.ok:
        items += answer.body.get("items", [])
        token = answer.body.get("continuationToken")
        if not token:
            break
        answer = b.call("GET", f"{PC}/customers?size={PAGE}&seekOperation=Next&continuationToken={quote(token)}")
    return answer, items


def gdap_relationships(b, customer_id: str | None = None) -> tuple[Answer, list[dict]]:
    """The partner's GDAP relationships through Graph (one customer's with ``$filter``), every page."""
    path = GDAP_LIST
    if customer_id:
        path += "?$filter=" + quote(f"customer/tenantId eq '{customer_id}'", safe="")
    items: list[dict] = []
    answer = b.call("GET", path)
    while answer.ok:
        items += answer.body.get("value", [])
        link = answer.body.get("@odata.nextLink")
        if not link:
            break
        answer = b.call("GET", _graph_path(link))
    return answer, items


def all_requests(b, base: str, status: str | None) -> tuple[Answer, list[dict]]:
    items: list[dict] = []
    offset = 0
    while True:
        answer = b.call("GET", f"{base}?size={PAGE}&offset={offset}" + (f"&status={status}" if status else ""))
        if not answer.ok:
            return answer, items
        items += answer.body.get("items", [])
        offset += PAGE
        if not (answer.body.get("links") or {}).get("next"):  # totalCount is this page's, not the total
            return answer, items


# --- shaping answers for the pages ---------------------------------------------------------------------------
def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def days_between(end: str | None, now: str) -> int | None:
    """Whole days from the world's clock to ``end`` (negative once past)."""
    end_at = _parse(end)
    if end_at is None:
        return None
    return math.floor((end_at - _parse(now)).total_seconds() / 86400)


def role_names(unified_roles: list[dict]) -> list[str]:
    return [ENTRA_ROLE_NAMES.get(r["roleDefinitionId"], r["roleDefinitionId"]) for r in unified_roles or []]


def gdap_view(r: dict) -> dict:
    days = days_between(r.get("endDateTime"), g.ui["clock"])
    return {
        "id": r["id"],
        "name": r["displayName"],
        "status": r["status"],
        "roles": role_names(r.get("accessDetails", {}).get("unifiedRoles")),
        "end": r.get("endDateTime"),
        "days": days,
        "duration": r.get("duration"),
        "auto_extend": r.get("autoExtendDuration"),
        "activated": r.get("activatedDateTime"),
        "customer_id": (r.get("customer") or {}).get("tenantId"),
    }


def subscription_view(s: dict) -> dict:
    return {
        "id": s["id"],
        "name": s.get("friendlyName") or s.get("offerName"),
        "offer": s.get("offerName"),
        "quantity": s.get("quantity"),
        "status": s.get("status"),
        "trial": bool(s.get("isTrial")),
        "marketplace": not s.get("isMicrosoftProduct", True),
        "publisher": s.get("publisherName"),
        "billing": s.get("billingCycle"),
        "azure": s.get("unitType") == "none",
    }


def relationship_view(customer: dict) -> dict:
    """The partner's own relationship with the customer, and the customer's other partners (directory facts, for
    display only: Partner Center's API tells a partner only its indirect ones, ``/customers/{id}/relationships``)."""
    me = g.ui["persona"].tenant_id
    mine, others = [], []
    with ctx.pcsim().store.session() as session:
        related = pc_store.partners_of(session, g.ui["world"], customer["id"])
        for partner, kind in related:
            label = RELATIONSHIP_LABELS.get(kind, kind)
            (mine if partner.id == me else others).append({"partner": partner.name, "type": label})
    return {"to_partner": customer.get("relationshipToPartner"), "mine": [m["type"] for m in mine], "others": others}


def group_names(ids: set[str]) -> dict[str, str]:
    """Display names of the partner's security groups (directory facts, for display only)."""
    if not ids:
        return {}
    with ctx.pcsim().store.session() as session:
        return {row.id: row.display_name for row in directory.groups(session, g.ui["world"], ids)}


def portal_link(workload: str, customer_id: str) -> str | None:
    """The workload's portal page in this UI, when that page exists (another module serves it)."""
    endpoint, args = (
        ("ui.azure_portal", {"customer_id": customer_id})
        if workload == "azure"
        else ("ui.m365_new_request", {"customer_id": customer_id, "workload": workload})
    )
    if endpoint not in views._endpoints():
        return None
    try:
        return url_for(endpoint, **args)
    except BuildError:
        return None


def _customer_name(customer_id: str) -> str:
    """A customer's name for a heading when Partner Center will not say (a refusal): from the directory."""
    for p in g.ui["personas"]:
        if p.tenant_id == customer_id.lower():
            return p.tenant_name
    return customer_id


def _file_defaults() -> dict:
    persona = g.ui["persona"]
    first, _, last = persona.display_name.partition(" ")
    return {"severity": "moderate", "first_name": first, "last_name": last, "email": persona.upn, "phone": ""}


# --- customers -------------------------------------------------------------------------------------------------
@bp.get("/partnercenter/customers")
@partner_page
def pc_customers():
    """The partner's customers: relationship, subscriptions (trial/paid), GDAP status and roles, days left."""
    b = views.backend()
    refused, customers = all_customers(b)
    if not refused.ok:
        return render_template("ui/pc_customers.html", refused=refused, rows=[], others=[], gdap_refused=None)
    gdap_answer, relationships = gdap_relationships(b)  # one call for every customer
    by_customer: dict[str, list[dict]] = {}
    for r in relationships:
        view = gdap_view(r)
        if view["customer_id"]:
            by_customer.setdefault(view["customer_id"], []).append(view)
    rows = []
    for c in sorted(customers, key=lambda c: c["companyProfile"]["companyName"].lower()):
        subs = b.call("GET", f"{PC}/customers/{c['id']}/subscriptions")
        rows.append(
            {
                "id": c["id"],
                "name": c["companyProfile"]["companyName"],
                "domain": c["companyProfile"]["domain"],
                "relationship": relationship_view(c),
                "subscriptions": [subscription_view(s) for s in subs.body.get("items", [])] if subs.ok else [],
                "subscriptions_refused": None if subs.ok else subs,
                "gdap": by_customer.get(c["id"], []),
            }
        )
    mine = {c["id"] for c in customers}
    persona = g.ui["persona"]
    others = sorted(
        {
            (p.tenant_id, p.tenant_name)
            for p in g.ui["personas"]
            if p.tenant_kind == "customer" and p.tenant_id not in mine and p.cloud == persona.cloud
        },
        key=lambda t: t[1],
    )
    return render_template(
        "ui/pc_customers.html",
        refused=None,
        rows=rows,
        others=others,
        gdap_refused=None if gdap_answer.ok else gdap_answer,
    )


def _customer_page(customer_id: str, **extra):
    """Everything on a customer's page, each part through its surface; a refusal shows where it happened."""
    b = views.backend()
    profile = b.call("GET", f"{PC}/customers/{customer_id}")
    topics = b.call("GET", f"{PC}/servicerequests/supporttopics")
    page = {
        "customer_id": customer_id,
        "profile": profile,
        "name": _customer_name(customer_id),
        "topics": topics.body.get("items", []) if topics.ok else [],
        "workloads": WORKLOADS,
        "severities": SEVERITIES,
        "subscriptions": [],
        "form": extra.pop("form", None) or _file_defaults(),
    }
    if profile.ok:
        customer = profile.body
        page["name"] = customer["companyProfile"]["companyName"]
        domain = customer["companyProfile"]["domain"]
        page["relationship"] = relationship_view(customer)
        subs = b.call("GET", f"{PC}/customers/{customer_id}/subscriptions")
        page["subscriptions"] = [subscription_view(s) for s in subs.body.get("items", [])] if subs.ok else []
        page["subscriptions_refused"] = None if subs.ok else subs
        gdap_answer, relationships = gdap_relationships(b, customer["id"])
        page["gdap_refused"] = None if gdap_answer.ok else gdap_answer
        gdap = [gdap_view(r) for r in relationships]
        for r in gdap:
            assignments = b.call("GET", f"{GDAP_LIST}/{r['id']}/accessAssignments")
            r["assignments"] = assignments.body.get("value", []) if assignments.ok else []
        names = group_names({a["accessContainer"]["accessContainerId"] for r in gdap for a in r["assignments"]})
        for r in gdap:
            r["assignments"] = [
                {
                    "group": names.get(
                        a["accessContainer"]["accessContainerId"], a["accessContainer"]["accessContainerId"]
                    ),
                    "status": a["status"],
                    "roles": role_names(a["accessDetails"]["unifiedRoles"]),
                }
                for a in r["assignments"]
            ]
        page["gdap"] = gdap
        page["health"] = b.call("GET", HEALTH, tenant=domain)  # R5: a token in the customer's tenant
        page["incidents"] = b.call("GET", f"{PC}/customers/{customer_id}/serviceincidents/office")
        page["requests"] = b.call("GET", f"{PC}/customers/{customer_id}/servicerequests?size=5")
    page.update(extra)
    return render_template("ui/pc_customer.html", **page)


@bp.get("/partnercenter/customers/<customer_id>")
@partner_page
def pc_customer(customer_id):
    """A customer's page: profile, subscriptions, GDAP access, service health, new and filed requests."""
    return _customer_page(customer_id)


@bp.post("/partnercenter/customers/<customer_id>/newrequest")
@partner_page
def pc_new_request(customer_id):
    """Service requests > New request (R4): the workload's own portal for the customer, or why not."""
    workload = request.form.get("workload", "")
    answer = views.backend().call("GET", f"{PC}/customers/{customer_id}/servicerequests/newrequest/{quote(workload)}")
    label = dict(WORKLOADS).get(workload, workload)
    link = portal_link(workload, customer_id) if answer.ok else None
    return render_template(
        "ui/pc_handoff.html",
        answer=answer,
        workload=workload,
        label=label,
        link=link,
        customer_id=customer_id,
        name=_customer_name(customer_id),
    ), 200 if answer.ok else answer.status


@bp.route("/partnercenter/customers/<customer_id>/servicerequests/new", methods=["GET", "POST"])
@partner_page
def pc_file_request(customer_id):
    """File a Partner Center service request for the customer (R1, R2, R3, R4, R9, R11 decide)."""
    if request.method == "GET":
        return redirect(url_for("ui.pc_customer", customer_id=customer_id) + "#file")
    form = {
        k: request.form.get(k, "").strip()
        for k in ("topic", "title", "description", "severity", "product", "first_name", "last_name", "email", "phone")
    }
    body = {
        "title": form["title"],
        "description": form["description"],
        "severity": form["severity"],
        "supportTopicId": form["topic"],
    }
    contact = {
        "firstName": form["first_name"],
        "lastName": form["last_name"],
        "email": form["email"],
        "phoneNumber": form["phone"],
    }
    if any(contact.values()):
        body["primaryContact"] = {k: v for k, v in contact.items() if v}
    if form["product"]:
        body["productId"] = form["product"]
    answer = views.backend().call("POST", f"{PC}/customers/{customer_id}/servicerequests/en-US", json=body)
    if answer.ok:
        flash(f"Service request {answer.body['id']} filed for the customer: {answer.body['title']}.")
        return redirect(url_for("ui.pc_request", request_id=answer.body["id"]))
    return _customer_page(customer_id, filed=answer, form=form), answer.status


# --- service requests -----------------------------------------------------------------------------------------
def _requests_page(base: str, customer_id: str | None):
    status = request.args.get("status") or None
    if status not in dict(REQUEST_STATUSES):
        status = None
    b = views.backend()
    answer, items = all_requests(b, base, status)
    return render_template(
        "ui/pc_requests.html",
        answer=answer,
        items=items,
        status=status,
        statuses=REQUEST_STATUSES,
        customer_id=customer_id,
        name=_customer_name(customer_id) if customer_id else None,
    )


@bp.get("/partnercenter/servicerequests")
@partner_page
def pc_requests():
    """Every service request the partner filed (its own and its customers'), with a status filter."""
    return _requests_page(f"{PC}/servicerequests", None)


@bp.get("/partnercenter/customers/<customer_id>/servicerequests")
@partner_page
def pc_customer_requests(customer_id):
    """The customer's service requests the partner filed, on every surface."""
    return _requests_page(f"{PC}/customers/{customer_id}/servicerequests", customer_id)


def _request_page(request_id: str, action: Answer | None = None, status: int = 200):
    answer = views.backend().call("GET", f"{PC}/servicerequests/{quote(request_id)}")
    return render_template("ui/pc_request.html", answer=answer, action=action, request_id=request_id), (
        status if answer.ok else answer.status
    )


@bp.get("/partnercenter/servicerequests/<request_id>")
@partner_page
def pc_request(request_id):
    """A service request: its details and notes, a note to add, and closing it."""
    return _request_page(request_id)


@bp.post("/partnercenter/servicerequests/<request_id>/notes")
@partner_page
def pc_add_note(request_id):
    text = request.form.get("text", "").strip()
    answer = views.backend().call(
        "PATCH", f"{PC}/servicerequests/{quote(request_id)}", json={"newNote": {"text": text}}
    )
    if answer.ok:
        flash("Note added.")
        return redirect(url_for("ui.pc_request", request_id=request_id))
    return _request_page(request_id, answer, answer.status)


@bp.post("/partnercenter/servicerequests/<request_id>/close")
@partner_page
def pc_close_request(request_id):
    answer = views.backend().call("PATCH", f"{PC}/servicerequests/{quote(request_id)}", json={"status": "closed"})
    if answer.ok:
        flash(f"Service request {request_id} closed.")
        return redirect(url_for("ui.pc_request", request_id=request_id))
    return _request_page(request_id, answer, answer.status)
