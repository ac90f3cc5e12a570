"""Any world at its own root: ``POST /sim/worlds`` answers ``url``, a port of the world's own where its surfaces are
at the default world's paths, so MSAL (authority ``<url>/<tenant>``), the SDK and plain HTTP work with any world.

One app for the module, served over plain HTTP and over HTTPS (``--tls``); a world's root has the scheme of the
control-plane request that asked for it.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

import jwt
import msal
import pytest
import requests

from client_sdk import Client
from client_sdk.sim import Sim
from simulator import create_app
from simulator.server import start_server
from simulator.worlds import ids

from .offline import no_internet  # noqa: F401  (a fixture)
from .personas import CLI_CLIENT_ID, DOMAINS, PASSWORD, PC_SCOPE, bearer, tid, upn

pytestmark = pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")

APP_ID = ids.app_id("northwind", "psa")
APP_SECRET = "Pcsim-App-Secret-1!"


@pytest.fixture(scope="module")
def roots_app(tls_files):
    """An app that knows the server's certificate (as ``pcsim serve --tls`` makes it)."""
    app = create_app(database_url="sqlite://", frozen_clock=True, tls=tls_files)
    yield app
    app.extensions["pcsim"].roots.close_all()


@pytest.fixture(scope="module")
def http_main(roots_app):
    server = start_server(roots_app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def https_main(roots_app, tls_files):
    server = start_server(roots_app, tls=tls_files)
    yield server
    server.stop()


@pytest.fixture
def sim(http_main):
    with Sim(http_main.url) as sim:
        yield sim


@pytest.fixture
def world(sim):
    world = sim.create_world(id=f"root-{uuid.uuid4().hex[:8]}", frozen=True)
    yield world
    try:
        world.delete()
    except Exception:  # the test deleted it
        pass


@pytest.fixture
def ca(tls_files) -> str:
    return str(tls_files.ca_cert)


@pytest.fixture
def tls_world(https_main, ca, monkeypatch):
    """A world created over HTTPS: its root is HTTPS too."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)  # requests lets it override a session's ``verify``
    with Sim(https_main.url, verify=ca) as sim:
        world = sim.create_world(id=f"tls-{uuid.uuid4().hex[:8]}", frozen=True)
        yield world
        world.delete()


class PortSession(requests.Session):
    """msal's ``http_client``: its port-less user realm lookup (msal #259) sent to the world's port."""

    def __init__(self, port: int):
        super().__init__()
        self.port = port

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname == "localhost" and parts.port is None:
            url = parts._replace(netloc=f"localhost:{self.port}").geturl()
        return super().request(method, url, *args, **kwargs)


def password_token(root: str, tenant: str, username: str = upn("northwind"), password: str = PASSWORD, **kw):
    return requests.post(
        f"{root}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": username,
            "password": password,
            "scope": PC_SCOPE,
        },
        timeout=10,
        **kw,
    )


def refused(url: str) -> bool:
    try:
        requests.get(f"{url}/health", timeout=5)
    except requests.ConnectionError:
        return True
    return False


# --- the answer ------------------------------------------------------------------------------------------------
def test_a_world_has_a_root_of_its_own(sim, world, http_main):
    main = urlsplit(http_main.url)
    root = urlsplit(world.url)
    assert (root.scheme, root.path) == ("http", "")
    assert root.port != main.port
    assert world.refresh().url == world.url  # GET answers the same root
    assert {w.id: w.url for w in sim.worlds()}[world.id] == world.url
    assert world.base_urls["partnercenter"] == f"{http_main.url}/worlds/{world.id}/partnercenter/v1"  # stays
    assert sim.world("default").url == http_main.url  # the default world is at the server's root


# --- plain HTTP ------------------------------------------------------------------------------------------------
def test_plain_requests_at_the_world_root(world):
    answer = password_token(world.url, DOMAINS["northwind"])
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    customers = requests.get(f"{world.url}/partnercenter/v1/customers", headers=bearer(token), timeout=10)
    assert customers.status_code == 200, customers.text
    assert customers.json()["totalCount"] > 0
    # The same paths as the default world's: /login/<tenant> and Partner Center's own /v1 at the root.
    login = password_token(f"{world.url}/login", DOMAINS["northwind"])
    assert login.status_code == 200, login.text
    assert requests.get(f"{world.url}/v1/customers", headers=bearer(token), timeout=10).status_code == 200


def test_the_issuer_at_the_root_is_the_worlds(world, http_main):
    """The discovery document at the world's root names the issuer of the tokens issued there; a token issued at the
    world's root is accepted at its root and under /worlds/<id>, and refused by the default world."""
    tenant = tid("northwind")
    discovery = requests.get(f"{world.url}/{tenant}/v2.0/.well-known/openid-configuration", timeout=10).json()
    assert discovery["token_endpoint"] == f"{world.url}/{tenant}/oauth2/v2.0/token"
    token = password_token(world.url, tenant).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == discovery["issuer"]
    path = "/partnercenter/v1/customers"
    assert requests.get(world.url + path, headers=bearer(token), timeout=10).status_code == 200
    under = f"{http_main.url}/worlds/{world.id}"
    assert requests.get(under + path, headers=bearer(token), timeout=10).status_code == 200
    assert requests.get(http_main.url + path, headers=bearer(token), timeout=10).status_code == 401
    # and the other way round: a token issued under /worlds/<id> works at the root
    other = password_token(f"{under}/login", tenant).json()["access_token"]
    assert requests.get(world.url + path, headers=bearer(other), timeout=10).status_code == 200


def test_the_control_plane_and_ui_are_not_at_a_world_root(world):
    for path in ("/sim/worlds", f"/sim/worlds/{world.id}", "/ui/"):
        answer = requests.get(world.url + path, timeout=10)
        assert answer.status_code == 404, path
        assert "main address" in answer.json()["error"]["message"]


# --- the SDK ---------------------------------------------------------------------------------------------------
def test_sdk_client_at_the_world_root(world):
    client = Client(world.url).sign_in_user(upn("northwind"), PASSWORD)
    assert client.partner_center.profile()["partnerName"] == "Northwind Cloud"
    names = [c["companyProfile"]["companyName"] for c in client.partner_center.customers()]
    assert "Contoso" in " ".join(names)
    world.delete()
    with pytest.raises(requests.ConnectionError):
        client.partner_center.profile()


# --- MSAL over HTTPS -------------------------------------------------------------------------------------------
def test_msal_public_client_at_a_world_root(tls_world, ca, monkeypatch, no_internet):
    root = urlsplit(tls_world.url)
    assert root.scheme == "https" and root.hostname == "localhost"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    app = msal.PublicClientApplication(
        CLI_CLIENT_ID,
        authority=f"{tls_world.url}/{DOMAINS['northwind']}",
        instance_discovery=False,
        http_client=PortSession(root.port),
    )
    result = app.acquire_token_by_username_password(upn("northwind"), PASSWORD, scopes=[PC_SCOPE])
    assert "access_token" in result, result
    (account,) = app.get_accounts(username=upn("northwind"))
    forced = app.acquire_token_silent([PC_SCOPE], account=account, force_refresh=True)
    assert forced["token_source"] == "identity_provider", forced
    claims = jwt.decode(forced["access_token"], options={"verify_signature": False})
    assert (claims["tid"], claims["upn"], claims["idtyp"]) == (tid("northwind"), upn("northwind"), "user")
    customers = requests.get(
        f"{tls_world.url}/partnercenter/v1/customers", headers=bearer(result["access_token"]), verify=ca, timeout=10
    )
    assert customers.status_code == 200, customers.text


def test_msal_confidential_client_at_a_world_root(tls_world, ca, monkeypatch, no_internet):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # they would override ``verify``
        monkeypatch.delenv(name, raising=False)
    app = msal.ConfidentialClientApplication(
        APP_ID,
        client_credential=APP_SECRET,
        instance_discovery=False,
        authority=f"{tls_world.url}/{DOMAINS['northwind']}",
        verify=ca,
    )
    result = app.acquire_token_for_client([PC_SCOPE])
    assert "access_token" in result, result
    assert app.acquire_token_for_client([PC_SCOPE])["token_source"] == "cache"
    customers = requests.get(
        f"{tls_world.url}/partnercenter/v1/customers", headers=bearer(result["access_token"]), verify=ca, timeout=10
    )
    assert customers.status_code == 200, customers.text


# --- lifetime and isolation ------------------------------------------------------------------------------------
def test_the_port_closes_when_the_world_is_deleted(world):
    url = world.url
    assert not refused(url)
    world.delete()
    assert refused(url)


def test_the_port_closes_when_the_world_expires(sim):
    world = sim.create_world(id=f"ttl-{uuid.uuid4().hex[:8]}", ttl=1)
    assert not refused(world.url)
    deadline = time.monotonic() + 30
    while world.id in {w.id for w in sim.worlds()}:  # listing worlds expires the idle ones
        assert time.monotonic() < deadline, "the world did not expire"
        time.sleep(0.5)
    assert refused(world.url)


def test_two_worlds_two_roots_and_no_shared_data(sim):
    a = sim.create_world(id=f"a-{uuid.uuid4().hex[:8]}", frozen=True)
    b = sim.create_world(id=f"b-{uuid.uuid4().hex[:8]}", frozen=True)
    try:
        assert a.url != b.url
        # Change a password in world A only: A's root knows it, B's root does not.
        a.set_user(ids.user_id("northwind", "admin"), password="World-A-Passw0rd!")
        tenant = DOMAINS["northwind"]
        assert password_token(a.url, tenant, password="World-A-Passw0rd!").status_code == 200
        assert password_token(a.url, tenant).status_code != 200
        assert password_token(b.url, tenant, password="World-A-Passw0rd!").status_code != 200
        token_b = password_token(b.url, tenant).json()["access_token"]
        # A world's token is refused at the other's root, and /worlds/<other> is no way into another world.
        path = "/partnercenter/v1/customers"
        assert requests.get(a.url + path, headers=bearer(token_b), timeout=10).status_code == 401
        assert requests.get(b.url + path, headers=bearer(token_b), timeout=10).status_code == 200
        assert requests.get(f"{a.url}/worlds/{b.id}{path}", headers=bearer(token_b), timeout=10).status_code == 404
    finally:
        a.delete()
        b.delete()
    assert refused(a.url) and refused(b.url)


# --- several processes (pcsim serve --workers 2) ------------------------------------------------------------------
def test_with_two_workers_each_worker_serves_a_root_and_closes_it_once_the_world_is_gone(tmp_path):
    """Each process has its own roots: a world's url from either worker works (they share the database); once the
    world is deleted, the deleting worker's root closes at once and the other's when it next lists the worlds."""
    from .test_concurrency import start_server as start_workers
    from .workers import from_both_workers, worker

    server = start_workers(tmp_path / "pcsim.db", tmp_path / "serve.log")
    try:
        created = requests.post(f"{server.base}/sim/worlds", json={"id": "shared", "frozen": True}, timeout=60)
        assert created.status_code == 201, created.text
        answers = from_both_workers(lambda _: requests.get(f"{server.base}/sim/worlds/shared", timeout=60), 4, 1)
        roots = {worker(a): a.json()["url"] for a in answers}
        assert len(roots) == 2 and len(set(roots.values())) == 2
        for url in roots.values():
            assert urlsplit(url).hostname == "127.0.0.1"
            assert password_token(url, DOMAINS["northwind"]).status_code == 200

        deleted = requests.delete(f"{server.base}/sim/worlds/shared", timeout=60)
        assert deleted.status_code == 204, deleted.text
        deleter = worker(deleted)
        assert refused(roots[deleter])
        (other,) = set(roots) - {deleter}
        # The other worker's root serves no world now (404), until that worker lists the worlds.
        assert password_token(roots[other], DOMAINS["northwind"]).status_code == 404
        for _ in range(200):
            if worker(requests.get(f"{server.base}/sim/worlds", timeout=60)) == other:
                break
        else:
            raise AssertionError("the other worker never answered a list of worlds")
        assert refused(roots[other])
    finally:
        server.stop()
