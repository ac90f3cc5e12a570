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
