"""Azure Resource Manager surface: subscriptions and Microsoft.Support tickets, with R6, R7, R8, R12, R13, R14.

Every denial is checked for its HTTP status, ARM error code and the rule id in ``error.additionalInfo``, and
for storing nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from simulator.domain import tickets as ticket_rules
from simulator.domain.support_catalog import (
    AZURE_SERVICES,
    BILLING_SERVICE,
    QUOTA_SERVICE,
    SERVICES_BY_ID,
    SUBSCRIPTION_MANAGEMENT_SERVICE,
)
from simulator.store.models import GdapAccessAssignment, RbacAssignment, Ticket
from simulator.worlds import ids

from .personas import ARM_SCOPE, CLI_CLIENT_ID, DOMAINS, PASSWORD, PC_SCOPE, bearer, tid, upn

API = "api-version=2024-04-01"
PROVIDER = "/providers/Microsoft.Support"
USGOV_ARM_SCOPE = "https://management.usgovcloudapi.net/.default"
VM_SERVICE = next(s for s in AZURE_SERVICES if s.display_name == "Virtual Machine running Windows")
SQL_SERVICE = next(s for s in AZURE_SERVICES if s.display_name == "SQL Database")
PARTNER_CONTACT = "support@northwindcloud.onmicrosoft.com"


def sub_id(key: str) -> str:
    return ids.subscription_id(key)


def tickets_path(sub_key: str, name: str = "", prefix: str = "/azure") -> str:
    base = f"{prefix}/subscriptions/{sub_id(sub_key)}{PROVIDER}/supportTickets"
    return f"{base}/{name}" if name else base


def ticket_body(
    service_id: str = VM_SERVICE.id,
    classification: int = 0,
    email: str = PARTNER_CONTACT,
    additional: list[str] | None = None,
    plan: str | None = None,
    **props,
) -> dict:
    service = SERVICES_BY_ID[service_id]
    contact = {
        "firstName": "Nadia",
        "lastName": "Partner",
        "preferredContactMethod": "email",
        "primaryEmailAddress": email,
        "preferredTimeZone": "Pacific Standard Time",
        "country": "usa",
        "preferredSupportLanguage": "en-US",
    }
    if additional is not None:
        contact["additionalEmailAddresses"] = additional
    body = {
        "serviceId": f"{PROVIDER}/services/{service.id}",
        "problemClassificationId": f"{PROVIDER}/services/{service.id}/problemClassifications/"
        f"{service.classifications[classification][0]}",
        "title": f"{service.display_name} issue",
        "description": "Something is not working.",
        "severity": "moderate",
        "advancedDiagnosticConsent": "Yes",
        "contactDetails": contact,
    }
    if plan is not None:
        body["supportPlanId"] = plan
    body.update(props)
    return {"properties": body}


@pytest.fixture
def arm_token(client):
    """An ARM token for ``user`` in ``tenant`` (default: its own); US Government scopes sign in at /usgov/login."""

    def token(user: str, tenant: str | None = None, scope: str = ARM_SCOPE) -> str:
        login = "/usgov/login" if "usgovcloudapi" in scope else "/login"
        response = client.post(
            f"{login}/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": user,
                "password": PASSWORD,
                "scope": scope,
            },
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    return token


@pytest.fixture
def arm(client, arm_token):
    """Call ARM as ``user`` acting in ``tenant`` (a tenant key or domain; default: the user's own)."""

    def call(
        user: str,
        method: str,
        path: str,
        tenant: str | None = None,
        json: dict | None = None,
        api: str | None = API,
        headers: dict | None = None,
        scope: str = ARM_SCOPE,
    ):
        token = arm_token(user, DOMAINS.get(tenant, tenant), scope)
        url = path if api is None else f"{path}{'&' if '?' in path else '?'}{api}"
        return client.open(url, method=method, json=json, headers=bearer(token) | (headers or {}))

    return call


@pytest.fixture
def stored(app):
    """The default world's tickets (rows), straight from the store."""

    def rows():
        with app.extensions["pcsim"].store.session() as session:
            return session.scalars(select(Ticket).where(Ticket.world_id == "default").order_by(Ticket.id)).all()

    return rows


def assert_denied(response, status: int, code: str, rule: str | None, traced: bool = True):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code, body
    if rule:
        info = body["error"]["additionalInfo"][0]
        assert info["type"] == "PcsimRule" and info["info"]["rule"] == rule, body
        if traced:  # the rules looked at, in order, the failing one last
            decision = body["error"]["additionalInfo"][1]
            assert decision["type"] == "PcsimDecision" and decision["info"]["allowed"] is False
            assert decision["info"]["checks"][-1]["rule"] == rule
    return body["error"]


NOTE = {"properties": {"subject": "s", "body": "b"}}
NORTHWIND, WINGTIP, FABRIKAM, TAILSPIN = upn("northwind"), upn("wingtip"), upn("fabrikam"), upn("tailspin")


# --- protocol: api-version, tokens, headers ---------------------------------------------------------------------
def test_api_version_is_required_and_checked(arm):
    path = tickets_path("contoso-prod")
    missing = arm(NORTHWIND, "GET", path, "contoso", api=None)
    assert_denied(missing, 400, "MissingApiVersionParameter", None)
    wrong = arm(NORTHWIND, "GET", path, "contoso", api="api-version=2019-01-01")
    message = assert_denied(wrong, 400, "NoRegisteredProviderFound", None)["message"]
    assert "'2019-01-01' for type 'supportTickets'" in message and "2024-04-01" in message
    for version in (
        "2024-04-01",
        "2023-06-01-preview",
        "2022-09-01-preview",
        "2021-06-01-preview",
        "2020-04-01",
        "2019-05-01-preview",
    ):
        assert arm(NORTHWIND, "GET", path, "contoso", api=f"api-version={version}").status_code == 200
    resources = arm(NORTHWIND, "GET", "/azure/subscriptions", "contoso", api=API)
    assert_denied(resources, 400, "InvalidApiVersionParameter", None)
    assert arm(NORTHWIND, "GET", "/azure/subscriptions", "contoso", api="api-version=2022-12-01").status_code == 200


def test_tokens_are_checked(client, sign_in):
    path = f"{tickets_path('contoso-prod')}?{API}"
    assert_denied(client.get(path), 401, "AuthenticationFailed", None)
    pc_token = sign_in(NORTHWIND, "contoso.onmicrosoft.com", PC_SCOPE)
    response = client.get(path, headers=bearer(pc_token))
    assert "audience" in assert_denied(response, 401, "InvalidAuthenticationToken", None)["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tracing_headers(arm):
    given = arm(
        NORTHWIND,
        "GET",
        tickets_path("contoso-prod"),
        "contoso",
        headers={"x-ms-correlation-request-id": "corr-1", "x-ms-client-request-id": "client-1"},
    )
    assert given.headers["x-ms-correlation-request-id"] == "corr-1"
    assert given.headers["x-ms-client-request-id"] == "client-1"
    assert given.headers["x-ms-request-id"]
    made = arm(NORTHWIND, "GET", tickets_path("alpine-prod"), "contoso")  # an error carries them too
    assert made.headers["x-ms-request-id"] and made.headers["x-ms-correlation-request-id"]


def test_unknown_and_malformed_subscriptions(arm):
    unknown = arm(
        NORTHWIND, "GET", f"/azure/subscriptions/{ids.subscription_id('nope')}{PROVIDER}/supportTickets", "contoso"
    )
    assert_denied(unknown, 404, "SubscriptionNotFound", None)
    m365 = arm(NORTHWIND, "GET", tickets_path("contoso-m365"), "contoso")  # not an Azure subscription
    assert_denied(m365, 404, "SubscriptionNotFound", None)
    malformed = arm(NORTHWIND, "GET", f"/azure/subscriptions/not-a-guid{PROVIDER}/supportTickets", "contoso")
    assert_denied(malformed, 400, "InvalidSubscriptionId", None)
    assert_denied(arm(NORTHWIND, "GET", "/azure/nothing/here", "contoso"), 404, "NotFound", None)


# --- subscriptions ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "user, tenant, owner, expected",
    [
        (NORTHWIND, "contoso", "contoso", ["contoso-prod"]),  # RBAC through Support Engineers
        (WINGTIP, "contoso", "contoso", ["contoso-prod"]),
        (NORTHWIND, "alpine", "alpine", []),  # R7: no RBAC on alpine-prod
        (upn("contoso"), None, "contoso", []),  # the tenant's own Global Administrator: no Azure RBAC role
        (upn("contoso", "user"), None, "contoso", []),  # no role
        (NORTHWIND, None, "northwind", ["northwind-internal"]),  # the partner's own context (R12)
        (FABRIKAM, "woodgrove", "woodgrove", ["woodgrove-prod"]),
    ],
)
def test_subscriptions_the_token_can_see(arm, user, tenant, owner, expected):
    body = arm(user, "GET", "/azure/subscriptions", tenant, api="api-version=2022-12-01").get_json()
    assert [s["displayName"] for s in body["value"]] == expected
    assert body["count"] == {"type": "Total", "value": len(expected)}
    for s, key in zip(body["value"], expected, strict=True):
        assert s["id"] == f"/subscriptions/{sub_id(key)}" and s["subscriptionId"] == sub_id(key)
        assert s["state"] == "Enabled" and s["tenantId"] == tid(owner)


def test_a_global_administrator_sees_a_subscription_only_through_an_rbac_role(arm, client):
    """ARM lists the subscriptions the caller holds an Azure RBAC role on: Entra ID's Global Administrator gives
    none, so Contoso's admin sees its CSP subscription neither in the list nor by id (the rule its tickets use, R7)
    until it is given a role."""
    path = f"/azure/subscriptions/{sub_id('contoso-prod')}"
    read = {"api": "api-version=2022-12-01"}
    assert arm(upn("contoso"), "GET", "/azure/subscriptions", None, **read).get_json()["value"] == []
    assert_denied(arm(upn("contoso"), "GET", path, None, **read), 403, "AuthorizationFailed", None)
    tickets = arm(upn("contoso"), "GET", f"{path}{PROVIDER}/supportTickets", None)
    assert_denied(tickets, 403, "AuthorizationFailed", "R7")
    granted = client.post(
        f"/sim/worlds/default/subscriptions/{sub_id('contoso-prod')}/rbac",
        json={"principal": ids.user_id("contoso", "admin"), "role": "Reader"},
    )
    assert granted.status_code in (200, 201), granted.get_json()
    listed = arm(upn("contoso"), "GET", "/azure/subscriptions", None, **read).get_json()["value"]
    assert [s["subscriptionId"] for s in listed] == [sub_id("contoso-prod")]
    assert arm(upn("contoso"), "GET", path, None, **read).status_code == 200


def test_get_subscription(arm):
    ok = arm(
        NORTHWIND, "GET", f"/azure/subscriptions/{sub_id('contoso-prod')}", "contoso", api="api-version=2022-12-01"
    )
    assert ok.status_code == 200
    assert ok.get_json()["subscriptionId"] == sub_id("contoso-prod")
    assert ok.get_json()["managedByTenants"] == [{"tenantId": tid("northwind")}]
    own = arm(NORTHWIND, "GET", f"/azure/subscriptions/{sub_id('contoso-prod')}", None, api="api-version=2022-12-01")
    assert_denied(own, 401, "InvalidAuthenticationTokenTenant", "R12")
    no_role = arm(
        NORTHWIND, "GET", f"/azure/subscriptions/{sub_id('alpine-prod')}", "alpine", api="api-version=2022-12-01"
    )
    assert_denied(no_role, 403, "AuthorizationFailed", None)


# --- catalogue ----------------------------------------------------------------------------------------------
def test_services_and_problem_classifications(arm):
    services = arm(NORTHWIND, "GET", f"/azure{PROVIDER}/services", "contoso").get_json()["value"]
    assert {s["name"] for s in services} >= {BILLING_SERVICE, QUOTA_SERVICE, SUBSCRIPTION_MANAGEMENT_SERVICE}
    billing = next(s for s in services if s["name"] == BILLING_SERVICE)
    assert billing == {
        "id": f"{PROVIDER}/services/{BILLING_SERVICE}",
        "name": BILLING_SERVICE,
        "type": "Microsoft.Support/services",
        "properties": {"displayName": "Billing", "resourceTypes": []},
    }
    one = arm(NORTHWIND, "GET", f"/azure{PROVIDER}/services/{VM_SERVICE.id}", "contoso").get_json()
    assert one["properties"]["resourceTypes"] == [
        "MICROSOFT.CLASSICCOMPUTE/VIRTUALMACHINES",
        "MICROSOFT.COMPUTE/VIRTUALMACHINES",
    ]
    pcs = arm(
        NORTHWIND, "GET", f"/azure{PROVIDER}/services/{VM_SERVICE.id}/problemClassifications", "contoso"
    ).get_json()["value"]
    assert [p["name"] for p in pcs] == [pid for pid, _ in VM_SERVICE.classifications]
    assert pcs[0]["type"] == "Microsoft.Support/problemClassifications"
    got = arm(NORTHWIND, "GET", pcs[0]["id"].replace("/providers", "/azure/providers", 1), "contoso").get_json()
    assert got == pcs[0]
    assert_denied(
        arm(NORTHWIND, "GET", f"/azure{PROVIDER}/services/{ids.stable_id('x', 'y')}", "contoso"),
        404,
        "ResourceNotFound",
        None,
    )
    operations = arm(NORTHWIND, "GET", f"/azure{PROVIDER}/operations", "contoso").get_json()["value"]
    assert "Microsoft.Support/supportTickets/write" in {o["name"] for o in operations}


# --- creating a ticket on behalf of a customer ------------------------------------------------------------------
def test_partner_files_a_technical_ticket_for_a_customer(arm, stored):
    response = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "vm-down"), "contoso", ticket_body())
    assert response.status_code == 200, response.get_json()
    ticket = response.get_json()
    props = ticket["properties"]
    assert ticket["id"] == f"/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/supportTickets/vm-down"
    assert ticket["name"] == "vm-down" and ticket["type"] == "Microsoft.Support/supportTickets"
    assert "provisioningState" not in props
    assert props["status"] == "Open" and props["severity"] == "moderate"
    assert props["supportPlanType"] == "Cloud Solution Provider"
    assert props["serviceDisplayName"] == "Virtual Machine running Windows"
    assert props["problemClassificationDisplayName"] == VM_SERVICE.classifications[0][1]
    assert props["contactDetails"]["primaryEmailAddress"] == PARTNER_CONTACT
    assert props["serviceLevelAgreement"]["slaMinutes"] == 240
    assert props["supportTicketId"].isdigit() and len(props["supportTicketId"]) == 15
    [row] = stored()
    assert (
        row.origin,
        row.name,
        row.tenant_id,
        row.customer_id,
        row.partner_id,
        row.subscription_id,
        row.workload,
    ) == ("azure", "vm-down", tid("contoso"), tid("contoso"), tid("northwind"), sub_id("contoso-prod"), "azure")
    assert row.topic_id == body_pc(ticket_body()) and row.service_id == f"{PROVIDER}/services/{VM_SERVICE.id}"
    assert row.support_plan == "Cloud Solution Provider" and row.contact["primaryEmailAddress"] == PARTNER_CONTACT
    assert row.details["advancedDiagnosticConsent"] == "Yes" and row.created_by == NORTHWIND
    got = arm(NORTHWIND, "GET", tickets_path("contoso-prod", "vm-down"), "contoso")
    assert got.status_code == 200 and got.get_json() == ticket


def body_pc(body: dict) -> str:
    return body["properties"]["problemClassificationId"]


# R6 ---------------------------------------------------------------------------------------------------------
NON_TECHNICAL = [BILLING_SERVICE, SUBSCRIPTION_MANAGEMENT_SERVICE, QUOTA_SERVICE]


@pytest.mark.parametrize("service", NON_TECHNICAL)
def test_r6_advisor_cannot_file_non_technical(arm, stored, service):
    denied = arm(
        WINGTIP,
        "PUT",
        tickets_path("contoso-prod", "bill"),
        "contoso",
        ticket_body(service, email="help@wingtipadvisory.onmicrosoft.com"),
    )
    error = assert_denied(denied, 403, "NonTechnicalTicketRequiresProvider", "R6")
    assert error["additionalInfo"][0]["info"]["relationships"] == ["advisor"]
    assert stored() == []


def test_r6_advisor_files_technical(arm, stored):
    allowed = arm(
        WINGTIP,
        "PUT",
        tickets_path("contoso-prod", "tech"),
        "contoso",
        ticket_body(email="help@wingtipadvisory.onmicrosoft.com"),
    )
    assert allowed.status_code == 200, allowed.get_json()
    assert [r.partner_id for r in stored()] == [tid("wingtip")]


def test_r6_direct_provider_files_billing(arm, stored):
    allowed = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "bill"), "contoso", ticket_body(BILLING_SERVICE))
    assert allowed.status_code == 200, allowed.get_json()
    assert allowed.get_json()["properties"]["serviceDisplayName"] == "Billing"
    assert len(stored()) == 1


@pytest.mark.parametrize("service", [BILLING_SERVICE, QUOTA_SERVICE])
def test_r6_indirect_provider_yes_indirect_reseller_no(arm, stored, service):
    denied = arm(
        TAILSPIN,
        "PUT",
        tickets_path("woodgrove-prod", "t"),
        "woodgrove",
        ticket_body(service, email="desk@tailspinit.onmicrosoft.com"),
    )
    error = assert_denied(denied, 403, "NonTechnicalTicketRequiresProvider", "R6")
    assert error["additionalInfo"][0]["info"]["relationships"] == ["indirectReseller"]
    assert stored() == []
    allowed = arm(
        FABRIKAM,
        "PUT",
        tickets_path("woodgrove-prod", "f"),
        "woodgrove",
        ticket_body(service, email="desk@fabrikamdist.onmicrosoft.com"),
    )
    assert allowed.status_code == 200, allowed.get_json()
    technical = arm(
        TAILSPIN,
        "PUT",
        tickets_path("woodgrove-prod", "t"),
        "woodgrove",
        ticket_body(email="desk@tailspinit.onmicrosoft.com"),
    )
    assert technical.status_code == 200, technical.get_json()
    assert [(r.name, r.partner_id) for r in stored()] == [("f", tid("fabrikam")), ("t", tid("tailspin"))]


# R7 ---------------------------------------------------------------------------------------------------------
def test_r7_rbac_is_required(arm, stored):
    denied = arm(NORTHWIND, "PUT", tickets_path("alpine-prod", "x"), "alpine", ticket_body())
    error = assert_denied(denied, 403, "AuthorizationFailed", "R7")
    assert "'Microsoft.Support/supportTickets/write'" in error["message"]
    assert f"/subscriptions/{sub_id('alpine-prod')}" in error["message"]
    assert error["additionalInfo"][0]["info"]["assignments"] == []
    read = arm(NORTHWIND, "GET", tickets_path("alpine-prod"), "alpine")
    assert "'Microsoft.Support/supportTickets/read'" in assert_denied(read, 403, "AuthorizationFailed", "R7")["message"]
    assert stored() == []
    allowed = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "x"), "contoso", ticket_body())
    assert allowed.status_code == 200
    assert len(stored()) == 1


def test_r7_reader_reads_but_does_not_write(app, arm, stored):
    with app.extensions["pcsim"].store.session() as session:
        session.execute(
            update(RbacAssignment)
            .where(
                RbacAssignment.world_id == "default",
                RbacAssignment.subscription_id == sub_id("contoso-prod"),
                RbacAssignment.principal_id == ids.group_id("northwind", "support-engineers"),
            )
            .values(role="Reader")
        )
    assert arm(NORTHWIND, "GET", tickets_path("contoso-prod"), "contoso").status_code == 200
    denied = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "x"), "contoso", ticket_body())
    error = assert_denied(denied, 403, "AuthorizationFailed", "R7")
    assert error["additionalInfo"][0]["info"]["assignments"][0]["role"] == "Reader"
    assert stored() == []


def test_r7_customer_global_admin_needs_rbac_too(arm, stored):
    denied = arm(
        upn("contoso"),
        "PUT",
        tickets_path("contoso-prod", "x"),
        None,
        ticket_body(email="admin@contoso.onmicrosoft.com"),
    )
    assert_denied(denied, 403, "AuthorizationFailed", "R7")
    assert_denied(arm(upn("contoso"), "GET", tickets_path("contoso-prod"), None), 403, "AuthorizationFailed", "R7")
    assert stored() == []


def test_r7_gdap_support_role_is_required(app, arm, arm_token, client, stored):
    token = arm_token(NORTHWIND, "contoso.onmicrosoft.com")
    path = f"{tickets_path('contoso-prod', 'x')}?{API}"
    assert client.put(path, json=ticket_body(), headers=bearer(token)).status_code == 200
    # The support roles' access assignment goes away; the token (and its Global Reader) stays, RBAC stays.
    with app.extensions["pcsim"].store.session() as session:
        session.execute(
            update(GdapAccessAssignment)
            .where(
                GdapAccessAssignment.world_id == "default",
                GdapAccessAssignment.relationship_id == ids.gdap_relationship_id("contoso", "northwind-support"),
                GdapAccessAssignment.group_id == ids.group_id("northwind", "support-engineers"),
            )
            .values(status="deleted")
        )
    denied = client.put(path.replace("/x?", "/y?"), json=ticket_body(), headers=bearer(token))
    error = assert_denied(denied, 403, "AuthorizationFailed", "R7")
    assert "Global Reader" in error["message"] and "do not allow support tickets" in error["message"]
    checks = [c["rule"] for c in error["additionalInfo"][1]["info"]["checks"]]
    assert checks == ["R12", "R7"]  # the GDAP half, before RBAC
    assert [r.name for r in stored()] == ["x"]


# R8 ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("plan", [None, "Cloud Solution Provider", "csp"])
def test_r8_csp_plan_allowed(arm, stored, plan):
    response = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "p"), "contoso", ticket_body(plan=plan))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["supportPlanType"] == "Cloud Solution Provider"
    assert stored()[0].support_plan == "Cloud Solution Provider"


@pytest.mark.parametrize("plan", ["Premier", "azureSupportPlan:ASP-NW-0001", "unified:U-1"])
def test_r8_other_plans_refused_on_behalf_of_a_customer(arm, stored, plan):
    denied = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "p"), "contoso", ticket_body(plan=plan))
    error = assert_denied(denied, 400, "CspSupportPlanRequired", "R8")
    assert error["target"] == "properties.supportPlanId"
    assert error["additionalInfo"][0]["info"]["supportPlanId"] == plan
    assert stored() == []


@pytest.mark.parametrize(
    "email, additional",
    [
        ("it@contoso.com", None),  # the customer's custom domain
        ("admin@contoso.onmicrosoft.com", None),
        (PARTNER_CONTACT, ["cto@CONTOSO.onmicrosoft.com"]),  # an additional address counts too
    ],
)
def test_r8_contact_must_be_the_partners(arm, stored, email, additional):
    denied = arm(
        NORTHWIND, "PUT", tickets_path("contoso-prod", "c"), "contoso", ticket_body(email=email, additional=additional)
    )
    error = assert_denied(denied, 400, "PartnerContactRequired", "R8")
    assert "customer's domain" in error["message"]
    assert stored() == []


def test_r8_partner_contact_allowed_and_kept_on_update(arm, stored):
    allowed = arm(
        NORTHWIND,
        "PUT",
        tickets_path("contoso-prod", "c"),
        "contoso",
        ticket_body(additional=["oncall@northwindcloud.onmicrosoft.com"]),
    )
    assert allowed.status_code == 200, allowed.get_json()
    patched = arm(
        NORTHWIND,
        "PATCH",
        tickets_path("contoso-prod", "c"),
        "contoso",
        {"contactDetails": {"primaryEmailAddress": "it@contoso.com"}},
    )
    assert_denied(patched, 400, "PartnerContactRequired", "R8")
    assert stored()[0].contact["primaryEmailAddress"] == PARTNER_CONTACT
    fine = arm(
        NORTHWIND,
        "PATCH",
        tickets_path("contoso-prod", "c"),
        "contoso",
        {"contactDetails": {"primaryEmailAddress": "oncall@northwindcloud.onmicrosoft.com"}},
    )
    assert fine.status_code == 200
    assert (
        fine.get_json()["properties"]["contactDetails"]["primaryEmailAddress"]
        == "oncall@northwindcloud.onmicrosoft.com"
    )
    assert fine.get_json()["properties"]["contactDetails"]["firstName"] == "Nadia"


# R12 --------------------------------------------------------------------------------------------------------
def test_r12_partner_own_context_does_not_see_customer_subscriptions(arm, stored):
    own = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "x"), None, ticket_body())
    error = assert_denied(own, 401, "InvalidAuthenticationTokenTenant", "R12")
    info = error["additionalInfo"][0]["info"]
    assert "/explain/" in info.pop("explain")
    assert info == {"rule": "R12", "tokenTenant": tid("northwind"), "subscriptionTenant": tid("contoso")}
    assert "own context" in error["message"]
    assert own.headers["WWW-Authenticate"].startswith("Bearer")
    assert_denied(
        arm(NORTHWIND, "GET", tickets_path("contoso-prod"), None), 401, "InvalidAuthenticationTokenTenant", "R12"
    )
    other = arm(upn("alpine"), "GET", tickets_path("contoso-prod"), None)  # another customer's token
    assert_denied(other, 401, "InvalidAuthenticationTokenTenant", "R12")
    assert stored() == []
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "x"), "contoso", ticket_body()).status_code == 200


# R13 --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "plan, stored_plan, plan_type",
    [
        (None, "azureSupportPlan:ASP-NW-0001", "Azure support plan"),
        ("azureSupportPlan:ASP-NW-0001", "azureSupportPlan:ASP-NW-0001", "Azure support plan"),
        ("ASP-NW-0001", "ASP-NW-0001", "ASP-NW-0001"),
        ("partnerAgreement:4810001", "partnerAgreement:4810001", "Partner agreement"),
    ],
)
def test_r13_own_subscription_with_an_entitlement(arm, stored, plan, stored_plan, plan_type):
    response = arm(NORTHWIND, "PUT", tickets_path("northwind-internal", "own"), None, ticket_body(plan=plan))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["supportPlanType"] == plan_type
    [row] = stored()
    assert (row.tenant_id, row.customer_id, row.partner_id, row.support_plan) == (
        tid("northwind"),
        None,
        tid("northwind"),
        stored_plan,
    )


@pytest.mark.parametrize("plan", ["Cloud Solution Provider", "azureSupportPlan:ASP-OTHER", "premier:P-1"])
def test_r13_csp_or_unknown_entitlement_refused(arm, stored, plan):
    denied = arm(NORTHWIND, "PUT", tickets_path("northwind-internal", "own"), None, ticket_body(plan=plan))
    error = assert_denied(denied, 400, "InvalidSupportPlanEntitlement", "R13")
    assert error["additionalInfo"][0]["info"]["supportPlanId"] == plan
    assert stored() == []


def test_r13_billing_on_own_subscription_is_not_r6(arm):
    response = arm(NORTHWIND, "PUT", tickets_path("northwind-internal", "own"), None, ticket_body(BILLING_SERVICE))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["supportPlanType"] == "Azure support plan"


# R14 --------------------------------------------------------------------------------------------------------
def test_r14_us_government_cloud(arm, client, arm_token, stored):
    relecloud = upn("relecloud")
    path = tickets_path("humongous-gov", "gov", prefix="/usgov/azure")
    created = arm(
        relecloud,
        "PUT",
        path,
        "humongous",
        ticket_body(email="support@relecloudgov.onmicrosoft.us"),
        scope=USGOV_ARM_SCOPE,
    )
    assert created.status_code == 200, created.get_json()
    assert created.get_json()["id"].startswith(f"/subscriptions/{sub_id('humongous-gov')}/")
    subs = arm(
        relecloud, "GET", "/usgov/azure/subscriptions", "humongous", api="api-version=2022-12-01", scope=USGOV_ARM_SCOPE
    ).get_json()["value"]
    assert [s["displayName"] for s in subs] == ["humongous-gov"]
    assert subs[0]["subscriptionPolicies"]["locationPlacementId"] == "USGov_2014-09-01"
    # A US Government token on the public ARM: wrong audience.
    gov_token = arm_token(relecloud, "humongousgov.onmicrosoft.us", USGOV_ARM_SCOPE)
    public = client.get(f"{tickets_path('humongous-gov')}?{API}", headers=bearer(gov_token))
    assert_denied(public, 401, "InvalidAuthenticationToken", None)
    # The public cloud does not know the US Government subscription.
    not_here = arm(NORTHWIND, "GET", tickets_path("humongous-gov"), "contoso")
    assert_denied(not_here, 404, "SubscriptionNotFound", "R14", traced=False)
    assert [r.name for r in stored()] == ["gov"]


# --- validation -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mutate, target",
    [
        (lambda b: b["properties"].pop("title"), "properties.title"),
        (lambda b: b["properties"].pop("serviceId"), "properties.serviceId"),
        (lambda b: b["properties"].pop("description"), "properties.description"),
        (lambda b: b["properties"].pop("problemClassificationId"), "properties.problemClassificationId"),
        (lambda b: b["properties"].pop("contactDetails"), "properties.contactDetails"),
        (lambda b: b["properties"].pop("advancedDiagnosticConsent"), "properties.advancedDiagnosticConsent"),
        (
            lambda b: b["properties"]["contactDetails"].pop("primaryEmailAddress"),
            "properties.contactDetails.primaryEmailAddress",
        ),
        (lambda b: b["properties"]["contactDetails"].pop("country"), "properties.contactDetails.country"),
        (lambda b: b["properties"].update(severity="urgent"), "properties.severity"),
        (
            lambda b: b["properties"]["contactDetails"].update(primaryEmailAddress="nope"),
            "properties.contactDetails.primaryEmailAddress",
        ),
        (
            lambda b: b["properties"]["contactDetails"].update(preferredContactMethod="phone"),
            "properties.contactDetails.phoneNumber",
        ),
        (lambda b: b.pop("properties"), "properties"),
    ],
)
def test_body_validation_names_the_property(arm, stored, mutate, target):
    body = ticket_body()
    mutate(body)
    response = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "v"), "contoso", body)
    error = assert_denied(response, 400, "InvalidParameter", None)
    assert error["target"] == target and target in error["message"]
    assert stored() == []


def test_problem_classification_must_belong_to_the_service(arm, stored):
    body = ticket_body()
    body["properties"]["problemClassificationId"] = ticket_body(SQL_SERVICE.id)["properties"]["problemClassificationId"]
    error = assert_denied(
        arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "v"), "contoso", body), 400, "InvalidParameter", None
    )
    assert error["target"] == "properties.problemClassificationId" and VM_SERVICE.display_name in error["message"]
    body["properties"]["serviceId"] = f"{PROVIDER}/services/{ids.stable_id('x', 'y')}"
    error = assert_denied(
        arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "v"), "contoso", body), 400, "InvalidParameter", None
    )
    assert error["target"] == "properties.serviceId"
    assert stored() == []


def test_enums_are_case_insensitive_and_legacy_version_lacks_consent(arm):
    body = ticket_body(severity="Critical", advancedDiagnosticConsent="yes")
    response = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "a"), "contoso", body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["severity"] == "critical"
    assert response.get_json()["properties"]["advancedDiagnosticConsent"] == "Yes"
    legacy = ticket_body()
    legacy["properties"].pop("advancedDiagnosticConsent")
    assert (
        arm(
            NORTHWIND, "PUT", tickets_path("contoso-prod", "b"), "contoso", legacy, api="api-version=2020-04-01"
        ).status_code
        == 200
    )


def test_names_are_unique_per_subscription(arm, stored):
    check = f"/azure/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/checkNameAvailability"
    free = arm(NORTHWIND, "POST", check, "contoso", {"name": "dup", "type": "Microsoft.Support/supportTickets"})
    assert free.get_json() == {"nameAvailable": True}
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "dup"), "contoso", ticket_body()).status_code == 200
    taken = arm(NORTHWIND, "POST", check, "contoso", {"name": "DUP", "type": "Microsoft.Support/supportTickets"})
    assert taken.get_json()["nameAvailable"] is False
    again = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "dup"), "contoso", ticket_body())
    assert "already exists" in assert_denied(again, 409, "Conflict", None)["message"]
    # The same name on another subscription is another ticket.
    assert (
        arm(
            FABRIKAM,
            "PUT",
            tickets_path("woodgrove-prod", "dup"),
            "woodgrove",
            ticket_body(email="desk@fabrikamdist.onmicrosoft.com"),
        ).status_code
        == 200
    )
    assert len(stored()) == 2


# --- listing -------------------------------------------------------------------------------------------------
def test_list_top_paging_and_filters(arm, advance_clock):
    for i in range(5):
        service = BILLING_SERVICE if i % 2 else VM_SERVICE.id
        assert (
            arm(NORTHWIND, "PUT", tickets_path("contoso-prod", f"t{i}"), "contoso", ticket_body(service)).status_code
            == 200
        )
        advance_clock(timedelta(hours=1))
    listing = arm(NORTHWIND, "GET", tickets_path("contoso-prod"), "contoso").get_json()
    assert [t["name"] for t in listing["value"]] == ["t4", "t3", "t2", "t1", "t0"] and "nextLink" not in listing
    seen, url = [], f"{tickets_path('contoso-prod')}?$top=2"
    while url:
        page = arm(
            NORTHWIND, "GET", url.replace("http://localhost", ""), "contoso", api=None if "api-version" in url else API
        ).get_json()
        assert len(page["value"]) <= 2
        seen += [t["name"] for t in page["value"]]
        url = page.get("nextLink")
    assert seen == ["t4", "t3", "t2", "t1", "t0"]

    def names(flt: str) -> list[str]:
        response = arm(NORTHWIND, "GET", f"{tickets_path('contoso-prod')}?$filter={flt}", "contoso")
        assert response.status_code == 200, response.get_json()
        return [t["name"] for t in response.get_json()["value"]]

    assert names(f"ServiceId eq '{PROVIDER}/services/{BILLING_SERVICE}'") == ["t3", "t1"]
    assert names(f"serviceId eq '{BILLING_SERVICE}' and Status eq 'Open'") == ["t3", "t1"]
    pc = body_pc(ticket_body())
    assert names(f"ProblemClassificationId eq '{pc}'") == ["t4", "t2", "t0"]
    assert names("CreatedDate ge 2026-01-15T11:00:00Z") == ["t4", "t3", "t2"]
    assert names("CreatedDate gt 2026-01-15T11:00:00Z and Status eq 'Open'") == ["t4", "t3"]
    assert names("Status eq 'Closed'") == []
    bad = arm(NORTHWIND, "GET", f"{tickets_path('contoso-prod')}?$filter=Title eq 'x'", "contoso")
    assert assert_denied(bad, 400, "InvalidParameter", None)["target"] == "$filter"
    assert_denied(
        arm(NORTHWIND, "GET", f"{tickets_path('contoso-prod')}?$top=101", "contoso"), 400, "InvalidParameter", None
    )


# --- update, close, communications ------------------------------------------------------------------------------
def test_update_severity_close_and_no_reopen(arm, stored):
    path = tickets_path("contoso-prod", "u")
    assert arm(NORTHWIND, "PUT", path, "contoso", ticket_body()).status_code == 200
    patched = arm(NORTHWIND, "PATCH", path, "contoso", {"severity": "critical"})
    assert patched.status_code == 200 and patched.get_json()["properties"]["severity"] == "critical"
    assert patched.get_json()["properties"]["serviceLevelAgreement"]["slaMinutes"] == 60
    closed = arm(NORTHWIND, "PATCH", path, "contoso", {"status": "closed"})
    assert closed.get_json()["properties"]["status"] == "Closed"
    assert stored()[0].status == "closed" and stored()[0].closed_at is not None
    reopen = arm(NORTHWIND, "PATCH", path, "contoso", {"status": "open"})
    assert_denied(reopen, 409, "Conflict", None)
    assert_denied(arm(NORTHWIND, "PATCH", path, "contoso", {"severity": "minimal"}), 400, "BadRequest", None)
    assert_denied(arm(NORTHWIND, "PATCH", path, "contoso", {"status": "pending"}), 400, "InvalidParameter", None)
    assert (
        arm(NORTHWIND, "GET", f"{tickets_path('contoso-prod')}?$filter=Status eq 'Closed'", "contoso").get_json()[
            "value"
        ][0]["name"]
        == "u"
    )
    assert_denied(
        arm(NORTHWIND, "PATCH", tickets_path("contoso-prod", "missing"), "contoso", {"severity": "minimal"}),
        404,
        "ResourceNotFound",
        None,
    )


def test_updates_need_write_rbac(app, arm):
    path = tickets_path("contoso-prod", "u")
    assert arm(NORTHWIND, "PUT", path, "contoso", ticket_body()).status_code == 200
    with app.extensions["pcsim"].store.session() as session:
        session.execute(
            delete(RbacAssignment).where(
                RbacAssignment.world_id == "default",
                RbacAssignment.subscription_id == sub_id("contoso-prod"),
                RbacAssignment.principal_id == ids.group_id("northwind", "support-engineers"),
            )
        )
    assert_denied(arm(NORTHWIND, "PATCH", path, "contoso", {"severity": "critical"}), 403, "AuthorizationFailed", "R7")
    comm = arm(NORTHWIND, "PUT", f"{path}/communications/c1", "contoso", NOTE)
    assert_denied(comm, 403, "AuthorizationFailed", "R7")


def test_communications(arm, advance_clock, stored):
    path = tickets_path("contoso-prod", "comm")
    assert arm(NORTHWIND, "PUT", path, "contoso", ticket_body()).status_code == 200
    assert arm(NORTHWIND, "GET", f"{path}/communications", "contoso").get_json() == {"value": []}
    check = arm(
        NORTHWIND,
        "POST",
        f"{path}/checkNameAvailability",
        "contoso",
        {"name": "first", "type": "Microsoft.Support/communications"},
    )
    assert check.get_json() == {"nameAvailable": True}
    created = arm(
        NORTHWIND,
        "PUT",
        f"{path}/communications/first",
        "contoso",
        {"properties": {"subject": "More logs", "body": "Attached the boot diagnostics."}},
    )
    assert created.status_code == 200, created.get_json()
    comm = created.get_json()
    assert comm["id"] == f"/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/supportTickets/comm/communications/first"
    assert comm["type"] == "Microsoft.Support/communications"
    assert comm["properties"] | {"createdDate": None} == {
        "communicationType": "web",
        "communicationDirection": "outbound",
        "sender": NORTHWIND,
        "subject": "More logs",
        "body": "Attached the boot diagnostics.",
        "createdDate": None,
    }
    assert arm(NORTHWIND, "GET", f"{path}/communications/first", "contoso").get_json() == comm
    dup = arm(NORTHWIND, "PUT", f"{path}/communications/first", "contoso", NOTE)
    assert_denied(dup, 409, "Conflict", None)
    missing = arm(NORTHWIND, "PUT", f"{path}/communications/second", "contoso", {"properties": {"subject": "s"}})
    assert assert_denied(missing, 400, "InvalidParameter", None)["target"] == "properties.body"
    # A day later Microsoft Support asks a question: an inbound communication from the ticket's engineer; the
    # ticket is still "Open" (waiting for the customer).
    advance_clock(timedelta(days=1, minutes=1))
    listing = arm(NORTHWIND, "GET", f"{path}/communications", "contoso").get_json()["value"]
    assert [c["properties"]["communicationDirection"] for c in listing] == ["inbound", "outbound"]
    assert listing[0]["properties"]["sender"] == ticket_rules.engineer_for(stored()[0].id).email
    assert stored()[0].status == "attention_needed"
    assert arm(NORTHWIND, "GET", path, "contoso").get_json()["properties"]["status"] == "Open"
    reply = arm(
        NORTHWIND,
        "PUT",
        f"{path}/communications/reply",
        "contoso",
        {"properties": {"subject": "RE", "body": "It started at 08:00 UTC."}},
    )
    assert reply.status_code == 200
    assert stored()[0].status == "open"
    # A closed ticket takes no more communications.
    arm(NORTHWIND, "PATCH", path, "contoso", {"status": "closed"})
    late = arm(NORTHWIND, "PUT", f"{path}/communications/late", "contoso", NOTE)
    assert_denied(late, 400, "BadRequest", None)


# --- tenant scope (no subscription) -----------------------------------------------------------------------------
def test_tenant_level_tickets(arm, stored):
    path = f"/azure{PROVIDER}/supportTickets"
    billing = arm(NORTHWIND, "PUT", f"{path}/tb", "contoso", ticket_body(BILLING_SERVICE))
    assert billing.status_code == 200, billing.get_json()
    assert billing.get_json()["id"] == f"{PROVIDER}/supportTickets/tb"
    technical = arm(NORTHWIND, "PUT", f"{path}/tt", "contoso", ticket_body())
    assert assert_denied(technical, 400, "BadRequest", None)["target"] == "properties.serviceId"
    advisor = arm(
        WINGTIP,
        "PUT",
        f"{path}/tw",
        "contoso",
        ticket_body(BILLING_SERVICE, email="help@wingtipadvisory.onmicrosoft.com"),
    )
    assert_denied(advisor, 403, "NonTechnicalTicketRequiresProvider", "R6")
    customer_contact = arm(
        NORTHWIND, "PUT", f"{path}/tc", "contoso", ticket_body(BILLING_SERVICE, email="a@contoso.com")
    )
    assert_denied(customer_contact, 400, "PartnerContactRequired", "R8")
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "sub"), "contoso", ticket_body()).status_code == 200
    listed = arm(NORTHWIND, "GET", path, "contoso").get_json()["value"]
    assert [t["name"] for t in listed] == ["tb"]  # the subscription's ticket is not a tenant-level one
    assert arm(NORTHWIND, "GET", path, "alpine").get_json()["value"] == []
    assert arm(NORTHWIND, "GET", f"{path}/tb", "contoso").get_json()["properties"]["status"] == "Open"
    comm = arm(NORTHWIND, "PUT", f"{path}/tb/communications/n1", "contoso", NOTE)
    assert comm.status_code == 200
    assert comm.get_json()["id"] == f"{PROVIDER}/supportTickets/tb/communications/n1"
    assert [(r.name, r.subscription_id) for r in stored()] == [("tb", None), ("sub", sub_id("contoso-prod"))]
    check = arm(
        NORTHWIND,
        "POST",
        f"/azure{PROVIDER}/checkNameAvailability",
        "contoso",
        {"name": "tb", "type": "Microsoft.Support/supportTickets"},
    )
    assert check.get_json()["nameAvailable"] is False


def test_tenant_level_on_partner_own_tenant_needs_entitlement(arm, stored):
    path = f"/azure{PROVIDER}/supportTickets"
    denied = arm(NORTHWIND, "PUT", f"{path}/own", None, ticket_body(BILLING_SERVICE, plan="Cloud Solution Provider"))
    assert_denied(denied, 400, "InvalidSupportPlanEntitlement", "R13")
    assert stored() == []
    assert arm(NORTHWIND, "PUT", f"{path}/own", None, ticket_body(BILLING_SERVICE)).status_code == 200
    assert stored()[0].support_plan == "azureSupportPlan:ASP-NW-0001"


# --- x-ms-authorization-auxiliary --------------------------------------------------------------------------------
def test_auxiliary_token_must_be_the_partner_tenants(arm, arm_token, stored):
    path = tickets_path("contoso-prod", "aux")
    own = arm_token(NORTHWIND)  # the partner's own tenant
    good = arm(
        NORTHWIND, "PUT", path, "contoso", ticket_body(), headers={"x-ms-authorization-auxiliary": f"Bearer {own}"}
    )
    assert good.status_code == 200, good.get_json()
    customer = arm_token(NORTHWIND, "contoso.onmicrosoft.com")
    wrong = arm(NORTHWIND, "GET", path, "contoso", headers={"x-ms-authorization-auxiliary": f"Bearer {customer}"})
    assert tid("northwind") in assert_denied(wrong, 401, "InvalidAuxiliaryAuthenticationToken", None)["message"]
    garbage = arm(NORTHWIND, "GET", path, "contoso", headers={"x-ms-authorization-auxiliary": "Bearer abc"})
    assert_denied(garbage, 401, "InvalidAuxiliaryAuthenticationToken", None)
    other_partner = arm_token(FABRIKAM)
    denied = arm(
        NORTHWIND,
        "PUT",
        tickets_path("contoso-prod", "aux2"),
        "contoso",
        ticket_body(),
        headers={"x-ms-authorization-auxiliary": f"Bearer {other_partner}"},
    )
    assert_denied(denied, 401, "InvalidAuxiliaryAuthenticationToken", None)
    assert [r.name for r in stored()] == ["aux"]


def test_openapi_documents_the_surface(client):
    spec = client.get("/docs/azure/openapi.json").get_json()
    paths = spec["paths"]
    assert "/azure/subscriptions/{subscription_id}/providers/Microsoft.Support/supportTickets/{ticket_name}" in paths
    assert "/azure/providers/Microsoft.Support/supportTickets" in paths
    put = paths["/azure/subscriptions/{subscription_id}/providers/Microsoft.Support/supportTickets/{ticket_name}"][
        "put"
    ]
    assert {p["name"] for p in put["parameters"]} >= {"api-version", "x-ms-authorization-auxiliary"}
    assert "requestBody" in put
