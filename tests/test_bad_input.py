"""Bad input gets each surface's own 4xx error, and nothing is stored."""

from __future__ import annotations

import pytest

from simulator.worlds import ids

from .personas import ARM_SCOPE, GRAPH_SCOPE, PC_SCOPE, bearer, tid, upn

M365_SCOPE = "https://admin.microsoft.com/.default"


@pytest.fixture
def targets(sign_in):
    contoso = "contoso.onmicrosoft.com"
    return {
        "partnercenter": (
            "POST",
            f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
            sign_in(upn("northwind"), scope=PC_SCOPE),
            lambda b: b["code"] == 800002,
        ),
        "graph": (
            "POST",
            "/graph/v1.0/tenantRelationships/delegatedAdminRelationships",
            sign_in(upn("northwind"), scope=GRAPH_SCOPE),
            lambda b: b["error"]["code"] == "BadRequest",
        ),
        "azure": (
            "PUT",
            f"/azure/subscriptions/{ids.subscription_id('contoso-prod')}/providers/Microsoft.Support/"
            "supportTickets/t1?api-version=2024-04-01",
            sign_in(upn("northwind"), contoso, ARM_SCOPE),
            lambda b: b["error"]["code"],
        ),
        "m365admin": (
            "POST",
            "/m365admin/v1.0/support/serviceRequests",
            sign_in(upn("northwind"), contoso, M365_SCOPE),
            lambda b: b["error"]["code"] == "BadRequest",
        ),
    }


@pytest.mark.parametrize("surface", ["partnercenter", "graph", "azure", "m365admin"])
@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("title=x", "application/x-www-form-urlencoded"),
        ('"a string"', "application/json"),
    ],
)
def test_malformed_bodies(client, targets, surface, body, content_type):
    method, path, token, shaped = targets[surface]
    response = client.open(path, method=method, data=body, headers=bearer(token) | {"Content-Type": content_type})
    assert response.status_code == 400
    assert shaped(response.get_json())


@pytest.mark.parametrize("surface", ["partnercenter", "graph", "azure", "m365admin"])
def test_oversized_body_is_413_in_the_surfaces_format(client, targets, surface):
    method, path, token, _ = targets[surface]
    response = client.open(
        path, method=method, data="x" * (1024 * 1024 + 1), headers=bearer(token) | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    body = response.get_json()
    assert ("code" in body) if surface == "partnercenter" else ("error" in body)


def test_invalid_json_says_so(client, targets):
    method, path, token, _ = targets["m365admin"]
    response = client.open(
        path, method=method, data="{nope", headers=bearer(token) | {"Content-Type": "application/json"}
    )
    assert "Invalid JSON body" in response.get_json()["error"]["message"]


def test_nothing_is_stored_by_bad_input(client, targets, sign_in):
    for method, path, token, _ in targets.values():
        client.open(path, method=method, data="{nope", headers=bearer(token) | {"Content-Type": "application/json"})
    pc = sign_in(upn("northwind"))
    assert client.get("/partnercenter/v1/servicerequests", headers=bearer(pc)).get_json()["totalCount"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/partnercenter/v1/customers/..%2F..%2Fetc%2Fpasswd",
        "/partnercenter/v1/customers/%00",
        "/partnercenter/v1/servicerequests/..%2Fx",
    ],
)
def test_path_traversal_in_ids_is_a_404(client, sign_in, path):
    response = client.get(path, headers=bearer(sign_in(upn("northwind"))))
    # 1000 "Not found"; 60003 "Tenant not found" where the id names a customer (Partner Center's error codes).
    assert response.status_code == 404 and response.get_json()["code"] in (1000, 60003)


@pytest.mark.parametrize("surface", ["partnercenter", "graph", "azure", "m365admin"])
def test_a_json_body_sent_as_a_form_is_told_about_its_content_type(client, targets, surface):
    method, path, token, shaped = targets[surface]
    response = client.open(
        path,
        method=method,
        data='{"title": "x"}',
        headers=bearer(token) | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and shaped(response.get_json())
    assert "Content-Type: application/json" in response.get_data(as_text=True)
    assert "application/x-www-form-urlencoded" in response.get_data(as_text=True)
