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
