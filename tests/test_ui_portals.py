"""The training UI's Azure portal and Microsoft 365 admin center pages (R6, R7, R8, R10, R11, R12; filing, lists,
communications and notes), the trainer controls (clock, reset, trial/paid, service health, new worlds) and the
guided tours. The pages act through the surfaces as the chosen persona: what they refuse, the page shows with
its rule."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from simulator.domain.support_catalog import AZURE_SERVICES, BILLING_SERVICE
from simulator.store.models import ServiceHealth, Ticket
from simulator.surfaces.ui import trainer
from simulator.worlds.ids import subscription_id, tenant_id, user_id

PROVIDER = "/providers/Microsoft.Support/services"
VM = next(s for s in AZURE_SERVICES if s.display_name == "Virtual Machine running Windows")
VM_PROBLEM = f"{PROVIDER}/{VM.id}/problemClassifications/{VM.classifications[0][0]}"
BILLING_PROBLEM = f"{PROVIDER}/{BILLING_SERVICE}/problemClassifications/3ec1a070-f242-9ecf-5a7c-e1a88ce029ef"
NORTHWIND_SUPPORT = "support@northwindcloud.onmicrosoft.com"


def text_of(response) -> str:
    """The page's main content as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    page = response.get_data(as_text=True)
    main = page[page.find("<main") : page.find("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
def as_user(client):
    def choose(tenant: str, user: str = "admin"):
        response = client.post("/ui/persona", data={"user": user_id(tenant, user)})
        assert response.status_code == 302
        return client

    return choose


@pytest.fixture
def stored_tickets(app):
    def rows(tenant: str) -> list[Ticket]:
        with app.extensions["pcsim"].store.session() as session:
            return session.scalars(
                select(Ticket).where(Ticket.world_id == "default", Ticket.tenant_id == tenant_id(tenant))
            ).all()

    return rows


def azure_form(sub_key: str, problem: str, email: str, **overrides) -> dict:
    return {
        "subscription": subscription_id(sub_key),
        "problem": problem,
        "title": "Cannot reach the web VM",
        "description": "RDP times out since 08:00 UTC.",
        "severity": "moderate",
        "supportPlanId": "Cloud Solution Provider",
        "firstName": "Pat",
        "lastName": "Partner",
        "email": email,
        "phone": "",
        "contactMethod": "email",
        "timezone": "Pacific Standard Time",
        "country": "usa",
        "language": "en-US",
        "consent": "Yes",
        "context": "customer",
    } | overrides


def m365_form(email: str, **overrides) -> dict:
    return {
        "workload": "microsoft365",
        "topicCategoryId": "email-and-calendar",
        "title": "Mail delayed",
        "description": "Since 06:30 UTC mail takes 30 minutes.",
        "severity": "moderate",
        "name": "Ann Beebe",
        "email": email,
        "phone": "",
        "productId": "",
    } | overrides


def azure_url(tenant: str, tail: str = "") -> str:
    return f"/ui/azure/{tenant_id(tenant)}{tail}"


def m365_url(tenant: str, tail: str = "") -> str:
    return f"/ui/m365/{tenant_id(tenant)}{tail}"


# --- navigation and personas -----------------------------------------------------------------------------------
def test_pages_need_a_persona_and_are_in_the_navigation(client, as_user):
    response = client.get("/ui/azure")
    assert response.status_code == 302 and "/ui/?next=/ui/azure" in response.headers["Location"]
    page = as_user("northwind").get("/ui/trainer").get_data(as_text=True)
    for href, label in (("/ui/azure", "Azure portal"), ("/ui/m365", "Microsoft 365 admin"), ("/ui/trainer", "Trainer")):
        assert f'<a href="{href}">{label}</a>' in page


def test_azure_home_lists_the_partners_customers_and_a_customers_own_tenant(as_user):
    page = text_of(as_user("northwind").get("/ui/azure"))
    assert "Contoso Ltd" in page and "Alpine Ski House" in page and "Woodgrove Bank" not in page
    assert "Northwind Cloud" in page  # its own tenant
    client = as_user("contoso")
    page = client.get("/ui/azure").get_data(as_text=True)
    assert azure_url("contoso") in page
    own = text_of(client.get(azure_url("contoso")))
    # Its Global Administrator holds no Azure RBAC role on contoso-prod: Azure lists it no subscription.
    assert "in its own tenant" in own and "Azure lists no subscription of Contoso Ltd for you" in own


# --- Azure portal ------------------------------------------------------------------------------------------------
def test_the_support_form_is_prefilled_as_the_real_one(as_user):
    response = as_user("tailspin").get(azure_url("woodgrove"))
    body, page = response.get_data(as_text=True), text_of(response)
    assert response.status_code == 200
    assert "woodgrove-prod" in page and "through GDAP" in page
    assert 'value="Cloud Solution Provider"' in body
    assert 'value="admin@tailspinit.onmicrosoft.com"' in body and 'value="Tailspin"' in body
    for problem_type in (
        "Billing",
        "Subscription management",
        "Service and subscription limits (quotas)",
        "Virtual Machine running Windows",
    ):
        assert f'<optgroup label="{problem_type}">' in body


def test_a_resellers_billing_ticket_is_refused_with_r6(as_user, stored_tickets):
    client = as_user("tailspin")
    response = client.post(
        azure_url("woodgrove", "/tickets"),
        data=azure_form("woodgrove-prod", BILLING_PROBLEM, "admin@tailspinit.onmicrosoft.com"),
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Support request refused by R6" in page
    assert "Only the Azure subscription's provider" in page and "indirectReseller" in page
    assert "ask it" in page  # the fix
    assert 'value="Cannot reach the web VM"' in response.get_data(as_text=True)  # the form keeps its values
    assert stored_tickets("woodgrove") == []
    # A technical one is Tailspin's to file.
    filed = client.post(
        azure_url("woodgrove", "/tickets"),
        data=azure_form("woodgrove-prod", VM_PROBLEM, "admin@tailspinit.onmicrosoft.com"),
    )
    assert filed.status_code == 302
    assert len(stored_tickets("woodgrove")) == 1


def test_northwind_files_a_technical_ticket_on_contoso_and_finds_it_listed(as_user):
    client = as_user("northwind")
    response = client.post(
        azure_url("contoso", "/tickets"),
        data=azure_form("contoso-prod", VM_PROBLEM, "admin@northwindcloud.onmicrosoft.com"),
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    page = text_of(detail)
    assert "Your support request was created." in page
    assert "Cannot reach the web VM" in page and "Cloud Solution Provider" in page
    assert "Virtual Machine running Windows" in page and "admin@northwindcloud.onmicrosoft.com" in page
    listed = text_of(client.get(azure_url("contoso", f"/subscriptions/{subscription_id('contoso-prod')}/tickets")))
    assert "Manage support requests" in listed and "Cannot reach the web VM" in listed
    # A communication, read back on the ticket.
    path = response.headers["Location"].split("?")[0]
    sent = client.post(f"{path}/communications", data={"subject": "RE: VM", "body": "Rebooted, still down."})
    assert sent.status_code == 302
    page = text_of(client.get(sent.headers["Location"]))
    assert "Your message was added." in page and "Rebooted, still down." in page


def test_customer_contact_is_refused_with_r8(as_user):
    response = as_user("northwind").post(
        azure_url("contoso", "/tickets"), data=azure_form("contoso-prod", VM_PROBLEM, "admin@contoso.onmicrosoft.com")
    )
    page = text_of(response)
    assert "Support request refused by R8" in page and "Cloud Solution Provider" in page


def test_no_rbac_role_is_refused_with_r7(as_user):
    client = as_user("northwind")
    page = text_of(client.get(azure_url("alpine")))
    assert "Known from Partner Center only" in page and "alpine-prod" in page
    response = client.post(
        azure_url("alpine", "/tickets"),
        data=azure_form("alpine-prod", VM_PROBLEM, "admin@northwindcloud.onmicrosoft.com"),
    )
    assert "Support request refused by R7" in text_of(response)


def test_the_partners_own_tenant_token_is_refused_with_r12(as_user):
    response = as_user("northwind").post(
        azure_url("contoso", "/tickets"),
        data=azure_form("contoso-prod", VM_PROBLEM, "admin@northwindcloud.onmicrosoft.com", context="own"),
    )
    assert "R12" in text_of(response)


# --- Microsoft 365 admin center -------------------------------------------------------------------------------------
def test_trial_customer_sees_its_partner_only_and_paid_customer_microsoft_too(as_user):
    adatum = as_user("adatum").get("/ui/m365")
    body, page = adatum.get_data(as_text=True), text_of(adatum)
    assert 'id="option-partner"' in body and 'id="option-microsoft"' not in body
    assert "Contact your partner: Northwind Cloud" in page and NORTHWIND_SUPPORT in page
    assert "View all support tickets" in page and "New request with Microsoft" in page
    litware = as_user("litware").get("/ui/m365").get_data(as_text=True)
    assert 'id="option-partner"' in litware and 'id="option-microsoft"' in litware


def test_a_trial_customers_request_with_microsoft_is_refused_with_r10(as_user, stored_tickets):
    client = as_user("adatum")
    response = client.post(
        m365_url("adatum", "/new"), data=m365_form("admin@adatum.onmicrosoft.com", **{"from": "support"})
    )
    page = text_of(response)
    assert "Request refused by R10" in page and "Contact Northwind Cloud" in page and NORTHWIND_SUPPORT in page
    assert "Your support options" in page  # back on the support page
    assert stored_tickets("adatum") == []
    # Litware (paid Direct) files with Microsoft, and finds it under "View all support tickets".
    client = as_user("litware")
    filed = client.post(m365_url("litware", "/new"), data=m365_form("admin@litware.onmicrosoft.com"))
    assert filed.status_code == 302
    assert "Microsoft 365 standard support" in text_of(client.get(filed.headers["Location"]))
    assert "Mail delayed" in text_of(client.get("/ui/m365"))


def test_a_partner_chooses_a_customer(as_user):
    page = as_user("northwind").get("/ui/m365").get_data(as_text=True)
    assert m365_url("contoso", "/new?workload=microsoft365") in page and m365_url("contoso", "/tickets") in page


def test_more_expands_the_topic_categories(as_user):
    client = as_user("northwind")
    short = client.get(m365_url("contoso", "/new?workload=microsoft365"))
    page, body = text_of(short), short.get_data(as_text=True)
    assert "Email and calendar" in page and "More..." in page and "Data migration" not in page
    assert m365_url("contoso", "/new?workload=microsoft365&amp;more=1") in body
    full = text_of(client.get(m365_url("contoso", "/new?workload=microsoft365&more=1")))
    assert "Data migration" in full and "Email and calendar" in full and "More..." not in full
    assert "Fewer topics" in full
    ems = text_of(client.get(m365_url("contoso", "/new?workload=ems")))
    assert "Intune device enrollment" in ems


def test_northwind_files_for_contoso_in_the_admin_center(as_user):
    client = as_user("northwind")
    form = client.get(m365_url("contoso", "/new")).get_data(as_text=True)
    assert 'value="Northwind Admin"' in form and 'value="admin@northwindcloud.onmicrosoft.com"' in form
    response = client.post(m365_url("contoso", "/new"), data=m365_form("admin@northwindcloud.onmicrosoft.com"))
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Your support request was created." in page and "Cloud Solution Provider" in page
    assert "Mail delayed" in page and "Email and calendar" in page
    listed = text_of(client.get(m365_url("contoso", "/tickets")))
    assert "Mail delayed" in listed and "Ann Beebe" in listed
    # Contoso's own admin sees it too.
    assert "Mail delayed" in text_of(as_user("contoso").get(m365_url("contoso", "/tickets")))
    # A note, then closing.
    client = as_user("northwind")
    path = response.headers["Location"].split("?")[0]
    noted = client.post(f"{path}/notes", data={"text": "Customer confirms the delay."})
    assert "Customer confirms the delay." in text_of(client.get(noted.headers["Location"]))
    closed = client.post(f"{path}/close")
    page = text_of(client.get(closed.headers["Location"]))
    assert "The support request is closed." in page and "Add a note" not in page


def test_customer_contact_is_refused_with_r9(as_user):
    response = as_user("northwind").post(m365_url("contoso", "/new"), data=m365_form("admin@contoso.onmicrosoft.com"))
    assert "Request refused by R9" in text_of(response)


def test_a_marketplace_product_shows_the_publishers_contact_r11(as_user):
    client = as_user("northwind")
    form = client.get(m365_url("margie", "/new")).get_data(as_text=True)
    assert subscription_id("margie-trey-backup") in form and "Trey Research" in form
    response = client.post(
        m365_url("margie", "/new"),
        data=m365_form("admin@northwindcloud.onmicrosoft.com", productId=subscription_id("margie-trey-backup")),
    )
    page = text_of(response)
    assert "Request refused by R11" in page
    assert "Contact the publisher" in page and "backup-support@treyresearch.example" in page


# --- trainer controls ------------------------------------------------------------------------------------------------
def test_advancing_the_clock_expires_gdap_and_reset_brings_it_back(as_user):
    client = as_user("northwind")
    before = text_of(client.get(azure_url("coho")))
    assert "AADSTS50020" not in before and "Azure lists no subscription of Coho Winery" in before
    moved = client.post("/ui/trainer/clock", data={"advance": "P400D"})
    assert moved.status_code == 302
    assert "2027-02-19" in text_of(client.get(moved.headers["Location"]))
    refused = text_of(client.get(azure_url("coho")))
    assert "AADSTS50020" in refused and "Azure refused by GDAP" in refused and "Northwind read-only" in refused
    m365 = text_of(client.get(m365_url("coho", "/new?workload=dynamics")))
    assert "AADSTS50020" in m365 and "expired" in m365
    assert "AADSTS50020" not in text_of(client.get(azure_url("contoso")))  # a longer relationship still runs
    reset = client.post("/ui/trainer/reset")
    assert "The world is back to how it was created" in text_of(client.get(reset.headers["Location"]))
    assert "AADSTS50020" not in text_of(client.get(azure_url("coho")))
    assert "Dynamics 365 environments" in text_of(client.get(m365_url("coho", "/new?workload=dynamics")))


def test_set_the_clock_and_bad_input(as_user):
    client = as_user("northwind")
    client.post("/ui/trainer/clock", data={"set": "2026-03-01T00:00:00Z"})
    assert "2026-03-01T00:00:00Z" in text_of(client.get("/ui/trainer"))
    bad = client.post("/ui/trainer/clock", data={"advance": "soon"})
    assert bad.status_code == 200 and "Not done" in text_of(bad)


def test_switching_a_trial_to_paid_changes_the_customers_options(as_user):
    client = as_user("adatum")
    assert 'id="option-microsoft"' not in client.get("/ui/m365").get_data(as_text=True)
    page = client.get("/ui/trainer").get_data(as_text=True)
    action = f"/ui/trainer/subscriptions/{subscription_id('adatum-m365-direct-trial')}"
    assert action in page
    assert client.post(action, data={"trial": "false"}).status_code == 302
    assert 'id="option-microsoft"' in client.get("/ui/m365").get_data(as_text=True)
    client.post(action, data={"trial": "true"})
    assert 'id="option-microsoft"' not in client.get("/ui/m365").get_data(as_text=True)


def test_toggle_a_service_incident(app, as_user):
    client = as_user("northwind")
    assert "Restore the service" in text_of(client.get("/ui/trainer"))  # Contoso's Exchange is degraded
    with app.extensions["pcsim"].store.session() as session:
        exchange = session.scalars(
            select(ServiceHealth).where(
                ServiceHealth.world_id == "default",
                ServiceHealth.tenant_id == tenant_id("contoso"),
                ServiceHealth.service_name.like("Exchange%"),
            )
        ).one()
        service_id = exchange.service_id
    client.post(f"/ui/trainer/health/{tenant_id('contoso')}/{service_id}", data={"status": "serviceOperational"})
    with app.extensions["pcsim"].store.session() as session:
        assert session.get(ServiceHealth, ("default", tenant_id("contoso"), service_id)).status == "serviceOperational"


def test_a_new_world_from_a_fixture(client, as_user):
    as_user("northwind")
    response = client.post(
        "/ui/trainer/worlds", data={"scenario": "default", "id": "ui-portals-test", "frozen": "true"}
    )
    try:
        assert response.status_code == 302 and "pcsim_ui_world=ui-portals-test" in response.headers["Set-Cookie"]
        page = text_of(client.get(response.headers["Location"]))
        assert "You are now in the new world" in page and "ui-portals-test" in page
        taken = client.post("/ui/trainer/worlds", data={"scenario": "default", "id": "ui-portals-test"})
        assert taken.status_code == 200 and "Not done" in text_of(taken)
    finally:
        client.delete("/sim/worlds/ui-portals-test")


# --- guided tours ---------------------------------------------------------------------------------------------------
TOUR = """\
name: R6 - a reseller's billing ticket is refused
description: Tailspin resells Woodgrove's Azure subscription; only Fabrikam may file billing.
rules: [R6]
world: {scenario: default, clock: "2026-01-15T09:00:00Z"}
steps:
  - as: {user: admin@tailspinit.onmicrosoft.com, tenant: woodgrovebank.onmicrosoft.com}
  - call:
      method: PUT
      path: "TICKET_PATH"
      body: {properties: {title: Update the VAT id}}
    expect: {status: 403, rule: R6, body: {error.code: NonTechnicalTicketRequiresProvider}}
  - advance: P400D
  - edit: {method: PATCH, path: "/subscriptions/{sub:adatum-m365-direct-trial}", body: {trial: false}}
""".replace(
    "TICKET_PATH",
    "/azure/subscriptions/{sub:woodgrove-prod}/providers/Microsoft.Support/supportTickets/b?api-version=2024-04-01",
)


@pytest.fixture
def scenarios_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(trainer, "SCENARIOS_DIR", tmp_path)
    return tmp_path


def test_no_scenario_shipped_yet(as_user, scenarios_dir):
    page = text_of(as_user("northwind").get("/ui/trainer"))
    assert "No scenario is shipped yet" in page


def test_a_tour_tells_the_scenario_step_by_step(client, as_user, scenarios_dir):
    (scenarios_dir / "rules").mkdir()
    (scenarios_dir / "rules" / "r06.yaml").write_text(TOUR)
    (scenarios_dir / "broken.yaml").write_text("name: [unclosed\n")
    as_user("northwind")
    listing = client.get("/ui/trainer")
    assert "/ui/trainer/tours/rules/r06" in listing.get_data(as_text=True)
    assert "R6 - a reseller's billing ticket is refused" in text_of(listing) and "broken.yaml" in text_of(listing)
    first = text_of(client.get("/ui/trainer/tours/rules/r06"))
    assert "Step 1 of 4" in first and "Tailspin Admin (admin@tailspinit.onmicrosoft.com, Tailspin IT)" in first
    assert "Woodgrove Bank's tenant" in first and "through GDAP" in first
    assert "Sign in as Tailspin Admin" in first and "Next step" in first and "Previous step" not in first
    second = text_of(client.get("/ui/trainer/tours/rules/r06?step=2"))
    assert "Step 2 of 4" in second and "Tailspin Admin files an Azure support ticket" in second
    assert "Expected: HTTP 403, refused by R6." in second and "NonTechnicalTicketRequiresProvider" in second
    assert "Previous step" in second and "Next step" in second
    assert "→ 403 R6" in second  # the steps' list shows each call's expected outcome
    assert "400 days" in text_of(client.get("/ui/trainer/tours/rules/r06?step=3"))
    last = text_of(client.get("/ui/trainer/tours/rules/r06?step=4"))
    assert "adatum-m365-direct-trial becomes paid" in last and "Next step" not in last
    assert client.get("/ui/trainer/tours/nope").status_code == 404
    assert client.get("/ui/trainer/tours/../fixtures/default").status_code == 404


def test_a_tour_starts_in_a_world_of_its_own(client, as_user, scenarios_dir):
    (scenarios_dir / "r06.yaml").write_text(TOUR)
    as_user("northwind")
    response = client.post("/ui/trainer/tours/r06")
    world = re.search(r"pcsim_ui_world=([^;]+)", response.headers["Set-Cookie"]).group(1)
    try:
        assert response.status_code == 302 and world.startswith("tour-r06-")
        page = text_of(client.get(response.headers["Location"]))
        assert "Step 1 of 4" in page and world in page
    finally:
        client.delete(f"/sim/worlds/{world}")


def test_the_shipped_scenarios_are_tours(as_user):
    client = as_user("northwind")
    for tour in trainer.tours():
        if tour.error is None:
            page = text_of(client.get(f"/ui/trainer/tours/{tour.name}"))
            assert f"Step 1 of {len(tour.steps)}" in page, tour.name
