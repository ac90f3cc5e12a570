"""Microsoft.Support against its specification (azure-rest-api-specs, support/resource-manager): $filter, every
published api-version, the long-running create on demand, file workspaces, files and chat transcripts; and the
conformance judge itself (tests/conformance/azure.py) refusing what azure-mgmt-support's models refuse."""

from __future__ import annotations

import pytest

from tests.conformance import azure as judge

from .offline import no_internet  # noqa: F401  (a fixture)
from .personas import ARM_SCOPE, CLI_CLIENT_ID, DOMAINS, PASSWORD, bearer, upn
from .test_azure_support import (  # noqa: F401  (fixtures)
    PROVIDER,
    arm,
    arm_token,
    assert_denied,
    stored,
    sub_id,
    ticket_body,
    tickets_path,
)

NORTHWIND = upn("northwind")


# --- $filter ----------------------------------------------------------------------------------------------------
def test_filter_takes_only_and_and_refuses_everything_else_with_400(arm):
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "f1"), "contoso", ticket_body()).status_code == 200
    path = tickets_path("contoso-prod")

    def listed(flt: str):
        return arm(NORTHWIND, "GET", f"{path}?$filter={flt}", "contoso")

    # The spec's examples (ListSupportTicketsCreatedOnOrAfterAndInOpenState...): clauses joined by 'and'.
    ok = listed("createdDate ge 2020-03-10T22:08:51Z and status eq 'Open'")
    assert ok.status_code == 200 and [t["name"] for t in ok.get_json()["value"]] == ["f1"]
    assert [t["name"] for t in listed("createdDate ge 2020-03-10").get_json()["value"]] == ["f1"]
    for flt, says in [
        ("Status eq 'Open' or Status eq 'Closed'", "'or' is not supported"),
        ("(Status eq 'Open')", "is not a clause"),
        ("Status eq 'Open' and", "ends after 'and'"),
        ("Status ne 'Open'", "takes eq, not 'ne'"),
        ("Title eq 'x'", "'Title' cannot be filtered on"),
        ("Status eq 'Open' Status eq 'Closed'", "does not join two clauses"),
    ]:
        error = assert_denied(listed(flt), 400, "InvalidParameter", None)
        assert error["target"] == "$filter" and says in error["message"], error
    comms = f"{tickets_path('contoso-prod', 'f1')}/communications"
    assert arm(NORTHWIND, "GET", f"{comms}?$filter=communicationType eq 'web'", "contoso").status_code == 200
    either = arm(
        NORTHWIND, "GET", f"{comms}?$filter=communicationType eq 'web' or communicationType eq 'phone'", "contoso"
    )
    assert "'or' is not supported" in assert_denied(either, 400, "InvalidParameter", None)["message"]


# --- api-versions -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["2019-05-01-preview", "2021-06-01-preview", "2022-09-01-preview"])
def test_older_api_versions_file_a_ticket_without_advanced_diagnostic_consent(arm, version):
    body = ticket_body()
    body["properties"].pop("advancedDiagnosticConsent")
    created = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "old"), "contoso", body, api=f"api-version={version}")
    assert created.status_code == 200, created.get_json()
    # 2024-04-01 requires it (SupportTicketDetailsProperties.required).
    refused = arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "new"), "contoso", body)
    assert assert_denied(refused, 400, "InvalidParameter", None)["target"] == "properties.advancedDiagnosticConsent"


def test_an_unknown_api_version_is_refused_as_arm_refuses_it_for_a_provider(arm):
    services = arm(NORTHWIND, "GET", f"/azure{PROVIDER}/services", api="api-version=2018-01-01")
    error = assert_denied(services, 400, "NoRegisteredProviderFound", None)
    assert error["message"].startswith(
        "No registered resource provider found for location 'global' and API version '2018-01-01' for type "
        "'services'. The supported api-versions are '2019-05-01-preview, 2020-04-01, 2021-06-01-preview, "
    )


# --- the judge --------------------------------------------------------------------------------------------------
def test_the_judge_refuses_what_the_sdk_models_refuse():
    good = {
        "id": f"/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/supportTickets/t",
        "name": "t",
        "type": "Microsoft.Support/supportTickets",
        "properties": {
            **ticket_body()["properties"],
            "createdDate": "2026-01-15T09:00:00Z",
            "serviceLevelAgreement": {"slaMinutes": 240},
        },
    }

    def problems(body, model=judge.m.SupportTicketDetails) -> list[str]:
        found: list[str] = []
        judge.judge_model(model, body, found)
        return found

    assert problems(good) == []
    props = good["properties"]
    assert "severity = 'urgent' is not a value of SeverityLevel" in " ".join(
        problems({**good, "properties": {**props, "severity": "urgent"}})
    )
    missing = {k: v for k, v in props.items() if k != "title"}
    assert "SupportTicketDetails.title is required" in " ".join(problems({**good, "properties": missing}))
    assert "slaMinutes = '240' is not of the model's type" in " ".join(
        problems({**good, "properties": {**props, "serviceLevelAgreement": {"slaMinutes": "240"}}})
    )
    assert "cannot read it" in " ".join(problems({**good, "properties": {**props, "createdDate": "yesterday"}}))
    assert "surprise is not a property" in " ".join(problems({**good, "properties": {**props, "surprise": 1}}))
    assert "type is 'Microsoft.Support/tickets'" in " ".join(problems({**good, "type": "Microsoft.Support/tickets"}))
    errors: list[str] = []
    judge.judge_error({"error": {"message": "no code"}}, errors)
    assert errors == ["an ARM error has error.code and error.message"]


# --- long-running creates on demand -----------------------------------------------------------------------------
@pytest.fixture
def lro_world(client):
    """A world of the default scenario whose Azure creates answer the long-running way (deleted after)."""
    created = client.post("/sim/worlds", json={"scenario": "default", "azureLongRunningCreates": True})
    assert created.status_code == 201, created.get_json()
    world = created.get_json()
    assert world["azureLongRunningCreates"] is True
    yield world["id"]
    client.delete(f"/sim/worlds/{world['id']}")


def world_arm(client, world_id: str):
    """``call(user, method, path, tenant, json)``: ARM in the world ``world_id`` (paths start at /azure)."""

    def call(user: str, method: str, path: str, tenant: str, json: dict | None = None, api: str = "2024-04-01"):
        token = client.post(
            f"/worlds/{world_id}/login/{DOMAINS[tenant]}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": user,
                "password": PASSWORD,
                "scope": ARM_SCOPE,
            },
        ).get_json()["access_token"]
        url = f"/worlds/{world_id}{path}{'&' if '?' in path else '?'}api-version={api}"
        return client.open(url, method=method, json=json, headers=bearer(token))

    return call


def test_the_switch_is_off_by_default_and_set_by_patch(client):
    assert client.get("/sim/worlds/default").get_json()["azureLongRunningCreates"] is False
    created = client.post("/sim/worlds", json={"scenario": "default"}).get_json()
    try:
        assert created["azureLongRunningCreates"] is False
        on = client.patch(f"/sim/worlds/{created['id']}", json={"azureLongRunningCreates": True})
        assert on.status_code == 200 and on.get_json()["azureLongRunningCreates"] is True
        assert client.get(f"/sim/worlds/{created['id']}").get_json()["azureLongRunningCreates"] is True
        bad = client.patch(f"/sim/worlds/{created['id']}", json={"azureLongRunningCreates": "maybe"})
        assert bad.status_code == 400
        assert client.patch("/sim/worlds/nope", json={"azureLongRunningCreates": True}).status_code == 404
    finally:
        client.delete(f"/sim/worlds/{created['id']}")


def test_a_long_running_create_goes_in_progress_then_succeeded(client, lro_world):
    call = world_arm(client, lro_world)
    path = tickets_path("contoso-prod", "lro-1")
    accepted = call(NORTHWIND, "PUT", path, "contoso", ticket_body())
    assert accepted.status_code == 202 and accepted.get_data() == b""
    status_url, result_url = accepted.headers["Azure-AsyncOperation"], accepted.headers["Location"]
    prefix = f"http://localhost/worlds/{lro_world}/azure/subscriptions/{sub_id('contoso-prod')}{PROVIDER}"
    assert status_url.startswith(f"{prefix}/operationsStatus/") and status_url.endswith("?api-version=2024-04-01")
    assert result_url.startswith(f"{prefix}/operationResults/")

    def get(url: str, user: str = NORTHWIND, tenant: str = "contoso"):
        return call(user, "GET", url.split(f"/worlds/{lro_world}", 1)[1].split("?")[0], tenant)

    first = get(status_url)
    assert first.status_code == 200 and first.get_json()["status"] == "InProgress"
    assert "endTime" not in first.get_json()
    second = get(status_url)
    assert second.get_json()["status"] == "Succeeded" and second.get_json()["endTime"]
    result = get(result_url)
    assert result.status_code == 200 and result.get_json()["name"] == "lro-1"
    # Whoever may not read the subscription's tickets may not read its operations (R7: no RBAC on alpine).
    assert get(status_url, tenant="alpine").status_code in (401, 404)
    # A communication, long-running too; its operation's result is the communication.
    comm = call(NORTHWIND, "PUT", f"{path}/communications/c1", "contoso", {"properties": {"subject": "s", "body": "b"}})
    assert comm.status_code == 202
    in_progress = get(comm.headers["Location"])
    assert in_progress.status_code == 202 and in_progress.headers["Location"]
    done = get(comm.headers["Location"])
    assert done.status_code == 200 and done.get_json()["type"] == "Microsoft.Support/communications"
    missing = call(
        NORTHWIND, "GET", f"/azure/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/operationsStatus/x", "contoso"
    )
    assert_denied(missing, 404, "ResourceNotFound", None)
    # A tenant-level ticket (the partner's own tenant, a billing question): its operation at the tenant's scope.
    from simulator.domain.support_catalog import BILLING_SERVICE as BILLING

    own = call(NORTHWIND, "PUT", f"/azure{PROVIDER}/supportTickets/own-1", "northwind", ticket_body(BILLING))
    assert own.status_code == 202, own.get_json()
    own_status = own.headers["Azure-AsyncOperation"]
    assert own_status.startswith(f"http://localhost/worlds/{lro_world}/azure{PROVIDER}/operationsStatus/")
    assert get(own_status, tenant="northwind").get_json()["status"] == "InProgress"
    assert get(own_status, tenant="northwind").get_json()["status"] == "Succeeded"
    assert get(own_status).status_code == 404  # not an operation of Contoso's tenant
    # A refused create is refused at once, long-running or not (R6: an advisor's billing ticket).
    from simulator.domain.support_catalog import BILLING_SERVICE

    r6 = call(
        upn("wingtip"),
        "PUT",
        tickets_path("contoso-prod", "bill"),
        "contoso",
        ticket_body(BILLING_SERVICE, email="help@wingtipadvisory.onmicrosoft.com"),
    )
    assert_denied(r6, 403, "NonTechnicalTicketRequiresProvider", "R6")


# --- file workspaces, files, chat transcripts ---------------------------------------------------------------------
def test_file_workspaces_and_files_at_a_subscription_and_at_the_tenant(arm):
    ws = f"/azure/subscriptions/{sub_id('contoso-prod')}{PROVIDER}/fileWorkspaces/case files"
    created = arm(NORTHWIND, "PUT", ws, "contoso")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "case files" and body["type"] == "Microsoft.Support/fileWorkspaces"
    assert body["properties"]["expirationTime"] > body["properties"]["createdOn"]
    assert arm(NORTHWIND, "GET", ws, "contoso").get_json() == body
    assert_denied(arm(NORTHWIND, "PUT", ws, "contoso"), 409, "Conflict", None)
    bad_name = arm(NORTHWIND, "PUT", ws.replace("case files", "a*b"), "contoso")
    assert_denied(bad_name, 400, "InvalidResourceName", None)
    # R7: no RBAC on alpine-prod, no workspace there; R12: the partner's own token on the customer's subscription.
    alpine = f"/azure/subscriptions/{sub_id('alpine-prod')}{PROVIDER}/fileWorkspaces/w"
    assert_denied(arm(NORTHWIND, "PUT", alpine, "alpine"), 403, "AuthorizationFailed", "R7")
    assert arm(NORTHWIND, "GET", ws, "northwind").status_code == 401

    announce = {"properties": {"chunkSize": 4, "fileSize": 6, "numberOfChunks": 2}}
    file_path = f"{ws}/files/log.txt"
    made = arm(NORTHWIND, "PUT", file_path, "contoso", announce)
    assert made.status_code == 201 and made.get_json()["properties"]["numberOfChunks"] == 2
    upload = f"{file_path}/upload"
    assert arm(NORTHWIND, "POST", upload, "contoso", {"chunkIndex": 0, "content": "aGVsbA=="}).status_code == 204
    assert arm(NORTHWIND, "POST", upload, "contoso", {"chunkIndex": 1, "content": "byE="}).status_code == 204
    too_big = arm(NORTHWIND, "POST", upload, "contoso", {"chunkIndex": 1, "content": "aGVsbG8h"})
    assert assert_denied(too_big, 400, "InvalidParameter", None)["target"] == "content"
    assert_denied(
        arm(NORTHWIND, "POST", upload, "contoso", {"chunkIndex": 2, "content": "aA=="}), 400, "InvalidParameter", None
    )
    assert_denied(arm(NORTHWIND, "POST", upload, "contoso", {"content": "%%%"}), 400, "InvalidParameter", None)
    listed = arm(NORTHWIND, "GET", f"{ws}/files", "contoso").get_json()["value"]
    assert [f["name"] for f in listed] == ["log.txt"]
    assert arm(NORTHWIND, "GET", file_path, "contoso").get_json()["properties"]["fileSize"] == 6
    for props, target in [
        ({"chunkSize": 4, "fileSize": 6, "numberOfChunks": 3}, "properties.numberOfChunks"),
        ({"chunkSize": 2, "fileSize": 6, "numberOfChunks": 2}, "properties.numberOfChunks"),
        ({"chunkSize": 4, "fileSize": 6_000_000, "numberOfChunks": 2}, "properties.fileSize"),
        ({"chunkSize": 4, "fileSize": "6", "numberOfChunks": 2}, "properties.fileSize"),
    ]:
        refused = arm(NORTHWIND, "PUT", f"{ws}/files/other.txt", "contoso", {"properties": props})
        assert assert_denied(refused, 400, "InvalidParameter", None)["target"] == target
    assert_denied(arm(NORTHWIND, "GET", f"{ws}/files/none.txt", "contoso"), 404, "ResourceNotFound", None)
    assert_denied(arm(NORTHWIND, "GET", ws.replace("case files", "none"), "contoso"), 404, "ResourceNotFound", None)
    # Before 2022-09-01-preview there were no file workspaces.
    old = arm(NORTHWIND, "GET", ws, "contoso", api="api-version=2020-04-01")
    assert "for type 'fileWorkspaces'" in assert_denied(old, 400, "NoRegisteredProviderFound", None)["message"]

    # The tenant's own workspaces (a partner's own tenant), apart from any subscription's.
    own = f"/azure{PROVIDER}/fileWorkspaces/case files"
    assert_denied(arm(NORTHWIND, "GET", own), 404, "ResourceNotFound", None)
    assert arm(NORTHWIND, "PUT", own).status_code == 201
    assert arm(NORTHWIND, "GET", own).get_json()["id"] == f"{PROVIDER}/fileWorkspaces/case files"


def test_a_workspace_expires_after_a_day(arm, advance_clock):
    from datetime import timedelta

    ws = f"/azure{PROVIDER}/fileWorkspaces/short"
    assert arm(NORTHWIND, "PUT", ws).status_code == 201
    advance_clock(timedelta(days=1, minutes=1))
    assert "expired" in assert_denied(arm(NORTHWIND, "GET", ws), 404, "ResourceNotFound", None)["message"]
    assert arm(NORTHWIND, "PUT", ws).status_code == 201


def test_chat_transcripts_are_seen_by_who_may_see_the_ticket(client, arm, stored):
    assert arm(NORTHWIND, "PUT", tickets_path("contoso-prod", "chat"), "contoso", ticket_body()).status_code == 200
    ticket_id = stored()[-1].id
    chats = f"{tickets_path('contoso-prod', 'chat')}/chatTranscripts"
    assert arm(NORTHWIND, "GET", chats, "contoso").get_json() == {"value": []}
    added = client.post(
        f"/sim/worlds/default/tickets/{ticket_id}/chatTranscripts",
        json={
            "messages": [
                {"sender": "support engineer", "body": "Hi, how can I help?", "communicationDirection": "outbound"},
                {"sender": "Nadia Partner", "body": "The VM does not start."},
            ]
        },
    )
    assert added.status_code == 201, added.get_json()
    name = added.get_json()["name"]
    listed = arm(NORTHWIND, "GET", chats, "contoso").get_json()["value"]
    assert [c["name"] for c in listed] == [name]
    messages = listed[0]["properties"]["messages"]
    assert [(m["communicationDirection"], m["contentType"]) for m in messages] == [
        ("outbound", "text"),
        ("inbound", "text"),
    ]
    assert arm(NORTHWIND, "GET", f"{chats}/{name}", "contoso").get_json() == listed[0]
    assert_denied(arm(NORTHWIND, "GET", f"{chats}/other", "contoso"), 404, "ResourceNotFound", None)
    # Who may not see the ticket sees none of its chats (R12: the partner's own token); who may (wingtip: GDAP and
    # RBAC on contoso-prod) sees them.
    assert arm(NORTHWIND, "GET", chats, "northwind").status_code == 401
    assert arm(upn("wingtip"), "GET", chats, "contoso").get_json()["value"][0]["name"] == name
    assert (
        client.post(
            "/sim/worlds/default/tickets/0/chatTranscripts", json={"messages": [{"sender": "a", "body": "b"}]}
        ).status_code
        == 404
    )


# --- through azure-mgmt-support's own client ------------------------------------------------------------------
@pytest.mark.parametrize("long_running", [False, True], ids=["sync", "long-running"])
def test_the_sdk_pollers_complete_both_ways(client, tls_server, tls_files, no_internet, long_running):
    from azure.mgmt.support import MicrosoftSupport
    from azure.mgmt.support.models import CommunicationDetails

    from .test_azure_mgmt_support import PcsimPasswordCredential, ticket

    world = client.post("/sim/worlds", json={"scenario": "default", "azureLongRunningCreates": long_running})
    world_id = world.get_json()["id"]
    try:
        root, ca = f"{tls_server.url}/worlds/{world_id}", str(tls_files.ca_cert)
        support = MicrosoftSupport(
            PcsimPasswordCredential(root, DOMAINS["contoso"], NORTHWIND, ca),
            sub_id("contoso-prod"),
            base_url=f"{root}/azure",
            connection_verify=ca,
            polling_interval=0,
        )
        poller = support.support_tickets.begin_create("sdk-lro", ticket(support))
        created = poller.result()
        assert poller.status() == "Succeeded" and created.name == "sdk-lro" and created.status == "Open"
        note = support.communications.begin_create(
            "sdk-lro", "n1", CommunicationDetails(subject="Logs", body="Attached.")
        ).result()
        assert note.name == "n1" and note.communication_direction == "outbound"
        assert [c.name for c in support.communications.list("sdk-lro")] == ["n1"]
        answers = [
            (e["method"], e["path"].split("Microsoft.Support/")[-1].split("/")[0], e["status"])
            for e in client.get(f"/sim/worlds/{world_id}/journal?surface=azure").get_json()["value"]
        ]
        polled = [a for a in answers if a[1] == "operationsStatus"]
        assert ("PUT", "supportTickets", 202 if long_running else 200) in answers
        assert len(polled) == (4 if long_running else 0), answers  # two polls per create
    finally:
        client.delete(f"/sim/worlds/{world_id}")


def test_file_workspaces_files_and_chats_through_the_sdk(client, tls_server, tls_files, no_internet, stored):
    import base64

    from azure.core.exceptions import ResourceNotFoundError
    from azure.mgmt.support import MicrosoftSupport
    from azure.mgmt.support.models import FileDetails, UploadFile

    from .test_azure_mgmt_support import PcsimPasswordCredential, ticket

    ca = str(tls_files.ca_cert)

    def sdk(tenant: str) -> MicrosoftSupport:
        return MicrosoftSupport(
            PcsimPasswordCredential(tls_server.url, DOMAINS[tenant], NORTHWIND, ca),
            sub_id("contoso-prod"),
            base_url=f"{tls_server.url}/azure",
            connection_verify=ca,
            polling_interval=0,
        )

    support = sdk("contoso")
    ws = support.file_workspaces.create("evidence")
    assert ws.name == "evidence" and ws.expiration_time > ws.created_on
    content = b"serial console log"
    support.files.create(
        "evidence", "log.txt", FileDetails(chunk_size=len(content), file_size=len(content), number_of_chunks=1)
    )
    support.files.upload("evidence", "log.txt", UploadFile(content=base64.b64encode(content).decode(), chunk_index=0))
    assert [(f.name, f.file_size) for f in support.files.list("evidence")] == [("log.txt", len(content))]
    assert support.files.get("evidence", "log.txt").number_of_chunks == 1
    with pytest.raises(ResourceNotFoundError):
        support.file_workspaces.get("missing")
    own = sdk("northwind")
    assert own.file_workspaces_no_subscription.create("mine").name == "mine"
    assert own.files_no_subscription.list("mine") is not None and list(own.files_no_subscription.list("mine")) == []

    support.support_tickets.begin_create("chatty", ticket(support)).result()
    ticket_id = stored()[-1].id
    client.post(
        f"/sim/worlds/default/tickets/{ticket_id}/chatTranscripts",
        json={"messages": [{"sender": "engineer", "body": "Hello", "communicationDirection": "outbound"}]},
    )
    (chat,) = support.chat_transcripts.list("chatty")
    assert chat.messages[0].body == "Hello" and chat.start_time is not None
    assert support.chat_transcripts.get("chatty", chat.name).messages[0].communication_direction == "outbound"


def test_the_switch_and_chats_through_client_sdk(live_server):
    from client_sdk import Sim
    from client_sdk.sim import SimError

    with Sim(live_server.url) as sim:
        world = sim.create_world(azure_long_running_creates=True)
        try:
            assert world.azure_long_running_creates is True
            assert world.set_azure_long_running_creates(False).azure_long_running_creates is False
            assert sim.world(world.id).azure_long_running_creates is False
            with pytest.raises(SimError) as missing:
                world.add_chat_transcript("0", [{"sender": "engineer", "body": "Hello"}])
            assert missing.value.status == 404
        finally:
            world.delete()


def test_the_openapi_documents_show_the_new_operations(client):
    azure = client.get("/docs/azure/openapi.json").get_json()["paths"]
    for scope in ("/azure/subscriptions/{subscription_id}", "/azure"):
        base = f"{scope}/providers/Microsoft.Support"
        assert {"get", "put"} <= set(azure[f"{base}/fileWorkspaces/{{workspace_name}}"])
        assert "post" in azure[f"{base}/fileWorkspaces/{{workspace_name}}/files/{{file_name}}/upload"]
        assert "get" in azure[f"{base}/supportTickets/{{ticket_name}}/chatTranscripts/{{transcript_name}}"]
        assert "get" in azure[f"{base}/operationsStatus/{{operation_id}}"]
        assert "202" in azure[f"{base}/supportTickets/{{ticket_name}}"]["put"]["responses"]
    sim = client.get("/docs/sim/openapi.json").get_json()
    assert "patch" in sim["paths"]["/sim/worlds/{world_id}"]
    assert "azureLongRunningCreates" in str(sim["components"]["schemas"])
