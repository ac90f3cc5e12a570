"""The per-world facts cache (simulator/store/facts.py) never serves facts older than the world: every edit is
seen by the very next request, in this process and in every other worker of a multi-worker server."""

from __future__ import annotations

import requests
from sqlalchemy import delete

from simulator.store.models import GroupMember
from simulator.worlds import ids

from .personas import ARM_SCOPE, CLI_CLIENT_ID, PASSWORD, bearer, upn
from .test_azure_support import sub_id, ticket_body
from .test_concurrency import start_server
from .workers import from_both_workers, worker

ARM = f"/azure/subscriptions/{sub_id('contoso-prod')}/providers/Microsoft.Support/supportTickets"
MEMBER = (
    f"/sim/worlds/default/groups/{ids.group_id('northwind', 'support-engineers')}/members/"
    f"{ids.user_id('northwind', 'admin')}"
)
TOKEN_FORM = {
    "grant_type": "password",
    "client_id": CLI_CLIENT_ID,
    "username": upn("northwind"),
    "password": PASSWORD,
    "scope": ARM_SCOPE,
}


def create(call, name: str, token: str):
    """File an Azure ticket for Contoso as Northwind's admin (through GDAP, RBAC by the Support Engineers)."""
    return call("PUT", f"{ARM}/{name}?api-version=2024-04-01", json=ticket_body(), headers=bearer(token))


def in_process(client):
    return lambda method, path, **kwargs: client.open(path, method=method, **kwargs)


def rule_of(response) -> str | None:
    body = response.get_json() if hasattr(response, "get_json") else response.json()
    info = body["error"].get("additionalInfo") or [{}]
    return info[0].get("info", {}).get("rule")


def test_a_control_plane_edit_is_seen_by_the_next_request(client):
    token = client.post("/login/contoso.onmicrosoft.com/oauth2/v2.0/token", data=TOKEN_FORM).get_json()["access_token"]
    call = in_process(client)
    assert create(call, "warm-1", token).status_code == 200  # the caller's groups, GDAP and RBAC are now cached
    assert create(call, "warm-2", token).status_code == 200
    assert client.delete(MEMBER).status_code == 204
    denied = create(call, "after-removal", token)
    assert denied.status_code == 403 and rule_of(denied) == "R7"
    assert client.put(MEMBER).status_code == 204
    assert create(call, "after-return", token).status_code == 200


def test_a_reset_and_a_direct_database_write_are_seen(app, client):
    token = client.post("/login/contoso.onmicrosoft.com/oauth2/v2.0/token", data=TOKEN_FORM).get_json()["access_token"]
    assert create(in_process(client), "warm", token).status_code == 200
    with app.extensions["pcsim"].store.session() as session:  # a statement no ORM object stands for
        session.execute(
            delete(GroupMember).where(
                GroupMember.world_id == "default", GroupMember.user_id == ids.user_id("northwind", "admin")
            )
        )
    assert create(in_process(client), "after-delete", token).status_code == 403
    assert client.post("/sim/worlds/default/reset").status_code == 200
    assert create(in_process(client), "after-reset", token).status_code == 200


def test_every_worker_sees_an_edit_made_through_another(tmp_path):
    """Two gunicorn workers, each with its own cache: after an edit, no request to either may pass on the facts
    it cached before."""
    server = start_server(tmp_path / "pcsim.db", tmp_path / "serve.log", workers=2)
    try:
        base = server.base

        def call(method, path, **kwargs):  # a new connection each time: gunicorn spreads them over the workers
            return requests.request(method, base + path, timeout=60, **kwargs)

        token = call("POST", "/login/contoso.onmicrosoft.com/oauth2/v2.0/token", data=TOKEN_FORM).json()["access_token"]
        # until each of the two workers has answered (and so cached the facts) twice at least
        warm = from_both_workers(lambda i: create(call, f"warm-{i}", token))
        assert [r.status_code for r in warm] == [200] * len(warm)
        removed = call("DELETE", MEMBER)
        assert removed.status_code == 204
        denied = from_both_workers(lambda i: create(call, f"denied-{i}", token))
        assert [(r.status_code, rule_of(r)) for r in denied] == [(403, "R7")] * len(denied)
        returned = call("PUT", MEMBER)
        assert returned.status_code == 204
        allowed = from_both_workers(lambda i: create(call, f"allowed-{i}", token))
        assert [r.status_code for r in allowed] == [200] * len(allowed)
        # two processes, each with its own cache, saw both edits, one of them made by the other process
        workers = {worker(r) for r in warm + denied + allowed}
        assert len(workers) == 2 and {worker(removed), worker(returned)} <= workers
    finally:
        server.stop()
