"""A ticket's life by the world's clock (docs/tickets.md, "A ticket's life"), seen through HTTP: the control
plane's clock (POST /sim/worlds/default/clock) moves it; the engineer, Microsoft's questions and the statuses
read the same on every surface that shows the ticket, and on every read. And Microsoft's own catalogue ids work.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.domain import tickets as life
from simulator.domain.support_catalog import (
    BILLING_SERVICE,
    QUOTA_SERVICE,
    SERVICES_BY_ID,
    SUBSCRIPTION_MANAGEMENT_SERVICE,
)
from simulator.worlds import ids

from .personas import ARM_SCOPE, DOMAINS, bearer, tid, upn

PROVIDER = "/providers/Microsoft.Support"
NORTHWIND = upn("northwind")
CONTOSO_PROD = ids.subscription_id("contoso-prod")
M365 = "https://admin.microsoft.com/.default"
# Microsoft's own ids (docs/fidelity.md, "Catalogue"): Virtual Machine running Linux and its "guest OS crashing
# or failing to boot" classification (the Azure CLI support extension's tests file tickets with both).
VM_LINUX = "cddd3eb5-1830-b494-44fd-782f691479dc"
VM_LINUX_BOOT = "6fb3a706-abe9-0693-1544-72e848334a9f"
CORES_QUOTA = "e12e3d1d-7fa0-af33-c6d0-3c50df9658a3"


@pytest.fixture
def clock(client):
    """Move the default world's clock through the control plane; returns the world's new time."""

    def advance(delta: timedelta) -> str:
        moved = client.post("/sim/worlds/default/clock", json={"advance": f"PT{int(delta.total_seconds())}S"})
        assert moved.status_code == 200, moved.get_json()
        return moved.get_json()["now"]

    return advance


@pytest.fixture
def arm(client, sign_in):
    """Call ARM as ``user`` in ``tenant`` (signing in each time: tokens live an hour of world time)."""

    def call(method: str, path: str, json: dict | None = None, user: str = NORTHWIND, api: str = "2024-04-01"):
        token = sign_in(user, DOMAINS["contoso"], scope=ARM_SCOPE)
        url = f"/azure{path}{'&' if '?' in path else '?'}api-version={api}"
        return client.open(url, method=method, json=json, headers=bearer(token))

    return call


def ticket_body(service: str, classification: str, severity: str = "critical", **props) -> dict:
    return {
        "properties": {
            "serviceId": f"{PROVIDER}/services/{service}",
            "problemClassificationId": f"{PROVIDER}/services/{service}/problemClassifications/{classification}",
            "title": "VM does not boot",
            "description": "The guest OS stops at the boot loader since the last update.",
            "severity": severity,
            "advancedDiagnosticConsent": "Yes",
            "contactDetails": {
                "firstName": "Nadia",
                "lastName": "Partner",
                "preferredContactMethod": "email",
                "primaryEmailAddress": "support@northwindcloud.onmicrosoft.com",
                "preferredTimeZone": "Pacific Standard Time",
                "country": "usa",
                "preferredSupportLanguage": "en-US",
            },
            **props,
        }
    }


TICKET = f"/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets/vm-boot"


def test_an_azure_tickets_life_engineer_question_updating_closed(arm, clock):
    created = arm("PUT", TICKET, ticket_body(VM_LINUX, VM_LINUX_BOOT))
    assert created.status_code == 200, created.get_json()
    props = created.get_json()["properties"]
    ticket_id, engineer = props["supportTicketId"], life.engineer_for(props["supportTicketId"])
    assert props["status"] == "Open" and props["supportEngineer"] == {"emailAddress": None}
    assert props["serviceLevelAgreement"]["slaMinutes"] == 60  # critical: an hour
    communications = f"{TICKET}/communications"

    # Half the response time later (30 minutes for critical) the engineer is assigned; no question yet.
    clock(timedelta(minutes=29))
    assert arm("GET", TICKET).get_json()["properties"]["supportEngineer"] == {"emailAddress": None}
    clock(timedelta(minutes=1))
    props = arm("GET", TICKET).get_json()["properties"]
    assert props["supportEngineer"] == {"emailAddress": engineer.email} and props["status"] == "Open"
    assert arm("GET", communications).get_json()["value"] == []

    # At the response time the engineer asks: an inbound communication from the engineer.
    clock(timedelta(minutes=30))
    (question,) = arm("GET", communications).get_json()["value"]
    assert question["properties"]["communicationDirection"] == "inbound"
    assert question["properties"]["sender"] == engineer.email
    assert question["properties"]["body"] == life.ENGINEER_QUESTION
    assert question["properties"]["subject"] == f"RE: VM does not boot - TrackingID#{ticket_id}"
    assert question["properties"]["createdDate"] == props["serviceLevelAgreement"]["expirationTime"]
    first_read = arm("GET", TICKET).get_json()
    assert first_read["properties"]["status"] == "Open"  # Open: waiting for the customer
    assert arm("GET", TICKET).get_json() == first_read  # stored: the same on every read
    assert arm("GET", f"{communications}/{question['name']}").get_json() == question

    # The customer answers: the ticket waits for Microsoft, "Updating" (the spec's value).
    reply = {"properties": {"subject": "RE", "body": "It started after the 06:00 UTC update."}}
    assert arm("PUT", f"{communications}/reply", reply).status_code == 200
    assert arm("GET", TICKET).get_json()["properties"]["status"] == "Updating"
    listed = lambda status: [  # noqa: E731
        t["name"]
        for t in arm(
            "GET", f"/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets?$filter=status eq '{status}'"
        ).get_json()["value"]
    ]
    assert listed("Updating") == ["vm-boot"] and listed("Open") == [] and listed("Closed") == []

    # One response time later, the engineer's follow-up: Open again.
    clock(timedelta(hours=1))
    listing = arm("GET", communications).get_json()["value"]
    assert [c["properties"]["communicationDirection"] for c in listing] == ["inbound", "outbound", "inbound"]
    assert listing[0]["properties"]["body"] == life.FOLLOW_UP_QUESTION
    assert arm("GET", TICKET).get_json()["properties"]["status"] == "Open" and listed("Open") == ["vm-boot"]

    # Seven days without an answer close it; the engineer stays.
    clock(timedelta(days=7))
    props = arm("GET", TICKET).get_json()["properties"]
    assert props["status"] == "Closed" and props["supportEngineer"] == {"emailAddress": engineer.email}
    assert arm("GET", communications).get_json()["value"][0]["properties"]["body"] == life.AUTO_CLOSE_NOTE
    assert listed("Closed") == ["vm-boot"]


def test_the_same_azure_ticket_reads_the_same_in_partner_center(arm, clock, client, sign_in):
    created = arm("PUT", TICKET, ticket_body(VM_LINUX, VM_LINUX_BOOT, severity="moderate")).get_json()
    ticket_id = created["properties"]["supportTicketId"]
    engineer = life.engineer_for(ticket_id)
    pc = lambda method, **kw: client.open(  # noqa: E731
        f"/partnercenter/v1/servicerequests/{ticket_id}", method=method, headers=bearer(sign_in(NORTHWIND)), **kw
    )
    assert pc("GET").get_json()["status"] == "open"
    clock(timedelta(hours=4))  # moderate: four hours
    sr = pc("GET").get_json()
    (question,) = arm("GET", f"{TICKET}/communications").get_json()["value"]
    assert sr["status"] == "attention_needed"
    assert sr["notes"] == [
        {
            "createdByName": engineer.name,
            "createdDate": question["properties"]["createdDate"],
            "text": question["properties"]["body"],
        }
    ]
    # The partner answers in Partner Center: Azure shows the answer, and the ticket waiting for Microsoft.
    assert pc("PATCH", json={"NewNote": {"Text": "Started at 06:00 UTC."}}).status_code == 200
    ticket = arm("GET", TICKET).get_json()["properties"]
    assert ticket["status"] == "Updating" and ticket["supportEngineer"] == {"emailAddress": engineer.email}
    listing = arm("GET", f"{TICKET}/communications").get_json()["value"]
    assert [(c["properties"]["communicationDirection"], c["properties"]["body"]) for c in listing] == [
        ("outbound", "Started at 06:00 UTC."),
        ("inbound", life.ENGINEER_QUESTION),
    ]
    assert pc("GET").get_json()["status"] == "open"


def test_the_same_request_reads_the_same_in_partner_center_and_the_m365_admin_center(client, sign_in, clock):
    pc_token = lambda: bearer(sign_in(NORTHWIND))  # noqa: E731
    sr = client.post(
        f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
        headers=pc_token(),
        json={"Title": "Mail is delayed", "Description": "d", "Severity": "minimal", "SupportTopicId": 32444671},
    ).get_json()
    clock(timedelta(hours=8))  # minimal: eight hours
    m365 = lambda: bearer(sign_in(NORTHWIND, tenant="contoso.onmicrosoft.com", scope=M365))  # noqa: E731
    on_m365 = client.get(f"/m365admin/v1.0/support/serviceRequests/{sr['id']}", headers=m365()).get_json()
    on_pc = client.get(f"/partnercenter/v1/servicerequests/{sr['id']}", headers=pc_token()).get_json()
    engineer = life.engineer_for(sr["id"])
    assert on_pc["status"] == "attention_needed" and on_m365["status"] == "attentionNeeded"
    assert [(n["createdByName"], n["text"]) for n in on_pc["notes"]] == [(engineer.name, life.ENGINEER_QUESTION)]
    assert [(n["author"], n["authorType"], n["text"]) for n in on_m365["notes"]] == [
        (engineer.name, "microsoft", life.ENGINEER_QUESTION)
    ]
    noted = client.post(
        f"/m365admin/v1.0/support/serviceRequests/{sr['id']}/notes", json={"text": "All users."}, headers=m365()
    )
    assert noted.status_code == 201
    on_pc = client.get(f"/partnercenter/v1/servicerequests/{sr['id']}", headers=pc_token()).get_json()
    assert on_pc["status"] == "open" and on_pc["notes"][-1]["text"] == "All users."


def test_a_changed_severity_moves_the_next_step(arm, clock):
    created = arm("PUT", TICKET, ticket_body(VM_LINUX, VM_LINUX_BOOT, severity="minimal")).get_json()
    assert arm("PATCH", TICKET, {"severity": "critical"}).status_code == 200
    clock(timedelta(hours=1))  # critical's response time, not minimal's eight hours
    props = arm("GET", TICKET).get_json()["properties"]
    assert props["supportEngineer"]["emailAddress"] == life.engineer_for(created["properties"]["supportTicketId"]).email
    assert [
        c["properties"]["communicationDirection"] for c in arm("GET", f"{TICKET}/communications").get_json()["value"]
    ] == ["inbound"]


def test_closed_by_hand_before_an_engineer_gets_none(arm, clock):
    arm("PUT", TICKET, ticket_body(VM_LINUX, VM_LINUX_BOOT))
    assert arm("PATCH", TICKET, {"status": "closed"}).status_code == 200
    clock(timedelta(days=9))
    props = arm("GET", TICKET).get_json()["properties"]
    assert props["status"] == "Closed" and props["supportEngineer"] == {"emailAddress": None}
    assert arm("GET", f"{TICKET}/communications").get_json()["value"] == []


# --- Microsoft's catalogue ids ------------------------------------------------------------------------------------
def test_microsofts_service_and_classification_ids_work(arm):
    service = arm("GET", f"{PROVIDER}/services/{VM_LINUX}").get_json()
    assert service == {
        "id": f"{PROVIDER}/services/{VM_LINUX}",
        "name": VM_LINUX,
        "type": "Microsoft.Support/services",
        "properties": {
            "displayName": "Virtual Machine running Linux",
            "resourceTypes": ["MICROSOFT.CLASSICCOMPUTE/VIRTUALMACHINES", "MICROSOFT.COMPUTE/VIRTUALMACHINES"],
        },
    }
    classifications = arm("GET", f"{PROVIDER}/services/{VM_LINUX}/problemClassifications").get_json()["value"]
    boot = next(c for c in classifications if c["name"] == VM_LINUX_BOOT)
    assert boot["id"] == f"{PROVIDER}/services/{VM_LINUX}/problemClassifications/{VM_LINUX_BOOT}"
    assert arm("GET", f"{PROVIDER}/services/{VM_LINUX}/problemClassifications/{VM_LINUX_BOOT}").get_json() == boot
    created = arm("PUT", TICKET, ticket_body(VM_LINUX, VM_LINUX_BOOT)).get_json()["properties"]
    assert created["serviceId"] == f"{PROVIDER}/services/{VM_LINUX}"
    assert created["serviceDisplayName"] == "Virtual Machine running Linux"
    assert created["problemClassificationId"] == boot["id"]
    assert created["problemClassificationDisplayName"] == boot["properties"]["displayName"]
    # Quota, filed by the subscription's provider (R6) with Microsoft's "Compute-VM (cores-vCPUs)" id.
    quota = arm("PUT", TICKET.replace("vm-boot", "cores"), ticket_body(QUOTA_SERVICE, CORES_QUOTA)).get_json()
    assert quota["properties"]["problemClassificationDisplayName"] == (
        "Compute-VM (cores-vCPUs) subscription limit increases"
    )


@pytest.mark.parametrize(
    "service, name",
    [
        (BILLING_SERVICE, "Billing"),
        (SUBSCRIPTION_MANAGEMENT_SERVICE, "Subscription management"),
        (QUOTA_SERVICE, "Service and subscription limits (quotas)"),
        ("6f16735c-b0ae-b275-ad3a-03479cfa1396", "Virtual Machine running Windows"),
        ("95412dd5-f222-a91f-98a6-144a84418c66", "SQL Database"),
        ("5a3a423f-8667-9095-1770-0a554a934512", "Kubernetes Service (AKS)"),
        ("a2c69e6c-34b6-fc5d-0f35-b496a071c28d", "Blob Storage"),
        ("1890289e-747c-7ef6-b4f5-b1dbb0bead28", "Web App (Windows)"),
        ("b25271d3-6431-dfbc-5f12-5693326809b3", "Virtual Network"),
    ],
)
def test_the_common_services_have_microsofts_ids(arm, service, name):
    got = arm("GET", f"{PROVIDER}/services/{service}").get_json()
    assert got["properties"]["displayName"] == name == SERVICES_BY_ID[service].display_name
    assert arm("GET", f"{PROVIDER}/services/{service}/problemClassifications").get_json()["value"]


def test_a_create_without_consent_stores_no(arm):
    """api-version 2020-04-01 has no advancedDiagnosticConsent; the ticket still has one (2024-04-01 requires it)."""
    body = ticket_body(VM_LINUX, VM_LINUX_BOOT)
    del body["properties"]["advancedDiagnosticConsent"]
    old = arm("PUT", TICKET, body, api="2020-04-01")
    assert old.status_code == 200, old.get_json()
    assert arm("GET", TICKET).get_json()["properties"]["advancedDiagnosticConsent"] == "No"
