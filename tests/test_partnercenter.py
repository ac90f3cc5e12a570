"""Partner Center read surface: customers (R1), paging, subscriptions, relationships, profiles, errors."""

from __future__ import annotations

import pytest

from simulator.worlds import ids

from .personas import bearer, tid, upn

CUSTOMERS_OF = {
    "northwind": {"contoso", "adatum", "litware", "fourthcoffee", "nod", "tailwind", "coho", "alpine", "margie"},
    "fabrikam": {"woodgrove", "lucerne"},
    "tailspin": {"woodgrove"},
    "proseware": {"lucerne"},
    "wingtip": {"contoso"},
}


@pytest.fixture
def pc(client, sign_in):
    """GET a Partner Center path as a partner's admin."""

    def get(partner: str, path: str, headers: dict | None = None, **kwargs):
        token = sign_in(upn(partner))
        return client.get(f"/partnercenter/v1{path}", headers=bearer(token) | (headers or {}), **kwargs)

    return get


@pytest.mark.parametrize("partner", sorted(CUSTOMERS_OF))
def test_a_partner_sees_exactly_its_customers(pc, partner):
    body = pc(partner, "/customers").get_json()
    assert body["attributes"] == {"objectType": "Collection"}
    assert {c["id"] for c in body["items"]} == {tid(k) for k in CUSTOMERS_OF[partner]}
    assert body["totalCount"] == len(CUSTOMERS_OF[partner])


def test_customer_shape(pc):
    customer = pc("northwind", f"/customers/{tid('contoso')}").get_json()
    assert customer["id"] == tid("contoso")
    company = customer["companyProfile"]
    assert {k: company[k] for k in ("tenantId", "domain", "companyName")} == {
        "tenantId": tid("contoso"),
        "domain": "contoso.onmicrosoft.com",
        "companyName": "Contoso Ltd",
    }
    # CustomerCompanyProfile (partnercenterservices): address, email, links, attributes.etag as well.
    assert company["address"]["city"] and company["email"].endswith("@contoso.onmicrosoft.com")
    assert company["links"]["self"]["uri"] == f"/v1/customers/{tid('contoso')}/profiles/company"
    assert company["attributes"]["objectType"] == "CustomerCompanyProfile" and company["attributes"]["etag"]
    billing = customer["billingProfile"]
    assert billing["attributes"]["objectType"] == "CustomerBillingProfile" and billing["attributes"]["etag"]
    assert billing["email"].endswith("@contoso.onmicrosoft.com") and billing["defaultAddress"]["city"]
    assert customer["relationshipToPartner"] == "reseller" and customer["allowDelegatedAccess"] is True
    assert customer["attributes"] == {"objectType": "Customer"}
    assert pc("northwind", f"/customers/{tid('contoso')}/profiles/company").get_json() == company
    assert pc("northwind", f"/customers/{tid('contoso')}/profiles/billing").get_json() == billing
    # customDomains: the customer's verified domains beyond its onmicrosoft.com one (the list's items carry none).
    assert isinstance(customer["customDomains"], list)
    assert all(not d.endswith(".onmicrosoft.com") for d in customer["customDomains"])


def test_etag_changes_with_the_resource(pc):
    one = pc("northwind", f"/customers/{tid('contoso')}/profiles/company").get_json()["attributes"]["etag"]
    again = pc("northwind", f"/customers/{tid('contoso')}/profiles/company").get_json()["attributes"]["etag"]
    other = pc("northwind", f"/customers/{tid('adatum')}/profiles/company").get_json()["attributes"]["etag"]
    assert one == again != other


def test_advisor_relationship_to_partner(pc):
    assert pc("wingtip", f"/customers/{tid('contoso')}").get_json()["relationshipToPartner"] == "advisor"


@pytest.mark.parametrize("size", [1, 2, 4, 8, 9, 50])
def test_paging_walks_every_customer_exactly_once(pc, size):
    seen, headers = [], {}
    path = f"/customers?size={size}"
    while True:
        body = pc("northwind", path, headers=headers).get_json()
        assert len(body["items"]) <= size
        seen += [c["id"] for c in body["items"]]
        nxt = body["links"].get("next")
        if not nxt:
            break
        assert nxt["uri"] == f"/v1/customers?size={size}&seekOperation=Next"
        headers = {h["key"]: h["value"] for h in nxt["headers"]}
        path = nxt["uri"].removeprefix("/v1")
    assert len(seen) == len(set(seen)) == 9
    assert set(seen) == {tid(k) for k in CUSTOMERS_OF["northwind"]}


def test_seek_without_continuation_token_is_a_partner_center_error(pc):
    response = pc("northwind", "/customers?size=2&seekOperation=Next")
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 800002 and "MS-ContinuationToken" in body["description"] and body["source"] == "PartnerFD"
    bad = pc("northwind", "/customers?size=2&seekOperation=Next", headers={"MS-ContinuationToken": "garbage!"})
    assert bad.status_code == 400 and "continuation" in bad.get_json()["description"]


@pytest.mark.parametrize("query", ["size=0", "size=501", "size=abc", "seekOperation=Previous"])
def test_bad_query_is_a_partner_center_error(pc, query):
    response = pc("northwind", f"/customers?{query}")
    assert response.status_code == 400
    assert response.get_json()["code"] == 800002


def test_filter_by_company_name_and_domain(pc):
    import json

    by_name = pc(
        "northwind",
        "/customers",
        query_string={"filter": json.dumps({"Field": "CompanyName", "Value": "co", "Operator": "starts_with"})},
    ).get_json()
    assert {c["companyProfile"]["companyName"] for c in by_name["items"]} == {"Contoso Ltd", "Coho Winery"}
    by_domain = pc(
        "northwind",
        "/customers",
        query_string={
            "filter": json.dumps({"Field": "Domain", "Value": "litware.onmicrosoft.com", "Operator": "equals"})
        },
    ).get_json()
    assert [c["id"] for c in by_domain["items"]] == [tid("litware")]
    resold = pc(
        "fabrikam",
        "/customers",
        query_string={
            "filter": json.dumps({"Field": "IndirectReseller", "Value": tid("tailspin"), "Operator": "equals"})
        },
    ).get_json()
    assert [c["id"] for c in resold["items"]] == [tid("woodgrove")]
    bad = pc("northwind", "/customers", query_string={"filter": '{"Field": "Phone", "Value": "1"}'})
    assert bad.status_code == 400


def test_r1_no_relationship_no_customer(pc):
    response = pc("wingtip", f"/customers/{tid('woodgrove')}")
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == 20002 and body["data"][0]["rule"] == "R1"
    assert body["data"][0]["explain"].startswith("http://localhost/sim/worlds/default/explain/")
    assert f"has no commerce relationship with the customer id {tid('woodgrove')}" in body["description"]
    for path in ("/subscriptions", "/relationships", "/profiles/company"):
        assert pc("wingtip", f"/customers/{tid('woodgrove')}{path}").status_code == 403


def test_unknown_customer_is_404(pc):
    response = pc("northwind", "/customers/00000000-0000-0000-0000-000000000000")
    # Partner Center's REST error codes: 404, 60003 "Tenant not found".
    assert response.status_code == 404 and response.get_json()["code"] == 60003
    assert response.get_json()["description"].startswith("Tenant not found")


def test_subscriptions_a_partner_sells(pc):
    adatum = pc("northwind", f"/customers/{tid('adatum')}/subscriptions").get_json()
    # The Direct trial is Microsoft's, not the partner's: Partner Center does not list it.
    assert [s["id"] for s in adatum["items"]] == [ids.subscription_id("adatum-m365")]
    sub = adatum["items"][0]
    assert sub["isTrial"] is False and sub["status"] == "active" and sub["billingType"] == "license"
    assert sub["attributes"]["objectType"] == "Subscription" and sub["attributes"]["etag"] and sub["quantity"] == 40
    assert sub["orderId"] and sub["links"]["offer"]["uri"] == f"/v1/offers/{sub['offerId']}"
    # A license-based subscription's entitlement is an id of its own.
    assert sub["entitlementId"] not in (sub["id"], None)
    one = pc("northwind", f"/customers/{tid('adatum')}/subscriptions/{sub['id']}").get_json()
    assert one == sub
    direct = ids.subscription_id("adatum-m365-direct-trial")
    missing = pc("northwind", f"/customers/{tid('adatum')}/subscriptions/{direct}")
    # Partner Center's REST error codes: 404, 20003 "Subscription with ID {0} not found."
    assert missing.status_code == 404 and missing.get_json()["code"] == 20003
    assert missing.get_json()["description"] == f"Subscription with ID {direct} not found."


def test_an_azure_plan_is_not_the_azure_subscription(pc):
    """An Azure plan's Partner Center id is its own; its entitlementId is the Azure subscription's id (the one
    ARM and Microsoft.Support know)."""
    azure_id = ids.subscription_id("contoso-prod")
    items = pc("northwind", f"/customers/{tid('contoso')}/subscriptions").get_json()["items"]
    plan = next(s for s in items if s["entitlementId"] == azure_id)
    assert plan["id"] != azure_id and plan["offerId"] == "DZH318Z0BPS6:0001"
    assert pc("northwind", f"/customers/{tid('contoso')}/subscriptions/{plan['id']}").get_json() == plan
    assert pc("northwind", f"/customers/{tid('contoso')}/subscriptions/{azure_id}").status_code == 404


def test_marketplace_subscription_names_its_publisher(pc):
    items = pc("northwind", f"/customers/{tid('margie')}/subscriptions").get_json()["items"]
    trey = next(s for s in items if s["id"] == ids.subscription_id("margie-trey-backup"))
    assert trey["isMicrosoftProduct"] is False and trey["publisherName"] == "Trey Research"
    assert trey["offerName"] == "Trey Backup"


def test_reseller_sees_its_resold_subscription_with_its_mpn_id(pc):
    tailspin = pc("tailspin", f"/customers/{tid('woodgrove')}/subscriptions").get_json()["items"]
    fabrikam = pc("fabrikam", f"/customers/{tid('woodgrove')}/subscriptions").get_json()["items"]
    assert [s["entitlementId"] for s in tailspin] == [s["entitlementId"] for s in fabrikam]
    assert [s["entitlementId"] for s in tailspin] == [ids.subscription_id("woodgrove-prod")]  # an Azure plan
    assert tailspin[0]["partnerId"] == "4810003" and tailspin[0]["billingType"] == "usage"


def test_advisor_sells_no_subscription(pc):
    assert pc("wingtip", f"/customers/{tid('contoso')}/subscriptions").get_json()["items"] == []


def test_customer_relationships_are_its_indirect_resellers(pc):
    """Partner Center's "Get a customer's indirect resellers": to the indirect provider, the customer's indirect
    resellers, each ``is_indirect_cloud_solution_provider_of`` (the caller's relationship to it; the .NET SDK's
    PartnerRelationshipType has only the two indirect values)."""
    body = pc("fabrikam", f"/customers/{tid('woodgrove')}/relationships").get_json()
    kinds = {(r["name"], r["relationshipType"]) for r in body["items"]}
    assert kinds == {("Tailspin IT", "is_indirect_cloud_solution_provider_of")}
    assert all(r["attributes"] == {"objectType": "PartnerRelationship"} for r in body["items"])
    # The reseller sees its provider; a direct provider and an advisor have no indirect partners of Contoso.
    tailspin = pc("tailspin", f"/customers/{tid('woodgrove')}/relationships").get_json()["items"]
    assert [(r["name"], r["relationshipType"]) for r in tailspin] == [
        ("Fabrikam Distribution", "is_indirect_reseller_of")
    ]
    assert pc("northwind", f"/customers/{tid('contoso')}/relationships").get_json()["items"] == []
    assert pc("wingtip", f"/customers/{tid('contoso')}/relationships").get_json()["items"] == []


def test_distributor_lists_its_indirect_resellers(pc):
    """The docs' "Retrieve a list of indirect resellers": a provider asks IsIndirectCloudSolutionProviderOf for
    its resellers, a reseller IsIndirectResellerOf for its providers."""
    body = pc("fabrikam", "/relationships?relationship_type=IsIndirectCloudSolutionProviderOf").get_json()
    assert {r["name"] for r in body["items"]} == {"Tailspin IT", "Proseware Partners"}
    assert {r["relationshipType"] for r in body["items"]} == {"is_indirect_cloud_solution_provider_of"}
    assert pc("fabrikam", "/relationships?relationship_type=IsIndirectResellerOf").get_json()["items"] == []
    providers = pc("tailspin", "/relationships?relationship_type=IsIndirectResellerOf").get_json()
    assert [(r["id"], r["relationshipType"]) for r in providers["items"]] == [
        (tid("fabrikam"), "is_indirect_reseller_of")
    ]
    assert (
        pc("tailspin", "/relationships?relationship_type=IsIndirectCloudSolutionProviderOf").get_json()["items"] == []
    )
    assert pc("northwind", "/relationships").get_json()["items"] == []


def test_partner_profiles(pc):
    assert pc("northwind", "/profiles/partner").get_json()["partnerName"] == "Northwind Cloud"
    assert pc("northwind", "/profiles/mpn").get_json()["mpnId"] == "4810001"
    org = pc("northwind", "/profiles/organization").get_json()
    assert org["tenantId"] == tid("northwind") and org["domain"] == "northwindcloud.onmicrosoft.com"


def test_request_and_correlation_ids_are_echoed(pc):
    response = pc("northwind", "/customers", headers={"MS-RequestId": "req-1", "MS-CorrelationId": "corr-1"})
    assert response.headers["MS-RequestId"] == "req-1" and response.headers["MS-CorrelationId"] == "corr-1"
    made = pc("northwind", "/customers")
    assert made.headers["MS-RequestId"] and made.headers["MS-CorrelationId"]
    error = pc("northwind", "/customers/nope", headers={"MS-RequestId": "req-2"})
    assert error.headers["MS-RequestId"] == "req-2"


def test_app_token_reads_partner_center(client):
    token = client.post(
        f"/login/{tid('northwind')}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ids.app_id("northwind", "psa"),
            "client_secret": "Pcsim-App-Secret-1!",
            "scope": "https://api.partnercenter.microsoft.com/.default",
        },
    ).get_json()["access_token"]
    assert client.get("/partnercenter/v1/customers", headers=bearer(token)).get_json()["totalCount"] == 9


def test_us_government_partner_center_is_separate(client):
    form = {
        "grant_type": "password",
        "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "username": upn("relecloud"),
        "password": "Pcsim-Passw0rd!",
        "scope": "https://api.partnercenter.microsoft.us/.default",
    }
    token = client.post("/usgov/login/relecloudgov.onmicrosoft.us/oauth2/v2.0/token", data=form).get_json()[
        "access_token"
    ]
    body = client.get("/usgov/partnercenter/v1/customers", headers=bearer(token)).get_json()
    assert [c["id"] for c in body["items"]] == [tid("humongous")]
    assert client.get("/partnercenter/v1/customers", headers=bearer(token)).status_code == 401


def test_unknown_route_and_method_in_partner_center_format(pc, client):
    missing = pc("northwind", "/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["code"] == 1000
    assert client.delete("/partnercenter/v1/customers").status_code == 405


def test_links_are_followed_from_the_host_root_and_from_partner_centers_root(client, sign_in):
    """Partner Center's links are relative to its host ("/v1/..."): pcsim serves them at its root too, and a tool
    whose Partner Center root is <pcsim>/partnercenter (as it would be https://api.partnercenter.microsoft.com)
    follows them the same way; faults and the journal see them as Partner Center requests."""
    headers = bearer(sign_in(upn("northwind")))
    first = client.get("/partnercenter/v1/customers?size=4", headers=headers).get_json()
    nxt = first["links"]["next"]
    follow = headers | {h["key"]: h["value"] for h in nxt["headers"]}
    from_root = client.get(nxt["uri"], headers=follow)
    from_pc_root = client.get("/partnercenter" + nxt["uri"], headers=follow)
    assert from_root.status_code == from_pc_root.status_code == 200, from_root.get_json()
    assert from_root.get_json()["items"] == from_pc_root.get_json()["items"]
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in from_root.get_json()["items"]}
    refused = client.get("/v1/customers", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and "code" in refused.get_json()  # Partner Center's own error body
    journal = client.get("/sim/worlds/default/journal?top=1").get_json()["value"][0]
    assert journal["surface"] == "partnercenter"
