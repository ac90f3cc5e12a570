"""The testing toolkit's control plane: isolated worlds, clock, snapshots, faults, journal, explain, edits."""

from __future__ import annotations

import random

import pytest

from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, PC_SCOPE, bearer, tid, upn

EXCHANGE_TOPIC = 32444671


@pytest.fixture
def world(client):
    """A fresh world of the default scenario, with a frozen clock, deleted after the test."""
    made = []

    def make(**body):
        response = client.post("/sim/worlds", json={"frozen": True, **body})
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json()["id"])
        return response.get_json()

    yield make
    for world_id in made:
        client.delete(f"/sim/worlds/{world_id}")


def token(client, world_id: str, username: str, tenant: str | None = None, scope: str = PC_SCOPE):
    tenant = tenant or username.split("@")[1]
    return client.post(
        f"/worlds/{world_id}/login/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": username,
            "password": PASSWORD,
            "scope": scope,
        },
    )


def access_token(client, world_id, username, tenant=None, scope=PC_SCOPE) -> str:
    response = token(client, world_id, username, tenant, scope)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def file_request(client, world_id: str, pc_token: str, customer: str = "contoso"):
    return client.post(
        f"/worlds/{world_id}/partnercenter/v1/customers/{tid(customer)}/servicerequests/en-US",
        headers=bearer(pc_token),
        json={"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": EXCHANGE_TOPIC},
    )


def test_create_world_returns_its_base_urls(world):
    w = world(id="ci-run-1")
    assert w["id"] == "ci-run-1" and w["scenario"] == "default"
    assert w["baseUrls"]["partnercenter"] == "http://localhost/worlds/ci-run-1/partnercenter/v1"
    assert w["clock"] == {"now": "2026-01-15T09:00:00Z", "frozen": True}


def test_worlds_are_isolated_and_tokens_do_not_cross(client, world):
    a, b = world()["id"], world()["id"]
    rng = random.Random(7)
    pc_a = access_token(client, a, upn("northwind"))
    graph_a = access_token(client, a, upn("northwind"), scope=GRAPH_SCOPE)
    filed = []
    for _ in range(6):  # mutate world a in many ways, in a random order
        action = rng.choice(["ticket", "relationship", "clock", "edit"])
        if action == "ticket":
            filed.append(file_request(client, a, pc_a).get_json()["id"])
        elif action == "relationship":
            client.post(
                f"/worlds/{a}/graph/v1.0/tenantRelationships/delegatedAdminRelationships",
                headers=bearer(graph_a),
                json={
                    "displayName": f"r{rng.random()}",
                    "duration": "P30D",
                    "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
                },
            )
        elif action == "clock":
            client.post(f"/sim/worlds/{a}/clock", json={"advance": "PT1H"})
            pc_a = access_token(client, a, upn("northwind"))
            graph_a = access_token(client, a, upn("northwind"), scope=GRAPH_SCOPE)
        else:
            client.patch(
                f"/sim/worlds/{a}/subscriptions/{ids.subscription_id('adatum-m365-direct-trial')}",
                json={"trial": False},
            )
    pc_b = access_token(client, b, upn("northwind"))
    assert client.get(f"/worlds/{b}/partnercenter/v1/servicerequests", headers=bearer(pc_b)).get_json()["items"] == []
    rels = client.get(
        f"/worlds/{b}/graph/v1.0/tenantRelationships/delegatedAdminRelationships",
        headers=bearer(access_token(client, b, upn("northwind"), scope=GRAPH_SCOPE)),
    ).get_json()
    assert len(rels["value"]) == 8
    assert client.get(f"/sim/worlds/{b}/clock").get_json()["now"] == "2026-01-15T09:00:00Z"
    # Same ids in both worlds, but a token of one is refused in the other.
    assert client.get(f"/worlds/{b}/partnercenter/v1/customers", headers=bearer(pc_a)).status_code == 401
    assert client.get(f"/worlds/{a}/partnercenter/v1/customers", headers=bearer(pc_b)).status_code == 401
    assert client.get("/partnercenter/v1/customers", headers=bearer(pc_a)).status_code == 401


def test_clock_drives_gdap_expiry(client, world):
    w = world()["id"]
    assert token(client, w, upn("northwind"), "cohowinery.onmicrosoft.com").status_code == 200
    moved = client.post(f"/sim/worlds/{w}/clock", json={"advance": "P400D"}).get_json()
    assert moved["now"] == "2027-02-19T09:00:00Z"
    refused = token(client, w, upn("northwind"), "cohowinery.onmicrosoft.com")
    assert refused.status_code == 400 and "is expired" in refused.get_json()["error_description"]
    client.post(f"/sim/worlds/{w}/clock", json={"set": "2026-01-15T09:00:00Z"})
    assert token(client, w, upn("northwind"), "cohowinery.onmicrosoft.com").status_code == 200


def test_clock_and_ticket_create(client, world):
    w = world()["id"]
    pc = access_token(client, w, upn("northwind"))
    assert file_request(client, w, pc, "alpine").status_code == 201
    rel = ids.gdap_relationship_id("alpine", "northwind-support")
    client.patch(
        f"/sim/worlds/{w}/gdapRelationships/{rel}",
        json={"endDateTime": "2026-02-01T00:00:00Z", "autoExtendDuration": "PT0S"},
    )
    client.post(f"/sim/worlds/{w}/clock", json={"advance": "P30D"})
    pc = access_token(client, w, upn("northwind"))
    denied = file_request(client, w, pc, "alpine")
    assert denied.status_code == 403 and denied.get_json()["data"][0]["rule"] == "R3"
    assert "expired" in denied.get_json()["description"]


def test_bad_clock_input(client, world):
    w = world()["id"]
    assert client.post(f"/sim/worlds/{w}/clock", json={"advance": "soon"}).status_code == 400
    assert client.post(f"/sim/worlds/{w}/clock", json={}).status_code == 400
    assert client.post("/sim/worlds/nope/clock", json={"advance": "P1D"}).status_code == 404


def test_reset_and_snapshots(client, world):
    w = world()["id"]
    pc = access_token(client, w, upn("northwind"))
    first = file_request(client, w, pc).get_json()["id"]
    assert client.post(f"/sim/worlds/{w}/snapshots", json={"name": "one-ticket"}).status_code == 201
    file_request(client, w, pc)
    client.post(f"/sim/worlds/{w}/clock", json={"advance": "P2D"})

    def tickets():
        fresh = access_token(client, w, upn("northwind"))
        return [
            i["id"]
            for i in client.get(f"/worlds/{w}/partnercenter/v1/servicerequests", headers=bearer(fresh)).get_json()[
                "items"
            ]
        ]

    assert len(tickets()) == 2
    restored = client.post(f"/sim/worlds/{w}/snapshots/one-ticket/restore").get_json()
    assert restored["clock"]["now"] == "2026-01-15T09:00:00Z" and tickets() == [first]
    assert client.post(f"/sim/worlds/{w}/reset").status_code == 200 and tickets() == []
    assert [s["name"] for s in client.get(f"/sim/worlds/{w}/snapshots").get_json()["value"]] == ["one-ticket"]
    copy = world(snapshot=f"{w}/one-ticket")["id"]
    copy_pc = access_token(client, copy, upn("northwind"))
    assert [
        i["id"]
        for i in client.get(f"/worlds/{copy}/partnercenter/v1/servicerequests", headers=bearer(copy_pc)).get_json()[
            "items"
        ]
    ] == [first]
    assert client.post(f"/sim/worlds/{w}/snapshots/nope/restore").status_code == 404


def test_world_from_an_inline_fixture_and_its_errors(client, world):
    w = world(
        fixture={
            "include": "default",
            "customers": [
                {
                    "key": "contoso",
                    "gdap": [{"key": "northwind-support", "partner": "northwind", "status": "terminated"}],
                }
            ],
        }
    )
    refused = token(client, w["id"], upn("northwind"), "contoso.onmicrosoft.com")
    assert "terminated" in refused.get_json()["error_description"]
    bad = client.post("/sim/worlds", json={"fixture": {"partners": [{"key": "x", "name": "X"}]}})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"] == [
        {"file": "inline fixture", "path": "partners[0].domains", "reason": "Missing data for required field."}
    ]
    assert client.post("/sim/worlds", json={"scenario": "nope"}).status_code == 400
    assert client.post("/sim/worlds", json={"id": "bad id!"}).status_code == 400
    clock = client.post("/sim/worlds", json={"fixture": {"include": "default", "clock": {"start": "yesterday"}}})
    assert clock.status_code == 400 and clock.get_json()["error"]["details"] == [
        {"file": "inline fixture", "path": "clock.start", "reason": "not an ISO 8601 date-time: 'yesterday'"}
    ]


def test_seed_changes_details_not_ids(client, world):
    a = world(seed=1)["id"]
    b = world(seed=2)["id"]

    def billing(world_id):
        pc = access_token(client, world_id, upn("northwind"))
        return client.get(
            f"/worlds/{world_id}/partnercenter/v1/customers/{tid('contoso')}", headers=bearer(pc)
        ).get_json()["billingProfile"]["defaultAddress"]

    assert billing(a) != billing(b)


def test_idle_worlds_expire(app, client, world):
    w = world(ttl=60)["id"]
    from datetime import timedelta

    from simulator.domain.clock import utcnow

    assert app.extensions["pcsim"].worlds.expire_idle(utcnow() + timedelta(seconds=30)) == []
    assert app.extensions["pcsim"].worlds.expire_idle(utcnow() + timedelta(seconds=120)) == [w]
    assert client.get(f"/sim/worlds/{w}").status_code == 404


def test_default_world_cannot_be_deleted(client):
    assert client.delete("/sim/worlds/default").status_code == 400


# --- faults ---------------------------------------------------------------------------------------------------


def test_429_with_retry_after_in_the_surfaces_own_body(client, world):
    w = world()["id"]
    rule = client.post(
        f"/sim/worlds/{w}/faults",
        json={"surface": "partnercenter", "path": "/customers*", "status": 429, "retryAfter": 3, "count": 1},
    ).get_json()
    pc = access_token(client, w, upn("northwind"))
    throttled = client.get(f"/worlds/{w}/partnercenter/v1/customers", headers=bearer(pc))
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert throttled.get_json()["code"] == 429 and throttled.get_json()["source"] == "PartnerFD"
    assert client.get(f"/worlds/{w}/partnercenter/v1/customers", headers=bearer(pc)).status_code == 200
    listed = client.get(f"/sim/worlds/{w}/faults").get_json()["value"]
    assert listed == [rule | {"count": 0, "seen": 2, "fired": 1}]


def test_graph_503_and_login_faults(client, world):
    w = world()["id"]
    client.post(f"/sim/worlds/{w}/faults", json={"surface": "graph", "status": 503, "retryAfter": 1})
    graph = access_token(client, w, upn("northwind"), scope=GRAPH_SCOPE)
    response = client.get(
        f"/worlds/{w}/graph/v1.0/tenantRelationships/delegatedAdminRelationships", headers=bearer(graph)
    )
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "serviceNotAvailable"
    client.delete(f"/sim/worlds/{w}/faults")
    client.post(f"/sim/worlds/{w}/faults", json={"surface": "login", "method": "POST", "status": 429, "count": 1})
    throttled = token(client, w, upn("northwind"))
    assert throttled.status_code == 429 and throttled.get_json()["error"] == "temporarily_unavailable"


def test_fault_for_one_tenant_only(client, world):
    w = world()["id"]
    client.post(f"/sim/worlds/{w}/faults", json={"tenant": tid("fabrikam"), "status": 500})
    assert (
        client.get(
            f"/worlds/{w}/partnercenter/v1/customers", headers=bearer(access_token(client, w, upn("northwind")))
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/worlds/{w}/partnercenter/v1/customers", headers=bearer(access_token(client, w, upn("fabrikam")))
        ).status_code
        == 500
    )


def test_probability_faults_repeat_for_a_seed(client, world):
    def run(seed):
        w = world()["id"]
        client.post(
            f"/sim/worlds/{w}/faults",
            json={"surface": "partnercenter", "status": 503, "probability": 0.5, "seed": seed},
        )
        pc = access_token(client, w, upn("northwind"))
        return [
            client.get(f"/worlds/{w}/partnercenter/v1/customers", headers=bearer(pc)).status_code for _ in range(16)
        ]

    first, again, other = run(11), run(11), run(12)
    assert first == again and 200 in first and 503 in first and first != other


@pytest.mark.parametrize(
    "body",
    [
        {"status": 418},
        {},
        {"status": 503, "latencyMs": 10},
        {"status": 500, "retryAfter": 1},
        {"surface": "nope", "status": 503},
    ],
)
def test_bad_fault_rules(client, world, body):
    w = world()["id"]
    assert client.post(f"/sim/worlds/{w}/faults", json=body).status_code == 400


# --- journal and explain ---------------------------------------------------------------------------------------


def explain(client, world_id, response, text=False):
    request_id = response.headers["x-pcsim-request-id"]
    url = f"/sim/worlds/{world_id}/explain/{request_id}" + ("?format=text" if text else "")
    got = client.get(url)
    assert got.status_code == 200
    return got.get_data(as_text=True) if text else got.get_json()


def test_journal_records_identity_status_and_rule(client, world):
    w = world()["id"]
    pc = access_token(client, w, upn("wingtip"))
    denied = client.get(f"/worlds/{w}/partnercenter/v1/customers/{tid('woodgrove')}", headers=bearer(pc))
    entries = client.get(f"/sim/worlds/{w}/journal").get_json()["value"]
    assert entries[0]["requestId"] == denied.headers["x-pcsim-request-id"]
    assert entries[0] | {"at": None, "requestId": None} == {
        "requestId": None,
        "at": None,
        "surface": "partnercenter",
        "method": "GET",
        "path": f"/partnercenter/v1/customers/{tid('woodgrove')}",
        "status": 403,
        "actor": upn("wingtip"),
        "tenantId": tid("wingtip"),
        "rule": "R1",
        "fault": None,
        "outcome": "denied",
    }
    assert entries[1]["surface"] == "login" and entries[1]["status"] == 200
    only = client.get(f"/sim/worlds/{w}/journal?rule=R1").get_json()["value"]
    assert [e["requestId"] for e in only] == [entries[0]["requestId"]]


@pytest.mark.parametrize(
    "user, customer, topic, rule, failing",
    [
        (upn("wingtip"), "woodgrove", EXCHANGE_TOPIC, "R1", "has no relationship"),
        (upn("northwind"), "contoso", 32444667, "R2", "not for 'partnercenter'"),
        (upn("northwind", "sales"), "contoso", EXCHANGE_TOPIC, "R3", "AdminAgent"),
        (upn("northwind"), "coho", 32444681, "R3", "do not allow support tickets"),
    ],
)
def test_explain_names_the_failing_check(client, world, user, customer, topic, rule, failing):
    w = world()["id"]
    pc = access_token(client, w, user)
    denied = client.post(
        f"/worlds/{w}/partnercenter/v1/customers/{tid(customer)}/servicerequests/en-US",
        headers=bearer(pc),
        json={"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": topic},
    )
    trace = explain(client, w, denied)
    assert trace["outcome"] == "denied" and trace["rule"] == rule
    checks = [c for d in trace["decisions"] for c in d["checks"]]
    assert checks[-1]["passed"] is False and checks[-1]["rule"] == rule and failing in checks[-1]["reason"]
    assert all(c["passed"] for c in checks[:-1])
    assert denied.get_json()["data"][0]["explain"].endswith(denied.headers["x-pcsim-request-id"])
    text = explain(client, w, denied, text=True)
    assert f"DENIED by {rule}" in text and f"[FAIL] {rule}:" in text


def test_explain_shows_the_gdap_facts(client, world):
    w = world()["id"]
    allowed = token(client, w, upn("northwind"), "contoso.onmicrosoft.com", GRAPH_SCOPE)
    trace = explain(client, w, allowed)
    check = trace["decisions"][0]["checks"][0]
    assert check["passed"] and check["rule"] == "GDAP"
    assert {"relationship": "Northwind support", "group": "Support Engineers"}.items() <= check["facts"]["grants"][
        0
    ].items()
    refused = token(client, w, upn("northwind"), "nodpublishers.onmicrosoft.com", GRAPH_SCOPE)
    assert refused.get_json()["pcsim_explain"].endswith(refused.headers["x-pcsim-request-id"])
    assert "terminated" in explain(client, w, refused, text=True)


def test_explain_unknown_request(client, world):
    w = world()["id"]
    assert client.get(f"/sim/worlds/{w}/explain/nope").status_code == 404


# --- world edits ---------------------------------------------------------------------------------------------------


def test_remove_a_user_from_a_group_then_put_back(client, world):
    w = world()["id"]
    group, user = ids.group_id("northwind", "support-engineers"), ids.user_id("northwind", "sales")
    assert token(client, w, upn("northwind", "sales"), "contoso.onmicrosoft.com").status_code == 200
    assert client.delete(f"/sim/worlds/{w}/groups/{group}/members/{user}").status_code == 204
    assert token(client, w, upn("northwind", "sales"), "contoso.onmicrosoft.com").status_code == 400
    assert client.put(f"/sim/worlds/{w}/groups/{group}/members/{user}").status_code == 204
    assert token(client, w, upn("northwind", "sales"), "contoso.onmicrosoft.com").status_code == 200
    foreign = ids.user_id("contoso", "user")
    assert client.put(f"/sim/worlds/{w}/groups/{group}/members/{foreign}").status_code == 400


def test_switch_trial_to_paid_changes_the_support_options(client, world):
    w = world()["id"]
    m365 = "https://admin.microsoft.com/.default"
    admin = access_token(client, w, upn("adatum"), scope=m365)

    def kinds():
        options = client.get(f"/worlds/{w}/m365admin/v1.0/support/options", headers=bearer(admin))
        return [o["kind"] for o in options.get_json()["value"]]

    assert kinds() == ["partner"]
    edited = client.patch(
        f"/sim/worlds/{w}/subscriptions/{ids.subscription_id('adatum-m365-direct-trial')}", json={"trial": False}
    )
    assert edited.get_json()["trial"] is False
    assert kinds() == ["partner", "microsoft"]
    assert (
        client.patch(
            f"/sim/worlds/{w}/subscriptions/{ids.subscription_id('adatum-m365')}", json={"status": "gone"}
        ).status_code
        == 400
    )


def test_edit_validation_is_the_fixtures(client, world):
    w = world()["id"]
    rel = ids.gdap_relationship_id("contoso", "northwind-support")
    assert client.patch(f"/sim/worlds/{w}/gdapRelationships/{rel}", json={"status": "sleeping"}).status_code == 400
    assert client.patch(f"/sim/worlds/{w}/gdapRelationships/{rel}", json={"endDateTime": "someday"}).status_code == 400
    assignment = ids.access_assignment_id("contoso", "northwind-support", "support-engineers")
    too_much = client.patch(f"/sim/worlds/{w}/accessAssignments/{assignment}", json={"roles": ["Global Administrator"]})
    assert too_much.status_code == 400 and "not granted" in too_much.get_json()["error"]["message"]
    assert (
        client.patch(
            f"/sim/worlds/{w}/users/{ids.user_id('northwind', 'sales')}", json={"roles": ["Wizard"]}
        ).status_code
        == 400
    )
    assert client.patch(f"/sim/worlds/{w}/users/nope", json={"roles": []}).status_code == 404


def test_rbac_edit_grants_azure_access(client, world):
    w = world()["id"]
    sub = ids.subscription_id("alpine-prod")
    added = client.post(
        f"/sim/worlds/{w}/subscriptions/{sub}/rbac",
        json={"principal": ids.group_id("northwind", "support-engineers"), "role": "Support Request Contributor"},
    )
    assert added.status_code == 201 and added.get_json()["principalType"] == "group"
    assert client.delete(f"/sim/worlds/{w}/rbacAssignments/{added.get_json()['id']}").status_code == 204
    assert (
        client.post(
            f"/sim/worlds/{w}/subscriptions/{sub}/rbac",
            json={"principal": ids.group_id("northwind", "support-engineers"), "role": "Boss"},
        ).status_code
        == 400
    )
