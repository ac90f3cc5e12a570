"""The Microsoft 365 admin center's support use cases: support options (R10), topic categories (R9: a short list
plus "More..."), and service requests with their notes.

Who calls decides the rules (from the token): a partner user through GDAP in a customer tenant files on behalf
of the customer (:func:`support.check_file_on_behalf` with R9's GDAP role); a customer's own admin files with
Microsoft only when its support options include Microsoft (R10); a partner user signed in to its own tenant acts
in its own context (R12) and files under its own entitlement, never the CSP one (R13). Nobody files about a
commercial marketplace product (R11)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain import admin_center, support
from ..domain import tickets as ticket_rules
from ..domain.access import EffectiveRoles
from ..domain.decision import Decision
from ..domain.errors import Invalid, NotFound
from ..domain.support import Caller
from ..domain.support_catalog import TOPIC_CATEGORIES, TopicCategory
from ..store import queries, tickets
from ..store import service_requests as store
from .scope import Principal, Scope

CUSTOMER_SUPPORT_PLAN = "Microsoft 365 standard support"
OWN_PLAN_NAMES = {
    "partnerAgreement": "Partner program agreement",
    "premier": "Premier",
    "unified": "Unified",
    "azureSupportPlan": "Azure support plan",
}


@dataclass
class Acting:
    """The caller and the context it acts in (:func:`admin_center.acting_kind`)."""

    principal: Principal
    user: Any  # the signed-in user (app-only tokens do not get here)
    caller: Caller
    kind: str  # partner | customer | own
    tenant: Any  # the token's tenant: whose support this is
    home: Any  # the user's home tenant

    @property
    def directory_roles(self) -> frozenset[str]:
        return frozenset(self.user.directory_roles or [])


def acting(scope: Scope, principal: Principal) -> Acting:
    """Who acts, and in which context; an app-only token is refused."""
    admin_center.require_user(principal.user is not None)
    home = (
        principal.tenant
        if principal.home_tenant_id == principal.tenant.id
        else queries.tenant(scope.db, scope.world_id, principal.home_tenant_id)
    )
    kind = admin_center.acting_kind(principal.tenant.kind, home.id, principal.tenant.id)
    return Acting(principal, principal.user, principal.caller(scope), kind, principal.tenant, home)


def _gdap(scope: Scope, a: Acting) -> EffectiveRoles | None:
    """A partner user's GDAP roles in the customer now (not as the token recorded them)."""
    if a.kind != admin_center.PARTNER:
        return None
    return queries.gdap_roles(scope.db, scope.world_id, a.user.id, a.home.id, a.tenant.id, scope.now)


def _check_read(scope: Scope, a: Acting) -> None:
    admin_center.check_read(a.kind, a.caller, a.tenant.name, _gdap(scope, a), a.directory_roles)


def _check_write(scope: Scope, a: Acting, d: Decision) -> None:
    admin_center.check_write(d, a.kind, a.caller, a.tenant.name, _gdap(scope, a), a.directory_roles)


# --- support options (R10), topic categories ------------------------------------------------------------------
def support_options(scope: Scope, principal: Principal) -> list[dict]:
    """The support options of the tenant the user acts in (R10)."""
    a = acting(scope, principal)
    return support.support_options(queries.customer_support_facts(scope.db, scope.world_id, a.tenant.id))


def topic_categories(scope: Scope, principal: Principal, workload: str, more: bool = False) -> list[TopicCategory]:
    """The workload's featured categories, or (``more``) all of them, featured ones first."""
    acting(scope, principal)
    support.check_admin_center_workload(workload)
    if not more:
        return [c for c in TOPIC_CATEGORIES if c.workload == workload and c.featured]
    return sorted((c for c in TOPIC_CATEGORIES if c.workload == workload), key=lambda c: not c.featured)


# --- filing ------------------------------------------------------------------------------------------------------
def _as_partner(
    scope: Scope, a: Acting, d: Decision, form: dict, category: TopicCategory, product, contact: dict
) -> tuple[str, str | None, str | None]:
    """On behalf of the customer, with the CSP entitlement (R1, R2, the category, R11, R9)."""
    db, world = scope.db, scope.world_id
    request = support.OnBehalf(
        a.tenant.id,
        form.get("workload") or category.workload,
        queries.relationship_types(db, world, a.home.id, a.tenant.id),
        _gdap(scope, a),
        named_workload=form.get("workload"),
        category=category,
        product=lambda: product,
        contact_emails=(contact["email"],),
        customer_domains=queries.tenant_domains(db, world, a.tenant.id),
    )
    support.check_file_on_behalf(d, a.caller, request, authority="R9")
    return support.CSP_SUPPORT_PLAN, None, a.home.id


def _as_customer(
    scope: Scope, a: Acting, d: Decision, form: dict, category: TopicCategory, product, contact: dict
) -> tuple[str, str | None, str | None]:
    """A customer's admin, with Microsoft (the category, R11, R10)."""
    _check_write(scope, a, d)
    support.check_category_workload(form.get("workload"), category)
    support.check_marketplace(d, product)
    support.check_customer_may_file_with_microsoft(
        d, queries.customer_support_facts(scope.db, scope.world_id, a.tenant.id)
    )
    return CUSTOMER_SUPPORT_PLAN, None, None


def _as_own(
    scope: Scope, a: Acting, d: Decision, form: dict, category: TopicCategory, product, contact: dict
) -> tuple[str, str | None, str | None]:
    """A partner in its own tenant, under its own entitlement (the category, R11, R13)."""
    _check_write(scope, a, d)
    support.check_category_workload(form.get("workload"), category)
    support.check_marketplace(d, product)
    partner = a.home
    held = support.own_entitlements(partner.mpn_id, queries.support_plans(scope.db, scope.world_id, partner.id))
    chosen = support.check_own_entitlement(
        d, f"tenant ({partner.name})", form.get("supportPlanId"), held, f"partnerAgreement:{partner.mpn_id}"
    )
    return OWN_PLAN_NAMES.get(chosen.partition(":")[0], chosen), chosen, partner.id


FILERS = {admin_center.PARTNER: _as_partner, admin_center.CUSTOMER: _as_customer, admin_center.OWN: _as_own}


def file_request(scope: Scope, principal: Principal, form: dict):
    """Open a service request (``form``: the validated body) in the context the user acts in."""
    a = acting(scope, principal)
    category = admin_center.category(form["topicCategoryId"])
    product, subscription = queries.resolve_product(scope.db, scope.world_id, a.tenant.id, form.get("productId"))
    contact = {k: form["contact"][k] for k in ("name", "email", "phone") if form["contact"].get(k)}
    if form.get("supportPlanId") and a.kind != admin_center.OWN:
        raise Invalid(
            "supportPlanId is only for a partner's own tenant: on behalf of a customer the plan is "
            f"'{support.CSP_SUPPORT_PLAN}', for a customer's own request its Microsoft 365 support."
        )
    d = Decision("m365admin.serviceRequests.create")
    plan, plan_id, partner_id = FILERS[a.kind](scope, a, d, form, category, product, contact)
    return tickets.create_ticket(
        scope.db,
        scope.world_id,
        scope.now,
        origin="m365admin",
        tenant_id=a.tenant.id,
        customer_id=a.tenant.id if a.kind != admin_center.OWN else None,
        partner_id=partner_id,
        subscription_id=subscription.id if subscription else None,
        workload=category.workload,
        title=form["title"],
        description=form["description"],
        severity=form["severity"],
        topic_id=category.id,
        topic_name=category.display_name,
        support_plan=plan,
        support_plan_id=plan_id,
        contact=contact,
        product_id=product.id if product else None,
        created_by=a.principal.name,
        details={"filedAs": a.kind},
    )


# --- reading, notes, closing ---------------------------------------------------------------------------------------
def list_requests(scope: Scope, principal: Principal, equals: Callable[[], list[tuple[str, str]]]) -> list:
    """ "View all support tickets": the tenant's requests of every origin but Azure, newest first. ``equals``
    reads the request's (status | workload | origin, value) conditions once the caller may read (someone who may
    not is refused as such, whatever the filter)."""
    a = acting(scope, principal)
    _check_read(scope, a)
    tickets.advance(scope.db, scope.world_id, scope.now)
    return store.tenant_tickets(scope.db, scope.world_id, a.tenant.id, equals())


def _ticket(scope: Scope, a: Acting, ticket_id: str):
    t = store.ticket(scope.db, scope.world_id, ticket_id)
    if t is None or t.tenant_id != a.tenant.id or t.origin == "azure":
        raise NotFound(f"The service request with id '{ticket_id}' was not found.")
    return t


def get_request(scope: Scope, principal: Principal, ticket_id: str) -> tuple[Any, list]:
    """One request of the tenant, with its notes."""
    a = acting(scope, principal)
    _check_read(scope, a)
    tickets.advance(scope.db, scope.world_id, scope.now)
    t = _ticket(scope, a, ticket_id)
    return t, tickets.notes(scope.db, t)


def add_note(scope: Scope, principal: Principal, ticket_id: str, text: str):
    """A note answers Microsoft: an ``attention_needed`` request is open again; a closed one takes none."""
    a = acting(scope, principal)
    tickets.advance(scope.db, scope.world_id, scope.now)
    t = _ticket(scope, a, ticket_id)
    _check_write(scope, a, Decision("m365admin.serviceRequests.addNote"))
    author_kind = "customer" if a.kind == admin_center.CUSTOMER else "partner"
    return t, tickets.add_note(scope.db, t, scope.now, a.principal.name, author_kind, text)


def update_request(scope: Scope, principal: Principal, ticket_id: str, status: str) -> tuple[Any, list]:
    """Change the status (close); a closed request is not reopened."""
    a = acting(scope, principal)
    tickets.advance(scope.db, scope.world_id, scope.now)
    t = _ticket(scope, a, ticket_id)
    _check_write(scope, a, Decision("m365admin.serviceRequests.update"))
    wanted = ticket_rules.check_status_change(t.status, status)
    if wanted != t.status:
        tickets.set_status(t, wanted, scope.now)
    return t, tickets.notes(scope.db, t)
