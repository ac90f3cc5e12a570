"""The SDK's support calls against a real port: the seed's procedure end to end (health first, the hand-off,
filing on the workload's surface through GDAP, the same ticket in Partner Center), Partner Center service
requests, Graph service health, Microsoft 365 admin support and Azure support, each denial with its rule."""

from __future__ import annotations

import pytest

from client_sdk import (
    ArmError,
    ArmForbidden,
    Client,
    GraphError,
    GraphForbidden,
    PartnerCenterError,
    PartnerCenterForbidden,
)
from client_sdk.client import CLOUDS
from simulator.worlds import ids

from .personas import DOMAINS, PASSWORD, tid, upn

EXCHANGE_TOPIC = 32444671
TEAMS_TOPIC = 32444673
PARTNER_CENTER_TOPIC = 32444667
NORTHWIND_CONTACT = {
    "name": "Nora Northwind",
    "email": "nora@northwindcloud.onmicrosoft.com",
    "phone": "+1 425-555-0101",
}
BILLING_SERVICE = "517f2da6-78fd-0498-4e22-ad26996b1dfc"  # Azure's real id for "Billing"


def arm_contact(email: str) -> dict:
    return {"firstName": "Nadia", "lastName": "Partner", "primaryEmailAddress": email, "country": "usa"}


TREY = {
    "url": "https://support.treyresearch.example/backup",
    "email": "backup-support@treyresearch.example",
    "phone": "+1 800-555-0199",
}


@pytest.fixture
def signed_in(live_server):
    """A client of the live server signed in as ``username`` (default: northwind's admin)."""
    clients = []

    def make(username: str = upn("northwind"), **kwargs) -> Client:
        client = Client(live_server.url, **kwargs).sign_in_user(username, PASSWORD)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def m365_request(client: Client, **overrides) -> dict:
    args = {
        "title": "Mail delayed for all users",
        "description": "Since 06:30 UTC mail takes 30 minutes.",
        "topic_category_id": "email-and-calendar",
        "contact": dict(NORTHWIND_CONTACT),
    } | overrides
    return client.m365.file(**args)


# --- the seed's procedure, end to end ---------------------------------------------------------------
def test_health_hand_off_file_on_m365_see_and_note_in_partner_center(signed_in):
    northwind = signed_in()
    contoso = northwind.as_tenant(DOMAINS["contoso"])

    # R5: check health first (Graph, through GDAP in the customer's tenant).
    overviews = {o["id"]: o for o in contoso.health.overviews(expand_issues=True)}
    assert overviews["Exchange"]["status"] == "serviceDegradation"
    assert [i["id"] for i in overviews["Exchange"]["issues"]] == ["EX1001"]
    assert contoso.health.overview("exchange")["service"] == "Exchange Online"
    assert "EX1001" in [i["id"] for i in contoso.health.issues(top=1)]  # follows @odata.nextLink
    issue = contoso.health.issue("EX1001")
    assert issue["classification"] == "incident" and issue["isResolved"] is False and issue["posts"]
    incidents = northwind.partner_center.service_incidents(tid("contoso"))
    assert [i["id"] for s in incidents for i in s["incidents"]] == ["EX1001"]

    # R4: Service requests > New request hands off to the Microsoft 365 admin center.
    hand_off = northwind.partner_center.new_request(tid("contoso"), "microsoft365")
    assert hand_off["portal"] == "Microsoft 365 admin center" and hand_off["next"]["surface"] == "m365admin"
    tenant = hand_off["next"]["signIn"]["tenant"]
    assert tenant == DOMAINS["contoso"]

    # R9: file there as northwind through GDAP, with the partner's contact.
    m365 = northwind.as_tenant(tenant).m365
    categories = m365.topic_categories()
    assert categories[-1]["id"] == "more" and "email-and-calendar" in [c["id"] for c in categories]
    filed = m365_request(northwind.as_tenant(tenant), severity="critical")
    assert filed["supportPlan"] == "Cloud Solution Provider" and filed["partnerTenantId"] == tid("northwind")
    assert filed["status"] == "open" and filed["customerTenantId"] == tid("contoso")

    # The same ticket in Partner Center's list for the customer; a note there...
    listed = list(northwind.partner_center.customer_service_requests(tid("contoso")))
    assert [sr["id"] for sr in listed] == [filed["id"]]
    assert listed[0]["severity"] == "critical" and listed[0]["productName"] == "Microsoft 365 (Office 365)"
    noted = northwind.partner_center.add_note(filed["id"], "Added from Partner Center.", customer_id=tid("contoso"))
    assert noted["notes"][-1]["text"] == "Added from Partner Center."
    assert northwind.partner_center.service_request(filed["id"])["id"] == filed["id"]

    # ...read back on the Microsoft 365 admin center.
    back = m365.service_request(filed["id"])
    assert [n["text"] for n in back["notes"]] == ["Added from Partner Center."]
    assert [r["id"] for r in m365.service_requests(status="open")] == [filed["id"]]
    customer_admin = signed_in(upn("contoso"))
    assert [r["id"] for r in customer_admin.m365.service_requests()] == [filed["id"]]


# --- Partner Center -----------------------------------------------------------------------------------
def test_a_retried_create_with_its_request_id_files_once(signed_in):
    """The SDK's request_id is Partner Center's retry key (MS-RequestId): the same create sent again answers the
    first request."""
    pc = signed_in().partner_center
    before = len(list(pc.customer_service_requests(tid("contoso"))))
    first = pc.file_service_request(tid("contoso"), "Mail", "Delays.", "moderate", EXCHANGE_TOPIC, request_id="sdk-1")
    again = pc.file_service_request(tid("contoso"), "Mail", "Delays.", "moderate", EXCHANGE_TOPIC, request_id="sdk-1")
    assert again["id"] == first["id"] and len(list(pc.customer_service_requests(tid("contoso")))) == before + 1


def test_partner_center_service_requests(signed_in):
    pc = signed_in().partner_center
    topics = {t["id"]: t for t in pc.support_topics()}
    assert topics[EXCHANGE_TOPIC]["name"] == "Office 365 - Exchange Online"
    filed = [
        pc.file_service_request(tid("contoso"), f"Mail {i}", "Delays.", "moderate", EXCHANGE_TOPIC) for i in range(3)
    ]
    assert filed[0]["status"] == "open" and filed[0]["primaryContact"]["email"] == upn("northwind")
    own = pc.file_partner_service_request(
        "Cannot sign the agreement",
        "The button fails.",
        "minimal",
        PARTNER_CENTER_TOPIC,
        contact={
            "firstName": "Nora",
            "lastName": "N",
            "email": "nora@northwindcloud.onmicrosoft.com",
            "phoneNumber": "+1 425-555-0101",
        },
    )
    assert own["primaryContact"]["firstName"] == "Nora"
    everything = list(pc.service_requests(size=2))  # three pages of two
    assert sorted(sr["id"] for sr in everything) == sorted([f["id"] for f in filed] + [own["id"]])
    assert len(list(pc.customer_service_requests(tid("contoso"), size=1))) == 3
    closed = pc.close(filed[0]["id"])
    assert closed["status"] == "closed"
    assert [sr["id"] for sr in pc.service_requests(status="closed")] == [filed[0]["id"]]
    with pytest.raises(PartnerCenterError) as caught:
        pc.add_note(filed[0]["id"], "hello?")
    assert caught.value.status == 409
    updated = pc.update_service_request(filed[1]["id"], severity="critical", customer_id=tid("contoso"))
    assert updated["severity"] == "critical"


def test_partner_center_denials_name_their_rule(signed_in):
    wingtip = signed_in(upn("wingtip")).partner_center
    with pytest.raises(PartnerCenterForbidden) as caught:
        wingtip.file_service_request(tid("woodgrove"), "Mail", "Delays.", "moderate", EXCHANGE_TOPIC)
    assert caught.value.rule == "R1" and caught.value.status == 403

    pc = signed_in().partner_center
    with pytest.raises(PartnerCenterError) as caught:
        pc.file_service_request(tid("contoso"), "VM down", "d", "critical", 32444661)
    assert caught.value.rule == "R4" and caught.value.status == 400
    with pytest.raises(PartnerCenterForbidden) as caught:
        pc.new_request(tid("fourthcoffee"), "microsoft365")
    assert caught.value.rule == "R3"
    with pytest.raises(PartnerCenterForbidden) as caught:
        pc.service_incidents(tid("tailwind"))
    assert caught.value.rule == "R5"
    with pytest.raises(PartnerCenterError) as caught:
        pc.file_service_request(
            tid("margie"),
            "Backups fail",
            "d",
            "moderate",
            EXCHANGE_TOPIC,
            product_id=ids.subscription_id("margie-trey-backup"),
        )
    assert caught.value.rule == "R11"
    assert {k: caught.value.contact[k] for k in TREY} == TREY
    assert list(pc.service_requests()) == []


# --- Graph service health -----------------------------------------------------------------------------
def test_health_needs_a_health_role(signed_in):
    with pytest.raises(GraphForbidden) as caught:
        signed_in(upn("contoso", "user")).health.overviews()
    assert caught.value.rule == "R5"
    assert signed_in(upn("contoso")).health.overview("Exchange")["status"] == "serviceDegradation"


# --- Microsoft 365 admin ------------------------------------------------------------------------------
@pytest.mark.parametrize("customer, kinds", [("adatum", ["partner"]), ("litware", ["partner", "microsoft"])])
def test_m365_support_options_of_a_customer(signed_in, customer, kinds):
    options = signed_in(upn(customer, "user")).m365.support_options()
    assert [o["kind"] for o in options] == kinds
    assert options[0]["displayName"] == "Northwind Cloud" and options[0]["partnerTenantId"] == tid("northwind")


def test_m365_more_categories_and_close(signed_in):
    m365 = signed_in().as_tenant(DOMAINS["contoso"]).m365
    more = m365.topic_categories(more=True)
    assert "domains-and-dns" in [c["id"] for c in more] and "more" not in [c["id"] for c in more]
    assert [c["id"] for c in m365.topic_categories("ems")][-1] == "more"
    filed = m365_request(m365._client, topic_category_id="domains-and-dns", severity="minimal")
    note = m365.add_note(filed["id"], "DNS records attached.")
    assert note["text"] == "DNS records attached." and note["authorType"] == "partner"
    assert m365.close(filed["id"])["status"] == "closed"
    assert [r["id"] for r in m365.service_requests(status="closed")] == [filed["id"]]
    assert list(m365.service_requests(status="open")) == []
    with pytest.raises(ValueError):
        list(m365.service_requests(status="attention_needed"))  # Partner Center's spelling, not this API's


def test_m365_denials_name_their_rule(signed_in):
    northwind = signed_in()
    with pytest.raises(GraphForbidden) as caught:  # Global Reader only in Coho
        m365_request(northwind.as_tenant(DOMAINS["coho"]), topic_category_id="dynamics-365-environments")
    assert caught.value.rule == "R9" and caught.value.code == "Authorization_RequestDenied"

    with pytest.raises(GraphError) as caught:
        m365_request(northwind.as_tenant(DOMAINS["margie"]), product_id="margie-trey-backup")
    assert caught.value.rule == "R11" and caught.value.status == 400
    assert {k: caught.value.contact[k] for k in TREY} == TREY

    with pytest.raises(GraphError) as caught:
        m365_request(
            northwind.as_tenant(DOMAINS["contoso"]),
            contact={"name": "Contoso IT", "email": "it@contoso.onmicrosoft.com"},
        )
    assert caught.value.rule == "R9" and caught.value.status == 400

    adatum = signed_in(upn("adatum"))  # trial Direct: only the CSP partner (R10), whose contact comes back
    with pytest.raises(GraphForbidden) as caught:
        m365_request(adatum, contact={"name": "Ada", "email": "admin@adatum.onmicrosoft.com"})
    assert caught.value.rule == "R10" and caught.value.contact["partnerTenantId"] == tid("northwind")
    assert list(northwind.as_tenant(DOMAINS["coho"]).m365.service_requests()) == []


def test_m365_us_government(signed_in):
    relecloud = signed_in(upn("relecloud"), cloud="usgov")
    humongous = relecloud.as_tenant(DOMAINS["humongous"])
    assert [o["displayName"] for o in humongous.m365.support_options()] == ["Relecloud Government"]
    filed = m365_request(humongous, contact={"name": "R", "email": "it@relecloudgov.onmicrosoft.us"})
    assert filed["partnerTenantId"] == tid("relecloud")
    assert CLOUDS["usgov"]["m365admin"] == "https://admin.microsoft.us"


# --- Azure support ------------------------------------------------------------------------------------
def test_azure_hand_off_technical_ticket_on_contoso_prod(signed_in):
    northwind = signed_in()
    hand_off = northwind.partner_center.new_request(tid("contoso"), "azure")
    assert hand_off["next"]["surface"] == "azure"
    [subscription_id] = hand_off["next"]["subscriptions"]
    assert subscription_id == ids.subscription_id("contoso-prod")

    azure = northwind.as_tenant(hand_off["next"]["signIn"]["tenant"]).azure
    assert [s["displayName"] for s in azure.subscriptions()] == ["contoso-prod"]
    services = {s["properties"]["displayName"]: s for s in azure.services()}
    vm = services["Virtual Machine running Windows"]
    classification = azure.problem_classifications(vm["id"])[0]  # a resource id works as well as a name
    ticket = azure.create_ticket(
        subscription_id,
        "vm-down",
        "VM does not start",
        "Since 06:30 UTC.",
        vm["name"],
        classification["name"],
        "moderate",
        arm_contact("nadia@northwindcloud.onmicrosoft.com"),
    )
    props = ticket["properties"]
    assert ticket["name"] == "vm-down" and props["status"] == "Open"
    assert props["supportPlanType"] == "Cloud Solution Provider"
    assert props["serviceDisplayName"] == "Virtual Machine running Windows"
    assert props["contactDetails"]["preferredTimeZone"] == "UTC"  # the SDK's default

    # "Manage support requests": listed on the subscription, and in Partner Center's list for the customer.
    assert [t["name"] for t in azure.tickets(subscription_id, filter="Status eq 'Open'")] == ["vm-down"]
    assert azure.ticket(subscription_id, "vm-down")["properties"]["supportTicketId"] == props["supportTicketId"]
    assert [sr["id"] for sr in northwind.partner_center.customer_service_requests(tid("contoso"))] == [
        props["supportTicketId"]
    ]

    sent = azure.add_communication(subscription_id, "vm-down", "More detail", "The VM shows error 0x80070002.")
    assert sent["properties"]["communicationDirection"] == "outbound"
    assert [c["properties"]["body"] for c in azure.communications(subscription_id, "vm-down")] == [
        "The VM shows error 0x80070002."
    ]
    updated = azure.update_ticket(subscription_id, "vm-down", severity="critical")
    assert updated["properties"]["severity"] == "critical"
    assert azure.close_ticket(subscription_id, "vm-down")["properties"]["status"] == "Closed"


def test_azure_paging_follows_next_link(signed_in):
    azure = signed_in().as_tenant(DOMAINS["contoso"]).azure
    subscription_id = ids.subscription_id("contoso-prod")
    vm = next(s for s in azure.services() if s["properties"]["displayName"] == "Virtual Machine running Windows")
    classification = azure.problem_classifications(vm["name"])[0]["name"]
    for i in range(3):
        azure.create_ticket(
            subscription_id,
            f"t{i}",
            f"Ticket {i}",
            "d",
            vm["name"],
            classification,
            "minimal",
            arm_contact("nadia@northwindcloud.onmicrosoft.com"),
        )
    assert sorted(t["name"] for t in azure.tickets(subscription_id, top=2)) == ["t0", "t1", "t2"]


def test_azure_denials_name_their_rule(signed_in):
    woodgrove_prod = ids.subscription_id("woodgrove-prod")
    refund = "8b6c2e08-cd75-c2d1-7a12-e4daf1e16f2e"
    tailspin = signed_in(upn("tailspin")).as_tenant(DOMAINS["woodgrove"]).azure
    with pytest.raises(ArmForbidden) as caught:  # an indirect reseller: no non-technical tickets (R6)
        tailspin.create_ticket(
            woodgrove_prod,
            "refund",
            "Refund",
            "Charged twice.",
            BILLING_SERVICE,
            refund,
            "minimal",
            arm_contact("desk@tailspinit.onmicrosoft.com"),
        )
    error = caught.value
    assert error.rule == "R6" and error.code == "NonTechnicalTicketRequiresProvider" and error.status == 403
    assert error.info["relationships"] == ["indirectReseller"]
    assert list(tailspin.tickets(woodgrove_prod)) == []
    fabrikam = signed_in(upn("fabrikam")).as_tenant(DOMAINS["woodgrove"]).azure  # the provider may
    filed = fabrikam.create_ticket(
        woodgrove_prod,
        "refund",
        "Refund",
        "Charged twice.",
        BILLING_SERVICE,
        refund,
        "minimal",
        arm_contact("desk@fabrikamdist.onmicrosoft.com"),
    )
    assert filed["properties"]["serviceDisplayName"] == "Billing"

    northwind = signed_in()
    contoso = northwind.as_tenant(DOMAINS["contoso"]).azure
    with pytest.raises(ArmError) as caught:  # the customer's contact, not the partner's (R8)
        contoso.create_ticket(
            ids.subscription_id("contoso-prod"),
            "x",
            "t",
            "d",
            BILLING_SERVICE,
            refund,
            "minimal",
            arm_contact("it@contoso.onmicrosoft.com"),
        )
    assert caught.value.rule == "R8" and caught.value.target == "properties.contactDetails"
    with pytest.raises(ArmForbidden) as caught:  # no RBAC on alpine-prod (R7)
        list(northwind.as_tenant(DOMAINS["alpine"]).azure.tickets(ids.subscription_id("alpine-prod")))
    assert caught.value.rule == "R7"


def test_azure_audiences_per_cloud(signed_in):
    assert CLOUDS["public"]["arm"] == "https://management.azure.com/"
    assert CLOUDS["usgov"]["arm"] == "https://management.usgovcloudapi.net/"
    humongous = signed_in(upn("relecloud"), cloud="usgov").as_tenant(DOMAINS["humongous"])
    assert [s["subscriptionId"] for s in humongous.azure.subscriptions()] == [ids.subscription_id("humongous-gov")]
