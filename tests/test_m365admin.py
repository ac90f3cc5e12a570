"""Microsoft 365 admin support (pcsim's own API): options (R10), categories with "More..." (R9), service
requests filed by a partner through GDAP (R1, R2, R9, R11) or by a customer's admin (R10, R11), the partner's own
context (R12, R13), the clock moving tickets, and the US Government cloud (R14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from simulator.domain import tickets as ticket_rules
from simulator.domain.support_catalog import TOPIC_CATEGORIES
from simulator.store import tickets as store_tickets
from simulator.store.models import PartnerRelationship, Ticket
from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, DOMAINS, PASSWORD, bearer, tid, upn

M365_SCOPE = "https://admin.microsoft.com/.default"
BASE = "/m365admin/v1.0"
NORTHWIND_SUPPORT = "support@northwindcloud.onmicrosoft.com"
PARTNER_CONTACT = {"name": "Nora Northwind", "email": "nora@northwindcloud.onmicrosoft.com", "phone": "+1 425-555-0101"}
TREY = {
    "url": "https://support.treyresearch.example/backup",
    "email": "backup-support@treyresearch.example",
    "phone": "+1 800-555-0199",
}


# --- helpers ---------------------------------------------------------------------------------------------
@pytest.fixture
def m365(sign_in):
    """A token for the admin center: ``m365("northwind", in_="contoso")`` is Northwind's admin through GDAP."""

    def token(tenant_key: str, user: str = "admin", in_: str | None = None) -> str:
        return sign_in(upn(tenant_key, user), DOMAINS[in_] if in_ else None, scope=M365_SCOPE)

    return token


@pytest.fixture
def tickets(app):
    """How many tickets the default world holds (of one tenant, if given)."""

    def count(tenant_key: str | None = None) -> int:
        with app.extensions["pcsim"].store.session() as s:
            q = select(func.count()).select_from(Ticket).where(Ticket.world_id == "default")
            if tenant_key:
                q = q.where(Ticket.tenant_id == tid(tenant_key))
            return s.scalar(q)

    return count


def request_body(**overrides) -> dict:
    return {
        "title": "Mail delayed for all users",
        "description": "Since 06:30 UTC mail takes 30 minutes.",
        "topicCategoryId": "email-and-calendar",
        "severity": "moderate",
        "contact": dict(PARTNER_CONTACT),
    } | overrides


def file(client, token, prefix: str = BASE, **overrides):
    return client.post(f"{prefix}/support/serviceRequests", json=request_body(**overrides), headers=bearer(token))


def assert_denied(response, status: int, code: str, rule: str | None) -> dict:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["innerError"].get("rule") == rule
    assert error["innerError"]["request-id"]
    return error


# --- support options (R10) --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "customer,kinds", [("adatum", ["partner"]), ("litware", ["partner", "microsoft"]), ("contoso", ["partner"])]
)
def test_r10_support_options_of_a_customer(client, m365, customer, kinds):
    body = client.get(f"{BASE}/support/options", headers=bearer(m365(customer, "user"))).get_json()
    assert body["@odata.context"].endswith("/m365admin/v1.0/$metadata#support/options")
    assert [o["kind"] for o in body["value"]] == kinds
    partner = body["value"][0]
    assert partner["displayName"] == "Northwind Cloud" and partner["partnerTenantId"] == tid("northwind")
    assert partner["email"] == NORTHWIND_SUPPORT and partner["phone"] and partner["url"]


def test_r10_partner_through_gdap_sees_the_customers_options(client, m365):
    body = client.get(f"{BASE}/support/options", headers=bearer(m365("northwind", in_="litware"))).get_json()
    assert [o["kind"] for o in body["value"]] == ["partner", "microsoft"]


def test_r10_trial_customer_cannot_file_with_microsoft(client, m365, tickets):
    response = file(client, m365("adatum"), contact={"name": "Ada Admin", "email": "admin@adatum.onmicrosoft.com"})
    error = assert_denied(response, 403, "Authorization_RequestDenied", "R10")
    assert "Northwind Cloud" in error["message"] and "trial" in error["message"]
    assert error["innerError"]["contact"]["email"] == NORTHWIND_SUPPORT
    assert error["innerError"]["contact"]["partnerTenantId"] == tid("northwind")
    assert tickets() == 0


def test_r10_csp_only_customer_cannot_file_with_microsoft(client, m365, tickets):
    response = file(client, m365("contoso"), contact={"name": "C", "email": "admin@contoso.onmicrosoft.com"})
    assert_denied(response, 403, "Authorization_RequestDenied", "R10")
    assert tickets() == 0


def test_r10_paid_direct_customer_files_with_microsoft(client, m365):
    response = file(client, m365("litware"), contact={"name": "Lit Admin", "email": "admin@litware.onmicrosoft.com"})
    assert response.status_code == 201, response.get_json()
    t = response.get_json()
    assert t["status"] == "open" and t["origin"] == "m365admin" and t["partnerTenantId"] is None
    assert t["customerTenantId"] == tid("litware") and t["supportPlan"] == "Microsoft 365 standard support"
    assert t["createdBy"] == upn("litware") and t["notes"] == []


def test_customer_user_without_admin_role_is_refused(client, m365, tickets):
    token = m365("litware", "user")
    response = file(client, token, contact={"name": "U", "email": "user@litware.onmicrosoft.com"})
    # No rule of the rule book: the admin center's support is for admins (a precondition, not R9/R10).
    assert_denied(response, 403, "Authorization_RequestDenied", None)
    assert_denied(
        client.get(f"{BASE}/support/serviceRequests", headers=bearer(token)), 403, "Authorization_RequestDenied", None
    )
    assert tickets() == 0


# --- a partner through GDAP (R1, R2, R9, R11) -----------------------------------------------------------------
def test_r9_partner_with_gdap_support_role_files_for_the_customer(client, m365):
    response = file(client, m365("northwind", in_="contoso"))
    assert response.status_code == 201, response.get_json()
    t = response.get_json()
    assert t["@odata.context"].endswith("$metadata#support/serviceRequests/$entity")
    assert t["supportPlan"] == "Cloud Solution Provider" and t["partnerTenantId"] == tid("northwind")
    assert t["customerTenantId"] == tid("contoso") and t["workload"] == "microsoft365"
    assert t["topicCategoryId"] == "email-and-calendar" and t["topicCategoryDisplayName"] == "Email and calendar"
    assert t["contact"] == PARTNER_CONTACT and t["severity"] == "moderate" and t["status"] == "open"
    # The customer's admin sees it under "View all support tickets".
    listed = client.get(f"{BASE}/support/serviceRequests", headers=bearer(m365("contoso"))).get_json()
    assert [x["id"] for x in listed["value"]] == [t["id"]]


def test_r9_gdap_role_without_support_is_refused(client, m365, tickets):
    token = m365("northwind", in_="coho")  # Global Reader only
    response = file(client, token, topicCategoryId="dynamics-365-environments")
    error = assert_denied(response, 403, "Authorization_RequestDenied", "R9")
    assert "Global Reader" in error["message"]
    assert tickets() == 0
    # Global Reader may still view the customer's tickets.
    assert client.get(f"{BASE}/support/serviceRequests", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("email", ["it@contoso.onmicrosoft.com", "it@contoso.com"])
def test_r9_contact_in_a_customer_domain_is_refused(client, m365, tickets, email):
    response = file(client, m365("northwind", in_="contoso"), contact={"name": "Contoso IT", "email": email})
    error = assert_denied(response, 400, "BadRequest", "R9")
    assert email in error["message"]
    assert tickets() == 0


@pytest.mark.parametrize(
    "product",
    [ids.subscription_id("margie-trey-backup"), ids.product_id("trey-backup"), "margie-trey-backup", "trey-backup"],
)
def test_r11_marketplace_product_is_refused_with_the_isv_contact(client, m365, tickets, product):
    response = file(client, m365("northwind", in_="margie"), productId=product)
    error = assert_denied(response, 400, "BadRequest", "R11")
    assert "Trey Research" in error["message"]
    assert {k: error["innerError"]["contact"][k] for k in TREY} == TREY
    assert error["innerError"]["product"] == "Trey Backup" and error["innerError"]["publisher"] == "Trey Research"
    assert tickets() == 0


def test_r11_applies_to_the_customers_own_admin(client, m365, tickets):
    response = file(
        client,
        m365("margie"),
        productId="margie-trey-backup",
        contact={"name": "M", "email": "admin@margiestravel.onmicrosoft.com"},
    )
    error = assert_denied(response, 400, "BadRequest", "R11")
    assert error["innerError"]["contact"]["url"] == TREY["url"]
    assert tickets() == 0


def test_r11_a_non_marketplace_subscription_is_fine(client, m365):
    response = file(client, m365("northwind", in_="margie"), productId="margie-m365")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["subscriptionId"] == ids.subscription_id("margie-m365")


def test_r1_partner_without_relationship_is_refused(client, app, m365, tickets):
    token = m365("northwind", in_="contoso")  # GDAP still active: the token is issued
    with app.extensions["pcsim"].store.session() as s:
        s.execute(
            delete(PartnerRelationship).where(
                PartnerRelationship.world_id == "default",
                PartnerRelationship.partner_id == tid("northwind"),
                PartnerRelationship.customer_id == tid("contoso"),
            )
        )
    error = assert_denied(file(client, token), 403, "Authorization_RequestDenied", "R1")
    assert "Northwind Cloud has no relationship" in error["message"]
    assert tickets() == 0


def test_r2_workload_without_csp_support_is_refused(client, m365, tickets):
    response = file(client, m365("northwind", in_="contoso"), workload="partnercenter")
    error = assert_denied(response, 400, "BadRequest", "R2")
    assert "'partnercenter'" in error["message"]
    assert tickets() == 0


def test_workload_must_match_the_category(client, m365, tickets):
    token = m365("northwind", in_="contoso")
    assert_denied(file(client, token, workload="ems"), 400, "BadRequest", None)
    assert "Azure portal" in file(client, token, workload="azure").get_json()["error"]["message"]
    assert file(client, token, workload="microsoft365").status_code == 201
    assert tickets() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"contact": None},
        {"topicCategoryId": "more"},
        {"topicCategoryId": "nope"},
        {"severity": "urgent"},
        {"productId": "no-such-product"},
        {"productId": "contoso-prod"},
        {"supportPlanId": "premier:123"},
    ],
)
def test_invalid_requests_store_nothing(client, m365, tickets, overrides):
    body = request_body(**overrides)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(
        f"{BASE}/support/serviceRequests", json=body, headers=bearer(m365("northwind", in_="contoso"))
    )
    assert_denied(response, 400, "BadRequest", None)
    assert tickets() == 0


def test_unauthenticated_is_a_graph_401(client):
    response = client.get(f"{BASE}/support/options")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "InvalidAuthenticationToken"


# --- topic categories: the short list and "More..." ---------------------------------------------------------
@pytest.mark.parametrize("workload", ["microsoft365", "ems", "dynamics"])
def test_more_expands_the_categories(client, m365, workload):
    token = m365("northwind", in_="contoso")
    short = client.get(f"{BASE}/support/topicCategories?workload={workload}", headers=bearer(token)).get_json()
    featured = [c.id for c in TOPIC_CATEGORIES if c.workload == workload and c.featured]
    assert [c["id"] for c in short["value"]] == featured + ["more"]
    assert short["value"][-1]["displayName"] == "More..."
    full = client.get(f"{BASE}/support/topicCategories/more?workload={workload}", headers=bearer(token)).get_json()
    every = {c.id for c in TOPIC_CATEGORIES if c.workload == workload}
    assert {c["id"] for c in full["value"]} == every and len(every) > len(featured)
    assert "more" not in {c["id"] for c in full["value"]}


def test_categories_default_to_microsoft365_and_refuse_azure(client, m365):
    token = m365("contoso")
    body = client.get(f"{BASE}/support/topicCategories", headers=bearer(token)).get_json()
    assert {c["workload"] for c in body["value"]} == {"microsoft365"}
    response = client.get(f"{BASE}/support/topicCategories?workload=azure", headers=bearer(token))
    assert response.status_code == 400 and "Azure portal" in response.get_json()["error"]["message"]


def test_a_more_category_can_be_filed(client, m365):
    response = file(client, m365("northwind", in_="contoso"), topicCategoryId="domains-and-dns")
    assert response.status_code == 201 and response.get_json()["topicCategoryDisplayName"] == "Domains and DNS"


# --- the clock, notes, closing ----------------------------------------------------------------------------
def test_clock_moves_a_ticket_and_a_note_reopens_it(client, m365, advance_clock):
    # Tokens live an hour of world time: sign in again after each move of the clock.
    partner = lambda: bearer(m365("northwind", in_="contoso"))  # noqa: E731
    ticket = file(client, m365("northwind", in_="contoso")).get_json()
    url = f"{BASE}/support/serviceRequests/{ticket['id']}"

    advance_clock(timedelta(days=1))
    t = client.get(url, headers=partner()).get_json()
    assert t["status"] == "attentionNeeded"
    engineer = ticket_rules.engineer_for(ticket["id"]).name
    assert [n["author"] for n in t["notes"]] == [engineer] and t["notes"][0]["authorType"] == "microsoft"

    headers = partner()
    note = client.post(f"{url}/notes", json={"text": "Started 06:30 UTC, all users."}, headers=headers)
    assert note.status_code == 201 and note.get_json()["author"] == upn("northwind")
    t = client.get(url, headers=headers).get_json()
    assert t["status"] == "open" and [n["text"] for n in t["notes"]][-1] == "Started 06:30 UTC, all users."

    advance_clock(timedelta(days=1))
    assert client.get(url, headers=partner()).get_json()["status"] == "attentionNeeded"
    advance_clock(timedelta(days=7))
    headers = partner()
    t = client.get(url, headers=headers).get_json()
    assert t["status"] == "closed" and t["closedDateTime"] and len(t["notes"]) == 4

    late = client.post(f"{url}/notes", json={"text": "Still broken"}, headers=headers)
    assert_denied(late, 409, "Conflict", None)


def test_before_its_response_time_a_ticket_stays_open(client, m365, advance_clock):
    ticket = file(client, m365("litware"), contact={"name": "L", "email": "admin@litware.onmicrosoft.com"}).get_json()
    advance_clock(ticket_rules.response_time(ticket["severity"]) - timedelta(minutes=1))
    t = client.get(f"{BASE}/support/serviceRequests/{ticket['id']}", headers=bearer(m365("litware"))).get_json()
    assert t["status"] == "open" and t["notes"] == []


def test_close_by_hand_and_no_reopening(client, m365):
    token = m365("northwind", in_="contoso")
    ticket = file(client, token).get_json()
    url = f"{BASE}/support/serviceRequests/{ticket['id']}"
    closed = client.patch(url, json={"status": "closed"}, headers=bearer(token))
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["closedDateTime"]
    assert_denied(client.patch(url, json={"status": "open"}, headers=bearer(token)), 409, "Conflict", None)


def test_customer_admin_adds_a_note_to_the_partners_request(client, m365):
    ticket = file(client, m365("northwind", in_="contoso")).get_json()
    note = client.post(
        f"{BASE}/support/serviceRequests/{ticket['id']}/notes",
        json={"text": "More users hit."},
        headers=bearer(m365("contoso")),
    )
    assert note.status_code == 201 and note.get_json()["authorType"] == "customer"


def test_r9_notes_need_a_gdap_support_role(client, app, m365):
    ticket_id = _store_ticket(app, "partnercenter", "coho", "Filed in Partner Center")
    response = client.post(
        f"{BASE}/support/serviceRequests/{ticket_id}/notes",
        json={"text": "x"},
        headers=bearer(m365("northwind", in_="coho")),
    )
    assert_denied(response, 403, "Authorization_RequestDenied", "R9")


# --- "View all support tickets" ---------------------------------------------------------------------------
def _store_ticket(app, origin: str, tenant_key: str, title: str) -> str:
    from simulator.store.models import World

    with app.extensions["pcsim"].store.session() as s:
        now = s.get(World, "default").clock_anchor
        t = store_tickets.create_ticket(
            s,
            "default",
            now,
            origin=origin,
            tenant_id=tid(tenant_key),
            customer_id=tid(tenant_key),
            partner_id=tid("northwind"),
            workload="azure" if origin == "azure" else "microsoft365",
            title=title,
            description="",
            severity="minimal",
            support_plan="Cloud Solution Provider",
            contact={},
            created_by=upn("northwind"),
        )
        return t.id


def test_view_all_tickets_every_origin_but_azure_newest_first_paged(client, app, m365):
    azure = _store_ticket(app, "azure", "contoso", "Azure VM down")
    pc = _store_ticket(app, "partnercenter", "contoso", "Filed in Partner Center")
    _store_ticket(app, "partnercenter", "litware", "Another customer's")
    token = m365("northwind", in_="contoso")
    mine = [file(client, token, title=f"Request {i}").get_json()["id"] for i in range(3)]
    expected = list(reversed([pc] + mine))

    listed = client.get(f"{BASE}/support/serviceRequests?$count=true", headers=bearer(m365("contoso"))).get_json()
    assert [t["id"] for t in listed["value"]] == expected and azure not in expected
    assert listed["@odata.count"] == 4 and "@odata.nextLink" not in listed
    assert {t["origin"] for t in listed["value"]} == {"m365admin", "partnercenter"}

    seen, url = [], f"{BASE}/support/serviceRequests?$top=3"
    while url:
        page = client.get(url, headers=bearer(token)).get_json()
        seen += [t["id"] for t in page["value"]]
        url = page.get("@odata.nextLink")
    assert seen == expected

    assert client.get(f"{BASE}/support/serviceRequests/{azure}", headers=bearer(token)).status_code == 404


def test_filter_on_status(client, m365):
    token = m365("northwind", in_="contoso")
    first, second = (file(client, token, title=t).get_json()["id"] for t in ("a", "b"))
    client.patch(f"{BASE}/support/serviceRequests/{first}", json={"status": "closed"}, headers=bearer(token))
    closed = client.get(f"{BASE}/support/serviceRequests?$filter=status eq 'closed'", headers=bearer(token))
    assert [t["id"] for t in closed.get_json()["value"]] == [first]
    open_ = client.get(f"{BASE}/support/serviceRequests?$filter=status eq 'open'", headers=bearer(token))
    assert [t["id"] for t in open_.get_json()["value"]] == [second]
    bad = client.get(f"{BASE}/support/serviceRequests?$filter=title eq 'x'", headers=bearer(token))
    assert_denied(bad, 400, "BadRequest", None)


# --- the partner's own context (R12, R13) -----------------------------------------------------------------
def test_r12_partner_signed_in_directly_sees_only_its_own_tickets(client, m365):
    file(client, m365("northwind", in_="contoso"))
    own = m365("northwind")
    assert client.get(f"{BASE}/support/serviceRequests", headers=bearer(own)).get_json()["value"] == []
    options = client.get(f"{BASE}/support/options", headers=bearer(own)).get_json()["value"]
    assert [o["kind"] for o in options] == ["microsoft"]


def test_r13_own_tenant_request_needs_its_own_entitlement(client, m365, tickets):
    own = m365("northwind")
    denied = file(client, own, supportPlanId="Cloud Solution Provider")
    assert_denied(denied, 400, "BadRequest", "R13")
    assert_denied(file(client, own, supportPlanId="premier:nope"), 400, "BadRequest", "R13")
    assert tickets() == 0
    filed = file(client, own)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["supportPlanId"] == "partnerAgreement:4810001"
    assert file(client, own, supportPlanId="azureSupportPlan:ASP-NW-0001").status_code == 201


# --- US Government (R14) ----------------------------------------------------------------------------------
def test_r14_us_government_admin_center(client, m365):
    form = {
        "grant_type": "password",
        "client_id": CLI_CLIENT_ID,
        "username": upn("relecloud"),
        "password": PASSWORD,
        "scope": "https://admin.microsoft.us/.default",
    }
    response = client.post(f"/usgov/login/{DOMAINS['humongous']}/oauth2/v2.0/token", data=form)
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["access_token"]
    gov = "/usgov/m365admin/v1.0"
    options = client.get(f"{gov}/support/options", headers=bearer(token)).get_json()
    assert [(o["kind"], o["displayName"]) for o in options["value"]] == [("partner", "Relecloud Government")]
    filed = file(client, token, prefix=gov, contact={"name": "R", "email": "it@relecloudgov.onmicrosoft.us"})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["partnerTenantId"] == tid("relecloud")
    assert (
        client.get(f"{gov}/support/serviceRequests", headers=bearer(token)).get_json()["value"][0]["id"]
        == filed.get_json()["id"]
    )
    # A US Government token is not one for the public admin center, nor the other way round.
    assert client.get(f"{BASE}/support/options", headers=bearer(token)).status_code == 401
    assert client.get(f"{gov}/support/options", headers=bearer(m365("contoso"))).status_code == 401


def test_openapi_document(client):
    spec = client.get("/docs/m365admin/openapi.json").get_json()
    assert "/m365admin/v1.0/support/serviceRequests" in spec["paths"]
    assert "/m365admin/v1.0/support/topicCategories/more" in spec["paths"]
