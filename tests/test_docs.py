"""The OpenAPI documents (flask-smorest) and the /docs index."""

from __future__ import annotations


def test_docs_index_lists_every_surface(client):
    body = client.get("/docs", headers={"Accept": "application/json"}).get_json()
    keys = {s["key"] for s in body["surfaces"]}
    assert {"partnercenter", "graph"} <= keys
    html = client.get("/docs").get_data(as_text=True)
    assert "/docs/partnercenter/openapi.json" in html


def test_partner_center_openapi_document(client):
    spec = client.get("/docs/partnercenter/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "Partner Center (pcsim)"
    paths = spec["paths"]
    assert "/partnercenter/v1/customers" in paths
    assert "/partnercenter/v1/customers/{customer_id}/subscriptions" in paths
    own = paths["/partnercenter/v1/customers/{customer_id}/servicerequests/{locale}"]["post"]
    assert "pcsim's own route" in own["x-pcsim"]
    listed = paths["/partnercenter/v1/customers"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"size", "seekOperation"}
    assert "CustomerCollection" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_graph_openapi_document(client):
    spec = client.get("/docs/graph/openapi.json").get_json()
    assert "/graph/v1.0/tenantRelationships/delegatedAdminRelationships" in spec["paths"]
    assert "DelegatedAdminRelationship" in spec["components"]["schemas"]


def test_swagger_ui_pages_use_only_assets_pcsim_serves(client):
    """The pages must work offline: every script and style sheet they load is served by pcsim itself."""
    import re

    for key in ("partnercenter", "graph", "azure", "m365admin", "sim"):
        page = client.get(f"/docs/{key}/").get_data(as_text=True)
        assets = re.findall(r"(?:src|href)='([^']+)'", page)
        assert assets and not [a for a in assets if "://" in a], assets
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


def test_root_points_to_the_ui_and_the_docs(client):
    page = client.get("/").get_data(as_text=True)
    assert "href='/ui/'" in page and "href='/docs/'" in page
    assert client.get("/", headers={"Accept": "application/json"}).get_json()["links"]["docs"] == "/docs/"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/png" and icon.data.startswith(b"\x89PNG")


def test_the_control_plane_document_claims_no_token(client):
    spec = client.get("/docs/sim/openapi.json").get_json()
    assert "security" not in spec and "securitySchemes" not in spec.get("components", {})


def test_login_openapi_document(client):
    """The sign-in surface: its routes once (the public cloud's /login copy), the token request as a form, Entra's
    error body, and no bearer security (signing in takes no token)."""
    body = client.get("/docs", headers={"Accept": "application/json"}).get_json()
    assert "login" in {s["key"] for s in body["surfaces"]}
    spec = client.get("/docs/login/openapi.json").get_json()
    assert spec["info"]["title"] == "Entra ID sign-in (pcsim)"
    paths = spec["paths"]
    assert set(paths) == {
        "/login/{tenant}/v2.0/.well-known/openid-configuration",
        "/login/{tenant}/discovery/v2.0/keys",
        "/login/{tenant}/oauth2/v2.0/authorize",
        "/login/{tenant}/oauth2/v2.0/token",
        "/login/common/userrealm/{upn}",
    }
    schemas = spec["components"]["schemas"]
    form = paths["/login/{tenant}/oauth2/v2.0/token"]["post"]["requestBody"]["content"]
    assert list(form) == ["application/x-www-form-urlencoded"]
    request = schemas[form["application/x-www-form-urlencoded"]["schema"]["$ref"].rpartition("/")[2]]
    assert {
        "grant_type",
        "client_id",
        "client_secret",
        "scope",
        "username",
        "password",
        "refresh_token",
        "client_info",
    } <= set(request["properties"])
    assert request["properties"]["grant_type"]["enum"] == ["client_credentials", "password", "refresh_token"]
    token = paths["/login/{tenant}/oauth2/v2.0/token"]["post"]["responses"]["200"]
    assert token["content"]["application/json"]["schema"]["$ref"].endswith("/TokenResponse")
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"]["$ref"]
    fields = schemas[error.rpartition("/")[2]]["properties"]
    assert {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "pcsim_explain",
    } <= set(fields)
    assert "security" not in spec and "securitySchemes" not in spec.get("components", {})
    assert client.get("/docs/login/").status_code == 200
