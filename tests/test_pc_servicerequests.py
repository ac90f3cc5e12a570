"""Partner Center service requests (R1, R2, R3, R9, R11), the "New request" hand-off (R4), the clock moving
tickets along, and service incidents and health (R5) on Partner Center and Graph."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.domain import tickets as ticket_rules
from simulator.worlds import ids

from .personas import GRAPH_SCOPE, bearer, tid, upn

EXCHANGE_TOPIC = 32444671
AZURE_TOPIC = 32444661
PARTNER_CENTER_TOPIC = 32444667
INTUNE_TOPIC = 32444691
DYNAMICS_TOPIC = 32444681


@pytest.fixture
def pc(client, sign_in):
    def call(method: str, path: str, user: str = upn("northwind"), **kwargs):
        token = sign_in(user)
        return client.open(f"/partnercenter/v1{path}", method=method, headers=bearer(token), **kwargs)

    return call


def file_for(pc, customer: str, topic: int = EXCHANGE_TOPIC, user: str = upn("northwind"), **extra):
    body = {
        "Title": "Mail is delayed",
        "Description": "Users see delays of 30 minutes.",
        "Severity": "critical",
        "SupportTopicId": str(topic),
    } | extra
    return pc("POST", f"/customers/{tid(customer)}/servicerequests/en-US", user=user, json=body)


def stored(pc, customer: str, user: str = upn("northwind")) -> int:
    return pc("GET", f"/customers/{tid(customer)}/servicerequests", user=user).get_json().get("totalCount", 0)


def rule_of(response) -> str:
    return response.get_json()["data"][0]["rule"]


def test_support_topics_per_workload(pc):
    body = pc("GET", "/servicerequests/supporttopics").get_json()
    assert body["attributes"] == {"objectType": "Collection"} and body["totalCount"] == len(body["items"])
    names = {t["name"] for t in body["items"]}
    for prefix in ("Azure", "Office 365", "Dynamics CRM Online", "Enterprise Mobility Suite", "Partner Center"):
        assert any(n.startswith(prefix) for n in names)
    topic = next(t for t in body["items"] if t["id"] == PARTNER_CENTER_TOPIC)
    assert topic["attributes"] == {"objectType": "SupportTopic"} and isinstance(topic["id"], int)


@pytest.mark.parametrize("topic", [EXCHANGE_TOPIC, INTUNE_TOPIC])
def test_file_for_a_customer_with_relationship_admin_agent_and_gdap(pc, topic):
    response = file_for(pc, "contoso", topic)
    assert response.status_code == 201, response.get_json()
    sr = response.get_json()
    assert sr["status"] == "open" and sr["severity"] == "critical" and sr["supportTopicId"] == str(topic)
    assert sr["organization"]["name"] == "Northwind Cloud" and sr["attributes"] == {"objectType": "ServiceRequest"}
    assert sr["lastClosedDate"] == "0001-01-01T00:00:00" and sr["createdDate"] == "2026-01-15T09:00:00Z"
    assert sr["primaryContact"]["email"] == upn("northwind")
    listed = pc("GET", f"/customers/{tid('contoso')}/servicerequests").get_json()
    assert [i["id"] for i in listed["items"]] == [sr["id"]]
    assert pc("GET", f"/servicerequests/{sr['id']}").get_json()["title"] == "Mail is delayed"


def test_r1_no_relationship_no_request(pc):
    response = file_for(pc, "woodgrove")
    assert response.status_code == 403 and rule_of(response) == "R1"
    assert "advisor, indirect reseller, direct provider or indirect provider" in response.get_json()["description"]


def test_r1_advisor_may_file(pc):
    response = file_for(pc, "contoso", user=upn("wingtip"))
    assert response.status_code == 201


def test_r2_partner_center_topic_is_not_a_customer_workload(pc):
    response = file_for(pc, "contoso", PARTNER_CENTER_TOPIC)
    assert response.status_code == 400 and rule_of(response) == "R2"
    assert stored(pc, "contoso") == 0


def test_r4_azure_requests_go_through_the_azure_portal(pc):
    response = file_for(pc, "contoso", AZURE_TOPIC)
    assert response.status_code == 400 and rule_of(response) == "R4"
    assert "newrequest/azure" in response.get_json()["description"]


@pytest.mark.parametrize(
    "user, customer, reason",
    [
        (upn("northwind", "sales"), "contoso", "lacks the Partner Center AdminAgent role"),
        (upn("northwind", "newhire"), "contoso", "holds no GDAP role"),
        (upn("northwind"), "fourthcoffee", "is expired"),
        (upn("northwind"), "nod", "is terminated"),
        (upn("northwind"), "tailwind", "no GDAP relationship"),
        (upn("northwind"), "coho", "do not allow support tickets"),
        (upn("proseware"), "lucerne", "is approvalPending"),
    ],
)
def test_r3_admin_agent_and_gdap_support_role(pc, user, customer, reason):
    topic = DYNAMICS_TOPIC if customer == "coho" else EXCHANGE_TOPIC
    response = file_for(pc, customer, topic, user=user)
    assert response.status_code == 403 and rule_of(response) == "R3"
    assert reason in response.get_json()["description"]
    assert stored(pc, customer, upn("proseware") if customer == "lucerne" else upn("northwind")) == 0


def test_r3_app_only_token_cannot_file(client):
    token = client.post(
        f"/login/{tid('northwind')}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ids.app_id("northwind", "psa"),
            "client_secret": "Pcsim-App-Secret-1!",
            "scope": "https://api.partnercenter.microsoft.com/.default",
        },
    ).get_json()["access_token"]
    response = client.post(
        f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
        headers=bearer(token),
        json={"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": EXCHANGE_TOPIC},
    )
    assert (
        response.status_code == 403 and rule_of(response) == "R3" and "App+User" in response.get_json()["description"]
    )


def test_r9_contact_must_be_the_partners(pc):
    response = file_for(
        pc, "contoso", PrimaryContact={"FirstName": "Kim", "LastName": "Akers", "Email": "kim@contoso.com"}
    )
    assert response.status_code == 400 and rule_of(response) == "R9"
    assert stored(pc, "contoso") == 0
    ok = file_for(
        pc,
        "contoso",
        PrimaryContact={"FirstName": "Ann", "LastName": "Beebe", "Email": "ann@northwindcloud.onmicrosoft.com"},
    )
    assert ok.status_code == 201 and ok.get_json()["primaryContact"]["firstName"] == "Ann"


def test_r11_marketplace_product_gets_the_isv_contact(pc):
    response = file_for(pc, "margie", ProductId=ids.subscription_id("margie-trey-backup"))
    assert response.status_code == 400
    data = response.get_json()["data"][0]
    assert data["rule"] == "R11" and data["contact"] == {
        "name": "Trey Research",
        "url": "https://support.treyresearch.example/backup",
        "email": "backup-support@treyresearch.example",
        "phone": "+1 800-555-0199",
    }
    assert "Trey Research" in response.get_json()["description"]
    assert stored(pc, "margie") == 0
    assert file_for(pc, "margie").status_code == 201  # the same customer, about Microsoft 365: allowed


@pytest.mark.parametrize(
    "body, message",
    [
        ({"Title": "t", "Description": "d", "Severity": "urgent", "SupportTopicId": EXCHANGE_TOPIC}, "severity"),
        ({"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": 1}, "Unknown supportTopicId"),
        ({"Description": "d", "Severity": "minimal", "SupportTopicId": EXCHANGE_TOPIC}, "title"),
    ],
)
def test_bad_input_in_partner_center_error_body(pc, body, message):
    response = pc("POST", f"/customers/{tid('contoso')}/servicerequests/en-US", json=body)
    assert response.status_code == 400 and message in response.get_json()["description"]
    assert response.get_json()["code"] == 800002
    assert pc("POST", f"/customers/{tid('contoso')}/servicerequests/xx_bad!", json=body).status_code == 400


def test_partner_level_request_for_partner_center_topics(pc):
    response = pc(
        "POST",
        "/servicerequests/en-US",
        json={
            "Title": "Cannot manage my profile",
            "Description": "d",
            "Severity": "moderate",
            "SupportTopicId": PARTNER_CENTER_TOPIC,
            "Organization": None,
            "Notes": None,
        },
    )
    assert response.status_code == 201 and response.get_json()["productName"] == "Partner Center"
    customer_topic = pc(
        "POST",
        "/servicerequests/en-US",
        json={"Title": "t", "Description": "d", "Severity": "moderate", "SupportTopicId": EXCHANGE_TOPIC},
    )
    assert customer_topic.status_code == 400
    listed = pc("GET", "/servicerequests").get_json()
    assert [i["supportTopicId"] for i in listed["items"]] == [str(PARTNER_CENTER_TOPIC)]


def test_notes_and_status_by_the_clock(pc, advance_clock):
    sr = file_for(pc, "contoso").get_json()
    advance_clock(timedelta(days=1, minutes=1))
    waiting = pc("GET", f"/servicerequests/{sr['id']}").get_json()
    assert waiting["status"] == "attention_needed"
    assert waiting["notes"][0]["createdByName"] == ticket_rules.engineer_for(sr["id"]).name
    assert [i["id"] for i in pc("GET", "/servicerequests?status=attention_needed").get_json()["items"]] == [sr["id"]]
    answered = pc("PATCH", f"/servicerequests/{sr['id']}", json={"NewNote": {"Text": "It started at 06:30 UTC."}})
    assert answered.status_code == 200
    body = answered.get_json()
    assert body["status"] == "open" and body["notes"][-1]["text"] == "It started at 06:30 UTC."
    assert body["lastModifiedDate"] == "2026-01-16T09:01:00Z"
    advance_clock(timedelta(days=1))  # the engineer's follow-up comes one response time (critical: an hour) later
    advance_clock(timedelta(days=7))  # seven days unanswered
    closed = pc("GET", f"/customers/{tid('contoso')}/servicerequests/{sr['id']}").get_json()
    assert closed["status"] == "closed" and closed["lastClosedDate"] == "2026-01-23T10:01:00Z"
    refused = pc("PATCH", f"/servicerequests/{sr['id']}", json={"NewNote": {"Text": "hello?"}})
    assert refused.status_code == 409


def test_close_by_hand_and_not_reopen(pc):
    sr = file_for(pc, "contoso").get_json()
    closed = pc("PATCH", f"/customers/{tid('contoso')}/servicerequests/{sr['id']}", json={"Status": "closed"})
    assert closed.get_json()["status"] == "closed" and closed.get_json()["lastClosedDate"] != "0001-01-01T00:00:00"
    assert pc("PATCH", f"/servicerequests/{sr['id']}", json={"Status": "open"}).status_code == 409
    assert pc("PATCH", f"/servicerequests/{sr['id']}", json={}).status_code == 400


def test_another_partner_never_sees_the_request(pc):
    sr = file_for(pc, "contoso").get_json()
    assert pc("GET", f"/servicerequests/{sr['id']}", user=upn("wingtip")).status_code == 404
    assert pc("GET", f"/customers/{tid('contoso')}/servicerequests", user=upn("wingtip")).get_json()["items"] == []


def test_list_paging(pc):
    ids_filed = [file_for(pc, "contoso", Title=f"r{i}").get_json()["id"] for i in range(5)]
    page = pc("GET", "/servicerequests?size=2").get_json()
    # totalCount is the page's (the SDK's ResourceCollection counts the items it holds); links.next says more.
    assert page["totalCount"] == 2 and len(page["items"]) == 2
    assert page["links"]["next"]["uri"] == "/v1/servicerequests?offset=2&size=2"
    last = pc("GET", "/servicerequests?offset=2&size=10").get_json()
    assert last["totalCount"] == 3 and "next" not in last["links"]
    rest = last["items"]
    assert sorted(i["id"] for i in page["items"] + rest) == sorted(ids_filed)


# --- R4: Service requests > New request ------------------------------------------------------------------


@pytest.mark.parametrize(
    "workload, portal, surface",
    [
        ("azure", "Azure portal", "azure"),
        ("microsoft365", "Microsoft 365 admin center", "m365admin"),
        ("dynamics", "Power Platform admin center (Dynamics)", "m365admin"),
        ("ems", "Microsoft Intune admin center", "m365admin"),
    ],
)
def test_r4_new_request_hands_off_to_the_workloads_portal(pc, workload, portal, surface):
    body = pc("GET", f"/customers/{tid('contoso')}/servicerequests/newrequest/{workload}").get_json()
    assert body["portal"] == portal and body["customerTenantId"] == tid("contoso")
    assert body["domain"] == "contoso.onmicrosoft.com" and body["next"]["surface"] == surface
    assert "contoso" in body["url"] or tid("contoso") in body["url"]
    assert body["next"]["signIn"]["tenant"] == "contoso.onmicrosoft.com"
    if workload == "azure":
        assert body["next"]["subscriptions"] == [ids.subscription_id("contoso-prod")]


@pytest.mark.parametrize(
    "user, customer, workload, rule",
    [
        (upn("wingtip"), "woodgrove", "azure", "R1"),
        (upn("northwind"), "contoso", "marketplace", "R2"),
        (upn("northwind"), "fourthcoffee", "microsoft365", "R3"),
        (upn("northwind", "sales"), "contoso", "azure", "R3"),
    ],
)
def test_r4_hand_off_refused_like_filing(pc, user, customer, workload, rule):
    response = pc("GET", f"/customers/{tid(customer)}/servicerequests/newrequest/{workload}", user=user)
    assert response.status_code in (400, 403) and rule_of(response) == rule


# --- R5: service health and incidents ----------------------------------------------------------------------


def test_r5_partner_center_service_incidents(pc):
    body = pc("GET", "/serviceincidents/office").get_json()
    exchange = next(i for i in body["items"] if i["workload"] == "Exchange Online")
    assert exchange["status"] == "warning"
    assert [i["id"] for i in exchange["incidents"]] == ["EX1001"]
    assert exchange["incidents"][0]["resolved"] is False and exchange["incidents"][0]["messages"]
    one = pc("GET", f"/customers/{tid('contoso')}/serviceincidents/office").get_json()
    assert any(i["id"] == "EX1001" for s in one["items"] for i in s["incidents"])


def test_r5_no_gdap_no_health(pc):
    response = pc("GET", f"/customers/{tid('tailwind')}/serviceincidents/office")
    assert response.status_code == 403 and rule_of(response) == "R5"
    # newhire holds no GDAP role anywhere: the partner-wide view is empty, not an error.
    assert pc("GET", "/serviceincidents/office", user=upn("northwind", "newhire")).get_json()["items"] == []


def test_r5_graph_health_through_gdap(client, sign_in):
    token = sign_in(upn("northwind"), tenant="contoso.onmicrosoft.com", scope=GRAPH_SCOPE)
    body = client.get(
        "/graph/v1.0/admin/serviceAnnouncement/healthOverviews?$expand=issues", headers=bearer(token)
    ).get_json()
    exchange = next(s for s in body["value"] if s["id"] == "Exchange")
    assert exchange["service"] == "Exchange Online" and exchange["status"] == "serviceDegradation"
    assert [i["id"] for i in exchange["issues"]] == ["EX1001"]
    issue = client.get("/graph/v1.0/admin/serviceAnnouncement/issues/EX1001", headers=bearer(token)).get_json()
    assert issue["classification"] == "incident" and issue["isResolved"] is False and issue["posts"]
    assert issue["@odata.context"].endswith("#admin/serviceAnnouncement/issues/$entity")
    issues = client.get("/graph/v1.0/admin/serviceAnnouncement/issues?$top=1", headers=bearer(token)).get_json()
    assert len(issues["value"]) == 1 and "$skip=1" in issues["@odata.nextLink"]
    assert (
        client.get("/graph/v1.0/admin/serviceAnnouncement/healthOverviews/Exchange", headers=bearer(token)).get_json()[
            "status"
        ]
        == "serviceDegradation"
    )


def test_r5_graph_health_needs_a_health_role(client, sign_in):
    user_token = sign_in(upn("contoso", "user"), scope=GRAPH_SCOPE)
    response = client.get("/graph/v1.0/admin/serviceAnnouncement/healthOverviews", headers=bearer(user_token))
    assert response.status_code == 403 and response.get_json()["error"]["innerError"]["rule"] == "R5"
    admin_token = sign_in(upn("contoso"), scope=GRAPH_SCOPE)
    assert (
        client.get("/graph/v1.0/admin/serviceAnnouncement/healthOverviews", headers=bearer(admin_token)).status_code
        == 200
    )
    coho = sign_in(upn("northwind"), tenant="cohowinery.onmicrosoft.com", scope=GRAPH_SCOPE)  # Global Reader
    assert client.get("/graph/v1.0/admin/serviceAnnouncement/issues", headers=bearer(coho)).status_code == 200


@pytest.mark.parametrize("product", ["margie-trey-backup", "trey-backup"])
def test_r11_marketplace_product_by_key(pc, product):
    response = file_for(pc, "margie", ProductId=product)
    assert response.status_code == 400 and rule_of(response) == "R11"


def test_product_id_names_a_subscription_of_the_customer(pc):
    unknown = file_for(pc, "margie", ProductId="no-such-thing")
    assert unknown.status_code == 400 and "neither a marketplace product" in unknown.get_json()["description"]
    ok = file_for(pc, "margie", ProductId="margie-m365")
    assert ok.status_code == 201 and ok.get_json()["productId"] == ids.subscription_id("margie-m365")


# --- Partner Center's fields (partnercenterservices' and the .NET SDK's models) ---------------------------------
def test_contacts_name_their_organization_and_the_note_author_by_address(pc, advance_clock):
    sr = file_for(pc, "contoso").get_json()
    contact = sr["primaryContact"]
    assert contact["email"] == upn("northwind") and contact["contactId"]
    assert contact["organization"] == sr["organization"] and sr["organization"]["name"] == "Northwind Cloud"
    assert sr["lastUpdatedBy"] == contact  # nobody has added a note: the contact made the last change
    advance_clock(timedelta(days=1, minutes=1))  # Microsoft's engineer asks a question (the note names no address)
    asked = pc("GET", f"/servicerequests/{sr['id']}").get_json()
    engineer = asked["notes"][-1]["createdByName"]
    assert engineer != f"{contact['firstName']} {contact['lastName']}"
    assert asked["lastUpdatedBy"]["organization"] is None
    assert f"{asked['lastUpdatedBy']['firstName']} {asked['lastUpdatedBy']['lastName']}".strip() == engineer
    assert not asked["lastUpdatedBy"]["email"]
    noted = pc("PATCH", f"/servicerequests/{sr['id']}", json={"NewNote": {"Text": "More detail."}}).get_json()
    updater = noted["lastUpdatedBy"]
    assert updater["email"] == upn("northwind") and updater["contactId"] == contact["contactId"]
    assert updater["organization"]["name"] == "Northwind Cloud"


def test_a_repeated_ms_request_id_returns_the_first_request(pc, client, sign_in):
    """MS-RequestId is the retry key: the same id again within the window brings back the first request, and
    no second one is made (the docs: "used for idempotency of requests")."""
    token = sign_in(upn("northwind"))
    body = {"Title": "Mail is delayed", "Description": "d", "Severity": "critical", "SupportTopicId": EXCHANGE_TOPIC}
    path = f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US"
    key = {"MS-RequestId": "7d1c3e2a-0000-4000-8000-000000000001"}
    before = stored(pc, "contoso")
    first = client.post(path, headers=bearer(token) | key, json=body)
    again = client.post(path, headers=bearer(token) | key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and stored(pc, "contoso") == before + 1
    other = client.post(path, headers=bearer(token) | {"MS-RequestId": "another"}, json=body)
    assert other.get_json()["id"] != first.get_json()["id"] and stored(pc, "contoso") == before + 2
    # The same key for another customer is a mistake, not a retry.
    elsewhere = f"/partnercenter/v1/customers/{tid('adatum')}/servicerequests/en-US"
    assert client.post(elsewhere, headers=bearer(token) | key, json=body).status_code == 409


def test_a_retry_key_survives_only_its_window(pc, client, sign_in, advance_clock):
    token = sign_in(upn("northwind"))
    body = {"Title": "t", "Description": "d", "Severity": "moderate", "SupportTopicId": PARTNER_CENTER_TOPIC}
    key = {"MS-RequestId": "window-key"}
    first = client.post("/partnercenter/v1/servicerequests/en-US", headers=bearer(token) | key, json=body)
    assert (
        client.post("/partnercenter/v1/servicerequests/en-US", headers=bearer(token) | key, json=body).get_json()["id"]
        == first.get_json()["id"]
    )
    advance_clock(timedelta(hours=25))
    token = sign_in(upn("northwind"))
    later = client.post("/partnercenter/v1/servicerequests/en-US", headers=bearer(token) | key, json=body)
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]


def test_incidents_follow_the_sdk_models(pc):
    """ServiceIncidentDetail (.NET SDK): messageType none|incident|message_center|all; its DateTimes are never
    null; the customer's path is /customers/{id}/serviceincidents/office (the old path still answers)."""
    body = pc("GET", "/serviceincidents/office").get_json()
    details = [d for s in body["items"] for d in s["incidents"] + s["messageCenterMessages"]]
    assert {d["messageType"] for d in details} <= {"incident", "message_center"} and details
    assert all(d["endTime"] and d["requiredBy"] and d["messages"] for d in details)
    assert all("title" not in d for d in details)
    old = pc("GET", f"/customers/{tid('contoso')}/serviceincidents").get_json()
    assert old == pc("GET", f"/customers/{tid('contoso')}/serviceincidents/office").get_json()
