"""The Python SDK (client_sdk) against a real port: sign-in, paging, errors with rule ids, GDAP, retries."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time

import pytest
import requests
from flask import Flask, jsonify, request

from client_sdk import (
    AuthenticationError,
    Client,
    Forbidden,
    GraphError,
    NotFound,
    PartnerCenterError,
    PcsimError,
    Sim,
)
from client_sdk.roles import ENTRA_ROLES, role_id
from simulator.domain.gdap import SETTLE_TIME
from simulator.server import start_server
from simulator.worlds import ids

from .personas import PASSWORD, SUPPORT_ROLES, tid, upn

PSA_SECRET = "Pcsim-App-Secret-1!"
SUPPORT_ROLE_NAMES = ["Service Support Administrator", "Helpdesk Administrator"]


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def signed_in(live_server):
    """A client of the live server signed in as ``username`` (default: northwind's admin)."""
    clients = []

    def make(username: str = upn("northwind"), **kwargs) -> Client:
        client = Client(live_server.url, **kwargs).sign_in_user(username, PASSWORD)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def count_requests(client: Client, path_part: str) -> list:
    """Record the URLs of the client's responses whose URL contains ``path_part`` (retries included)."""
    seen = []
    client.session.hooks["response"].append(
        lambda r, *a, **k: seen.append(r.request.url) if path_part in r.request.url else None
    )
    return seen


# --- sign-in ---------------------------------------------------------------------------------------
def test_user_sign_in_gets_tokens_per_resource(signed_in):
    client = signed_in()
    pc, graph = client.get_token("partner_center"), client.get_token("graph")
    assert claims(pc)["aud"] == "https://api.partnercenter.microsoft.com"
    assert claims(graph)["aud"] == "https://graph.microsoft.com"
    assert claims(pc)["tid"] == tid("northwind") and claims(pc)["upn"] == upn("northwind")
    assert client.get_token("partner_center") == pc  # cached
    assert client.partner_center.profile()["partnerName"] == "Northwind Cloud"


def test_app_sign_in(live_server):
    client = Client(live_server.url).sign_in_app(
        "northwindcloud.onmicrosoft.com", ids.app_id("northwind", "psa"), PSA_SECRET
    )
    token = claims(client.get_token("graph"))
    assert token["idtyp"] == "app" and token["tid"] == tid("northwind")
    assert "DelegatedAdminRelationship.ReadWrite.All" in token["roles"]
    assert len(list(client.gdap.relationships())) == 8


def test_wrong_password_raises_authentication_error(live_server):
    with pytest.raises(AuthenticationError) as caught:
        Client(live_server.url).sign_in_user(upn("northwind"), "not-the-password")
    err = caught.value
    assert err.aadsts == 50126 and err.error == "invalid_grant" and err.status == 400
    assert "AADSTS50126" in err.message and err.request_id


def test_wrong_app_secret_raises_authentication_error(live_server):
    with pytest.raises(AuthenticationError) as caught:
        Client(live_server.url).sign_in_app("northwindcloud.onmicrosoft.com", ids.app_id("northwind", "psa"), "nope")
    assert caught.value.aadsts == 7000215 and caught.value.status == 401


def test_not_signed_in(live_server):
    with pytest.raises(AuthenticationError, match="not signed in"):
        list(Client(live_server.url).partner_center.customers())


def test_expired_token_is_renewed_with_the_refresh_token_grant(signed_in):
    client = signed_in()
    first = client.get_token("partner_center")
    grants = []
    client.session.hooks["response"].append(
        lambda r, *a, **k: grants.append(r.request.body) if "/oauth2/v2.0/token" in r.request.url else None
    )
    client.expire_token("partner_center")
    assert client.partner_center.profile()["id"] == tid("northwind")
    assert len(grants) == 1 and "grant_type=refresh_token" in grants[0] and "password" not in grants[0]
    assert client.get_token("partner_center") != first


def test_a_refused_token_is_renewed_once(signed_in):
    client = signed_in()
    client.partner_center.profile()
    # Replace the cached token with a graph token: Partner Center answers 401, the client renews it.
    key = (client.tenant.lower(), client.audience("partner_center"))
    client._credential.tokens[key].access_token = client.get_token("graph")
    assert client.partner_center.profile()["partnerName"] == "Northwind Cloud"


# --- Partner Center ------------------------------------------------------------------------------
def test_customers_walks_every_page_exactly_once(signed_in):
    client = signed_in()
    pages = count_requests(client, "/partnercenter/v1/customers")
    everyone = [c["id"] for c in client.partner_center.customers(size=500)]
    assert len(everyone) == 9 and len(pages) == 1
    pages.clear()
    paged = [c["id"] for c in client.partner_center.customers(size=2)]
    assert len(pages) == 5  # 2+2+2+2+1
    assert sum("seekOperation=Next" in url for url in pages) == 4
    assert paged == everyone  # same order, no duplicates, nothing missing


def test_customers_filter_spans_pages(signed_in):
    client = signed_in()
    names = [
        c["companyProfile"]["companyName"]
        for c in client.partner_center.customers(
            size=1, filter={"Field": "CompanyName", "Value": "c", "Operator": "starts_with"}
        )
    ]
    assert sorted(names) == ["Coho Winery", "Contoso Ltd"]


def test_customer_subscriptions_and_relationships(signed_in):
    client = signed_in()
    contoso = client.partner_center.customer(tid("contoso"))
    assert contoso["companyProfile"]["domain"] == "contoso.onmicrosoft.com"
    assert contoso["allowDelegatedAccess"] is True
    subs = client.partner_center.subscriptions(tid("contoso"))
    # An Azure plan's entitlementId is the Azure subscription's id; its own id is Partner Center's.
    assert {s["entitlementId"] for s in subs} >= {ids.subscription_id("contoso-prod")}
    assert ids.subscription_id("contoso-m365") in {s["id"] for s in subs}
    one = client.partner_center.subscription(tid("contoso"), ids.subscription_id("contoso-m365"))
    assert one["attributes"]["objectType"] == "Subscription" and one["status"] == "active"
    # Contoso has no indirect resellers (Northwind is its direct provider).
    assert client.partner_center.customer_relationships(tid("contoso")) == []
    with pytest.raises(NotFound) as caught:
        client.partner_center.subscription(tid("contoso"), ids.subscription_id("adatum-m365"))
    assert isinstance(caught.value, PartnerCenterError) and caught.value.status == 404


def test_indirect_resellers_and_profiles(signed_in):
    fabrikam = signed_in(upn("fabrikam"))
    assert {r["name"] for r in fabrikam.partner_center.indirect_resellers()} == {"Tailspin IT", "Proseware Partners"}
    assert fabrikam.partner_center.profile("mpn")["mpnId"]
    tailspin = signed_in(upn("tailspin"))
    assert [r["name"] for r in tailspin.partner_center.indirect_providers()] == ["Fabrikam Distribution"]
    woodgrove = {r["name"] for r in tailspin.partner_center.customer_relationships(tid("woodgrove"))}
    assert woodgrove == {"Fabrikam Distribution"}
    resellers = {r["name"] for r in fabrikam.partner_center.customer_relationships(tid("woodgrove"))}
    assert resellers == {"Tailspin IT"}


def test_partner_without_relationship_is_denied_with_rule_r1(signed_in):
    wingtip = signed_in(upn("wingtip"))
    assert wingtip.partner_center.customer(tid("contoso"))["relationshipToPartner"] == "advisor"
    with pytest.raises(PartnerCenterError) as caught:
        wingtip.partner_center.customer(tid("adatum"))
    err = caught.value
    assert err.status == 403 and err.rule == "R1" and err.code == 20002 and isinstance(err, Forbidden)
    assert err.request_id and "no commerce relationship" in err.message
    assert "R1" in str(err)


def test_world_prefix(live_server, app):
    services = app.extensions["pcsim"]
    services.worlds.ensure("sdk-world", services.config.scenario, frozen=True)
    client = Client(live_server.url, world="sdk-world").sign_in_user(upn("northwind"), PASSWORD)
    assert len(list(client.partner_center.customers(size=4))) == 9
    assert claims(client.get_token())["iss"].endswith(f"/worlds/sdk-world/{tid('northwind')}/v2.0")
    with pytest.raises(PcsimError):
        Client(live_server.url, world="no-such-world").sign_in_user(upn("northwind"), PASSWORD)


def test_usgov_cloud(live_server):
    client = Client(live_server.url, cloud="usgov").sign_in_user(upn("relecloud"), PASSWORD)
    assert claims(client.get_token())["aud"] == "https://api.partnercenter.microsoft.us"
    assert [c["companyProfile"]["companyName"] for c in client.partner_center.customers()] == ["Humongous Insurance"]
    with pytest.raises(AuthenticationError) as caught:  # R14: a public-cloud tenant on the usgov sign-in
        Client(live_server.url, cloud="usgov").sign_in_user(upn("northwind"), PASSWORD)
    assert caught.value.aadsts == 90002


# --- GDAP ------------------------------------------------------------------------------------------
def test_role_names_map_to_ids():
    assert role_id("Helpdesk Administrator") == ENTRA_ROLES["Helpdesk Administrator"]
    assert role_id("global administrator") == "62e90394-69f5-4237-9190-012177145e10"
    assert role_id("F023FD81-A637-4B56-95FD-791AC0226033") == "f023fd81-a637-4b56-95fd-791ac0226033"
    assert {role_id(n) for n in SUPPORT_ROLE_NAMES} == SUPPORT_ROLES
    with pytest.raises(ValueError, match="unknown Entra role"):
        role_id("Coffee Administrator")


def test_relationships_follow_next_links(signed_in):
    client = signed_in()
    one_page = [r["id"] for r in client.gdap.relationships()]
    pages = count_requests(client, "/delegatedAdminRelationships")
    paged = [r["id"] for r in client.gdap.relationships(top=3)]
    assert len(one_page) == 8 and paged == one_page and len(pages) == 3
    active = list(client.gdap.relationships(filter="status eq 'active'", top=2))
    assert len(active) == 6 and {r["status"] for r in active} == {"active"}
    assert {c["displayName"] for c in client.gdap.customers(top=5)} >= {"Contoso Ltd", "Coho Winery"}
    portals = {d["serviceName"] for d in client.gdap.service_management_details(tid("contoso"))}
    assert {"Azure Active Directory", "Microsoft 365 admin center"} <= portals


def test_gdap_lifecycle_gives_access_to_the_customer_tenant(signed_in, advance_clock):
    northwind = signed_in()
    with pytest.raises(AuthenticationError) as caught:  # no relationship with tailwind yet
        northwind.as_tenant("tailwindtraders.onmicrosoft.com").get_token("graph")
    assert caught.value.aadsts == 50020

    rel = northwind.gdap.create_relationship("Tailwind support", tid("tailwind"), SUPPORT_ROLE_NAMES, duration="P90D")
    assert rel["status"] == "created" and rel["customer"]["tenantId"] == tid("tailwind")
    assert {r["roleDefinitionId"] for r in rel["accessDetails"]["unifiedRoles"]} == SUPPORT_ROLES
    lock = northwind.gdap.lock_for_approval(rel["id"])
    assert lock["status"] == "created" and northwind.gdap.relationship(rel["id"])["status"] == "created"
    with pytest.raises(TimeoutError):  # the world's clock is frozen: nothing settles until it moves
        northwind.gdap.wait_for_request(rel["id"], lock["id"], timeout=0.2, interval=0.1)
    advance_clock(SETTLE_TIME)  # requests settle by the world's clock
    assert northwind.gdap.wait_for_request(rel["id"], lock["id"])["status"] == "succeeded"
    assert northwind.gdap.relationship(rel["id"])["status"] == "approvalPending"

    with pytest.raises(GraphError) as caught:  # the partner cannot approve its own relationship
        northwind.gdap.approve(rel["id"])
    assert caught.value.status == 403 and caught.value.code == "Authorization_RequestDenied"

    tailwind_admin = signed_in(upn("tailwind"))
    assert tailwind_admin.gdap.relationship(rel["id"])["displayName"] == "Tailwind support"
    assert tailwind_admin.gdap.approve(rel["id"])["status"] == "created"
    assert northwind.gdap.relationship(rel["id"])["status"] == "approved"
    advance_clock(SETTLE_TIME)
    assert northwind.gdap.relationship(rel["id"])["status"] == "active"
    assert [r["action"] for r in northwind.gdap.requests(rel["id"])] == ["lockForApproval", "approve"]

    group = ids.group_id("northwind", "support-engineers")
    assignment = northwind.gdap.create_access_assignment(rel["id"], group, SUPPORT_ROLE_NAMES)
    assert assignment["status"] == "pending" and assignment["accessContainer"]["accessContainerId"] == group
    advance_clock(SETTLE_TIME)
    assert [a["id"] for a in northwind.gdap.access_assignments(rel["id"])] == [assignment["id"]]

    in_tailwind = northwind.as_tenant("tailwindtraders.onmicrosoft.com")
    token = claims(in_tailwind.get_token("graph"))
    assert token["tid"] == tid("tailwind") and set(token["wids"]) == SUPPORT_ROLES
    assert claims(northwind.get_token("graph"))["tid"] == tid("northwind")  # the original client is unchanged

    changed = northwind.gdap.update_access_assignment(rel["id"], assignment["id"], ["Helpdesk Administrator"])
    assert [r["roleDefinitionId"] for r in changed["accessDetails"]["unifiedRoles"]] == [
        ENTRA_ROLES["Helpdesk Administrator"]
    ]
    [operation] = northwind.gdap.operations(rel["id"])
    assert operation["operationType"] == "delegatedAdminAccessAssignmentUpdate"
    assert northwind.gdap.operation(rel["id"], operation["id"])["status"] == "notStarted"
    with pytest.raises(GraphError) as caught:  # a stale etag
        northwind.gdap.update_access_assignment(
            rel["id"], assignment["id"], SUPPORT_ROLE_NAMES, etag=assignment["@odata.etag"]
        )
    assert caught.value.status == 412
    northwind.gdap.delete_access_assignment(rel["id"], assignment["id"])
    assert northwind.gdap.access_assignment(rel["id"], assignment["id"])["status"] == "deleting"
    advance_clock(SETTLE_TIME)
    assert northwind.gdap.access_assignment(rel["id"], assignment["id"])["status"] == "deleted"

    northwind.gdap.terminate(rel["id"])
    assert northwind.gdap.relationship(rel["id"])["status"] == "terminationRequested"
    advance_clock(SETTLE_TIME)
    assert northwind.gdap.relationship(rel["id"])["status"] == "terminated"


def test_sales_agent_cannot_create_a_relationship(signed_in):
    sales = signed_in(upn("northwind", "sales"))
    with pytest.raises(GraphError) as caught:
        sales.gdap.create_relationship("Not allowed", tid("tailwind"), ["Helpdesk Administrator"])
    err = caught.value
    assert err.status == 403 and err.rule == "R3" and err.code == "Authorization_RequestDenied"
    assert isinstance(err, Forbidden) and "AdminAgent" in err.message and err.request_id


def test_graph_not_found(signed_in):
    with pytest.raises(NotFound) as caught:
        signed_in().gdap.relationship("no-such-relationship")
    assert isinstance(caught.value, GraphError) and caught.value.code == "Request_ResourceNotFound"


# --- against other servers: retries, link shapes ----------------------------------------------------
@pytest.fixture
def serve():
    """Serve a tiny Flask app on a real port for the test; returns its base URL."""
    servers = []

    def start(app: Flask) -> str:
        servers.append(start_server(app))
        return servers[-1].url

    yield start
    for s in servers:
        s.stop()


class Flaky:
    """A tiny Entra token endpoint and Partner Center partner profile, each failing its first ``failures``
    calls with ``status`` and ``Retry-After: retry_after``; ``calls`` counts what reached the server."""

    def __init__(self, status: int = 503, failures: int = 1, retry_after: str = "0", token_failures: int = 0):
        self.calls = {"token": 0, "profile": 0}
        self.lock = threading.Lock()
        self.app = Flask("flaky")

        def flaky(name: str, fails: int, answer: dict):
            with self.lock:
                self.calls[name] += 1
                n = self.calls[name]
            if n <= fails:
                return jsonify({"code": status, "description": "try later"}), status, {"Retry-After": retry_after}
            return jsonify(answer)

        @self.app.post("/login/<tenant>/oauth2/v2.0/token")
        def token(tenant):
            return flaky(
                "token", token_failures, {"token_type": "Bearer", "access_token": "x.e30.y", "expires_in": 3600}
            )

        @self.app.get("/partnercenter/v1/profiles/partner")
        def profile():
            assert request.headers["Authorization"] == "Bearer x.e30.y"
            return flaky("profile", failures, {"partnerName": "Flaky"})


def test_retry_on_503_with_retry_after(serve):
    flaky = Flaky(status=503, failures=1, retry_after="0")
    client = Client(serve(flaky.app)).sign_in_user("a@b.example", "pw")
    assert client.partner_center.profile() == {"partnerName": "Flaky"}
    assert flaky.calls["profile"] == 2


def test_retry_on_429_for_a_post(serve):
    flaky = Flaky(status=429, failures=0, token_failures=2, retry_after="0")
    Client(serve(flaky.app)).sign_in_user("a@b.example", "pw")
    assert flaky.calls["token"] == 3


def test_retry_after_is_honoured(serve):
    flaky = Flaky(status=503, failures=1, retry_after="1")
    client = Client(serve(flaky.app)).sign_in_user("a@b.example", "pw")
    started = time.monotonic()
    client.partner_center.profile()
    assert time.monotonic() - started >= 0.9 and flaky.calls["profile"] == 2


def test_retries_give_up_with_a_typed_error(serve):
    flaky = Flaky(status=503, failures=99, retry_after="0")
    client = Client(serve(flaky.app), retries=2).sign_in_user("a@b.example", "pw")
    with pytest.raises(PartnerCenterError) as caught:
        client.partner_center.profile()
    assert caught.value.status == 503 and caught.value.message == "try later"
    assert flaky.calls["profile"] == 3  # the first try and two retries


def test_customers_follows_links_relative_to_the_root(serve):
    """Partner Center's documented links read ``/v1/customers?...``; pcsim's ``/customers?...``: both work."""
    app = Flaky().app
    pages = []

    @app.get("/partnercenter/v1/customers")
    def customers():
        token = request.headers.get("MS-ContinuationToken")
        pages.append((request.args.get("seekOperation"), token))
        if token is None:
            return {
                "items": [{"id": "1"}],
                "links": {
                    "next": {
                        "uri": "/v1/customers?size=1&seekOperation=Next",
                        "method": "GET",
                        "headers": [{"key": "MS-ContinuationToken", "value": "page2"}],
                    }
                },
            }
        return {"items": [{"id": "2"}], "links": {}}

    client = Client(serve(app)).sign_in_user("a@b.example", "pw")
    assert [c["id"] for c in client.partner_center.customers(size=1)] == ["1", "2"]
    assert pages == [(None, None), ("Next", "page2")]


class _ClosesKeptAliveConnections(http.server.BaseHTTPRequestHandler):
    """Answers the first request of each connection (kept alive), and closes the connection on the next one
    without an answer: what a server's idle timeout does to a client that sends just as it closes."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def setup(self):
        super().setup()
        self.answered = 0

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).seen.append(self.command)
        if self.answered:
            self.close_connection = True  # no answer: the client reads the connection's end
            return
        self.answered += 1
        body = b'{"value": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _handle

    def log_message(self, *args):
        pass


def test_sim_sends_an_idempotent_request_again_on_a_connection_the_server_closed():
    """A session-long Sim (the pytest plugin's) reuses a kept-alive connection; a GET that finds it closed by the
    server is sent once more on a new connection, and a POST is never sent twice."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ClosesKeptAliveConnections)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ClosesKeptAliveConnections.seen = []
    try:
        with Sim(f"http://127.0.0.1:{server.server_address[1]}") as sim:
            assert sim.worlds() == [] and sim.worlds() == []  # the second GET: closed, then sent again
            assert _ClosesKeptAliveConnections.seen == ["GET", "GET", "GET"]
            with pytest.raises(requests.ConnectionError):
                sim.request("POST", "/worlds", json={})  # on the kept-alive connection: closed, not sent again
            assert _ClosesKeptAliveConnections.seen[3:] == ["POST"]
    finally:
        server.shutdown()
        server.server_close()
