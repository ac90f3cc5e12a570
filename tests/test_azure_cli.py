"""The Azure CLI (``azure-cli`` from PyPI) against pcsim, configured only as its documentation says.

Each ``az`` runs in a subprocess of its own with its own ``AZURE_CONFIG_DIR`` (a temporary folder), over HTTPS to
pcsim (``REQUESTS_CA_BUNDLE``: pcsim's CA), with:

- ``az cloud register -n pcsim --endpoint-resource-manager <pcsim>/azure``: the CLI discovers the cloud from
  ``<arm>/metadata/endpoints?api-version=2022-09-01`` (pcsim's sign-in as ``loginEndpoint``); ``az cloud set``.
- ``AZURE_CORE_INSTANCE_DISCOVERY=false`` (the CLI's ``core.instance_discovery`` setting, documented for Azure
  Stack): MSAL would otherwise ask login.microsoftonline.com about the unknown authority host.
- ``az login -u -p``: MSAL first asks ``https://<authority host>/common/userrealm/<upn>`` on port 443, whatever
  the authority's port (msal issue #259). Without patching the CLI, either pcsim serves HTTPS on 443, or that
  request is routed to pcsim's port by a proxy, which the CLI takes from ``HTTPS_PROXY`` as any proxy: here a
  CONNECT proxy of a few lines (:class:`Proxy`) sends ``localhost:443`` to pcsim's port and every other
  ``localhost`` port through unchanged, and refuses (and records) any other host, so nothing leaves the machine.

Few and lean (each ``az`` takes one to two seconds): one test per world, both may run side by side (xdist).
"""

from __future__ import annotations

import json
import os
import select
import socket
import socketserver
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests

from simulator import create_app
from simulator.domain.support_catalog import AZURE_SERVICES
from simulator.server import start_server
from simulator.worlds import ids

from .personas import DOMAINS, PASSWORD, upn

pytestmark = pytest.mark.azure_cli
pytest.importorskip("azure.cli.core", reason="the Azure CLI is a test extra: pip install -e '.[test]'")

LOCAL = {"localhost", "127.0.0.1"}
SUPPORT = "/providers/Microsoft.Support/supportTickets"
SUPPORT_API = "api-version=2024-04-01"
# The CLI's own check for newer versions (azure.cli.core.util.get_cached_latest_versions, on a fresh configuration
# folder): refused by the proxy, which the CLI shrugs off. Any other host (Entra ID, ARM) fails the test.
CLI_HOUSEKEEPING = {"azcliprod.blob.core.windows.net:443"}


class Proxy(socketserver.ThreadingTCPServer):
    """An HTTPS (CONNECT) proxy on the loopback: ``localhost:443`` goes to ``port_443``, other local ports through
    unchanged; any other host is refused and recorded in ``refused``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port_443: int):
        self.port_443, self.refused = port_443, []
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        method, target, _ = self.rfile.readline().decode("latin-1").split(" ", 2)
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        host, _, port = target.rpartition(":")
        if method != "CONNECT" or host.strip("[]") not in LOCAL:
            self.server.refused.append(target)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", self.server.port_443 if port == "443" else int(port)))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()


@pytest.fixture(scope="module")
def pcsim_https(tls_files):
    """pcsim over HTTPS with its certificates (as ``pcsim serve --tls``: a world's root is HTTPS too)."""
    app = create_app(database_url="sqlite://", frozen_clock=True, tls=tls_files)
    server = start_server(app, tls=tls_files)
    yield server
    server.stop()
    app.extensions["pcsim"].roots.close_all()


class Az:
    """``az`` in a subprocess, with its own configuration folder and pcsim's CA, through the proxy."""

    def __init__(self, config_dir: Path, ca: str, proxy: Proxy):
        self.proxy = proxy
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "MSAL_"))} | {
            "AZURE_CONFIG_DIR": str(config_dir),
            "REQUESTS_CA_BUNDLE": ca,
            "HTTPS_PROXY": proxy.url,
            "HTTP_PROXY": proxy.url,
            "NO_PROXY": "",
            "no_proxy": "",
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
        }

    def __call__(self, *args: str):
        done = subprocess.run(
            [sys.executable, "-m", "azure.cli", *args, "--output", "json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"az {' '.join(args)}:\n{done.stderr}"
        leaked = set(self.proxy.refused) - CLI_HOUSEKEEPING
        assert not leaked, f"az tried to reach {sorted(leaked)}"
        return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def az_for(tmp_path: Path, tls_files):
    """``az_for(port)``: an ``az`` whose user-realm lookup (port 443) reaches pcsim at ``port``."""
    proxies = []

    def az_for(authority_port: int) -> Az:
        proxies.append(Proxy(authority_port))
        return Az(tmp_path / "azure", str(tls_files.ca_cert), proxies[-1])

    yield az_for
    for proxy in proxies:
        proxy.shutdown()
        proxy.server_close()


def ticket_body() -> dict:
    service = next(s for s in AZURE_SERVICES if s.display_name == "Virtual Machine running Windows")
    return {
        "properties": {
            "serviceId": f"/providers/Microsoft.Support/services/{service.id}",
            "problemClassificationId": f"/providers/Microsoft.Support/services/{service.id}"
            f"/problemClassifications/{service.classifications[0][0]}",
            "title": "VM does not start (az rest)",
            "description": "Filed with the Azure CLI",
            "severity": "minimal",
            "advancedDiagnosticConsent": "Yes",
            "contactDetails": {
                "firstName": "Nadia",
                "lastName": "Partner",
                "preferredContactMethod": "email",
                "primaryEmailAddress": "support@northwindcloud.onmicrosoft.com",
                "preferredTimeZone": "Pacific Standard Time",
                "country": "usa",
                "preferredSupportLanguage": "en-US",
            },
            "supportPlanId": "Cloud Solution Provider",
        }
    }


def test_azure_cli_in_the_default_world(pcsim_https, az_for, tmp_path):
    """Discovery, ``az login -u -p`` (home tenant, then a customer's through GDAP), ``az account list``, tickets
    listed and filed with ``az rest``."""
    arm = f"{pcsim_https.url}/azure"
    az = az_for(int(pcsim_https.url.rsplit(":", 1)[1]))
    az("cloud", "register", "-n", "pcsim", "--endpoint-resource-manager", arm)
    az("cloud", "set", "-n", "pcsim")
    cloud = az("cloud", "show", "-n", "pcsim")
    assert cloud["endpoints"]["activeDirectory"] == pcsim_https.url.lower()

    # Without --tenant: GET /tenants (the home tenant), then its subscriptions (an RBAC role on each).
    home = az("login", "-u", upn("northwind"), "-p", PASSWORD)
    assert [(s["name"], s["tenantId"]) for s in home] == [("northwind-internal", ids.tenant_id("northwind"))]

    # With --tenant: a customer's tenant, through GDAP.
    contoso_prod = ids.subscription_id("contoso-prod")
    customer = az("login", "-u", upn("northwind"), "-p", PASSWORD, "--tenant", DOMAINS["contoso"])
    assert [s["id"] for s in customer] == [contoso_prod]
    assert {s["id"] for s in az("account", "list")} >= {contoso_prod}

    tickets = f"{arm}/subscriptions/{contoso_prod}{SUPPORT}"
    body = tmp_path / "ticket.json"
    body.write_text(json.dumps(ticket_body()))
    name = f"az-{uuid.uuid4().hex[:8]}"
    created = az("rest", "--method", "put", "--url", f"{tickets}/{name}?{SUPPORT_API}", "--body", f"@{body}")
    assert created["name"] == name and created["properties"]["status"] == "Open"
    listed = az("rest", "--method", "get", "--url", f"{tickets}?{SUPPORT_API}")
    assert name in [t["name"] for t in listed["value"]]


def test_azure_cli_in_another_world(pcsim_https, az_for, tls_files):
    """A world made with ``POST /sim/worlds``: registered from its ARM under ``/worlds/<id>/azure`` on the main
    port, the discovered sign-in is the world's own root (MSAL reads the tenant from the authority's path)."""
    created = requests.post(
        f"{pcsim_https.url}/sim/worlds", json={"frozen": True}, verify=str(tls_files.ca_cert), timeout=30
    ).json()
    world_root = created["url"]
    try:
        arm = f"{pcsim_https.url}/worlds/{created['id']}/azure"
        az = az_for(int(world_root.rsplit(":", 1)[1]))
        az("cloud", "register", "-n", "pcsim-world", "--endpoint-resource-manager", arm)
        az("cloud", "set", "-n", "pcsim-world")
        assert az("cloud", "show", "-n", "pcsim-world")["endpoints"]["activeDirectory"] == world_root.lower()
        # The tenant by its domain: the CLI reads the tenant id as the first path segment of the OpenID
        # configuration's issuer, which at a world's own root is the tenant id, as Entra's.
        customer = az("login", "-u", upn("northwind"), "-p", PASSWORD, "--tenant", DOMAINS["contoso"])
        contoso_prod = ids.subscription_id("contoso-prod")
        assert [s["id"] for s in customer] == [contoso_prod]
        listed = az("rest", "--method", "get", "--url", f"{arm}/subscriptions/{contoso_prod}{SUPPORT}?{SUPPORT_API}")
        assert isinstance(listed["value"], list)
    finally:
        requests.delete(f"{pcsim_https.url}/sim/worlds/{created['id']}", verify=str(tls_files.ca_cert), timeout=30)
