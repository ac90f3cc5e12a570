"""Sign-in as Entra ID does it: grants, claims, GDAP-gated customer tokens, and the bearer check."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.worlds import ids

from .personas import ARM_SCOPE, CLI_CLIENT_ID, GRAPH_SCOPE, PC_SCOPE, SUPPORT_ROLES, bearer, tid, upn

PSA_CLIENT_ID = ids.app_id("northwind", "psa")
PSA_SECRET = "Pcsim-App-Secret-1!"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def aadsts(response) -> int:
    body = response.get_json()
    assert set(body) >= {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}:")
    return body["error_codes"][0]


def test_password_grant_issues_rs256_token_with_real_claims(client, token_response):
    response = token_response(upn("northwind"), scope=PC_SCOPE + " openid profile offline_access")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert {"access_token", "refresh_token", "id_token"} <= set(body)
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256" and header["kid"]
    claims = claims_of(body["access_token"])
    assert claims["aud"] == "https://api.partnercenter.microsoft.com"
    assert claims["tid"] == tid("northwind")
    assert claims["oid"] == ids.user_id("northwind", "admin")
    assert claims["upn"] == upn("northwind")
    # On the host the token was asked at (the test client's http://localhost), as Entra ID's is on its authority's.
    assert claims["iss"] == f"http://localhost/{tid('northwind')}/v2.0"
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["idtyp"] == "user"


def test_token_signature_verifies_with_the_published_jwks(client, sign_in):
    token = sign_in(upn("contoso"), scope=GRAPH_SCOPE)
    jwks = client.get(f"/login/{tid('contoso')}/discovery/v2.0/keys").get_json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        token, key, algorithms=["RS256"], audience="https://graph.microsoft.com", options={"verify_exp": False}
    )
    assert claims["tid"] == tid("contoso")


@pytest.mark.parametrize("world", ["default", "another"])
def test_a_fresh_token_is_valid_on_the_machines_clock(client, request, world):
    """iat, nbf and exp are wall-clock times, as Entra ID's: PyJWT's default checks (exp, nbf, iat against the
    machine's clock) accept a fresh token, whatever the world's date (2026-01-15 in the default world)."""
    prefix = ""
    if world != "default":
        created = client.post("/sim/worlds", json={"scenario": "default", "frozen": True})
        assert created.status_code == 201, created.get_json()
        prefix = f"/worlds/{created.get_json()['id']}"
        request.addfinalizer(lambda: client.delete(f"/sim{prefix}"))
        assert client.post(f"/sim{prefix}/clock", json={"set": "2030-06-01T00:00:00Z"}).status_code == 200
    body = client.post(
        f"{prefix}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": "Pcsim-Passw0rd!",
            "scope": ARM_SCOPE + " openid profile",
        },
    ).get_json()
    jwks = client.get(f"{prefix}/login/{tid('northwind')}/discovery/v2.0/keys").get_json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        body["access_token"],
        key,
        algorithms=["RS256"],
        audience="https://management.azure.com/",
        options={"require": ["exp", "nbf", "iat"]},
    )
    now = time.time()
    assert claims["nbf"] == claims["iat"] and abs(claims["iat"] - now) < 60 and claims["exp"] - claims["iat"] == 3600
    assert jwt.decode(body["id_token"], key, algorithms=["RS256"], audience=CLI_CLIENT_ID)["exp"] == claims["exp"]


def test_a_token_expires_by_the_wall_clock_too(app, client, sign_in):
    """A token issued an hour and more ago (by the machine's clock) is refused though the world's clock is frozen."""
    claims = claims_of(sign_in(upn("northwind")))
    assert pc_customers(client, sign_in(upn("northwind"))).status_code == 200
    old = claims | {"iat": claims["iat"] - 7200, "nbf": claims["nbf"] - 7200, "exp": claims["exp"] - 7200}
    stale = app.extensions["pcsim"].keys.sign(old)
    response = pc_customers(client, stale)
    assert response.status_code == 401 and "expired (by the wall clock" in response.get_json()["description"]


def test_openid_configuration_names_token_endpoint_and_issuer(client):
    config = client.get("/login/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").get_json()
    assert config["token_endpoint"] == f"http://localhost/login/{tid('contoso')}/oauth2/v2.0/token"
    assert config["issuer"] == f"http://localhost/{tid('contoso')}/v2.0"
    assert config["jwks_uri"].endswith("/discovery/v2.0/keys")


def test_tenant_by_id_or_domain_and_at_the_root(client, token_response):
    by_id = token_response(upn("northwind"), tenant=tid("northwind"))
    assert by_id.status_code == 200
    root = client.post(
        "/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": "Pcsim-Passw0rd!",
            "scope": PC_SCOPE,
        },
    )
    assert root.status_code == 200
    organizations = token_response(upn("northwind"), tenant="organizations")
    assert claims_of(organizations.get_json()["access_token"])["tid"] == tid("northwind")


def test_client_credentials_grant(client):
    response = client.post(
        f"/login/{tid('northwind')}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PSA_CLIENT_ID,
            "client_secret": PSA_SECRET,
            "scope": GRAPH_SCOPE,
        },
    )
    assert response.status_code == 200
    claims = claims_of(response.get_json()["access_token"])
    assert claims["idtyp"] == "app" and claims["azp"] == PSA_CLIENT_ID
    assert "DelegatedAdminRelationship.ReadWrite.All" in claims["roles"]
    assert "refresh_token" not in response.get_json()


def test_client_secret_by_basic_auth(client):
    basic = base64.b64encode(f"{PSA_CLIENT_ID}:{PSA_SECRET}".encode()).decode()
    response = client.post(
        f"/login/{tid('northwind')}/oauth2/v2.0/token",
        headers={"Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials", "scope": PC_SCOPE},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "data, status, code",
    [
        ({"client_secret": "wrong-secret"}, 401, 7000215),
        ({"client_id": "11111111-1111-1111-1111-111111111111"}, 400, 700016),
        ({"scope": "https://graph.microsoft.com/User.Read"}, 400, 1002012),
        ({"scope": "https://example.com/.default"}, 400, 500011),
        ({"scope": "https://graph.microsoft.com/.default https://management.azure.com/.default"}, 400, 28000),
        ({"grant_type": "authorization_code"}, 400, 70003),
        ({"grant_type": ""}, 400, 900144),
    ],
)
def test_client_credentials_errors(client, data, status, code):
    form = {
        "grant_type": "client_credentials",
        "client_id": PSA_CLIENT_ID,
        "client_secret": PSA_SECRET,
        "scope": GRAPH_SCOPE,
    } | data
    response = client.post(f"/login/{tid('northwind')}/oauth2/v2.0/token", data=form)
    assert response.status_code == status
    assert aadsts(response) == code


def test_app_token_only_in_its_own_tenant(client):
    response = client.post(
        f"/login/{tid('contoso')}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PSA_CLIENT_ID,
            "client_secret": PSA_SECRET,
            "scope": GRAPH_SCOPE,
        },
    )
    assert aadsts(response) == 700016


@pytest.mark.parametrize(
    "username, password, tenant, code",
    [
        ("admin@northwindcloud.onmicrosoft.com", "not-the-password", None, 50126),
        ("ghost@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!", None, 50034),
        ("admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!", "nowhere.onmicrosoft.com", 90002),
        ("admin@contoso.onmicrosoft.com", "Pcsim-Passw0rd!", "adatum.onmicrosoft.com", 50020),
        ("admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!", "fabrikamdist.onmicrosoft.com", 50020),
    ],
)
def test_password_grant_errors(token_response, username, password, tenant, code):
    response = token_response(username, tenant=tenant, password=password)
    assert response.status_code in (400, 401)
    assert aadsts(response) == code


def test_unknown_public_client_is_refused(token_response):
    response = token_response(upn("northwind"), client_id="22222222-2222-2222-2222-222222222222")
    assert aadsts(response) == 700016


# --- GDAP: a partner user's token in a customer tenant -----------------------------------------------


def test_active_gdap_gives_token_with_effective_roles(token_response):
    response = token_response(upn("northwind"), tenant="contoso.onmicrosoft.com", scope=GRAPH_SCOPE)
    assert response.status_code == 200
    claims = claims_of(response.get_json()["access_token"])
    assert claims["tid"] == tid("contoso") and claims["oid"] == ids.user_id("northwind", "admin")
    assert SUPPORT_ROLES <= set(claims["wids"])
    assert claims["idp"] == f"https://sts.windows.net/{tid('northwind')}/"


def test_roles_come_only_from_the_users_groups(token_response):
    sales = claims_of(
        token_response(upn("northwind", "sales"), tenant="contoso.onmicrosoft.com", scope=GRAPH_SCOPE).get_json()[
            "access_token"
        ]
    )
    # sales is in Support Engineers only: no Global Reader (that assignment goes to Global Readers).
    assert set(sales["wids"]) == SUPPORT_ROLES


@pytest.mark.parametrize(
    "user, customer, reason",
    [
        (upn("northwind"), "fourthcoffee.onmicrosoft.com", "is expired"),
        (upn("northwind"), "nodpublishers.onmicrosoft.com", "is terminated"),
        (upn("northwind"), "tailwindtraders.onmicrosoft.com", "no GDAP relationship"),
        (upn("proseware"), "lucernepublishing.onmicrosoft.com", "is approvalPending"),
        (upn("northwind", "newhire"), "contoso.onmicrosoft.com", "in no security group"),
        (upn("wingtip"), "woodgrovebank.onmicrosoft.com", "no GDAP relationship"),
    ],
)
def test_no_customer_token_without_active_gdap(token_response, user, customer, reason):
    response = token_response(user, tenant=customer, scope=GRAPH_SCOPE)
    assert response.status_code == 400
    assert aadsts(response) == 50020
    assert reason in response.get_json()["error_description"]


def test_relationship_expires_by_the_world_clock(token_response, advance_clock):
    assert token_response(upn("northwind"), tenant="cohowinery.onmicrosoft.com").status_code == 200
    advance_clock(timedelta(days=400))  # Coho's read-only relationship lasts 365 days from 2025-09-01
    response = token_response(upn("northwind"), tenant="cohowinery.onmicrosoft.com")
    assert response.status_code == 400 and "is expired" in response.get_json()["error_description"]


def test_auto_extension_keeps_a_relationship_active(token_response, advance_clock):
    advance_clock(timedelta(days=600))  # past Contoso's end (2027-06-01); it auto-extends by P180D
    assert token_response(upn("northwind"), tenant="contoso.onmicrosoft.com").status_code == 200


def test_refresh_token_grant_reissues_and_rechecks(client, token_response):
    first = token_response(upn("northwind"), tenant="contoso.onmicrosoft.com", scope=GRAPH_SCOPE).get_json()
    refreshed = client.post(
        "/login/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLI_CLIENT_ID,
            "refresh_token": first["refresh_token"],
            "scope": ARM_SCOPE,
        },
    )
    assert refreshed.status_code == 200
    assert claims_of(refreshed.get_json()["access_token"])["aud"] == "https://management.azure.com/"
    wrong_client = client.post(
        "/login/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={"grant_type": "refresh_token", "client_id": PSA_CLIENT_ID, "refresh_token": first["refresh_token"]},
    )
    assert aadsts(wrong_client) == 70000
    as_access = client.post(
        "/login/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={"grant_type": "refresh_token", "client_id": CLI_CLIENT_ID, "refresh_token": first["access_token"]},
    )
    assert aadsts(as_access) == 9002313


def test_refresh_after_gdap_terminated_is_refused(client, token_response, sign_in):
    first = token_response(upn("northwind"), tenant="contoso.onmicrosoft.com", scope=GRAPH_SCOPE).get_json()
    graph = sign_in(upn("northwind"), scope=GRAPH_SCOPE)
    rel = ids.gdap_relationship_id("contoso", "northwind-support")
    terminated = client.post(
        f"/graph/v1.0/tenantRelationships/delegatedAdminRelationships/{rel}/requests",
        json={"action": "terminate"},
        headers=bearer(graph),
    )
    assert terminated.status_code == 201
    again = client.post(
        "/login/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={"grant_type": "refresh_token", "client_id": CLI_CLIENT_ID, "refresh_token": first["refresh_token"]},
    )
    # Access ends as soon as termination is requested (the relationship is then terminationRequested).
    assert aadsts(again) == 50020 and "terminationRequested" in again.get_json()["error_description"]


# --- clouds (R14) ---------------------------------------------------------------------------------


def test_us_government_tenant_signs_in_at_its_own_cloud(client):
    form = {
        "grant_type": "password",
        "client_id": CLI_CLIENT_ID,
        "username": upn("relecloud"),
        "password": "Pcsim-Passw0rd!",
        "scope": "https://api.partnercenter.microsoft.us/.default",
    }
    response = client.post("/usgov/login/relecloudgov.onmicrosoft.us/oauth2/v2.0/token", data=form)
    assert response.status_code == 200
    assert claims_of(response.get_json()["access_token"])["aud"] == "https://api.partnercenter.microsoft.us"
    public = client.post("/login/relecloudgov.onmicrosoft.us/oauth2/v2.0/token", data=form)
    assert aadsts(public) == 90002
    wrong_resource = client.post(
        "/usgov/login/relecloudgov.onmicrosoft.us/oauth2/v2.0/token", data=form | {"scope": PC_SCOPE}
    )
    assert aadsts(wrong_resource) == 500011 and "R14" in wrong_resource.get_json()["error_description"]


def test_issuer_is_on_the_host_asked_per_cloud(client):
    """As Entra ID's is on its authority's host (MSAL.js checks it): the OpenID configuration's issuer and the
    tokens' iss are on the host and port the request came to, the same at /login and at the root; a US Government
    tenant's under /usgov. The bearer check takes them on any port of that host name, on no other host."""
    here = "https://pcsim.example:8443"
    form = {"grant_type": "password", "client_id": CLI_CLIENT_ID, "password": "Pcsim-Passw0rd!"}

    def token(path: str, username: str, scope: str = PC_SCOPE) -> str:
        answer = client.post(path, data=form | {"username": username, "scope": scope}, base_url=here)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["access_token"]

    for path in ("/login/contoso.onmicrosoft.com", "/contoso.onmicrosoft.com"):
        config = client.get(f"{path}/v2.0/.well-known/openid-configuration", base_url=here).get_json()
        assert config["issuer"] == f"{here}/{tid('contoso')}/v2.0"
        assert claims_of(token(f"{path}/oauth2/v2.0/token", upn("contoso")))["iss"] == config["issuer"]
    common = client.get("/login/common/v2.0/.well-known/openid-configuration", base_url=here).get_json()
    assert common["issuer"] == f"{here}/{{tenantid}}/v2.0"
    gov_login = "/usgov/login/relecloudgov.onmicrosoft.us"
    gov = token(f"{gov_login}/oauth2/v2.0/token", upn("relecloud"), "https://api.partnercenter.microsoft.us/.default")
    assert claims_of(gov)["iss"] == f"{here}/usgov/{tid('relecloud')}/v2.0"
    gov_config = client.get(f"{gov_login}/v2.0/.well-known/openid-configuration", base_url=here).get_json()
    assert gov_config["issuer"] == claims_of(gov)["iss"]

    customers = "/partnercenter/v1/customers"
    mine = token("/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token", upn("northwind"))
    assert client.get(customers, headers=bearer(mine), base_url=here).status_code == 200
    assert client.get(customers, headers=bearer(mine), base_url="http://pcsim.example:8080").status_code == 200
    assert client.get("/usgov" + customers, headers=bearer(gov), base_url=here).status_code == 200
    elsewhere = client.get(customers, headers=bearer(mine), base_url="https://other.example:8443")
    assert elsewhere.status_code == 401 and "issuer" in elsewhere.get_json()["description"]


# --- the bearer check every surface shares -------------------------------------------------------------


def pc_customers(client, token):
    return client.get("/partnercenter/v1/customers", headers=bearer(token))


def test_missing_or_malformed_bearer_is_401(client):
    assert client.get("/partnercenter/v1/customers").status_code == 401
    response = client.get("/partnercenter/v1/customers", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401
    assert "not a JWT" in response.get_json()["description"]


def test_tampered_signature_is_refused(client, sign_in):
    token = sign_in(upn("northwind"))
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["tid"] = tid("fabrikam")
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), signature])
    response = pc_customers(client, forged)
    assert response.status_code == 401 and "signature" in response.get_json()["description"]


def test_token_signed_by_another_key_is_refused(client, sign_in):
    claims = claims_of(sign_in(upn("northwind")))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "someone-else"})
    assert "not signed by a key of this server" in pc_customers(client, forged).get_json()["description"]


def test_unsigned_token_is_refused(client, sign_in):
    claims = claims_of(sign_in(upn("northwind")))
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert pc_customers(client, unsigned).status_code == 401


def test_expired_token_is_refused_by_world_time(client, sign_in, advance_clock):
    token = sign_in(upn("northwind"))
    assert pc_customers(client, token).status_code == 200
    advance_clock(timedelta(hours=2))
    response = pc_customers(client, token)
    assert response.status_code == 401 and "expired" in response.get_json()["description"]


def test_not_yet_valid_token_is_refused(client, sign_in, advance_clock):
    advance_clock(timedelta(hours=1))
    token = sign_in(upn("northwind"))
    advance_clock(-timedelta(hours=2))
    assert "not yet valid" in pc_customers(client, token).get_json()["description"]


def test_wrong_audience_is_refused(client, sign_in):
    graph_token = sign_in(upn("northwind"), scope=GRAPH_SCOPE)
    response = pc_customers(client, graph_token)
    assert response.status_code == 401 and "audience" in response.get_json()["description"]


def test_token_of_another_world_is_refused(app, client, sign_in):
    worlds = app.extensions["pcsim"].worlds
    template = worlds.load_template("default")
    worlds.create("other-world", template)
    try:
        other = client.post(
            "/worlds/other-world/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": upn("northwind"),
                "password": "Pcsim-Passw0rd!",
                "scope": PC_SCOPE,
            },
        ).get_json()["access_token"]
        assert claims_of(other)["iss"] == f"http://localhost/worlds/other-world/{tid('northwind')}/v2.0"
        assert client.get("/worlds/other-world/partnercenter/v1/customers", headers=bearer(other)).status_code == 200
        response = pc_customers(client, other)
        assert response.status_code == 401 and "issuer" in response.get_json()["description"]
        mine = sign_in(upn("northwind"))
        assert client.get("/worlds/other-world/partnercenter/v1/customers", headers=bearer(mine)).status_code == 401
    finally:
        with app.extensions["pcsim"].store.session() as session:
            app.extensions["pcsim"].store.delete_world_rows(session, "other-world")
            from simulator.store.models import World

            session.delete(session.get(World, "other-world"))


def test_customer_tenant_token_is_not_a_partner_center_token(client, sign_in):
    token = sign_in(upn("contoso"))
    response = pc_customers(client, token)
    assert response.status_code == 401 and "not a partner tenant" in response.get_json()["description"]


def test_gdap_token_in_a_customer_tenant_is_not_a_partner_center_token(client, sign_in):
    token = sign_in(upn("northwind"), tenant="contoso.onmicrosoft.com")
    assert pc_customers(client, token).status_code == 401


def test_unknown_world_is_404(client):
    response = client.get("/worlds/nope/partnercenter/v1/customers")
    assert response.status_code == 404 and "does not exist" in response.get_json()["description"]
