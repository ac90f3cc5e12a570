"""The official Microsoft clients (azure-identity, msal) get tokens from pcsim with configuration only.

Everything goes over HTTPS (``pcsim serve --tls``) to ``https://localhost:PORT``; nothing reaches the internet
(``no_internet`` below refuses any other host name and the tests fail if one is looked up).

What a user configures:

- Trust pcsim's CA (``~/.pcsim/tls/pcsim-ca.pem``, created by ``pcsim serve --tls``). azure-identity:
  ``connection_verify=<CA file>``. msal: ``verify=<CA file>``, but requests lets ``REQUESTS_CA_BUNDLE`` /
  ``CURL_CA_BUNDLE`` override a session's ``verify`` when they are set, so then point ``REQUESTS_CA_BUNDLE`` at
  the CA file instead (or unset both).
- Turn off instance discovery, which would ask ``login.microsoftonline.com`` about the unknown host:
  azure-identity ``disable_instance_discovery=True``, msal ``instance_discovery=False``.
- Authority: pcsim serves the Entra endpoints at the root, like a sovereign cloud's authority host.
  azure-identity: ``authority="https://localhost:PORT"`` (with the scheme: ``"localhost:PORT"`` parses as a
  scheme and is refused; or the environment variable ``AZURE_AUTHORITY_HOST``) and
  ``tenant_id=<tenant id or any of its domains>``. msal:
  ``authority="https://localhost:PORT/<tenant>"``. ``/login/<tenant>`` works too, but MSAL takes the authority's
  first path segment as the tenant of its token cache, so with ``https://localhost:PORT/login`` one credential
  reused across tenants returns the first tenant's cached token: use one credential per tenant there.
- Username/password (ROPC: azure-identity ``UsernamePasswordCredential``, msal
  ``acquire_token_by_username_password``) with the Azure CLI's client id ``04b07795-8ddb-461a-bbee-02f9e1bf7b46``:
  MSAL first asks ``https://<authority host>/common/userrealm/<upn>?api-version=1.0`` and drops the authority's
  port for that one request (msal issue #259), so it goes to port 443. Either
    * serve pcsim's HTTPS on port 443 (``pcsim serve --tls --tls-port 443``, or map a container's port to 443) and
      use ``authority="https://localhost"``: pcsim answers the user realm at the root and nothing else is needed; or
    * send that port-less request to pcsim's port: azure-identity ``raw_request_hook=userrealm_to(PORT)``
      (azure-core's request hook), msal ``http_client=PcsimSession(PORT)`` (MSAL's documented ``http_client``,
      the workaround suggested in #259). Both are defined below, a few lines each.
  (MSAL also skips the lookup for a host that once answered 404, but only something on port 443 can answer.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, UsernamePasswordCredential

from simulator.server import start_server
from simulator.worlds import ids

from .offline import no_internet  # noqa: F401  (a fixture)
from .personas import CLI_CLIENT_ID, DOMAINS, GRAPH_SCOPE, PASSWORD, PC_SCOPE, SUPPORT_ROLES, tid, upn

pytestmark = [
    pytest.mark.filterwarnings("ignore:UsernamePasswordCredential is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning"),
]

PC_AUDIENCE = "https://api.partnercenter.microsoft.com"
APP_ID = ids.app_id("northwind", "psa")
APP_SECRET = "Pcsim-App-Secret-1!"


# --- what a user writes for the username/password flow on a port other than 443 ---------------------------------
def _to_port(url: str, port: int) -> str:
    """MSAL's user realm lookup is the only port-less https://localhost request: give it pcsim's port."""
    parts = urlsplit(url)
    if parts.hostname == "localhost" and parts.port is None:
        return parts._replace(netloc=f"localhost:{port}").geturl()
    return url


def userrealm_to(port: int):
    """azure-identity: ``raw_request_hook=userrealm_to(port)``."""

    def hook(pipeline_request):
        pipeline_request.http_request.url = _to_port(pipeline_request.http_request.url, port)

    return hook


class PcsimSession(requests.Session):
    """msal: ``http_client=PcsimSession(port)``. (Here it also records the grant types MSAL posts.)"""

    def __init__(self, port: int):
        super().__init__()
        self.port, self.grants = port, []

    def request(self, method, url, *args, **kwargs):
        data = kwargs.get("data")
        if isinstance(data, dict) and "grant_type" in data:
            self.grants.append(data["grant_type"])
        return super().request(method, _to_port(url, self.port), *args, **kwargs)


# --- fixtures ------------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _offline(no_internet):
    """Every test here: ``no_internet`` (tests/offline.py)."""
    yield


@pytest.fixture(scope="module")
def https_server(shared_app, tls_files):
    """One HTTPS server for the module (as ``tls_server``, without a 0.5 s shutdown per test)."""
    server = start_server(shared_app, tls=tls_files)
    yield server
    server.stop()


@pytest.fixture
def tls_server(https_server, app):
    """The module's server, its default world reset for this test (``app``)."""
    return https_server


@pytest.fixture
def ca(tls_files) -> str:
    return str(tls_files.ca_cert)


@pytest.fixture
def port(tls_server) -> int:
    return urlsplit(tls_server.url).port


@pytest.fixture
def verified_claims(tls_server, ca):
    """Claims of an access token whose signature checks against pcsim's JWKS (``/<tenant>/discovery/v2.0/keys``)."""

    def verify(token: str, tenant_id: str, audience: str = PC_AUDIENCE, root: str = tls_server.url) -> dict:
        jwks = requests.get(f"{tls_server.url}/{tenant_id}/discovery/v2.0/keys", verify=ca, timeout=5)
        assert jwks.status_code == 200, jwks.text
        key = jwt.PyJWKSet.from_dict(jwks.json())[jwt.get_unverified_header(token)["kid"]]
        # The default world's clock is frozen (2026-01-15): exp is checked by pcsim against that clock, not here.
        return jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=f"{root}/{tenant_id}/v2.0",  # on the authority's host, as Entra ID's
            options={"verify_exp": False},
        )

    return verify


def user_credential(base: str, ca: str, port: int | None, username: str, **kwargs) -> UsernamePasswordCredential:
    hook = {"raw_request_hook": userrealm_to(port)} if port else {}
    return UsernamePasswordCredential(
        CLI_CLIENT_ID,
        username,
        PASSWORD,
        authority=base,
        disable_instance_discovery=True,
        connection_verify=ca,
        **hook,
        **kwargs,
    )


# --- azure-identity ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mount, tenant",
    [("", tid("northwind")), ("", DOMAINS["northwind"]), ("/login", DOMAINS["northwind"])],
    ids=["root-tenant-id", "root-domain", "login-mount-domain"],
)
def test_client_secret_credential(tls_server, ca, verified_claims, mount, tenant):
    with ClientSecretCredential(
        tenant,
        APP_ID,
        APP_SECRET,
        authority=tls_server.url + mount,
        disable_instance_discovery=True,
        connection_verify=ca,
    ) as credential:
        token = credential.get_token(PC_SCOPE)
        assert credential.get_token(PC_SCOPE).token == token.token  # served from MSAL's cache
    claims = verified_claims(token.token, tid("northwind"))
    assert (claims["aud"], claims["tid"], claims["idtyp"], claims["appid"]) == (
        PC_AUDIENCE,
        tid("northwind"),
        "app",
        APP_ID,
    )


def test_client_secret_credential_wrong_secret(tls_server, ca):
    with ClientSecretCredential(
        tid("northwind"),
        APP_ID,
        "not-the-secret",
        authority=tls_server.url,
        disable_instance_discovery=True,
        connection_verify=ca,
    ) as credential:
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
            credential.get_token(PC_SCOPE)


def test_username_password_credential(tls_server, ca, port, verified_claims):
    with user_credential(tls_server.url, ca, port, upn("northwind"), tenant_id=DOMAINS["northwind"]) as credential:
        token = credential.get_token(PC_SCOPE).token
        graph = credential.get_token(GRAPH_SCOPE).token  # another resource: MSAL uses the refresh token
    claims = verified_claims(token, tid("northwind"))
    assert (claims["tid"], claims["idtyp"], claims["upn"], claims["appid"]) == (
        tid("northwind"),
        "user",
        upn("northwind"),
        CLI_CLIENT_ID,
    )
    assert verified_claims(graph, tid("northwind"), audience="https://graph.microsoft.com")["oid"] == claims["oid"]


def test_partner_user_in_customer_tenant_gets_gdap_support_roles(tls_server, ca, port, verified_claims):
    with user_credential(tls_server.url, ca, port, upn("northwind"), tenant_id=DOMAINS["contoso"]) as credential:
        token = credential.get_token(PC_SCOPE).token
    claims = verified_claims(token, tid("contoso"))
    assert claims["tid"] == tid("contoso") and claims["home_tid"] == tid("northwind")
    assert SUPPORT_ROLES <= set(claims["wids"])


def test_one_credential_across_tenants_with_the_root_authority(tls_server, ca, port, verified_claims):
    """The root mount gives MSAL's token cache the real tenant, so a reused credential never mixes tenants."""
    with user_credential(
        tls_server.url, ca, port, upn("northwind"), tenant_id=DOMAINS["northwind"], additionally_allowed_tenants=["*"]
    ) as credential:
        home = credential.get_token(PC_SCOPE).token
        customer = credential.get_token(PC_SCOPE, tenant_id=DOMAINS["contoso"]).token
    assert verified_claims(home, tid("northwind"))["tid"] == tid("northwind")
    claims = verified_claims(customer, tid("contoso"))
    assert claims["tid"] == tid("contoso") and SUPPORT_ROLES <= set(claims["wids"])


def test_expired_gdap_refuses_the_customer_tenant(tls_server, ca, port):
    with user_credential(tls_server.url, ca, port, upn("northwind"), tenant_id=DOMAINS["fourthcoffee"]) as credential:
        with pytest.raises(ClientAuthenticationError, match="AADSTS50020") as caught:
            credential.get_token(PC_SCOPE)
    assert "expired" in str(caught.value)


def test_username_password_on_port_443_needs_no_hook(app, tls_files, ca, verified_claims):
    """With pcsim's HTTPS on 443, MSAL's user realm lookup reaches pcsim's root: configuration only."""
    try:
        server = start_server(app, port=443, tls=tls_files)
    except OSError as exc:  # not privileged, or the port is taken
        pytest.skip(f"cannot listen on port 443: {exc}")
    try:
        with user_credential("https://localhost", ca, None, upn("northwind"), tenant_id=DOMAINS["contoso"]) as cred:
            token = cred.get_token(PC_SCOPE).token
    finally:
        server.stop()
    assert SUPPORT_ROLES <= set(verified_claims(token, tid("contoso"), root="https://localhost")["wids"])


# --- msal ----------------------------------------------------------------------------------------------------
def test_msal_confidential_client(tls_server, ca, monkeypatch, verified_claims):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # they would override ``verify``
        monkeypatch.delenv(name, raising=False)
    app = msal.ConfidentialClientApplication(
        APP_ID,
        client_credential=APP_SECRET,
        instance_discovery=False,
        authority=f"{tls_server.url}/{DOMAINS['northwind']}",
        verify=ca,
    )
    result = app.acquire_token_for_client([PC_SCOPE])
    assert "access_token" in result, result
    assert result["token_source"] == "identity_provider"
    assert app.acquire_token_for_client([PC_SCOPE])["token_source"] == "cache"
    claims = verified_claims(result["access_token"], tid("northwind"))
    assert (claims["aud"], claims["tid"], claims["idtyp"]) == (PC_AUDIENCE, tid("northwind"), "app")


@pytest.mark.parametrize("tenant", ["northwind", "contoso"])
def test_msal_public_client_password_then_refresh_token(tls_server, ca, port, monkeypatch, verified_claims, tenant):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    session = PcsimSession(port)
    app = msal.PublicClientApplication(
        CLI_CLIENT_ID, authority=f"{tls_server.url}/{DOMAINS[tenant]}", instance_discovery=False, http_client=session
    )
    first = app.acquire_token_by_username_password(upn("northwind"), PASSWORD, scopes=[PC_SCOPE])
    assert "access_token" in first, first
    assert first["id_token_claims"]["preferred_username"] == upn("northwind")
    (account,) = app.get_accounts(username=upn("northwind"))
    assert account["home_account_id"] == f"{ids.user_id('northwind', 'admin')}.{tid('northwind')}"

    assert app.acquire_token_silent([PC_SCOPE], account=account)["token_source"] == "cache"
    forced = app.acquire_token_silent([PC_SCOPE], account=account, force_refresh=True)
    assert forced["token_source"] == "identity_provider", forced
    for access_token in list(app.token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
        app.token_cache.remove_at(access_token)
    refreshed = app.acquire_token_silent([PC_SCOPE], account=account)
    assert refreshed["token_source"] == "identity_provider", refreshed
    assert session.grants == ["password", "refresh_token", "refresh_token"]

    for result in (first, forced, refreshed):
        claims = verified_claims(result["access_token"], tid(tenant))
        assert (claims["tid"], claims["upn"], claims["idtyp"]) == (tid(tenant), upn("northwind"), "user")
    if tenant == "contoso":
        assert SUPPORT_ROLES <= set(verified_claims(refreshed["access_token"], tid(tenant))["wids"])
