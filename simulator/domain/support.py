"""The support rules (R1-R3, R6-R13) as checks on plain facts, recorded in a :class:`Decision`."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from .access import EffectiveRoles
from .catalog import ENTRA_ROLE_NAMES, PROVIDER_TYPES, SUPPORT_PLAN_TYPES, SUPPORT_ROLE_IDS
from .decision import Decision
from .errors import Invalid
from .support_catalog import CSP_SUPPORT_WORKLOADS, NON_TECHNICAL_SERVICES, TopicCategory

CSP_SUPPORT_PLAN = "Cloud Solution Provider"
WRITE_RBAC_ROLES = ("Owner", "Contributor", "Support Request Contributor")
READ_RBAC_ROLES = WRITE_RBAC_ROLES + ("Reader",)


@dataclass(frozen=True)
class Contact:
    """Whom to reach about a marketplace product, or a partner's support desk."""

    name: str | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict:
        return {
            k: v for k, v in (("name", self.name), ("url", self.url), ("email", self.email), ("phone", self.phone)) if v
        }

    def describe(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.as_dict().items() if k != "name")


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    publisher: str
    support: Contact


@dataclass(frozen=True)
class AzureSubscriptionFacts:
    id: str
    name: str
    tenant_id: str
    tenant_kind: str  # customer | partner
    channel: str
    provider_id: str | None
    reseller_id: str | None
    support_plan: dict | None  # a partner's own entitlement: {"type", "id"}


@dataclass
class Caller:
    """Who acts: a user (or app) whose home is ``home_tenant_id``, with a token for ``tenant_id``."""

    name: str
    is_user: bool
    home_tenant_id: str
    home_kind: str
    tenant_id: str
    partner_roles: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()  # Entra roles in the token's tenant (wids)
    partner_name: str = ""

    @property
    def is_guest(self) -> bool:
        return self.home_tenant_id != self.tenant_id


def _names(role_ids) -> str:
    return ", ".join(sorted(ENTRA_ROLE_NAMES.get(r, r) for r in role_ids)) or "none"


SUPPORT_ROLE_NAMES = _names(SUPPORT_ROLE_IDS)


def check_relationship(d: Decision, partner_name: str, relationship_types: AbstractSet[str]) -> None:
    """R1: advisor, indirect reseller, direct provider or indirect provider of the customer."""
    d.require(
        "R1",
        bool(relationship_types),
        f"{partner_name} has no relationship with this customer: only its advisor, indirect reseller, direct "
        "provider or indirect provider may file a service request for it.",
        f"{partner_name} is {' and '.join(sorted(relationship_types))} of the customer",
        relationships=sorted(relationship_types),
    )


def check_workload(d: Decision, workload: str) -> None:
    """R2: CSP support on behalf of a customer exists for Azure, Microsoft 365, Dynamics CRM Online, EMS."""
    d.require(
        "R2",
        workload in CSP_SUPPORT_WORKLOADS,
        f"Service requests on behalf of a customer exist for {', '.join(CSP_SUPPORT_WORKLOADS.values())}; "
        f"not for '{workload}'.",
        f"{CSP_SUPPORT_WORKLOADS.get(workload, workload)} is a CSP support workload",
        workload=workload,
        status=400,
    )


def check_admin_agent_and_gdap(d: Decision, caller: Caller, gdap: EffectiveRoles | None) -> None:
    """R3: the user has Partner Center's AdminAgent role and a GDAP support role in the customer."""
    d.require(
        "R3",
        caller.is_user,
        "Service requests need a signed-in partner user (App+User): an app-only token cannot file.",
        f"{caller.name} is a user",
        caller=caller.name,
    )
    d.require(
        "R3",
        "AdminAgent" in caller.partner_roles,
        f"{caller.name} lacks the Partner Center AdminAgent role (has: "
        f"{', '.join(sorted(caller.partner_roles)) or 'none'}).",
        f"{caller.name} is an AdminAgent",
        partnerRoles=sorted(caller.partner_roles),
    )
    check_gdap_support_role(d, "R3", caller, gdap)


def check_gdap_support_role(d: Decision, rule: str, caller: Caller, gdap: EffectiveRoles | None) -> None:
    """A GDAP role that allows support tickets, through an active relationship and an active assignment."""
    grants = [
        {
            "relationship": g.relationship_name,
            "relationshipId": g.relationship_id,
            "accessAssignment": g.assignment_id,
            "group": g.group_name,
            "roles": _names(g.roles),
        }
        for g in (gdap.grants if gdap else [])
    ]
    if gdap is None or not gdap.roles:
        reason = gdap.denial_reason() if gdap else "no GDAP relationship"
        d.deny(
            rule,
            f"{caller.name} holds no GDAP role in this customer: {reason}.",
            grants=grants,
            findings=gdap.findings if gdap else [],
        )
    held = gdap.roles & SUPPORT_ROLE_IDS
    d.require(
        rule,
        bool(held),
        f"{caller.name}'s GDAP roles in this customer ({_names(gdap.roles)}) do not allow support tickets; "
        f"one of {SUPPORT_ROLE_NAMES} is needed.",
        f"{caller.name} holds {_names(held)} through GDAP",
        grants=grants,
    )


def check_marketplace(d: Decision, product: Product | None) -> None:
    """R11: Microsoft gives no technical support for commercial marketplace products: contact the ISV."""
    if product is None:
        d.note("R11", "not about a marketplace product")
        return
    d.require(
        "R11",
        False,
        f"Microsoft does not provide technical support for the commercial marketplace product "
        f"'{product.name}'. Contact its publisher, {product.publisher}: {product.support.describe()}.",
        product=product.name,
        publisher=product.publisher,
        contact=product.support.as_dict(),
        status=400,
    )


def check_contact_is_partners(d: Decision, rule: str, emails: list[str], customer_domains: AbstractSet[str]) -> None:
    """R8/R9: the contact details are the partner's, never the customer's."""
    theirs = [e for e in emails if e and e.rpartition("@")[2].lower() in customer_domains]
    d.require(
        rule,
        not theirs,
        f"The contact details must be the partner's, not the customer's: {', '.join(theirs)} is in the "
        "customer's domain.",
        "the contact is not in a customer domain",
        emails=emails,
        status=400,
    )


# --- Azure -------------------------------------------------------------------------------------------------
def check_azure_visibility(d: Decision, caller: Caller, sub: AzureSubscriptionFacts) -> None:
    """R12: a token for one tenant sees that tenant's subscriptions only (the partner's own context)."""
    own = caller.tenant_id == sub.tenant_id
    if caller.tenant_id == caller.home_tenant_id and caller.home_kind == "partner" and not own:
        reason = (
            f"The access token is from tenant {caller.tenant_id}, the partner's own: signed in directly, a "
            f"partner acts in its own context and does not see customer subscription {sub.id}. Get a token "
            "for the customer's tenant (through GDAP) instead."
        )
    else:
        reason = (
            f"The access token is from the wrong issuer: it must match the tenant associated with "
            f"subscription {sub.id}."
        )
    d.require(
        "R12",
        own,
        reason,
        f"the token's tenant owns subscription {sub.name}",
        status=401,
        tokenTenant=caller.tenant_id,
        subscriptionTenant=sub.tenant_id,
    )


def rbac_roles_held(assignments: list[dict], write: bool = False) -> list[dict]:
    """The caller's RBAC assignments on a subscription that let it read (any of Owner, Contributor, Support Request
    Contributor, Reader) or write (the first three) there."""
    allowed = WRITE_RBAC_ROLES if write else READ_RBAC_ROLES
    return [a for a in assignments if a["role"] in allowed]


def sees_azure_subscription(assignments: list[dict]) -> bool:
    """R7's read half, for ARM's subscription list and read: a caller sees a subscription only through an Azure
    RBAC role on it. Entra ID's roles give none: a tenant's Global Administrator without a role assignment sees
    no subscription (until it elevates its access, a step of its own in Azure), as ARM answers."""
    return bool(rbac_roles_held(assignments))


def check_azure_rbac(
    d: Decision, caller: Caller, sub: AzureSubscriptionFacts, assignments: list[dict], action: str, write: bool
) -> None:
    """R7 (RBAC half): Owner, Contributor or Support Request Contributor on the subscription."""
    allowed = WRITE_RBAC_ROLES if write else READ_RBAC_ROLES
    held = rbac_roles_held(assignments, write)
    d.require(
        "R7",
        bool(held),
        f"The client '{caller.name}' does not have authorization to perform action '{action}' over scope "
        f"'/subscriptions/{sub.id}' or the scope is invalid. It needs one of {', '.join(allowed)} on the "
        "subscription (Azure RBAC).",
        f"{caller.name} holds {', '.join(sorted({a['role'] for a in held}))} on the subscription",
        assignments=assignments,
    )


def check_azure_on_behalf(d: Decision, caller: Caller, gdap: EffectiveRoles | None) -> None:
    """R7 (GDAP half): a partner user in a customer tenant needs a GDAP support role."""
    if not caller.is_guest:
        d.note("R7", "the caller acts in its own tenant (no GDAP needed)")
        return
    check_gdap_support_role(d, "R7", caller, gdap)


def check_non_technical(
    d: Decision, caller: Caller, sub: AzureSubscriptionFacts, service_id: str, relationship_types: AbstractSet[str]
) -> None:
    """R6: billing, subscription management and quota tickets only by the subscription's provider."""
    kind = NON_TECHNICAL_SERVICES.get(service_id)
    if kind is None:
        d.note("R6", "a technical ticket: any partner with access may file it")
        return
    if not caller.is_guest:
        d.note("R6", "filed in the subscription owner's own context")
        return
    is_provider = caller.home_tenant_id == sub.provider_id and bool(relationship_types & set(PROVIDER_TYPES))
    d.require(
        "R6",
        is_provider,
        f"Only the Azure subscription's provider (direct or indirect provider) can open a {kind} ticket for "
        f"a customer; {caller.partner_name or caller.name} is "
        f"{' and '.join(sorted(relationship_types)) or 'not related to the customer'} for this subscription.",
        f"{caller.partner_name} is the subscription's provider",
        kind=kind,
        provider=sub.provider_id,
        reseller=sub.reseller_id,
        relationships=sorted(relationship_types),
    )


def check_csp_plan(d: Decision, support_plan_id: str | None) -> str:
    """R8: on behalf of a customer the support plan is "Cloud Solution Provider"."""
    plan = support_plan_id or CSP_SUPPORT_PLAN
    d.require(
        "R8",
        plan.strip().lower() in (CSP_SUPPORT_PLAN.lower(), "csp"),
        f"On behalf of a customer the support plan must be '{CSP_SUPPORT_PLAN}'; got '{support_plan_id}'.",
        f"support plan {CSP_SUPPORT_PLAN}",
        supportPlanId=support_plan_id,
        status=400,
    )
    return CSP_SUPPORT_PLAN


def own_entitlements(partner_mpn_id: str | None, recorded_plans) -> frozenset[str]:
    """R13: what covers the partner's own subscriptions and tenant: its partner program agreement
    (``partnerAgreement:<MPN id>``) and each support plan recorded on one of its own subscriptions (a Premier or
    Unified contract, an Azure support plan), named ``type:id`` or by its id alone."""
    held = {f"partnerAgreement:{partner_mpn_id}"} if partner_mpn_id else set()
    for plan in recorded_plans:
        if plan and plan.get("type") in SUPPORT_PLAN_TYPES:
            held |= {plan["id"], f"{plan['type']}:{plan['id']}"}
    return frozenset(held)


def check_own_entitlement(
    d: Decision, subject: str, support_plan_id: str | None, held: frozenset[str], default: str
) -> str:
    """R13: a ticket for the partner's own subscription or tenant names one of the partner's own entitlements
    (:func:`own_entitlements`; ``default`` when none is named); the CSP one does not cover it."""
    given = (support_plan_id or "").strip()
    if given.lower() in (CSP_SUPPORT_PLAN.lower(), "csp"):
        d.require(
            "R13",
            False,
            f"The CSP support entitlement does not cover the partner's own {subject}: name a "
            "partner agreement id, a Premier/Unified contract or an Azure support plan.",
            supportPlanId=given,
            status=400,
        )
    chosen = given or default
    d.require(
        "R13",
        chosen in held,
        f"A ticket for the partner's own {subject} must name a valid support plan entitlement "
        f"({', '.join(sorted(p for p in held if ':' in p)) or 'none recorded'}); '{given or 'none'}' is not "
        "one.",
        f"entitlement {chosen}",
        supportPlanId=given,
        held=sorted(held),
        status=400,
    )
    return chosen


# --- Microsoft 365 admin center: the customer's own support options (R10) -----------------------------------
@dataclass
class CustomerSubscriptionsFacts:
    csp_partners: list[tuple[str, str, dict]] = field(default_factory=list)  # (partner id, name, support contact)
    direct_paid: bool = False
    direct_trial: bool = False


def support_options(facts: CustomerSubscriptionsFacts) -> list[dict]:
    """R10: CSP + Direct trial -> only the partner; CSP + Direct paid -> Microsoft or the partner."""
    options = [
        {"kind": "partner", "partnerTenantId": pid, "displayName": name, **contact}
        for pid, name, contact in facts.csp_partners
    ]
    if facts.direct_paid or not facts.csp_partners:
        options.append({"kind": "microsoft", "displayName": "Microsoft Support"})
    return options


def check_customer_may_file_with_microsoft(d: Decision, facts: CustomerSubscriptionsFacts) -> None:
    can = any(o["kind"] == "microsoft" for o in support_options(facts))
    partners = "; ".join(
        f"{name} ({contact.get('email', '')} {contact.get('phone', '')})".strip()
        for _pid, name, contact in facts.csp_partners
    )
    trial = " Its Direct subscriptions are trials." if facts.direct_trial else ""
    d.require(
        "R10",
        can,
        f"This organisation gets support from its CSP partner: contact {partners}.{trial} Opening a request "
        "with Microsoft needs a paid Direct subscription.",
        "the customer has a paid Direct subscription" if facts.csp_partners else "no CSP partner",
        partners=[{"id": pid, "name": name, "contact": c} for pid, name, c in facts.csp_partners],
    )


# --- Partner Center: the partner's own requests, and no Azure request (R3, R4) ------------------------------
def check_admin_agent(d: Decision, caller: Caller) -> None:
    """R3 at the partner level: a request about the partner's own Partner Center account needs a signed-in
    AdminAgent (no customer, so no GDAP)."""
    d.require(
        "R3",
        caller.is_user and "AdminAgent" in caller.partner_roles,
        f"{caller.name} lacks the Partner Center AdminAgent role needed to file service requests.",
        f"{caller.name} is an AdminAgent",
        partnerRoles=sorted(caller.partner_roles),
    )


def check_not_azure(d: Decision, workload: str, customer_id: str) -> None:
    """R4: Partner Center files no Azure request: "New request" hands it off to the Azure portal."""
    d.require(
        "R4",
        workload != "azure",
        "Azure service requests are filed in the Azure portal in the customer's context: get the hand-off "
        f"with GET /v1/customers/{customer_id}/servicerequests/newrequest/azure and file on the Azure "
        "support API.",
        "not an Azure request",
        status=400,
    )


# --- the Microsoft 365 admin center's topic categories (R9) --------------------------------------------------
ADMIN_CENTER_WORKLOADS = ("microsoft365", "ems", "dynamics")


def check_admin_center_workload(workload: str) -> str:
    """The workloads the Microsoft 365 admin center takes requests for (Azure's are the Azure portal's)."""
    if workload == "azure":
        raise Invalid(
            "Azure support requests are filed in the Azure portal (the /azure surface, Microsoft.Support), "
            "not in the Microsoft 365 admin center."
        )
    if workload not in ADMIN_CENTER_WORKLOADS:
        raise Invalid(f"workload must be one of {', '.join(ADMIN_CENTER_WORKLOADS)}; got '{workload}'.")
    return workload


def check_category_workload(workload: str | None, category: TopicCategory) -> None:
    """A workload named beside a topic category must be the category's own."""
    if workload is None:
        return
    check_admin_center_workload(workload)
    if workload != category.workload:
        raise Invalid(f"topic category '{category.id}' belongs to workload '{category.workload}', not '{workload}'.")


# --- filing on behalf of a customer: one sequence for every surface ----------------------------------------
@dataclass(frozen=True)
class OnBehalf:
    """A service request filed (or, ``filing=False``, begun: the "New request" hand-off) on behalf of a customer,
    with the facts its rules read."""

    customer_id: str
    workload: str  # R2: what the request is about
    relationship_types: frozenset[str]  # R1: the partner's relationships with the customer
    gdap: EffectiveRoles | None  # R3/R9: the user's GDAP roles in the customer (None: no user)
    named_workload: str | None = None  # the admin center: a workload named beside the topic category
    category: TopicCategory | None = None  # the admin center: the topic category picked
    # R11: the commercial marketplace product the request is about, read when R11 comes (a use case that looks
    # it up here refuses a productId naming nothing after R1, R2 and R4, as Partner Center always did).
    product: Callable[[], Product | None] = lambda: None
    contact_emails: tuple[str, ...] = ()  # R9: whom Microsoft calls back
    customer_domains: frozenset[str] = frozenset()
    filing: bool = True


def check_file_on_behalf(
    d: Decision, caller: Caller, request: OnBehalf, *, authority: str = "R3", refuse_azure: bool = False
) -> None:
    """Whether ``caller`` may file ``request`` for the customer. The checks, in this order (the first that fails
    denies):

    1. R1: the partner is the customer's advisor, indirect reseller, direct provider or indirect provider;
    2. R2: the workload has CSP support (Azure, Microsoft 365, Dynamics CRM Online, EMS);
    3. R4, with ``refuse_azure`` (Partner Center): no Azure request: it is filed in the Azure portal;
    4. the admin center's form: a workload named beside the topic category is the category's;
    5. R11: not about a commercial marketplace product (the ISV's contact instead);
    6. the user's authority, per surface: ``"R3"`` in Partner Center (the AdminAgent role and a GDAP support
       role), ``"R9"`` on the workload's own portal (a GDAP support role);
    7. R9: the contact details are the partner's, not the customer's.

    Steps 5 and 7 are for a request being filed, not for the hand-off (``request.filing`` False)."""
    check_relationship(d, caller.partner_name or caller.name, set(request.relationship_types))
    check_workload(d, request.workload)
    if refuse_azure:
        check_not_azure(d, request.workload, request.customer_id)
    if request.category is not None:
        check_category_workload(request.named_workload, request.category)
    if request.filing:
        check_marketplace(d, request.product())
    if authority == "R3":
        check_admin_agent_and_gdap(d, caller, request.gdap)
    else:
        check_gdap_support_role(d, authority, caller, request.gdap)
    if request.filing:
        check_contact_is_partners(d, "R9", list(request.contact_emails), set(request.customer_domains))
