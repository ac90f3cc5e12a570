"""Microsoft's JavaScript clients against pcsim over HTTPS, configured only as their own docs say: @azure/msal-node,
@azure/identity, @azure/arm-support and @microsoft/microsoft-graph-client, in the default world and in another
(``POST /sim/worlds``, at that world's own root). Each area is a small script in tests/js/ run with ``node`` in a
subprocess; it prints one JSON answer that the test asserts on. The packages are pinned in tests/js/package.json
and package-lock.json and installed by ``make node-deps`` (``make test`` runs it), never from here: without
``node`` (20 or later) or tests/js/node_modules these tests skip and say why.

What a user configures (the scripts show it in full):

- Trust pcsim's CA (``~/.pcsim/tls/pcsim-ca.pem``, created by ``pcsim serve --tls``): ``NODE_EXTRA_CA_CERTS=<CA
  file>`` in node's environment (read at start-up, by Node's https and its fetch alike).
- @azure/msal-node: ``authority: "https://localhost:PORT/<tenant>"`` and ``knownAuthorities: ["localhost:PORT"]``
  (msal-node then reads pcsim's OpenID configuration instead of asking login.microsoftonline.com's instance
  discovery). ``PublicClientApplication.acquireTokenByUsernamePassword`` with the Azure CLI's client id
  (msal-node 5 makes no user realm request: no port workaround), ``ConfidentialClientApplication
  .acquireTokenByClientCredential`` with an app registration of the world.
- @azure/identity (4.13, the last for Node 20): ``authorityHost: "https://localhost:PORT"`` (or
  ``AZURE_AUTHORITY_HOST``) and ``disableInstanceDiscovery: true``; ``ClientSecretCredential`` and
  ``UsernamePasswordCredential``, the tenant by id or domain.
- @azure/arm-support: ``new MicrosoftSupport(credential, subscriptionId, {endpoint: "https://localhost:PORT/azure",
  credentialScopes: ["https://management.azure.com/.default"]})`` (by default it asks for ``<endpoint>/.default``).
  Its api-version is 2020-04-01.
- @microsoft/microsoft-graph-client: ``Client.initWithMiddleware({authProvider: new
  TokenCredentialAuthenticationProvider(credential, {scopes: ["https://graph.microsoft.com/.default"]}), baseUrl:
  "https://localhost:PORT/graph/", customHosts: new Set(["localhost"])})`` (the client sends the token only to
  Graph's hosts and these). Node 20's own fetch: no polyfill.
- Another world: the same, with the world's ``url`` (its own root) in place of ``https://localhost:PORT``.

Nothing leaves the machine: tests/js/offline.js (preloaded) refuses any other host name and the test fails if one
was looked up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from client_sdk import Sim
from simulator import create_app
from simulator.domain.catalog import ENTRA_ROLES
from simulator.server import start_server
from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, DOMAINS, GRAPH_SCOPE, PASSWORD, PC_SCOPE, SUPPORT_ROLES, tid, upn

JS = Path(__file__).parent / "js"
NODE = shutil.which("node")
NODE_TIMEOUT = 120  # seconds; a script takes one or two


def _node_version() -> tuple[int, ...]:
    if NODE is None:
        return ()
    out = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30).stdout
    return tuple(int(n) for n in re.findall(r"\d+", out)[:3])


def _why_skip() -> str | None:
    if NODE is None:
        return "node is not installed (Node.js 20 or later runs tests/js)"
    if _node_version() < (20,):
        return f"node {'.'.join(map(str, _node_version()))} is too old: tests/js needs Node.js 20 or later"
    if not (JS / "node_modules" / ".package-lock.json").exists():
        return "tests/js/node_modules is missing: run `make node-deps` (npm ci in tests/js; `make test` does it)"
    return None


SKIP_REASON = _why_skip()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")

APP_ID = ids.app_id("northwind", "psa")
APP_SECRET = "Pcsim-App-Secret-1!"


@dataclass
class Place:
    """Where the scripts go: ``base`` is the authority host and the surfaces' root (the main server's for the
    default world, the world's own root for another); ``issuer`` the root of its tokens' issuer."""

    base: str
    issuer: str
    ca: str
    world_id: str
    control: str  # the control plane's root (the main server's)

    def iss(self, tenant_id: str) -> str:
        return f"{self.issuer}/{tenant_id}/v2.0"


@pytest.fixture(scope="module")
def js_app(tls_files):
    """An app that knows the server's certificate (as ``pcsim serve --tls`` makes it): a world's root is HTTPS."""
    app = create_app(database_url="sqlite://", frozen_clock=True, tls=tls_files)
    yield app
    app.extensions["pcsim"].roots.close_all()


@pytest.fixture(scope="module")
def js_server(js_app, tls_files):
    server = start_server(js_app, tls=tls_files)
    yield server
    server.stop()


@pytest.fixture(params=["default world", "another world"])
def place(request, js_app, js_server, tls_files, monkeypatch):
    ca = str(tls_files.ca_cert)
    if request.param == "default world":
        js_app.extensions["pcsim"].worlds.reset("default")
        yield Place(js_server.url, js_server.url, ca, "default", js_server.url)
        return
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)  # requests lets it override a session's ``verify``
    with Sim(js_server.url, verify=ca) as sim:
        world = sim.create_world(id=f"js-{uuid.uuid4().hex[:8]}", frozen=True)
        try:
            assert world.url.startswith("https://") and world.url != js_server.url
            yield Place(world.url, world.url, ca, world.id, js_server.url)  # at its own root: no /worlds/<id>
        finally:
            world.delete()


def node(script: str, place: Place, **settings) -> dict:
    """Run tests/js/<script> with ``settings`` (and the place's ``base``); its JSON answer, which must hold no error
    and no look-up of another host."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "NODE_EXTRA_CA_CERTS": place.ca,
        "NO_PROXY": "localhost,127.0.0.1",
    }
    done = subprocess.run(
        [NODE or "node", "--require", "./offline.js", script, json.dumps({"base": place.base} | settings)],
        cwd=JS,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
    )
    assert done.returncode == 0, f"node {script} exited {done.returncode}:\n{done.stderr[-3000:]}"
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"node {script} printed no JSON:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    assert answer["error"] is None, f"node {script}: {answer['error']}\n{done.stderr[-2000:]}"
    assert answer["lookedUp"] == [], f"node {script} tried to reach {answer['lookedUp']}"
    return answer["steps"]


SIGN_IN = {
    "partnerTenant": DOMAINS["northwind"],
    "customerTenant": DOMAINS["contoso"],
    "username": upn("northwind"),
    "password": PASSWORD,
    "publicClientId": CLI_CLIENT_ID,
    "appId": APP_ID,
    "appSecret": APP_SECRET,
}
PC_AUDIENCE = PC_SCOPE.removesuffix("/.default")


def test_msal_node(place):
    """msal-node reads pcsim's OpenID configuration (its issuer on the authority's host), signs a partner's user in
    to a customer through GDAP (ROPC) and an app in its own tenant (client credentials), and caches both."""
    steps = node("msal.js", place, scope=PC_SCOPE, **SIGN_IN)
    user = steps["publicClientPassword"]
    assert user["first"]["iss"] == place.iss(tid("contoso")) and user["first"]["tid"] == tid("contoso")
    assert user["first"]["aud"] == PC_AUDIENCE and user["first"]["idtyp"] == "user"
    assert SUPPORT_ROLES <= set(user["first"]["wids"])
    assert user["accounts"] == 1 and user["silent"]["fromCache"] is True
    app = steps["confidentialClient"]
    assert app["first"]["iss"] == place.iss(tid("northwind")) and app["first"]["idtyp"] == "app"
    assert app["first"]["fromCache"] is False and app["again"]["fromCache"] is True


def test_azure_identity(place):
    steps = node("identity.js", place, scope=GRAPH_SCOPE, **SIGN_IN)
    app = steps["clientSecret"]
    assert (app["tid"], app["idtyp"], app["aud"]) == (tid("northwind"), "app", "https://graph.microsoft.com")
    assert app["iss"] == place.iss(tid("northwind"))
    user = steps["usernamePassword"]
    assert (user["tid"], user["idtyp"]) == (tid("contoso"), "user") and user["iss"] == place.iss(tid("contoso"))
    assert SUPPORT_ROLES <= set(user["wids"]) and user["sameAgain"] is True
    assert steps["wrongSecret"]["refused"] is True and "AADSTS7000215" in steps["wrongSecret"]["message"]


def test_arm_support(place):
    """A partner's user files, reads and writes to a ticket on a customer's subscription (CSP, GDAP and RBAC)."""
    steps = node(
        "support.js",
        place,
        **SIGN_IN,
        subscriptionId=ids.subscription_id("contoso-prod"),
        ticketName="js-1",
        email="support@northwindcloud.onmicrosoft.com",
    )
    assert steps["services"] and all(
        s["id"] == f"/providers/Microsoft.Support/services/{s['name']}" for s in steps["services"]
    )
    assert steps["problemClassifications"]["items"]
    assert steps["nameAvailable"]["nameAvailable"] is True
    created = steps["create"]
    assert created["name"] == "js-1" and created["status"] == "Open"
    assert created["supportPlanType"] == "Cloud Solution Provider"
    assert created["problemClassificationId"] == steps["problemClassifications"]["items"][0]["id"]
    assert created["email"] == "support@northwindcloud.onmicrosoft.com"
    assert [t["name"] for t in steps["list"]] == ["js-1"] and steps["listOpen"] == ["js-1"]
    assert steps["get"] == created
    sent = steps["communicate"]["sent"]
    assert (sent["name"], sent["direction"], sent["sender"]) == ("note-a", "outbound", upn("northwind"))
    assert steps["communicate"]["listed"] == [{"name": "note-a", "subject": "Boot log"}]
    assert steps["denied"]["status"] == 404


def test_arm_support_long_running_creates(place, monkeypatch):
    """In a world that asks for long-running creates (``azureLongRunningCreates``), the same calls answer 202 and
    @azure/core-lro's poller follows Azure-AsyncOperation to the same ticket and communication."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", place.ca)  # requests lets it override a session's ``verify``
    with Sim(place.control, verify=place.ca) as sim:
        world = sim.world(place.world_id)
        world.set_azure_long_running_creates(True)
        try:
            steps = node(
                "support.js",
                place,
                **SIGN_IN,
                subscriptionId=ids.subscription_id("contoso-prod"),
                ticketName="js-lro",
                email="support@northwindcloud.onmicrosoft.com",
                pollIntervalMs=50,
            )
            polls = [e["path"] for e in world.journal(surface="azure", top=1000) if "/operationsStatus/" in e["path"]]
        finally:
            world.set_azure_long_running_creates(False)
    assert steps["create"]["name"] == "js-lro" and steps["create"]["status"] == "Open"
    assert steps["get"] == steps["create"]
    assert steps["communicate"]["sent"]["name"] == "note-a"
    assert len(polls) >= 4, polls  # each create answered 202 and was polled to its end (two polls at least)


def test_microsoft_graph_client(place):
    """GDAP relationships (list, create) as the partner; the customer's service health through GDAP."""
    steps = node(
        "graph.js",
        place,
        **SIGN_IN,
        newCustomerTenantId=tid("tailwind"),
        roleIds=[ENTRA_ROLES["Service Support Administrator"], ENTRA_ROLES["Helpdesk Administrator"]],
    )
    by_customer = {r["customer"]: r for r in steps["listRelationships"]}
    assert by_customer[tid("contoso")]["status"] == "active" and by_customer[tid("nod")]["status"] == "terminated"
    created = steps["createRelationship"]
    assert created["status"] == created["gotStatus"] == "created" and created["duration"] == "P180D"
    assert created["customer"] == tid("tailwind") and set(created["roles"]) == SUPPORT_ROLES
    exchange = next(s for s in steps["healthOverviews"] if s["id"] == "Exchange")
    assert exchange["status"] == "serviceDegradation" and exchange["issues"] == ["EX1001"]
    assert steps["denied"]["statusCode"] == 404
