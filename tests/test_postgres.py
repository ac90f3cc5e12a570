"""pcsim on a real PostgreSQL (tests/postgres_setup.py starts a throwaway cluster): the app's main paths, and
`pcsim serve --workers 2` sharing one state through it. Marked ``postgres``: ``-m postgres`` runs only these,
``-m 'not postgres'`` leaves them out; they are skipped where PostgreSQL is not installed (``make test`` installs
it first)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
import requests
from sqlalchemy import select, text

from simulator import create_app
from simulator.store.models import JournalEntry, Ticket, World

from .personas import ARM_SCOPE, CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, PC_SCOPE, bearer, tid, upn
from .ports import free_port
from .postgres_setup import require_postgres
from .test_azure_support import VM_SERVICE, ticket_body, tickets_path
from .test_serve import PCSIM, stop

pytestmark = pytest.mark.postgres

EXCHANGE_TOPIC = 32444671
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


@pytest.fixture(scope="session")
def postgres():
    """One cluster per test process (pytest-xdist workers each start their own: nothing is shared)."""
    cluster = require_postgres()
    sys.stderr.write(
        f"\n[postgres] install {cluster.install_seconds:.1f}s, cluster start "
        f"{cluster.start_seconds:.1f}s ({cluster.bin_dir})\n"
    )
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def pg_app(postgres):
    started = time.perf_counter()
    app = create_app(database_url=postgres.create_database("pcsim_app"), frozen_clock=True)
    sys.stderr.write(
        f"[postgres] create_app (schema, template load, default world) {time.perf_counter() - started:.2f}s\n"
    )
    return app


@pytest.fixture
def pg(pg_app):
    """A test client on the PostgreSQL app, its default world reset (the conftest's ``client`` is SQLite)."""
    pg_app.extensions["pcsim"].worlds.reset("default")
    return pg_app.test_client()


def token(client, user: str, tenant: str | None = None, scope: str = PC_SCOPE, world: str | None = None) -> str:
    prefix = f"/worlds/{world}" if world else ""
    response = client.post(
        f"{prefix}/login/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": user,
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def customer_pages(client) -> list[list[str]]:
    """Every page of Northwind's customers (size 2), following the continuation token."""
    headers = bearer(token(client, upn("northwind")))
    response = client.get("/partnercenter/v1/customers?size=2", headers=headers)
    pages = []
    while True:
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append([c["id"] for c in body["items"]])
        following = body.get("links", {}).get("next")
        if not following:
            return pages
        response = client.get(
            f"/partnercenter{following['uri']}",
            headers={**headers, **{h["key"]: h["value"] for h in following["headers"]}},
        )


def test_schema_template_and_default_world(pg_app):
    store = pg_app.extensions["pcsim"].store
    assert store.engine.dialect.name == "postgresql"
    with store.session() as session:
        worlds = {w.id: w for w in session.scalars(select(World))}
        template = worlds[worlds["default"].source_world_id]
        assert template.template and worlds["default"].clock_anchor.tzinfo is not None  # UtcDateTime, aware
        for table in ("tenants", "users", "gdap_relationships", "subscriptions", "service_issues"):
            count = text(f"SELECT count(*) FROM {table} WHERE world_id = :w")  # the copy: INSERT ... SELECT
            assert session.scalar(count, {"w": template.id}) == session.scalar(count, {"w": "default"}) > 0, table


def test_sign_in_and_customers_page_as_on_sqlite(pg, client):
    """The same pages, in the same order, as the SQLite app gives (the conftest's ``client``)."""
    pages = customer_pages(pg)
    assert len(pages) > 1 and all(len(p) == 2 for p in pages[:-1])
    assert pages == customer_pages(client)
    graph = bearer(token(pg, upn("northwind"), "contoso.onmicrosoft.com", GRAPH_SCOPE))  # through GDAP
    assert pg.get("/graph/v1.0/admin/serviceAnnouncement/healthOverviews", headers=graph).status_code == 200


def test_service_request_created_and_read(pg):
    headers = bearer(token(pg, upn("northwind")))
    made = []
    for title in ("Mail is delayed", "Still delayed"):
        response = pg.post(
            f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
            headers=headers,
            json={
                "Title": title,
                "Description": "30 minutes",
                "Severity": "critical",
                "SupportTopicId": str(EXCHANGE_TOPIC),
            },
        )
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    first, second = made
    assert first["createdDate"] == "2026-01-15T09:00:00Z"  # the frozen clock, through UtcDateTime
    assert int(second["id"]) == int(first["id"]) + 1  # the world's counter: UPDATE ... RETURNING
    read = pg.get(f"/partnercenter/v1/servicerequests/{first['id']}", headers=headers).get_json()
    assert read["title"] == "Mail is delayed" and read["status"] == "open"
    listed = pg.get(f"/partnercenter/v1/customers/{tid('contoso')}/servicerequests", headers=headers).get_json()
    assert sorted(i["id"] for i in listed["items"]) == sorted([first["id"], second["id"]])


def test_gdap_create_lock_approve(pg):
    partner = bearer(token(pg, upn("northwind"), scope=GRAPH_SCOPE))
    created = pg.post(
        RELS,
        headers=partner,
        json={
            "displayName": "Northwind for Tailwind",
            "duration": "P180D",
            "customer": {"tenantId": tid("tailwind")},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
        },
    )
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    assert pg.post(f"{RELS}/{rid}/requests", headers=partner, json={"action": "lockForApproval"}).status_code == 201
    assert pg.post("/sim/worlds/default/clock", json={"advance": "PT10S"}).status_code == 200  # the request settles
    customer = bearer(token(pg, upn("tailwind"), scope=GRAPH_SCOPE))
    assert pg.post(f"{RELS}/{rid}/requests", headers=customer, json={"action": "approve"}).status_code == 201
    assert pg.get(f"{RELS}/{rid}", headers=partner).get_json()["status"] == "approved"  # until it settles
    assert [r["action"] for r in pg.get(f"{RELS}/{rid}/requests", headers=partner).get_json()["value"]] == [
        "lockForApproval",
        "approve",
    ]


def test_azure_ticket_create_and_read(pg, pg_app):
    arm = bearer(token(pg, upn("northwind"), "contoso.onmicrosoft.com", ARM_SCOPE))
    path = tickets_path("contoso-prod", "vm-down") + "?api-version=2024-04-01"
    created = pg.put(path, headers=arm, json=ticket_body())
    assert created.status_code == 200, created.get_json()
    props = created.get_json()["properties"]
    assert props["serviceDisplayName"] == VM_SERVICE.display_name and len(props["supportTicketId"]) == 15
    assert pg.get(path, headers=arm).get_json() == created.get_json()
    with pg_app.extensions["pcsim"].store.session() as session:
        row = session.scalars(select(Ticket).where(Ticket.world_id == "default", Ticket.name == "vm-down")).one()
        assert row.contact["country"] == "usa" and row.details["advancedDiagnosticConsent"] == "Yes"  # JSON
        assert row.created_at.tzinfo is not None
        seqs = session.scalars(select(JournalEntry.seq).where(JournalEntry.world_id == "default")).all()
        assert seqs and max(seqs) > 2**31  # microsecond stamps: BIGINT


def test_control_plane_world_create_reset_snapshot(pg):
    world = f"pg-{uuid.uuid4().hex[:8]}"
    made = pg.post("/sim/worlds", json={"id": world, "frozen": True})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["clock"] == {"now": "2026-01-15T09:00:00Z", "frozen": True}
    pc = bearer(token(pg, upn("northwind"), world=world))

    def file():
        response = pg.post(
            f"/worlds/{world}/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
            headers=pc,
            json={"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": EXCHANGE_TOPIC},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def listed():
        return [
            i["id"] for i in pg.get(f"/worlds/{world}/partnercenter/v1/servicerequests", headers=pc).get_json()["items"]
        ]

    first = file()
    assert pg.post(f"/sim/worlds/{world}/snapshots", json={"name": "one"}).status_code == 201
    second = file()
    assert int(second) == int(first) + 1 and sorted(listed()) == sorted([first, second])
    assert pg.post(f"/sim/worlds/{world}/clock", json={"advance": "P2D"}).status_code == 200
    restored = pg.post(f"/sim/worlds/{world}/snapshots/one/restore").get_json()
    assert restored["clock"]["now"] == "2026-01-15T09:00:00Z" and listed() == [first]
    assert file() == second  # the counter came back with the snapshot
    assert pg.post(f"/sim/worlds/{world}/reset").status_code == 200 and listed() == []
    assert [s["name"] for s in pg.get(f"/sim/worlds/{world}/snapshots").get_json()["value"]] == ["one"]
    journal = pg.get(f"/sim/worlds/{world}/journal").get_json()["value"]
    assert journal and journal[0]["path"].endswith("/servicerequests")  # newest first, kept by reset
    assert pg.delete(f"/sim/worlds/{world}").status_code == 204
    assert pg.get(f"/sim/worlds/{world}").status_code == 404


def test_what_sqlite_forgives(pg):
    """Input that SQLite stores as given but PostgreSQL refuses (VARCHAR lengths, 32-bit INTEGER, NUL in text)
    gets the same answers on both: no 500."""
    headers = bearer(token(pg, upn("northwind")))
    nul = pg.get("/partnercenter/v1/customers/%00", headers=headers)
    assert nul.status_code == 404 and nul.get_json()["code"] == 60003  # Partner Center's "Tenant not found"
    long_path = pg.get(f"/partnercenter/v1/customers?size=2&x={'a' * 3000}", headers=headers)
    assert long_path.status_code == 200
    refused = pg.post(
        "/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": "x\x00" * 200,
            "password": "p",
            "scope": PC_SCOPE,
        },
    )
    assert refused.status_code in (400, 401)  # an AADSTS error, journaled with the name as given
    made = pg.post("/sim/worlds", json={"seed": 2**62, "frozen": True})
    assert made.status_code == 201, made.get_json()
    assert pg.delete(f"/sim/worlds/{made.get_json()['id']}").status_code == 204
    fault = pg.post(
        "/sim/worlds/default/faults",
        json={"surface": "graph", "status": 503, "count": 1, "seed": 2**40, "path": "/customers/" + "*" * 600},
    )
    assert pg.delete("/sim/worlds/default/faults").status_code == 204  # reset keeps fault rules
    assert fault.status_code == 201 and fault.get_json()["seed"] == 2**40, fault.get_json()


def launch(*args: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [PCSIM, "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
        assert process.poll() is None, process.stdout.read()
    raise AssertionError(f"{base} did not answer in time")


def sign_in_http(base: str, scope: str) -> dict:
    response = requests.post(
        f"{base}/login/northwindcloud.onmicrosoft.com/oauth2/v2.0/token",
        timeout=30,
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("northwind"),
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def test_servers_and_workers_share_one_state_on_postgres(postgres):
    """Scale-out as the README says: two servers started at the same moment on one new PostgreSQL database,
    `pcsim serve --workers 2` and a plain `pcsim serve`. Each creates on one and reads on every other (fresh
    connections, so the requests spread over both workers)."""
    env = {"PCSIM_DATABASE_URL": postgres.create_database("pcsim_serve")}
    servers = [launch("--workers", "2", env=env), launch(env=env)]  # racing to create schema and worlds
    try:
        for process, base in servers:
            wait_healthy(process, base)
        (_, workers), (_, single) = servers
        graph, pc = sign_in_http(workers, GRAPH_SCOPE), sign_in_http(workers, PC_SCOPE)
        created = requests.post(
            f"{workers}{RELS}",
            headers=graph,
            timeout=30,
            json={
                "displayName": "Made on one worker",
                "duration": "P30D",
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]},
            },
        )
        assert created.status_code == 201, created.text
        filed = requests.post(
            f"{single}/partnercenter/v1/customers/{tid('contoso')}/servicerequests/en-US",
            headers=pc,
            timeout=30,
            json={"Title": "t", "Description": "d", "Severity": "minimal", "SupportTopicId": EXCHANGE_TOPIC},
        )
        assert filed.status_code == 201, filed.text  # a token of one server is good on the other: shared keys
        close = {"Connection": "close"}
        for base in [workers] * 8 + [single] * 2:
            listed = requests.get(f"{base}{RELS}", headers={**graph, **close}, timeout=30)
            assert listed.status_code == 200 and created.json()["id"] in [r["id"] for r in listed.json()["value"]]
            got = requests.get(
                f"{base}/partnercenter/v1/servicerequests/{filed.json()['id']}", headers={**pc, **close}, timeout=30
            )
            assert got.status_code == 200 and got.json()["title"] == "t"
    finally:
        outputs = [stop(process) for process, _ in servers]
    assert all("postgresql+psycopg://" in out for out in outputs), outputs
