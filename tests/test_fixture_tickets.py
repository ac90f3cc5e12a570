"""Tickets in a scenario fixture (fixtures/README.md, "Ticket"), seen the way users see them: a world made from
tests/fixtures/default_with_tickets.yaml shows each ticket on every surface that should show it, and tickets filed
after the load get ids of their own. The broken ticket fixtures are in tests/test_fixture_validation.py."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.domain import tickets as ticket_rules
from simulator.domain.support_catalog import AZURE_SERVICES
from simulator.worlds import FixtureInvalid, ids, load_fixture

from .personas import ARM_SCOPE, CLI_CLIENT_ID, DOMAINS, PASSWORD, PC_SCOPE, bearer, tid, upn

FIXTURE = Path(__file__).parent / "fixtures" / "default_with_tickets.yaml"
M365_SCOPE = "https://admin.microsoft.com/.default"
API = "api-version=2024-04-01"
PROVIDER = "/providers/Microsoft.Support"
CONTOSO_PROD = ids.subscription_id("contoso-prod")
# "2", the creation date (yymmdd), the fixture's number on eight digits
VM_DOWN, MAIL_DELAYED, TEAMS, INVOICE, AGREEMENT = (
    "226011200000001",
    "226011300000002",
    "226010500000003",
    "226011100000004",
    "226010900000007",
)


@pytest.fixture
def world(client):
    """(prefix, token(user, tenant, scope)) of a new world from the fixture with tickets (frozen clock)."""
    created = client.post(
        "/sim/worlds",
        json={"id": f"tickets-{uuid.uuid4().hex[:8]}", "scenario": str(FIXTURE.resolve()), "frozen": True},
    )
    assert created.status_code == 201, created.get_json()
    prefix = f"/worlds/{created.get_json()['id']}"

    def token(user: str, tenant: str | None = None, scope: str = PC_SCOPE) -> dict:
        response = client.post(
            f"{prefix}/login/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": user,
                "password": PASSWORD,
                "scope": scope,
            },
        )
        assert response.status_code == 200, response.get_json()
        return bearer(response.get_json()["access_token"])

    yield prefix, token
    assert client.delete(f"/sim/{prefix.lstrip('/')}").status_code == 204


def test_azure_lists_the_subscriptions_tickets(client, world):
    prefix, token = world
    arm = token(upn("northwind"), DOMAINS["contoso"], ARM_SCOPE)
    listed = client.get(
        f"{prefix}/azure/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets?{API}&$top=100", headers=arm
    )
    assert listed.status_code == 200, listed.get_json()
    (ticket,) = listed.get_json()["value"]
    props = ticket["properties"]
    assert ticket["name"] == "vm-down"  # an Azure ticket's key is its ARM name
    assert ticket["id"] == f"/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets/vm-down"
    assert props["supportTicketId"] == VM_DOWN and props["title"] == "Virtual machine does not start"
    assert props["severity"] == "critical" and props["status"] == "Open"
    assert props["createdDate"] == "2026-01-12T10:00:00Z"
    assert props["supportPlanType"] == "Cloud Solution Provider"
    vm = next(s for s in AZURE_SERVICES if s.technical)
    assert props["serviceId"] == f"{PROVIDER}/services/{vm.id}" and props["serviceDisplayName"] == vm.display_name
    assert props["contactDetails"]["primaryEmailAddress"] == "support@northwindcloud.onmicrosoft.com"
    one = client.get(f"{prefix}/azure/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets/vm-down?{API}", headers=arm)
    assert one.status_code == 200 and one.get_json()["properties"]["supportTicketId"] == VM_DOWN


def test_seeded_azure_tickets_have_consent_and_their_engineer(client, world):
    """Every ticket has the spec's required advancedDiagnosticConsent; a seeded ticket filed long enough before the
    clock's start has its support engineer (docs/tickets.md, "A ticket's life")."""
    prefix, token = world
    arm = token(upn("northwind"), DOMAINS["contoso"], ARM_SCOPE)
    one = client.get(f"{prefix}/azure/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets/vm-down?{API}", headers=arm)
    props = one.get_json()["properties"]
    assert props["advancedDiagnosticConsent"] == "No"
    assert props["supportEngineer"] == {"emailAddress": ticket_rules.engineer_for(VM_DOWN).email}
    woodgrove = token(upn("fabrikam"), DOMAINS["woodgrove"], ARM_SCOPE)
    (invoice,) = client.get(f"{prefix}/azure{PROVIDER}/supportTickets?{API}", headers=woodgrove).get_json()["value"]
    assert invoice["properties"]["advancedDiagnosticConsent"] == "No"


def test_a_tenant_level_azure_ticket_is_listed_in_the_tenant(client, world):
    prefix, token = world
    arm = token(upn("fabrikam"), DOMAINS["woodgrove"], ARM_SCOPE)
    listed = client.get(f"{prefix}/azure{PROVIDER}/supportTickets?{API}", headers=arm)
    assert listed.status_code == 200, listed.get_json()
    (ticket,) = listed.get_json()["value"]
    assert ticket["name"] == "invoice-question" and ticket["properties"]["supportTicketId"] == INVOICE
    assert ticket["properties"]["serviceDisplayName"] == "Billing"  # tenant level: a non-technical service


def test_partner_center_lists_every_request_the_partner_filed(client, world):
    prefix, token = world
    listed = client.get(f"{prefix}/partnercenter/v1/servicerequests?size=100", headers=token(upn("northwind")))
    assert listed.status_code == 200, listed.get_json()
    items = {i["id"]: i for i in listed.get_json()["items"]}
    # Northwind's own request, and the customer's two it filed (on Azure and in Partner Center); not the
    # Microsoft 365 request that Contoso's own admin filed, nor Fabrikam's.
    assert set(items) == {VM_DOWN, MAIL_DELAYED, AGREEMENT}
    assert listed.get_json()["totalCount"] == 3
    mail = items[MAIL_DELAYED]
    assert mail["status"] == "attention_needed" and mail["supportTopicId"] == "32444671"
    assert mail["productName"] == "Microsoft 365 (Office 365)"
    assert mail["description"] == "Users see delays of 30 minutes."
    assert [n["createdByName"] for n in mail["notes"]] == ["Microsoft Support"]
    assert mail["organization"]["id"] == tid("northwind")
    assert items[AGREEMENT]["productName"] == "Partner Center"
    assert items[VM_DOWN]["productName"] == "Azure"
    # newest first
    assert [i["id"] for i in listed.get_json()["items"]] == [MAIL_DELAYED, VM_DOWN, AGREEMENT]
    customer = client.get(
        f"{prefix}/partnercenter/v1/customers/{tid('contoso')}/servicerequests", headers=token(upn("northwind"))
    )
    assert {i["id"] for i in customer.get_json()["items"]} == {VM_DOWN, MAIL_DELAYED}


def test_microsoft_365_lists_the_tenants_tickets_but_azure_ones(client, world):
    prefix, token = world
    listed = client.get(
        f"{prefix}/m365admin/v1.0/support/serviceRequests", headers=token(upn("contoso"), scope=M365_SCOPE)
    )
    assert listed.status_code == 200, listed.get_json()
    items = {i["id"]: i for i in listed.get_json()["value"]}
    assert set(items) == {MAIL_DELAYED, TEAMS}
    teams = items[TEAMS]
    assert teams["status"] == "closed" and teams["closedDateTime"] == "2026-01-07T10:00:00Z"
    assert teams["topicCategoryId"] == "microsoft-teams" and teams["partnerTenantId"] is None
    assert teams["contact"] == {
        "name": "Chris Contoso",
        "email": "chris@contoso.com",
        "phone": teams["contact"].get("phone"),
    }
    assert teams["supportPlan"] == "Microsoft 365 standard support"
    assert items[MAIL_DELAYED]["status"] == "attentionNeeded"


def test_new_tickets_are_numbered_after_the_fixtures(client, world):
    prefix, token = world
    arm = token(upn("northwind"), DOMAINS["contoso"], ARM_SCOPE)
    vm = next(s for s in AZURE_SERVICES if s.technical)
    body = {
        "properties": {
            "serviceId": f"{PROVIDER}/services/{vm.id}",
            "problemClassificationId": f"{PROVIDER}/services/{vm.id}/problemClassifications/{vm.classifications[0][0]}",
            "title": "Another VM",
            "description": "Down too.",
            "severity": "moderate",
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
        }
    }
    created = client.put(
        f"{prefix}/azure/subscriptions/{CONTOSO_PROD}{PROVIDER}/supportTickets/vm-two?{API}", json=body, headers=arm
    )
    assert created.status_code in (200, 201), created.get_json()
    first = created.get_json()["properties"]["supportTicketId"]
    assert first.endswith("00000008")  # the fixture's highest number is 7
    filed = client.post(
        f"{prefix}/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
        headers=token(upn("northwind")),
        json={
            "Title": "Mail again",
            "Description": "Still delayed.",
            "Severity": "minimal",
            "SupportTopicId": "32444671",
        },
    )
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["id"].endswith("00000009")
    listed = client.get(f"{prefix}/partnercenter/v1/servicerequests?size=100", headers=token(upn("northwind")))
    ids_listed = [i["id"] for i in listed.get_json()["items"]]
    assert len(ids_listed) == len(set(ids_listed)) == 5


def test_the_fixture_tickets_are_in_the_world_not_in_the_default_world(client, sign_in):
    listed = client.get("/partnercenter/v1/servicerequests?size=100", headers=bearer(sign_in(upn("northwind"))))
    assert listed.status_code == 200 and listed.get_json()["totalCount"] == 0


# --- generated fixtures with tickets ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "tickets.yaml"
    result = CliRunner().invoke(
        main, ["generate", "--customers", "30", "--tickets", "2000", "--seed", "5", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "2000 tickets" in result.output
    return path


def test_generate_with_tickets_is_deterministic_and_valid(generated, tmp_path):
    again = tmp_path / "again.yaml"
    CliRunner().invoke(main, ["generate", "--customers", "30", "--tickets", "2000", "--seed", "5", "-o", str(again)])
    assert again.read_bytes() == generated.read_bytes()
    text = generated.read_text()
    assert json.loads(text) == yaml.safe_load(text)  # JSON, which YAML reads the same
    fixture = load_fixture(generated)
    tickets = [t for tenant in fixture.partners + fixture.customers for t in tenant["tickets"]]
    assert sorted(t["number"] for t in tickets) == list(range(1, 2001))
    origins = Counter(t["origin"] for t in tickets)
    assert origins["azure"] > origins["partnercenter"] > 0 and origins["m365admin"] > 0
    assert abs(origins["partnercenter"] - origins["m365admin"]) <= 2
    per_customer = Counter(c["key"] for c in fixture.customers for _ in c["tickets"])
    assert min(per_customer.values()) >= 60 and len(per_customer) == 30  # spread over every customer
    assert {t["status"] for t in tickets} == {"open", "attention_needed", "closed"}
    assert any(t.get("subscription") for t in tickets if t["origin"] == "azure")
    assert any(not t.get("subscription") for t in tickets if t["origin"] == "azure")
    assert [t["number"] for t in fixture.partners[0]["tickets"]] == [1000, 2000]
    # the same customers with or without tickets
    plain = tmp_path / "plain.yaml"
    CliRunner().invoke(main, ["generate", "--customers", "30", "--seed", "5", "-o", str(plain)])
    strip = [{k: v for k, v in c.items() if k != "tickets"} for c in json.loads(text)["customers"]]
    assert strip == json.loads(plain.read_text())["customers"]


def test_a_world_from_a_generated_fixture_with_tickets(client, generated):
    doc = json.loads(generated.read_text())
    created = client.post("/sim/worlds", json={"scenario": str(generated.resolve()), "frozen": True})
    assert created.status_code == 201, created.get_json()
    prefix = f"/worlds/{created.get_json()['id']}"
    partner = doc["partners"][0]
    token = client.post(
        f"{prefix}/login/{partner['domains'][0]}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": f"admin@{partner['domains'][0]}",
            "password": PASSWORD,
            "scope": PC_SCOPE,
        },
    ).get_json()["access_token"]
    listed = client.get(f"{prefix}/partnercenter/v1/servicerequests?size=100", headers=bearer(token))
    assert listed.status_code == 200, listed.get_json()
    filed = sum(1 for c in doc["customers"] for t in c.get("tickets", []) if t.get("partner") == partner["key"])
    # totalCount is the page's (the SDK's ResourceCollection counts its items); links.next leads on.
    assert listed.get_json()["totalCount"] == len(listed.get_json()["items"]) == 100
    assert "next" in listed.get_json()["links"]
    every, offset = 0, 0
    while True:
        page = client.get(
            f"{prefix}/partnercenter/v1/servicerequests?size=500&offset={offset}", headers=bearer(token)
        ).get_json()
        every += len(page["items"])
        if "next" not in page["links"]:
            break
        offset += 500
    assert every == filed + len(partner["tickets"]) > 100
    assert client.delete(f"/sim/{prefix.lstrip('/')}").status_code == 204


def _errors(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(FixtureInvalid) as info:
        load_fixture(path)
    return [(e.path, e.reason) for e in info.value.errors]


def test_a_json_fixture_reports_the_errors_of_its_yaml_twin(tmp_path):
    """The fast paths (JSON reading, validation) report what the YAML reader and marshmallow report."""
    broken = Path(__file__).parent / "fixtures" / "broken"
    for name in (
        "ticket_bad_status.yaml",
        "ticket_partner_not_related.yaml",
        "bad_workload.yaml",
        "unknown_entity_field.yaml",
        "bad_date.yaml",
    ):
        doc = yaml.safe_load((broken / name).read_text())
        doc["include"] = str((broken / doc["include"]).resolve())
        twin = tmp_path / name.replace(".yaml", ".json.yaml")
        twin.write_text(json.dumps(doc, indent=1))
        assert _errors(twin) == _errors(broken / name), name


@pytest.mark.parametrize("path", [Path(__file__).parents[1] / "fixtures" / "default.yaml", FIXTURE])
def test_the_fast_validation_loads_what_marshmallow_loads(path):
    from simulator.worlds import schemas
    from simulator.worlds.fixtures import ENTITY_LISTS, parse_text

    doc, _ = parse_text(path.read_text())
    if "include" in doc:
        doc = {k: v for k, v in doc.items() if k in ENTITY_LISTS}
    for list_name, schema_cls in ENTITY_LISTS.items():
        for entity in doc.get(list_name, []):
            if set(entity) <= {"key", "tickets"}:
                entity = {**entity, "name": "x", "domains": ["x.example.com"]}
            assert schemas.fast_loader(schema_cls)(entity) == schema_cls().load(entity), entity["key"]
