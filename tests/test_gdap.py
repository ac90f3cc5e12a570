"""GDAP on Graph: relationships, their lifecycle and approval, access assignments, and what they grant."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from simulator.domain.catalog import ENTRA_ROLES
from simulator.domain.gdap import SETTLE_TIME
from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, SUPPORT_ROLES, bearer, tid, upn

BASE = "/graph/v1.0/tenantRelationships"
RELS = f"{BASE}/delegatedAdminRelationships"
CONTOSO_REL = ids.gdap_relationship_id("contoso", "northwind-support")
SUPPORT_ENGINEERS = ids.group_id("northwind", "support-engineers")


@pytest.fixture
def graph(client, sign_in):
    """Call Graph as a user (a partner's or a customer's)."""

    def call(method: str, path: str, user: str = upn("northwind"), **kwargs):
        token = sign_in(user, scope=GRAPH_SCOPE)
        return client.open(path, method=method, headers=bearer(token) | kwargs.pop("headers", {}), **kwargs)

    return call


def roles_body(*names: str) -> dict:
    return {"unifiedRoles": [{"roleDefinitionId": ENTRA_ROLES[n]} for n in names]}


def test_list_relationships_real_shape(graph):
    body = graph("GET", RELS).get_json()
    assert body["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#delegatedAdminRelationships"
    )
    rel = next(r for r in body["value"] if r["id"] == CONTOSO_REL)
    assert rel["@odata.type"] == "#microsoft.graph.delegatedAdminRelationship" and rel["@odata.etag"].startswith('W/"')
    assert rel["customer"] == {"tenantId": tid("contoso"), "displayName": "Contoso Ltd"}
    assert rel["status"] == "active" and rel["duration"] == "P730D" and rel["autoExtendDuration"] == "P180D"
    assert rel["endDateTime"] == "2027-06-01T00:00:00Z" and rel["activatedDateTime"] == "2025-06-01T00:00:00Z"
    assert SUPPORT_ROLES <= {r["roleDefinitionId"] for r in rel["accessDetails"]["unifiedRoles"]}
    assert len(body["value"]) == 8  # northwind's relationships, nobody else's


def test_filter_on_status_and_customer(graph):
    expired = graph("GET", RELS, query_string={"$filter": "status eq 'expired'"}).get_json()["value"]
    assert [r["customer"]["tenantId"] for r in expired] == [tid("fourthcoffee")]
    both = graph(
        "GET", RELS, query_string={"$filter": f"customer/tenantId eq '{tid('contoso')}' and status eq 'active'"}
    ).get_json()["value"]
    assert [r["id"] for r in both] == [CONTOSO_REL]
    bad = graph("GET", RELS, query_string={"$filter": "startswith(displayName,'N')"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "BadRequest"


def test_top_and_next_link_walk_every_relationship_once(graph, client, sign_in):
    token = sign_in(upn("northwind"), scope=GRAPH_SCOPE)
    seen, url = [], f"{RELS}?$top=2"
    while url:
        body = client.get(url.replace("http://localhost", ""), headers=bearer(token)).get_json()
        assert len(body["value"]) <= 2
        seen += [r["id"] for r in body["value"]]
        url = body.get("@odata.nextLink")
    assert len(seen) == len(set(seen)) == 8
    assert graph("GET", RELS, query_string={"$top": "301"}).status_code == 400


def test_access_assignments_of_a_relationship(graph):
    body = graph("GET", f"{RELS}/{CONTOSO_REL}/accessAssignments").get_json()
    containers = {a["accessContainer"]["accessContainerId"]: a for a in body["value"]}
    support = containers[SUPPORT_ENGINEERS]
    assert support["status"] == "active" and support["accessContainer"]["accessContainerType"] == "securityGroup"
    assert {r["roleDefinitionId"] for r in support["accessDetails"]["unifiedRoles"]} == SUPPORT_ROLES


def test_other_partners_relationships_are_invisible(graph):
    response = graph("GET", f"{RELS}/{CONTOSO_REL}", user=upn("fabrikam"))
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "Request_ResourceNotFound" and {"date", "request-id"} <= set(error["innerError"])


def test_whole_lifecycle_create_lock_approve_assign_then_sign_in(graph, token_response, advance_clock):
    # Tailwind has no GDAP relationship: nobody at Northwind can act there.
    assert token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com").status_code == 400
    created = graph(
        "POST",
        RELS,
        json={
            "displayName": "Northwind support for Tailwind",
            "duration": "P180D",
            "customer": {"tenantId": tid("tailwind")},
            "accessDetails": roles_body("Service Support Administrator", "Helpdesk Administrator"),
        },
    )
    assert created.status_code == 201, created.get_json()
    rel = created.get_json()
    assert rel["status"] == "created" and rel["activatedDateTime"] is None and rel["endDateTime"] is None
    rid = rel["id"]
    assert rid.endswith(tid("tailwind"))
    assert created.headers["Location"] == f"http://localhost{RELS}/{rid}"
    assert graph("PATCH", f"{RELS}/{rid}", json={"displayName": "no etag"}).status_code == 400  # If-Match required

    renamed = graph(
        "PATCH", f"{RELS}/{rid}", json={"displayName": "Tailwind support"}, headers={"If-Match": rel["@odata.etag"]}
    )
    assert renamed.status_code == 200 and renamed.get_json()["displayName"] == "Tailwind support"
    stale = graph("PATCH", f"{RELS}/{rid}", json={"displayName": "x"}, headers={"If-Match": rel["@odata.etag"]})
    assert stale.status_code == 412

    # Only the customer's Global Administrator approves, and only once locked for approval.
    assert graph("POST", f"{RELS}/{rid}/requests", user=upn("tailwind"), json={"action": "approve"}).status_code == 409
    lock = graph("POST", f"{RELS}/{rid}/requests", json={"action": "lockForApproval"})
    assert lock.status_code == 201 and lock.get_json()["status"] == "created"
    assert lock.headers["Location"] == f"http://localhost{RELS}/{rid}/requests/{lock.get_json()['id']}"
    # The request settles by the world's clock: created -> pending -> succeeded.
    assert graph("GET", f"{RELS}/{rid}").get_json()["status"] == "created"
    assert graph("POST", f"{RELS}/{rid}/requests", json={"action": "lockForApproval"}).status_code == 409
    advance_clock(timedelta(seconds=1))
    assert graph("GET", f"{RELS}/{rid}/requests/{lock.get_json()['id']}").get_json()["status"] == "pending"
    advance_clock(SETTLE_TIME)
    assert [r["status"] for r in graph("GET", f"{RELS}/{rid}/requests").get_json()["value"]] == ["succeeded"]
    assert graph("GET", f"{RELS}/{rid}").get_json()["status"] == "approvalPending"
    assert graph("POST", f"{RELS}/{rid}/requests", json={"action": "approve"}).status_code == 403
    assert (
        graph("POST", f"{RELS}/{rid}/requests", user=upn("tailwind", "user"), json={"action": "approve"}).status_code
        == 403
    )
    assert graph("GET", f"{RELS}/{rid}", user=upn("tailwind")).get_json()["status"] == "approvalPending"
    approved = graph("POST", f"{RELS}/{rid}/requests", user=upn("tailwind"), json={"action": "approve"})
    assert approved.status_code == 201
    approving = graph("GET", f"{RELS}/{rid}").get_json()
    assert approving["status"] == "approved" and approving["activatedDateTime"] is None
    advance_clock(timedelta(seconds=1))
    assert graph("GET", f"{RELS}/{rid}").get_json()["status"] == "activating"
    assert token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com").status_code == 400
    advance_clock(SETTLE_TIME)
    active = graph("GET", f"{RELS}/{rid}").get_json()
    assert active["status"] == "active"
    assert active["activatedDateTime"] == "2026-01-15T09:00:21Z" and active["endDateTime"] == "2026-07-14T09:00:21Z"

    # Active, but no access assignment yet: still no token.
    refused = token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com")
    assert "no active access assignment" in refused.get_json()["error_description"]

    too_much = graph(
        "POST",
        f"{RELS}/{rid}/accessAssignments",
        json={
            "accessContainer": {"accessContainerId": SUPPORT_ENGINEERS, "accessContainerType": "securityGroup"},
            "accessDetails": roles_body("Global Administrator"),
        },
    )
    assert too_much.status_code == 400 and "not granted by the relationship" in too_much.get_json()["error"]["message"]
    foreign_group = graph(
        "POST",
        f"{RELS}/{rid}/accessAssignments",
        json={
            "accessContainer": {"accessContainerId": ids.group_id("fabrikam", "support-engineers")},
            "accessDetails": roles_body("Helpdesk Administrator"),
        },
    )
    assert foreign_group.status_code == 400
    assigned = graph(
        "POST",
        f"{RELS}/{rid}/accessAssignments",
        json={
            "accessContainer": {"accessContainerId": SUPPORT_ENGINEERS, "accessContainerType": "securityGroup"},
            "accessDetails": roles_body("Helpdesk Administrator"),
        },
    )
    assert assigned.status_code == 201 and assigned.get_json()["status"] == "pending"
    aid = assigned.get_json()["id"]
    assert assigned.headers["Location"] == f"http://localhost{RELS}/{rid}/accessAssignments/{aid}"
    duplicate = graph(
        "POST",
        f"{RELS}/{rid}/accessAssignments",
        json={
            "accessContainer": {"accessContainerId": SUPPORT_ENGINEERS},
            "accessDetails": roles_body("Helpdesk Administrator"),
        },
    )
    assert duplicate.status_code == 409

    # Pending: nobody holds its roles yet; active once it settles.
    assert (
        "no active access assignment"
        in token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com").get_json()["error_description"]
    )
    advance_clock(SETTLE_TIME)
    assert graph("GET", f"{RELS}/{rid}/accessAssignments/{aid}").get_json()["status"] == "active"
    token = token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com", scope=GRAPH_SCOPE)
    assert token.status_code == 200
    import jwt

    wids = jwt.decode(token.get_json()["access_token"], options={"verify_signature": False})["wids"]
    assert wids == [ENTRA_ROLES["Helpdesk Administrator"]]

    # Once past 'created', only auto-extension may change.
    current = graph("GET", f"{RELS}/{rid}").get_json()["@odata.etag"]
    assert graph("PATCH", f"{RELS}/{rid}", json={"duration": "P90D"}, headers={"If-Match": current}).status_code == 409

    # An access assignment's update is a long-running operation (202, Location, Retry-After).
    assignment_url = f"{RELS}/{rid}/accessAssignments/{aid}"
    new_roles = {"accessDetails": roles_body("Helpdesk Administrator", "Service Support Administrator")}
    assert graph("PATCH", assignment_url, json=new_roles).status_code == 400  # no If-Match
    etag = graph("GET", assignment_url).get_json()["@odata.etag"]
    widened = graph("PATCH", assignment_url, json=new_roles, headers={"If-Match": etag})
    assert widened.status_code == 202 and widened.get_json() == {} and widened.headers["Retry-After"] == "10"
    operation_url = widened.headers["Location"].removeprefix("http://localhost")
    assert operation_url.startswith(f"{RELS}/{rid}/operations/")
    operation = graph("GET", operation_url).get_json()
    assert operation["status"] == "notStarted" and operation["operationType"] == "delegatedAdminAccessAssignmentUpdate"
    assert json.loads(operation["data"])["accessDetails"] == new_roles["accessDetails"]
    advance_clock(SETTLE_TIME)
    assert [o["status"] for o in graph("GET", f"{RELS}/{rid}/operations").get_json()["value"]] == ["succeeded"]
    etag = graph("GET", assignment_url).get_json()["@odata.etag"]
    same = graph("PATCH", assignment_url, json=new_roles, headers={"If-Match": etag})
    assert same.status_code == 200 and same.get_json()["status"] == "active"  # nothing to change: the assignment

    assert graph("DELETE", assignment_url).status_code == 400  # no If-Match
    assert graph("DELETE", assignment_url, headers={"If-Match": etag}).status_code == 204
    assert graph("GET", assignment_url).get_json()["status"] == "deleting"
    assert token_response(upn("northwind"), tenant="tailwindtraders.onmicrosoft.com").status_code == 400
    advance_clock(SETTLE_TIME)
    assert graph("GET", assignment_url).get_json()["status"] == "deleted"


def test_terminate_ends_access_at_once(graph, token_response, advance_clock):
    assert token_response(upn("northwind"), tenant="adatum.onmicrosoft.com").status_code == 200
    rid = ids.gdap_relationship_id("adatum", "northwind-support")
    terminate = graph("POST", f"{RELS}/{rid}/requests", json={"action": "terminate"})
    assert terminate.status_code == 201 and terminate.get_json()["status"] == "created"
    assert graph("GET", f"{RELS}/{rid}").get_json()["status"] == "terminationRequested"
    refused = token_response(upn("northwind"), tenant="adatum.onmicrosoft.com")
    assert refused.status_code == 400 and "terminationRequested" in refused.get_json()["error_description"]
    advance_clock(timedelta(seconds=1))
    assert graph("GET", f"{RELS}/{rid}").get_json()["status"] == "terminating"
    assert graph("POST", f"{RELS}/{rid}/requests", json={"action": "terminate"}).status_code == 409
    advance_clock(SETTLE_TIME)
    ended = graph("GET", f"{RELS}/{rid}").get_json()
    assert ended["status"] == "terminated" and ended["endDateTime"] == "2026-01-15T09:00:10Z"
    refused = token_response(upn("northwind"), tenant="adatum.onmicrosoft.com")
    assert refused.status_code == 400 and "terminated" in refused.get_json()["error_description"]
    again = graph("POST", f"{RELS}/{rid}/requests", json={"action": "terminate"})
    assert again.status_code == 409
    requests = graph("GET", f"{RELS}/{rid}/requests").get_json()
    assert requests["@odata.context"] == "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#requests"
    assert [(r["action"], r["status"]) for r in requests["value"]] == [("terminate", "succeeded")]
    # The customer's Global Administrator reads the relationship's requests too; other partners do not.
    assert graph("GET", f"{RELS}/{rid}/requests", user=upn("adatum")).status_code == 200
    assert graph("GET", f"{RELS}/{rid}/requests", user=upn("fabrikam")).status_code == 404
    assert (
        graph("GET", f"{RELS}/{rid}/requests", query_string={"$filter": "status eq 'pending'"}).get_json()["value"]
        == []
    )
    bad = graph("GET", f"{RELS}/{rid}/requests", query_string={"$filter": "displayName eq 'x'"})
    assert bad.status_code == 400 and "requests support $filter on status only" in bad.get_json()["error"]["message"]
    assert graph("GET", f"{RELS}/{rid}/requests/nope").status_code == 404
    assert graph("GET", f"{RELS}/{rid}/operations/nope").status_code == 404


def test_only_admin_agents_manage_relationships(graph):
    response = graph(
        "POST",
        RELS,
        user=upn("northwind", "sales"),
        json={"displayName": "x", "duration": "P30D", "accessDetails": roles_body("Helpdesk Administrator")},
    )
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "Authorization_RequestDenied" and error["innerError"]["rule"] == "R3"
    assert "AdminAgent" in error["message"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"duration": "P30D", "accessDetails": roles_body("Helpdesk Administrator")}, "displayName"),
        ({"displayName": "x", "duration": "P800D", "accessDetails": roles_body("Helpdesk Administrator")}, "P730D"),
        ({"displayName": "x", "duration": "soon", "accessDetails": roles_body("Helpdesk Administrator")}, "ISO 8601"),
        (
            {"displayName": "x", "duration": "P30D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "nope"}]}},
            "unknown role",
        ),
        (
            {
                "displayName": "x",
                "duration": "P30D",
                "autoExtendDuration": "P180D",
                "accessDetails": roles_body("Global Administrator"),
            },
            "cannot auto-extend",
        ),
        (
            {
                "displayName": "x",
                "duration": "P30D",
                "customer": {"tenantId": tid("northwind")},
                "accessDetails": roles_body("Helpdesk Administrator"),
            },
            "was not found",
        ),
        (
            {
                "displayName": "x",
                "duration": "P30D",
                "customer": {"tenantId": tid("humongous")},
                "accessDetails": roles_body("Helpdesk Administrator"),
            },
            "R14",
        ),
        (
            {
                "displayName": "Northwind support",
                "duration": "P30D",
                "accessDetails": roles_body("Helpdesk Administrator"),
            },
            "already exists",
        ),
        (
            {
                "displayName": "x",
                "duration": "P30D",
                "accessDetails": roles_body("Helpdesk Administrator"),
                "color": "red",
            },
            "color",
        ),
    ],
)
def test_create_relationship_validation(graph, body, message):
    response = graph("POST", RELS, json=body)
    assert response.status_code in (400, 409)
    assert message in response.get_json()["error"]["message"]


def test_not_json_body_is_a_graph_error(graph):
    response = graph("POST", RELS, data="not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "BadRequest"


def test_delete_only_while_created(graph):
    created = graph(
        "POST",
        RELS,
        json={"displayName": "draft", "duration": "P30D", "accessDetails": roles_body("Helpdesk Administrator")},
    ).get_json()
    assert graph("DELETE", f"{RELS}/{created['id']}").status_code == 400  # If-Match is required
    deleted = graph("DELETE", f"{RELS}/{created['id']}", headers={"If-Match": created["@odata.etag"]})
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert graph("GET", f"{RELS}/{created['id']}").status_code == 404
    assert graph("DELETE", f"{RELS}/{CONTOSO_REL}", headers={"If-Match": "*"}).status_code == 409


def test_delegated_admin_customers(graph):
    body = graph("GET", f"{BASE}/delegatedAdminCustomers").get_json()
    assert {c["tenantId"] for c in body["value"]} == {
        tid(k) for k in ("contoso", "adatum", "litware", "fourthcoffee", "nod", "coho", "alpine", "margie")
    }
    one = graph("GET", f"{BASE}/delegatedAdminCustomers/{tid('contoso')}").get_json()
    assert one["displayName"] == "Contoso Ltd"
    assert graph("GET", f"{BASE}/delegatedAdminCustomers/{tid('tailwind')}").status_code == 404
    details = graph("GET", f"{BASE}/delegatedAdminCustomers/{tid('contoso')}/serviceManagementDetails").get_json()
    assert details["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#delegatedAdminCustomers/"
        f"{tid('contoso')}/serviceManagementDetails"
    )
    urls = {d["serviceName"]: d["serviceManagementUrl"] for d in details["value"]}
    assert urls["Teams"] == "https://admin.teams.microsoft.com/?delegatedOrg=contoso.onmicrosoft.com"
    assert tid("contoso") in urls["Microsoft 365 admin center"]
    assert graph("GET", f"{BASE}/delegatedAdminCustomers/{tid('tailwind')}/serviceManagementDetails").status_code == 404


def test_app_with_read_write_permission(client):
    token = client.post(
        f"/login/{tid('northwind')}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ids.app_id("northwind", "psa"),
            "client_secret": "Pcsim-App-Secret-1!",
            "scope": GRAPH_SCOPE,
        },
    ).get_json()["access_token"]
    assert len(client.get(RELS, headers=bearer(token)).get_json()["value"]) == 8


def test_customer_token_cannot_list_partner_relationships(graph):
    response = graph("GET", RELS, user=upn("contoso"))
    assert response.status_code == 403


def test_request_ids_on_graph(graph):
    response = graph("GET", RELS, headers={"client-request-id": "abc"})
    assert response.headers["client-request-id"] == "abc" and response.headers["request-id"]


def test_locations_lead_back_to_the_same_world(client):
    """A world other than the default one: every Location names that world's root."""
    assert client.post("/sim/worlds", json={"id": "gdap-locations"}).status_code == 201
    root = "/worlds/gdap-locations"
    try:
        token = client.post(
            f"{root}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": upn("northwind"),
                "password": PASSWORD,
                "scope": GRAPH_SCOPE,
            },
        ).get_json()["access_token"]
        created = client.post(
            f"{root}{RELS}",
            headers=bearer(token),
            json={
                "displayName": "Tailwind in another world",
                "duration": "P30D",
                "customer": {"tenantId": tid("tailwind")},
                "accessDetails": roles_body("Helpdesk Administrator"),
            },
        )
        location = created.headers["Location"]
        assert location == f"http://localhost{root}{RELS}/{created.get_json()['id']}"
        assert client.get(location.removeprefix("http://localhost"), headers=bearer(token)).status_code == 200
    finally:
        client.delete("/sim/worlds/gdap-locations")
