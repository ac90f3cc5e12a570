"""Every rule's domain function on plain facts, allowed and denied (no HTTP, no database).

Each test asserts the decision: which rule passed or denied, the checks recorded, the status a surface
answers with, and the facts a surface shows. ``tests/test_domain.py`` covers the rest of GDAP (effective
roles' union and findings, auto-extension, durations, the main lifecycle steps); this file does not repeat it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.domain import catalog, gdap, health, partners, support, tickets
from simulator.domain.access import (
    AccessAssignmentFacts,
    EffectiveRoles,
    GdapRelationshipFacts,
    Grant,
    effective_roles,
    effective_status,
)
from simulator.domain.catalog import ENTRA_ROLES
from simulator.domain.decision import Decision
from simulator.domain.errors import Conflict, Denied, Invalid
from simulator.domain.support import (
    AzureSubscriptionFacts,
    Caller,
    Contact,
    CustomerSubscriptionsFacts,
    Product,
)
from simulator.domain.support_catalog import (
    BILLING_SERVICE,
    CSP_SUPPORT_WORKLOADS,
    NON_TECHNICAL_SERVICES,
    PORTALS,
    QUOTA_SERVICE,
    SUBSCRIPTION_MANAGEMENT_SERVICE,
)

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)
GA, SSA, HELPDESK, READER, EXCHANGE, BILLING = (
    ENTRA_ROLES[n]
    for n in (
        "Global Administrator",
        "Service Support Administrator",
        "Helpdesk Administrator",
        "Global Reader",
        "Exchange Administrator",
        "Billing Administrator",
    )
)
PARTNER, OTHER_PARTNER, CUSTOMER, OTHER_CUSTOMER = "p-northwind", "p-tailspin", "c-contoso", "c-alpine"
TECHNICAL_SERVICE = "6f16735c-b0ae-b275-ad3a-03479cfa1396"  # Virtual Machine running Windows (Microsoft's id)


# --- facts --------------------------------------------------------------------------------------------------
def partner_user(partner_roles=("AdminAgent",), roles=(SSA, HELPDESK), tenant=CUSTOMER, is_user=True) -> Caller:
    """A partner user (home: the partner) with a token for ``tenant`` (a customer's: through GDAP)."""
    return Caller(
        "admin@northwind.example",
        is_user,
        PARTNER,
        "partner",
        tenant,
        frozenset(partner_roles),
        frozenset(roles),
        "Northwind Cloud",
    )


def customer_user(roles=(GA,), tenant=CUSTOMER) -> Caller:
    return Caller("admin@contoso.example", True, tenant, "customer", tenant, frozenset(), frozenset(roles))


def held(*roles, findings=()) -> EffectiveRoles:
    grants = [Grant("rel-1", "Northwind support", "a-1", "g-1", "Support Engineers", frozenset(roles))] if roles else []
    return EffectiveRoles(frozenset(roles), grants, list(findings))


def subscription(tenant=CUSTOMER, kind="customer", provider=PARTNER, reseller=None, plan=None, channel="csp"):
    return AzureSubscriptionFacts("sub-1", "contoso-prod", tenant, kind, channel, provider, reseller, plan)


def allowed(check, *args, **kwargs) -> Decision:
    """Run one rule's check in a fresh decision; it must pass (every recorded check passed)."""
    d = Decision("test")
    check(d, *args, **kwargs)
    assert d.checks and all(c.passed for c in d.checks), d.as_dict()
    assert d.as_dict()["allowed"] is True
    return d


def denied(rule: str, status: int, check, *args, **kwargs) -> Denied:
    """Run one rule's check in a fresh decision; it must deny with ``rule`` and ``status``, recorded last."""
    d = Decision("test")
    with pytest.raises(Denied) as info:
        check(d, *args, **kwargs)
    exc = info.value
    assert (exc.rule, exc.status) == (rule, status)
    assert exc.decision is d and d.as_dict()["allowed"] is False
    last = d.checks[-1]
    assert (last.rule, last.passed, last.reason) == (rule, False, exc.reason)
    assert all(c.passed for c in d.checks[:-1])
    return exc


# --- R1: who may file --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "types",
    [{"advisor"}, {"indirectReseller"}, {"directProvider"}, {"indirectProvider"}, {"advisor", "directProvider"}],
)
def test_r1_any_of_the_four_relationships_may_file(types):
    d = allowed(support.check_relationship, "Northwind Cloud", types)
    assert d.checks[0].rule == "R1" and d.checks[0].facts == {"relationships": sorted(types)}
    assert d.checks[0].reason == f"Northwind Cloud is {' and '.join(sorted(types))} of the customer"


def test_r1_no_relationship_denied():
    exc = denied("R1", 403, support.check_relationship, "Wingtip Advisory", set())
    assert exc.reason.startswith("Wingtip Advisory has no relationship with this customer")
    assert exc.facts == {"relationships": []}


def test_r1_partner_center_customer_access():
    partners.require_relationship("Northwind Cloud", PARTNER, CUSTOMER, {"directProvider"})
    with pytest.raises(Denied) as info:
        partners.require_relationship("Wingtip Advisory", "p-wingtip", "c-woodgrove", set())
    exc = info.value
    assert (exc.rule, exc.status) == ("R1", 403)
    assert exc.reason.startswith(
        "The partner id p-wingtip has no commerce relationship with the customer id c-woodgrove."
    )
    assert exc.facts == {"partner": "p-wingtip", "customer": "c-woodgrove", "relationships": []}
    assert exc.decision.action == "partnercenter.customer.access"


@pytest.mark.parametrize(
    "types, shown",
    [
        ({"advisor"}, "advisor"),
        ({"indirectReseller"}, "reseller"),
        ({"directProvider"}, "reseller"),
        ({"advisor", "directProvider"}, "reseller"),
    ],
)
def test_r1_relationship_to_partner(types, shown):
    assert partners.relationship_to_partner(types) == shown


@pytest.mark.parametrize(
    "types, provider",
    [
        ({"directProvider"}, True),
        ({"indirectProvider"}, True),
        ({"indirectReseller"}, False),
        ({"advisor"}, False),
        (set(), False),
    ],
)
def test_is_provider(types, provider):
    assert partners.is_provider(types) is provider


@pytest.mark.parametrize("partner, sees", [(PARTNER, True), (OTHER_PARTNER, True), ("p-wingtip", False)])
def test_a_partner_sees_the_subscriptions_it_provides_or_resells(partner, sees):
    assert partners.sees_subscription(partner, PARTNER, OTHER_PARTNER) is sees


def test_partner_relationship_types_are_the_sdks_two():
    # .NET SDK Relationships/PartnerRelationshipType.cs: IsIndirectResellerOf, IsIndirectCloudSolutionProviderOf.
    assert partners.PARTNER_RELATIONSHIP_TYPE == {
        "IsIndirectResellerOf": "is_indirect_reseller_of",
        "IsIndirectCloudSolutionProviderOf": "is_indirect_cloud_solution_provider_of",
    }
    assert set(catalog.PROVIDER_TYPES) < set(catalog.RELATIONSHIP_TYPES)


def test_an_azure_plan_has_its_own_partner_center_id_and_the_azure_id_as_entitlement():
    azure = "3c6c0d63-2e0a-4c1c-9b7e-1a5d2f0e8b41"
    assert partners.pc_subscription_id(azure, "azure") != azure
    assert partners.pc_subscription_id(azure, "azure") == partners.pc_subscription_id(azure, "azure")
    assert partners.entitlement_id(azure, "azure") == azure
    assert partners.pc_subscription_id(azure, "microsoft365") == azure
    assert partners.entitlement_id(azure, "microsoft365") not in (azure, partners.pc_subscription_id(azure, "azure"))


# --- R2: the four CSP workloads ----------------------------------------------------------------------------
@pytest.mark.parametrize("workload", ["azure", "microsoft365", "dynamics", "ems"])
def test_r2_csp_workloads_allowed(workload):
    d = allowed(support.check_workload, workload)
    assert d.checks[0].rule == "R2" and CSP_SUPPORT_WORKLOADS[workload] in d.checks[0].reason


@pytest.mark.parametrize("workload", ["partnercenter", "marketplace", "office"])
def test_r2_other_workloads_denied_as_bad_requests(workload):
    exc = denied("R2", 400, support.check_workload, workload)
    assert exc.reason == (
        "Service requests on behalf of a customer exist for Azure, Microsoft 365 (Office 365), "
        f"Dynamics CRM Online, Enterprise Mobility Suite; not for '{workload}'."
    )
    assert exc.facts == {"workload": workload}


def test_r4_every_csp_workload_has_its_portal():
    assert set(PORTALS) == set(CSP_SUPPORT_WORKLOADS)
    assert PORTALS["azure"][0] == "Azure portal" and PORTALS["microsoft365"][0] == "Microsoft 365 admin center"


# --- R3: AdminAgent and a GDAP support role ----------------------------------------------------------------
@pytest.mark.parametrize("role", [GA, SSA, HELPDESK])
def test_r3_admin_agent_with_a_gdap_support_role(role):
    d = allowed(support.check_admin_agent_and_gdap, partner_user(), held(role, READER))
    assert [c.rule for c in d.checks] == ["R3", "R3", "R3"]
    assert d.checks[1].facts == {"partnerRoles": ["AdminAgent"]}
    assert d.checks[2].facts["grants"][0]["accessAssignment"] == "a-1"
    assert d.checks[2].reason.endswith(f"holds {catalog.ENTRA_ROLE_NAMES[role]} through GDAP")


def test_r3_an_app_only_token_cannot_file():
    exc = denied("R3", 403, support.check_admin_agent_and_gdap, partner_user(is_user=False), held(SSA))
    assert "app-only token cannot file" in exc.reason


def test_r3_not_an_admin_agent_denied_even_with_gdap():
    exc = denied("R3", 403, support.check_admin_agent_and_gdap, partner_user(("SalesAgent",)), held(SSA))
    assert exc.reason == "admin@northwind.example lacks the Partner Center AdminAgent role (has: SalesAgent)."
    assert exc.facts == {"partnerRoles": ["SalesAgent"]}
    assert len(exc.decision.checks) == 2  # the user check passed, the GDAP one was not reached


EXPIRED = "GDAP relationship 'Northwind support' (rel-1) is expired since 2025-05-31T00:00:00Z"


@pytest.mark.parametrize(
    "gdap_roles, reason",
    [
        (None, "holds no GDAP role in this customer: no GDAP relationship."),
        (held(findings=[EXPIRED]), f"holds no GDAP role in this customer: {EXPIRED}."),
        (held(), "holds no GDAP role in this customer: the partner has no GDAP relationship with this customer."),
        (
            held(READER),
            (
                "'s GDAP roles in this customer (Global Reader) do not allow support tickets; one of Global "
                "Administrator, Helpdesk Administrator, Service Support Administrator is needed."
            ),
        ),
    ],
)
def test_r3_admin_agent_without_a_gdap_support_role(gdap_roles, reason):
    exc = denied("R3", 403, support.check_admin_agent_and_gdap, partner_user(), gdap_roles)
    assert exc.reason == "admin@northwind.example" + ("" if reason.startswith("'") else " ") + reason
    assert [c.passed for c in exc.decision.checks] == [True, True, False]


@pytest.mark.parametrize("rule", ["R3", "R7", "R9"])
def test_the_gdap_support_role_check_denies_under_the_rule_it_serves(rule):
    allowed(support.check_gdap_support_role, rule, partner_user(), held(HELPDESK))
    exc = denied(rule, 403, support.check_gdap_support_role, rule, partner_user(), held(READER, EXCHANGE))
    assert "(Exchange Administrator, Global Reader) do not allow support tickets" in exc.reason
    assert exc.facts["grants"] == [
        {
            "relationship": "Northwind support",
            "relationshipId": "rel-1",
            "accessAssignment": "a-1",
            "group": "Support Engineers",
            "roles": "Exchange Administrator, Global Reader",
        }
    ]


def test_the_gdap_denial_carries_the_findings():
    findings = ["GDAP relationship 'Northwind support' assigns roles only to groups the user is not in (Admins)"]
    exc = denied("R9", 403, support.check_gdap_support_role, "R9", partner_user(), held(findings=findings))
    assert exc.facts == {"grants": [], "findings": findings}


# --- R5: service health ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [GA, SSA, HELPDESK, READER, EXCHANGE])
def test_r5_a_partner_with_a_health_role_through_gdap(role):
    d = allowed(health.check_health_access, partner_user(), frozenset({role}))
    assert d.checks[0].rule == "R5" and d.checks[0].reason.endswith("through GDAP")


@pytest.mark.parametrize("roles", [frozenset(), frozenset({BILLING})])
def test_r5_no_health_role_through_gdap_denied(roles):
    exc = denied("R5", 403, health.check_health_access, partner_user(), roles)
    assert "holds no role that may view service health through GDAP" in exc.reason
    assert exc.facts == {"roles": sorted(roles)}


def test_r5_a_customer_user_reads_its_own_tenant_with_an_admin_role():
    d = allowed(health.check_health_access, customer_user((GA,)), frozenset({GA}))
    assert d.checks[0].reason.endswith("in its own tenant")
    exc = denied("R5", 403, health.check_health_access, customer_user(()), frozenset())
    assert "holds no role that may view service health in its own tenant (has: none)" in exc.reason


def test_r5_via_gdap_names_where_the_roles_come_from():
    """Partner Center reads a partner user's GDAP roles for a customer while the token is the partner's own."""
    caller = partner_user(tenant=PARTNER)
    assert (
        allowed(health.check_health_access, caller, frozenset({SSA}), via_gdap=True)
        .checks[0]
        .reason.endswith("through GDAP")
    )
    assert "through GDAP" in denied("R5", 403, health.check_health_access, caller, frozenset(), via_gdap=True).reason


def test_r5_partner_center_words_every_health_status():
    assert set(health.PC_INCIDENT_STATUS) == set(catalog.SERVICE_HEALTH_STATUSES)
    assert set(health.PC_INCIDENT_STATUS.values()) == {"normal", "information", "warning", "critical"}
    assert health.PC_INCIDENT_STATUS["serviceDegradation"] == "warning"
    assert health.PC_INCIDENT_STATUS["serviceInterruption"] == "critical"


# --- R6: non-technical Azure tickets by the provider only -----------------------------------------------------
@pytest.mark.parametrize("service, kind", list(NON_TECHNICAL_SERVICES.items()))
@pytest.mark.parametrize("types", [{"directProvider"}, {"indirectProvider"}])
def test_r6_the_subscriptions_provider_opens_non_technical_tickets(service, kind, types):
    d = allowed(support.check_non_technical, partner_user(), subscription(), service, types)
    assert d.checks[0].rule == "R6" and d.checks[0].facts["kind"] == kind


@pytest.mark.parametrize("service", [BILLING_SERVICE, SUBSCRIPTION_MANAGEMENT_SERVICE, QUOTA_SERVICE])
@pytest.mark.parametrize("types", [{"indirectReseller"}, {"advisor"}])
def test_r6_reseller_or_advisor_denied(service, types):
    sub = subscription(provider="p-fabrikam", reseller=PARTNER)
    exc = denied("R6", 403, support.check_non_technical, partner_user(), sub, service, types)
    kind = NON_TECHNICAL_SERVICES[service]
    assert exc.reason == (
        f"Only the Azure subscription's provider (direct or indirect provider) can open a {kind} "
        f"ticket for a customer; Northwind Cloud is {next(iter(types))} for this subscription."
    )
    assert exc.facts == {"kind": kind, "provider": "p-fabrikam", "reseller": PARTNER, "relationships": sorted(types)}


def test_r6_a_provider_of_the_customer_but_not_of_this_subscription_denied():
    sub = subscription(provider=OTHER_PARTNER)
    denied("R6", 403, support.check_non_technical, partner_user(), sub, BILLING_SERVICE, {"directProvider"})


def test_r6_the_subscriptions_provider_id_without_a_provider_relationship_denied():
    denied("R6", 403, support.check_non_technical, partner_user(), subscription(), QUOTA_SERVICE, {"advisor"})


def test_r6_technical_tickets_and_own_context_are_not_its_question():
    d = allowed(support.check_non_technical, partner_user(), subscription(), TECHNICAL_SERVICE, {"advisor"})
    assert d.checks[0].reason == "a technical ticket: any partner with access may file it"
    own = subscription(tenant=PARTNER, kind="partner", provider=None, channel="direct")
    d = allowed(support.check_non_technical, partner_user(tenant=PARTNER), own, BILLING_SERVICE, set())
    assert d.checks[0].reason == "filed in the subscription owner's own context"


# --- R7: GDAP and Azure RBAC ---------------------------------------------------------------------------------
WRITE = "Microsoft.Support/supportTickets/write"


@pytest.mark.parametrize("role", ["Owner", "Contributor", "Support Request Contributor"])
def test_r7_rbac_write_roles(role):
    d = allowed(support.check_azure_rbac, partner_user(), subscription(), [{"role": role}], WRITE, True)
    assert d.checks[0].rule == "R7" and d.checks[0].reason.endswith(f"holds {role} on the subscription")


def test_r7_a_reader_reads_but_does_not_write():
    allowed(support.check_azure_rbac, partner_user(), subscription(), [{"role": "Reader"}], "read", False)
    exc = denied("R7", 403, support.check_azure_rbac, partner_user(), subscription(), [{"role": "Reader"}], WRITE, True)
    assert exc.facts == {"assignments": [{"role": "Reader"}]}


def test_r7_no_rbac_denied():
    exc = denied("R7", 403, support.check_azure_rbac, partner_user(), subscription(), [], WRITE, True)
    assert exc.reason == (
        "The client 'admin@northwind.example' does not have authorization to perform action "
        f"'{WRITE}' over scope '/subscriptions/sub-1' or the scope is invalid. It needs one of "
        "Owner, Contributor, Support Request Contributor on the subscription (Azure RBAC)."
    )
    assert exc.facts == {"assignments": []}


def test_r7_gdap_half():
    allowed(support.check_azure_on_behalf, partner_user(), held(SSA))
    denied("R7", 403, support.check_azure_on_behalf, partner_user(), held(READER))
    denied("R7", 403, support.check_azure_on_behalf, partner_user(), None)
    # In its own tenant (a customer's user, or a partner at home) no GDAP is needed.
    for caller in (customer_user(), partner_user(tenant=PARTNER)):
        d = allowed(support.check_azure_on_behalf, caller, None)
        assert d.checks[0].reason == "the caller acts in its own tenant (no GDAP needed)"


# --- R8 / R9: the plan and the partner's contact ---------------------------------------------------------------
@pytest.mark.parametrize("given", [None, "", "Cloud Solution Provider", "csp", "  cloud solution provider ", "CSP"])
def test_r8_the_plan_on_behalf_of_a_customer_is_csp(given):
    d = Decision("test")
    assert support.check_csp_plan(d, given) == "Cloud Solution Provider"
    assert d.checks[0].rule == "R8" and d.checks[0].passed


@pytest.mark.parametrize("given", ["premier:P-1", "azureSupportPlan:ASP-NW-0001", "Basic"])
def test_r8_another_plan_denied(given):
    exc = denied("R8", 400, support.check_csp_plan, given)
    assert exc.reason == f"On behalf of a customer the support plan must be 'Cloud Solution Provider'; got '{given}'."
    assert exc.facts == {"supportPlanId": given}


CUSTOMER_DOMAINS = frozenset({"contoso.onmicrosoft.com", "contoso.com"})


@pytest.mark.parametrize("rule", ["R8", "R9"])
def test_r8_r9_the_partners_contact(rule):
    d = allowed(
        support.check_contact_is_partners,
        rule,
        ["nora@northwind.example", "", "desk@northwind.example"],
        CUSTOMER_DOMAINS,
    )
    assert d.checks[0].rule == rule


@pytest.mark.parametrize("rule", ["R8", "R9"])
@pytest.mark.parametrize(
    "emails, theirs",
    [
        (["it@contoso.com"], "it@contoso.com"),
        (["nora@northwind.example", "IT@Contoso.OnMicrosoft.com"], "IT@Contoso.OnMicrosoft.com"),
    ],
)
def test_r8_r9_the_customers_contact_denied(rule, emails, theirs):
    exc = denied(rule, 400, support.check_contact_is_partners, rule, emails, CUSTOMER_DOMAINS)
    assert exc.reason == (
        f"The contact details must be the partner's, not the customer's: {theirs} is in the customer's domain."
    )
    assert exc.facts == {"emails": emails}


# --- R10: trial vs paid -----------------------------------------------------------------------------------------
NORTHWIND_CONTACT = {
    "name": "Northwind Cloud Support",
    "email": "support@northwind.example",
    "phone": "+1 425-555-0100",
}


def facts(partners_=(("p-northwind", "Northwind Cloud", NORTHWIND_CONTACT),), paid=False, trial=False):
    return CustomerSubscriptionsFacts(list(partners_), direct_paid=paid, direct_trial=trial)


@pytest.mark.parametrize(
    "f, kinds",
    [
        (facts(), ["partner"]),
        (facts(trial=True), ["partner"]),
        (facts(paid=True), ["partner", "microsoft"]),
        (facts(paid=True, trial=True), ["partner", "microsoft"]),
        (facts(partners_=()), ["microsoft"]),
        (facts(partners_=(("p-1", "One", {}), ("p-2", "Two", {}))), ["partner", "partner"]),
    ],
)
def test_r10_support_options(f, kinds):
    options = support.support_options(f)
    assert [o["kind"] for o in options] == kinds
    if kinds[0] == "partner":
        assert options[0]["partnerTenantId"] == f.csp_partners[0][0]
    if f.csp_partners == facts().csp_partners:
        assert options[0] == {
            "kind": "partner",
            "partnerTenantId": "p-northwind",
            "displayName": "Northwind Cloud",
            **NORTHWIND_CONTACT,
        }


def test_r10_a_trial_customer_contacts_its_partner():
    exc = denied("R10", 403, support.check_customer_may_file_with_microsoft, facts(trial=True))
    assert exc.reason == (
        "This organisation gets support from its CSP partner: contact Northwind Cloud "
        "(support@northwind.example +1 425-555-0100). Its Direct subscriptions are trials. "
        "Opening a request with Microsoft needs a paid Direct subscription."
    )
    assert exc.facts == {"partners": [{"id": "p-northwind", "name": "Northwind Cloud", "contact": NORTHWIND_CONTACT}]}


def test_r10_a_paid_customer_or_one_without_partner_files_with_microsoft():
    d = allowed(support.check_customer_may_file_with_microsoft, facts(paid=True, trial=True))
    assert d.checks[0].reason == "the customer has a paid Direct subscription"
    d = allowed(support.check_customer_may_file_with_microsoft, facts(partners_=()))
    assert d.checks[0].reason == "no CSP partner"


# --- R11: marketplace products -----------------------------------------------------------------------------------
TREY = Product(
    "mp-1",
    "Trey Backup",
    "Trey Research",
    Contact("Trey Research", "https://support.trey.example", "help@trey.example", "+1 800-555-0199"),
)


def test_r11_a_microsoft_product_is_not_its_question():
    d = allowed(support.check_marketplace, None)
    assert (d.checks[0].rule, d.checks[0].reason) == ("R11", "not about a marketplace product")


def test_r11_a_marketplace_product_denied_with_the_isvs_contact():
    exc = denied("R11", 400, support.check_marketplace, TREY)
    assert exc.reason == (
        "Microsoft does not provide technical support for the commercial marketplace product "
        "'Trey Backup'. Contact its publisher, Trey Research: url https://support.trey.example, "
        "email help@trey.example, phone +1 800-555-0199."
    )
    assert exc.facts == {
        "product": "Trey Backup",
        "publisher": "Trey Research",
        "contact": {
            "name": "Trey Research",
            "url": "https://support.trey.example",
            "email": "help@trey.example",
            "phone": "+1 800-555-0199",
        },
    }


def test_r11_a_contact_with_only_some_fields():
    exc = denied("R11", 400, support.check_marketplace, Product("mp-2", "Fax", "Fax Co", Contact(email="f@x.example")))
    assert exc.reason.endswith("Contact its publisher, Fax Co: email f@x.example.")
    assert exc.facts["contact"] == {"email": "f@x.example"}


# --- R12: own context ------------------------------------------------------------------------------------------
def test_r12_a_token_for_the_subscriptions_tenant_sees_it():
    d = allowed(support.check_azure_visibility, partner_user(), subscription())
    assert d.checks[0].facts == {"tokenTenant": CUSTOMER, "subscriptionTenant": CUSTOMER}
    own = subscription(tenant=PARTNER, kind="partner", provider=None, channel="direct")
    allowed(support.check_azure_visibility, partner_user(tenant=PARTNER), own)


def test_r12_the_partners_own_token_does_not_see_a_customers_subscription():
    exc = denied("R12", 401, support.check_azure_visibility, partner_user(tenant=PARTNER), subscription())
    assert "the partner's own: signed in directly, a partner acts in its own context" in exc.reason
    assert exc.facts == {"tokenTenant": PARTNER, "subscriptionTenant": CUSTOMER}


@pytest.mark.parametrize("caller", [customer_user(tenant=OTHER_CUSTOMER), partner_user(tenant=OTHER_CUSTOMER)])
def test_r12_a_token_for_another_tenant_is_from_the_wrong_issuer(caller):
    exc = denied("R12", 401, support.check_azure_visibility, caller, subscription())
    assert exc.reason.startswith(
        "The access token is from the wrong issuer: it must match the tenant associated with subscription sub-1."
    )


# --- R13: the partner's own entitlements -----------------------------------------------------------------------
ASP = {"type": "azureSupportPlan", "id": "ASP-NW-0001"}


def test_r13_own_entitlements_are_the_agreement_and_each_recorded_plan():
    assert support.own_entitlements("4810001", [ASP, None, {"type": "premier", "id": "P-9"}]) == {
        "partnerAgreement:4810001",
        "azureSupportPlan:ASP-NW-0001",
        "ASP-NW-0001",
        "premier:P-9",
        "P-9",
    }
    assert support.own_entitlements(None, []) == frozenset()
    assert support.own_entitlements("4810001", [{"type": "csp", "id": "x"}]) == {"partnerAgreement:4810001"}


HELD = support.own_entitlements("4810001", [ASP])


@pytest.mark.parametrize("subject", ["subscription northwind-internal", "tenant (Northwind Cloud)"])
@pytest.mark.parametrize(
    "given, chosen",
    [
        ("azureSupportPlan:ASP-NW-0001", "azureSupportPlan:ASP-NW-0001"),
        ("ASP-NW-0001", "ASP-NW-0001"),
        ("partnerAgreement:4810001", "partnerAgreement:4810001"),
        (None, "partnerAgreement:4810001"),
        ("  ", "partnerAgreement:4810001"),
    ],
)
def test_r13_a_held_entitlement_is_accepted_on_azure_and_m365(subject, given, chosen):
    d = Decision("test")
    assert support.check_own_entitlement(d, subject, given, HELD, "partnerAgreement:4810001") == chosen
    assert [(c.rule, c.passed, c.reason) for c in d.checks] == [("R13", True, f"entitlement {chosen}")]


@pytest.mark.parametrize("subject", ["subscription northwind-internal", "tenant (Northwind Cloud)"])
@pytest.mark.parametrize("given", ["Cloud Solution Provider", "csp", " CSP "])
def test_r13_the_csp_entitlement_does_not_cover_the_partners_own(subject, given):
    exc = denied("R13", 400, support.check_own_entitlement, subject, given, HELD, "partnerAgreement:4810001")
    assert exc.reason == (
        f"The CSP support entitlement does not cover the partner's own {subject}: name a partner "
        "agreement id, a Premier/Unified contract or an Azure support plan."
    )
    assert exc.facts == {"supportPlanId": given.strip()}


@pytest.mark.parametrize("given", ["premier:P-1", "partnerAgreement:4810002", "ASP-OTHER"])
def test_r13_an_entitlement_the_partner_does_not_hold_denied(given):
    exc = denied(
        "R13",
        400,
        support.check_own_entitlement,
        "subscription northwind-internal",
        given,
        HELD,
        "partnerAgreement:4810001",
    )
    assert exc.reason == (
        "A ticket for the partner's own subscription northwind-internal must name a valid support "
        "plan entitlement (azureSupportPlan:ASP-NW-0001, partnerAgreement:4810001); "
        f"'{given}' is not one."
    )
    assert exc.facts == {"supportPlanId": given, "held": sorted(HELD)}


def test_r13_no_entitlement_at_all_denied():
    exc = denied("R13", 400, support.check_own_entitlement, "tenant (Nobody)", None, frozenset(), "partnerAgreement:")
    assert "(none recorded); 'none' is not one." in exc.reason


# --- R14: clouds -------------------------------------------------------------------------------------------------
def test_r14_each_cloud_has_its_prefix_and_its_resources():
    assert set(catalog.CLOUDS) == set(catalog.CLOUD_PREFIX) == set(catalog.RESOURCES) == {"public", "usgov"}
    assert catalog.CLOUD_PREFIX == {"public": "", "usgov": "/usgov"}
    assert catalog.RESOURCES["public"] == {
        "partnercenter": "https://api.partnercenter.microsoft.com",
        "arm": "https://management.azure.com/",
        "graph": "https://graph.microsoft.com",
        "m365admin": "https://admin.microsoft.com",
    }
    assert catalog.RESOURCES["usgov"] == {
        "partnercenter": "https://api.partnercenter.microsoft.us",
        "arm": "https://management.usgovcloudapi.net/",
        "graph": "https://graph.microsoft.us",
        "m365admin": "https://admin.microsoft.us",
    }


@pytest.mark.parametrize("cloud, surface", [(c, s) for c in catalog.CLOUDS for s in catalog.RESOURCES[c]])
def test_r14_an_audience_names_its_cloud(cloud, surface):
    audience = catalog.RESOURCES[cloud][surface]
    for given in (audience, audience.rstrip("/"), audience.rstrip("/") + "/"):
        assert catalog.resource_for(given) == (cloud, surface, audience)
    others = {a.rstrip("/") for c in catalog.CLOUDS if c != cloud for a in catalog.RESOURCES[c].values()}
    assert audience.rstrip("/") not in others


def test_r14_old_arm_audiences_per_cloud():
    assert catalog.resource_for("https://management.core.usgovcloudapi.net/") == (
        "usgov",
        "arm",
        "https://management.usgovcloudapi.net/",
    )
    assert catalog.resource_for("https://management.core.windows.net") == (
        "public",
        "arm",
        "https://management.azure.com/",
    )


def test_role_ids_by_name_or_id():
    assert catalog.role_id("Global Reader") == READER and catalog.role_id(READER) == READER
    assert catalog.role_id("Janitor") is None


# --- GDAP: effective roles (beyond tests/test_domain.py) -----------------------------------------------------------
def rel(
    rid="rel-1",
    status="active",
    end=NOW + timedelta(days=30),
    auto="PT0S",
    roles=(SSA, HELPDESK, READER),
    assignments=(),
):
    return GdapRelationshipFacts(
        rid, f"Rel {rid}", PARTNER, CUSTOMER, status, end, auto, frozenset(roles), tuple(assignments)
    )


def assignment(group="g1", roles=(SSA,), status="active", aid="a1"):
    return AccessAssignmentFacts(aid, group, f"Group {group}", frozenset(roles), status)


@pytest.mark.parametrize("status", ["pending", "deleting", "error"])
def test_an_assignment_not_yet_or_no_longer_active_grants_nothing(status):
    result = effective_roles([rel(assignments=[assignment(status=status)])], {"g1"}, NOW)
    assert result.roles == frozenset() and result.grants == []
    assert result.findings == ["GDAP relationship 'Rel rel-1' has no active access assignment"]


def test_an_expiring_relationship_still_grants_until_its_end():
    """Graph's ``expiring``: in force, nearing its end (it expires, auto-extends and terminates like ``active``)."""
    assert effective_roles([rel(status="expiring", assignments=[assignment()])], {"g1"}, NOW).roles == {SSA}
    ended = effective_roles([rel(status="expiring", end=NOW, assignments=[assignment()])], {"g1"}, NOW)
    assert ended.roles == frozenset() and "is expired since" in ended.denial_reason()


def test_a_relationship_ending_now_is_expired():
    result = effective_roles([rel(end=NOW, assignments=[assignment()])], {"g1"}, NOW)
    assert result.roles == frozenset() and result.findings == [
        "GDAP relationship 'Rel rel-1' (rel-1) is expired since 2026-01-15T09:00:00Z"
    ]


def test_an_auto_extended_relationship_still_grants():
    facts_ = [rel(end=NOW - timedelta(days=1), auto="P180D", assignments=[assignment()])]
    assert effective_roles(facts_, {"g1"}, NOW).roles == {SSA}
    assert effective_status(facts_[0], NOW) == ("active", NOW - timedelta(days=1) + timedelta(days=180))


def test_roles_from_several_relationships_and_groups_with_the_others_findings():
    facts_ = [
        rel("rel-1", assignments=[assignment("g1", (SSA,)), assignment("g2", (READER,), aid="a2")]),
        rel("rel-2", roles=(HELPDESK, GA), assignments=[assignment("g3", (HELPDESK,), aid="a3")]),
        rel("rel-3", status="terminated", roles=(GA,), assignments=[assignment("g1", (GA,), aid="a4")]),
    ]
    result = effective_roles(facts_, {"g1", "g2", "g3"}, NOW)
    assert result.roles == {SSA, READER, HELPDESK}
    assert [(g.relationship_id, g.assignment_id) for g in result.grants] == [
        ("rel-1", "a1"),
        ("rel-1", "a2"),
        ("rel-2", "a3"),
    ]
    assert result.findings == ["GDAP relationship 'Rel rel-3' (rel-3) is terminated"]
    assert result.has_any(frozenset({HELPDESK})) and not result.has_any(frozenset({GA}))


def test_no_findings_means_no_relationship():
    assert EffectiveRoles(frozenset()).denial_reason() == "the partner has no GDAP relationship with this customer"


# --- GDAP: the relationship lifecycle (beyond tests/test_domain.py) --------------------------------------------------
PARTNER_ACTS = {"actor_is_partner": True, "actor_is_customer_global_admin": False, "has_customer": True}
CUSTOMER_ACTS = {"actor_is_partner": False, "actor_is_customer_global_admin": True, "has_customer": True}
NOBODY_ACTS = {"actor_is_partner": False, "actor_is_customer_global_admin": False, "has_customer": True}


@pytest.mark.parametrize(
    "action, status, actor, outcome",
    [
        ("lockForApproval", "created", CUSTOMER_ACTS, Denied),
        ("lockForApproval", "approvalPending", PARTNER_ACTS, Conflict),
        ("approve", "created", CUSTOMER_ACTS, Conflict),
        ("approve", "active", CUSTOMER_ACTS, Conflict),
        ("terminate", "active", CUSTOMER_ACTS, "terminated"),
        ("terminate", "expiring", PARTNER_ACTS, "terminated"),
        ("terminate", "active", NOBODY_ACTS, Denied),
        ("terminate", "terminated", PARTNER_ACTS, Conflict),
        ("extend", "active", PARTNER_ACTS, Invalid),
    ],
)
def test_lifecycle_matrix(action, status, actor, outcome):
    if isinstance(outcome, str):
        assert gdap.next_status(action, status, **actor) == outcome
    else:
        with pytest.raises(outcome):
            gdap.next_status(action, status, **actor)


def test_global_administrator_relationships_cannot_auto_extend():
    gdap.check_auto_extend("PT0S", {GA})
    gdap.check_auto_extend("P0D", {GA})
    gdap.check_auto_extend("P180D", {SSA, HELPDESK})
    with pytest.raises(Invalid, match="cannot auto-extend"):
        gdap.check_auto_extend("P180D", {GA, SSA})


def test_activation_runs_for_the_duration():
    assert gdap.activation(NOW, "P730D") == (NOW, NOW + timedelta(days=730))


def test_an_assignment_holds_only_its_relationships_roles():
    gdap.check_assignment_roles([SSA], [SSA, HELPDESK], "Northwind support")
    with pytest.raises(Invalid, match="roles Global Administrator are not granted by the relationship 'Northwind"):
        gdap.check_assignment_roles([SSA, GA], [SSA, HELPDESK], "Northwind support")


# --- tickets: lifecycle by the world's clock ----------------------------------------------------------------
@pytest.mark.parametrize(
    "severity, minutes", [("minimal", 480), ("moderate", 240), ("critical", 60), ("highestcriticalimpact", 60)]
)
def test_a_new_tickets_life_engineer_then_question_then_seven_days_close_it(severity, minutes):
    respond = timedelta(minutes=minutes)
    steps = lambda now: tickets.due_steps("open", NOW, severity, NOW, False, now)  # noqa: E731
    assert steps(NOW + respond / 2 - timedelta(seconds=1)) == []
    assigned = tickets.Step(NOW + respond / 2, None, None)
    assert steps(NOW + respond / 2) == [assigned]
    asked = tickets.Step(NOW + respond, "attention_needed", tickets.ENGINEER_QUESTION)
    assert steps(NOW + respond) == [assigned, asked]
    closed = tickets.Step(NOW + respond + timedelta(days=7), "closed", tickets.AUTO_CLOSE_NOTE)
    assert steps(NOW + timedelta(days=30)) == [assigned, asked, closed]
    # Once assigned, the engineer's step is not due again; the next due time is the question's.
    assert tickets.next_due("open", NOW, severity, NOW, False) == NOW + respond / 2
    assert tickets.next_due("open", NOW, severity, NOW, True) == NOW + respond
    assert tickets.next_due("closed", NOW, severity, NOW, False) is None


def test_an_answered_ticket_gets_a_follow_up_question():
    reply = NOW + timedelta(days=1)
    assert tickets.due_steps("open", reply, "moderate", NOW, True, reply + timedelta(hours=4), answered=True) == [
        tickets.Step(reply + timedelta(hours=4), "attention_needed", tickets.FOLLOW_UP_QUESTION)
    ]
    assert tickets.due_transitions("attention_needed", NOW, NOW + timedelta(days=7)) == [
        (NOW + timedelta(days=7), "closed", tickets.AUTO_CLOSE_NOTE)
    ]
    assert tickets.due_transitions("closed", NOW, NOW + timedelta(days=30)) == []
    assert tickets.next_transition("closed", NOW) is None


def test_a_tickets_engineer_is_always_the_same_one():
    engineer = tickets.engineer_for("226011500000001")
    assert engineer == tickets.engineer_for("226011500000001")
    assert engineer.email.endswith("@microsoft.com") and " " in engineer.name


@pytest.mark.parametrize(
    "status, answered, shown",
    [
        ("open", False, "Open"),
        ("attention_needed", False, "Open"),
        ("open", True, "Updating"),
        ("closed", False, "Closed"),
    ],
)
def test_azure_shows_the_specs_statuses(status, answered, shown):
    assert tickets.azure_status(status, answered) == shown


@pytest.mark.parametrize("status", ["open", "attention_needed"])
def test_a_note_answers_microsoft(status):
    assert tickets.status_after_note(status) == "open"


def test_a_closed_ticket_takes_no_note():
    with pytest.raises(Conflict):
        tickets.status_after_note("closed")


@pytest.mark.parametrize(
    "current, wanted, outcome",
    [
        ("open", "closed", "closed"),
        ("attention_needed", "closed", "closed"),
        ("closed", "closed", "closed"),
        ("open", "open", "open"),
        ("closed", "open", Conflict),
        ("open", "attention_needed", Invalid),
        ("open", "resolved", Invalid),
    ],
)
def test_status_a_client_may_set(current, wanted, outcome):
    if isinstance(outcome, str):
        assert tickets.check_status_change(current, wanted) == outcome
    else:
        with pytest.raises(outcome):
            tickets.check_status_change(current, wanted)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("highestcriticalimpact", "critical"),
        ("critical", "critical"),
        ("moderate", "moderate"),
        ("minimal", "minimal"),
        ("odd", "unknown"),
    ],
)
def test_partner_center_severity(stored, shown):
    assert tickets.pc_severity(stored) == shown


def test_r14_a_tenant_is_found_only_at_its_own_clouds_endpoints():
    from simulator.domain import catalog
    from simulator.domain.errors import NotFound

    catalog.check_same_cloud("contoso.onmicrosoft.com", "public", "public")
    with pytest.raises(NotFound) as refused:
        catalog.check_same_cloud("humongousgov.onmicrosoft.us", "usgov", "public")
    assert refused.value.rule == "R14" and refused.value.status == 404
