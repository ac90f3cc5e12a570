"""ARM's basics beyond Microsoft.Support: the cloud's metadata document (``az cloud register`` discovers a cloud from
it), ``GET /tenants`` (``az login`` without ``--tenant``) and ``GET /subscriptions/{id}/locations``.
tests/test_azure_cli.py runs the Azure CLI itself against them."""

from __future__ import annotations

import pytest

from simulator.worlds import ids

from .personas import ARM_SCOPE, CLI_CLIENT_ID, DOMAINS, PASSWORD, bearer, tid, upn

RESOURCES_API = "api-version=2022-12-01"
METADATA = "/metadata/endpoints?api-version=2022-09-01"
USGOV_ARM_SCOPE = "https://management.usgovcloudapi.net/.default"
PSA_CLIENT_ID = ids.app_id("northwind", "psa")


@pytest.fixture
def token(client):
    def token(user: str, tenant: str | None = None, scope: str = ARM_SCOPE) -> str:
        login = "/usgov/login" if "usgov" in scope else "/login"
        response = client.post(
            f"{login}/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
            data={"grant_type": "password", "client_id": CLI_CLIENT_ID, "username": user, "password": PASSWORD}
            | {"scope": scope},
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    return token


# --- /metadata/endpoints -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prefix, name, login, audiences",
    [
        (
            "",
            "AzureCloud",
            "http://localhost",
            ["https://management.core.windows.net/", "https://management.azure.com/"],
        ),
        (
            "/usgov",
            "AzureUSGovernment",
            "http://localhost/usgov/login",
            ["https://management.core.usgovcloudapi.net/", "https://management.usgovcloudapi.net/"],
        ),
    ],
)
def test_the_metadata_document_points_at_pcsim(client, prefix, name, login, audiences):
    """What azure-cli's ``_arm_to_cli_mapper`` reads: the real cloud's name, audiences and suffixes, pcsim's ARM and
    sign-in. No token needed (the CLI asks before it signs in)."""
    response = client.get(f"{prefix}/azure{METADATA}")
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["name"] == name and doc["resourceManager"] == f"http://localhost{prefix}/azure/"
    assert doc["authentication"] == {
        "loginEndpoint": login,
        "audiences": audiences,
        "tenant": "common",
        "identityProvider": "AAD",
    }
    assert doc["suffixes"]["storage"] and doc["suffixes"]["keyVaultDns"] and doc["microsoftGraphResourceId"]
    # The audiences sign in: the first is the one the CLI asks a token for.
    scope = audiences[0] + "/.default"
    user, tenant = (upn("northwind"), None) if not prefix else (upn("relecloud"), None)
    assert (
        client.post(
            f"{prefix}/login/{(tenant or user.split('@')[1])}/oauth2/v2.0/token",
            data={"grant_type": "password", "client_id": CLI_CLIENT_ID, "username": user, "password": PASSWORD}
            | {"scope": scope},
        ).status_code
        == 200
    )


def test_the_metadata_document_of_another_world_names_its_root(client):
    """Under ``/worlds/<id>/azure`` the sign-in is the world's own root (MSAL reads the tenant from an authority's
    first path segment, so ``/worlds/<id>/login`` would not do)."""
    world = client.post("/sim/worlds", json={"frozen": True}).get_json()
    try:
        doc = client.get(f"/worlds/{world['id']}/azure{METADATA}").get_json()
        assert doc["authentication"]["loginEndpoint"] == world["url"]
        assert doc["resourceManager"] == f"http://localhost/worlds/{world['id']}/azure/"
    finally:
        client.delete(f"/sim/worlds/{world['id']}")
    assert client.get(f"/worlds/{world['id']}/azure{METADATA}").status_code == 404


def test_the_metadata_document_needs_its_api_version(client):
    for query in ("", "?api-version=2019-05-01"):
        body = client.get(f"/azure/metadata/endpoints{query}").get_json()
        assert body["error"]["code"] in ("MissingApiVersionParameter", "InvalidApiVersionParameter"), body


# --- /tenants --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("acting_in", [None, "contoso"])
def test_tenants_lists_the_users_home_tenant(client, token, acting_in):
    """A partner user's tenants are its home tenant, whether its token is for it or (GDAP) for a customer's: ARM
    lists the tenants an account belongs to, and a CSP partner names a customer tenant to sign in to it."""
    arm = token(upn("northwind"), DOMAINS[acting_in] if acting_in else None)
    response = client.get(f"/azure/tenants?{RESOURCES_API}", headers=bearer(arm))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["value"] == [
        {
            "id": f"/tenants/{tid('northwind')}",
            "tenantId": tid("northwind"),
            "tenantCategory": "Home",
            "countryCode": "US",
            "displayName": "Northwind Cloud",
            "domains": [DOMAINS["northwind"]],
            "defaultDomain": DOMAINS["northwind"],
            "tenantType": "AAD",
        }
    ]


def test_tenants_for_an_app_names_its_tenant_only(client):
    body = client.post(
        f"/login/{DOMAINS['northwind']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PSA_CLIENT_ID,
            "client_secret": "Pcsim-App-Secret-1!",
            "scope": ARM_SCOPE,
        },
    ).get_json()
    tenants = client.get(f"/azure/tenants?{RESOURCES_API}", headers=bearer(body["access_token"])).get_json()
    assert tenants["value"] == [
        {"id": f"/tenants/{tid('northwind')}", "tenantId": tid("northwind"), "tenantCategory": "Home"}
    ]


def test_tenants_needs_a_token(client):
    assert client.get(f"/azure/tenants?{RESOURCES_API}").status_code == 401


# --- /subscriptions/{id}/locations ---------------------------------------------------------------------------------
def test_locations_of_a_subscription(client, token):
    sub = ids.subscription_id("contoso-prod")
    arm = token(upn("northwind"), DOMAINS["contoso"])
    response = client.get(f"/azure/subscriptions/{sub}/locations?{RESOURCES_API}", headers=bearer(arm))
    assert response.status_code == 200, response.get_json()
    regions = {r["name"]: r for r in response.get_json()["value"]}
    assert {"eastus", "westeurope", "southeastasia"} <= set(regions) and not any("usgov" in r for r in regions)
    east = regions["eastus"]
    assert east["id"] == f"/subscriptions/{sub}/locations/eastus" and east["type"] == "Region"
    assert east["displayName"] == "East US" and east["regionalDisplayName"] == "(US) East US"
    assert east["metadata"]["regionType"] == "Physical" and east["metadata"]["pairedRegion"][0]["name"] == "westus"


def test_locations_of_a_us_government_subscription(client, token):
    sub = ids.subscription_id("humongous-gov")
    arm = token(upn("relecloud"), DOMAINS["humongous"], USGOV_ARM_SCOPE)
    response = client.get(f"/usgov/azure/subscriptions/{sub}/locations?{RESOURCES_API}", headers=bearer(arm))
    assert response.status_code == 200, response.get_json()
    assert {r["name"] for r in response.get_json()["value"]} >= {"usgovvirginia", "usgovtexas", "usgovarizona"}


def test_locations_as_the_subscription_itself(client, token):
    """As the subscription's GET: without a role 403, with a token for another tenant 401 (R12)."""
    path = f"/azure/subscriptions/{ids.subscription_id('contoso-prod')}/locations?{RESOURCES_API}"
    no_role = client.get(path, headers=bearer(token(upn("contoso"))))
    assert no_role.status_code == 403 and no_role.get_json()["error"]["code"] == "AuthorizationFailed"
    other = client.get(path, headers=bearer(token(upn("northwind"))))
    assert other.status_code == 401 and other.get_json()["error"]["code"] == "InvalidAuthenticationTokenTenant"
