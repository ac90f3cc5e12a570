"""The official Microsoft Graph SDK for Python (msgraph-sdk: GraphServiceClient, kiota, async) against pcsim,
with nothing changed but the base URL and the credential.

Client configuration (as the README shows it):

    auth = AzureIdentityAuthenticationProvider(credential, scopes=["https://graph.microsoft.com/.default"],
                                               allowed_hosts=["127.0.0.1", "localhost"])
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = "http://127.0.0.1:<port>/graph/v1.0"   # kiota allows plain http only for localhost
    graph = GraphServiceClient(request_adapter=adapter)

The credential is the test's own: an async TokenCredential that fetches a real pcsim token with the password
grant (any azure-identity credential pointed at pcsim works the same way over https).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import warnings

import isodate
import pytest
import requests
from azure.core.credentials import AccessToken
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.delegated_admin_access_assignment import DelegatedAdminAccessAssignment
from msgraph.generated.models.delegated_admin_access_assignment_status import DelegatedAdminAccessAssignmentStatus
from msgraph.generated.models.delegated_admin_access_container import DelegatedAdminAccessContainer
from msgraph.generated.models.delegated_admin_access_container_type import DelegatedAdminAccessContainerType
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_operation_type import (
    DelegatedAdminRelationshipOperationType,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import (
    DelegatedAdminRelationshipRequestAction,
)
from msgraph.generated.models.delegated_admin_relationship_request_status import (
    DelegatedAdminRelationshipRequestStatus,
)
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus as Status
from msgraph.generated.models.long_running_operation_status import LongRunningOperationStatus
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.service_health_classification_type import ServiceHealthClassificationType
from msgraph.generated.models.service_health_origin import ServiceHealthOrigin
from msgraph.generated.models.service_health_status import ServiceHealthStatus
from msgraph.generated.models.unified_role import UnifiedRole

with warnings.catch_warnings():  # msgraph's request builders warn about their own deprecated configuration classes
    warnings.simplefilter("ignore", DeprecationWarning)
    from msgraph.generated.admin.service_announcement.health_overviews.health_overviews_request_builder import (
        HealthOverviewsRequestBuilder,
    )
    from msgraph.generated.tenant_relationships.delegated_admin_relationships.delegated_admin_relationships_request_builder import (  # noqa: E501
        DelegatedAdminRelationshipsRequestBuilder,
    )

from simulator.domain.catalog import ENTRA_ROLES
from simulator.domain.gdap import SETTLE_TIME
from simulator.worlds import ids

from .personas import CLI_CLIENT_ID, GRAPH_SCOPE, PASSWORD, SUPPORT_ROLES, tid, upn

# ... and the others as kiota loads them during a test.
pytestmark = pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning")

UTC = dt.UTC
CONTOSO_REL = ids.gdap_relationship_id("contoso", "northwind-support")
SUPPORT_ENGINEERS = ids.group_id("northwind", "support-engineers")


class PasswordCredential:
    """An async ``TokenCredential``: a real pcsim token from the password grant, for one user in one tenant."""

    def __init__(self, base_url: str, username: str, tenant: str | None = None) -> None:
        self.token_url = f"{base_url}/login/{tenant or username.split('@', 1)[1]}/oauth2/v2.0/token"
        self.username = username
        self._cached: dict[tuple[str, ...], AccessToken] = {}

    async def get_token(
        self, *scopes: str, claims: str | None = None, enable_cae: bool = False, **kwargs
    ) -> AccessToken:
        cached = self._cached.get(scopes)
        if cached and cached.expires_on > time.time() + 60:
            return cached
        response = await asyncio.to_thread(
            requests.post,
            self.token_url,
            timeout=10,
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": self.username,
                "password": PASSWORD,
                "scope": " ".join(scopes),
            },
        )
        response.raise_for_status()
        body = response.json()
        token = AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))
        self._cached[scopes] = token
        return token

    async def close(self) -> None:
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


@pytest.fixture
def graph_as(live_server):
    """``graph_as(user, tenant=None)``: a GraphServiceClient signed in as ``user`` (in ``tenant``) on pcsim.

    Call it inside the coroutine given to ``asyncio.run``: the SDK's httpx client belongs to one event loop."""

    def make(username: str, tenant: str | None = None) -> GraphServiceClient:
        credential = PasswordCredential(live_server.url, username, tenant)
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[GRAPH_SCOPE], allowed_hosts=["127.0.0.1", "localhost"]
        )
        adapter = GraphRequestAdapter(auth)
        adapter.base_url = f"{live_server.url}/graph/v1.0"
        return GraphServiceClient(request_adapter=adapter)

    return make


def roles(*names: str) -> DelegatedAdminAccessDetails:
    return DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=ENTRA_ROLES[n]) for n in names])


def test_list_relationships_with_enums_dates_and_durations(graph_as):
    async def run():
        graph = graph_as(upn("northwind"))
        page = await graph.tenant_relationships.delegated_admin_relationships.get()
        pending = await graph_as(upn("proseware")).tenant_relationships.delegated_admin_relationships.get()
        return page, pending

    page, pending = asyncio.run(run())
    assert len(page.value) == 8 and page.odata_next_link is None
    by_customer = {r.customer.tenant_id: r for r in page.value}
    assert by_customer[tid("fourthcoffee")].status == Status.Expired
    assert by_customer[tid("nod")].status == Status.Terminated
    assert {r.status for r in page.value} == {Status.Active, Status.Expired, Status.Terminated}
    contoso = by_customer[tid("contoso")]
    assert contoso.id == CONTOSO_REL and contoso.display_name == "Northwind support"
    assert contoso.customer.display_name == "Contoso Ltd"
    assert contoso.odata_type == "#microsoft.graph.delegatedAdminRelationship"
    assert contoso.status == Status.Active
    assert contoso.duration == dt.timedelta(days=730) and contoso.auto_extend_duration == dt.timedelta(days=180)
    assert contoso.activated_date_time == dt.datetime(2025, 6, 1, tzinfo=UTC)
    assert contoso.end_date_time == dt.datetime(2027, 6, 1, tzinfo=UTC)
    assert isinstance(contoso.created_date_time, dt.datetime)
    assert SUPPORT_ROLES <= {r.role_definition_id for r in contoso.access_details.unified_roles}
    assert by_customer[tid("coho")].end_date_time == dt.datetime(2026, 9, 1, tzinfo=UTC)
    [lucerne] = pending.value
    assert lucerne.status == Status.ApprovalPending and lucerne.customer.tenant_id == tid("lucerne")
    assert lucerne.end_date_time is None and lucerne.activated_date_time is None


def test_get_one_relationship_and_its_access_assignments(graph_as):
    async def run():
        relationships = graph_as(upn("northwind")).tenant_relationships.delegated_admin_relationships
        rel = relationships.by_delegated_admin_relationship_id(CONTOSO_REL)
        return await rel.get(), await rel.access_assignments.get()

    rel, assignments = asyncio.run(run())
    assert rel.id == CONTOSO_REL and rel.status == Status.Active and rel.customer.tenant_id == tid("contoso")
    by_group = {a.access_container.access_container_id: a for a in assignments.value}
    support = by_group[SUPPORT_ENGINEERS]
    assert support.status == DelegatedAdminAccessAssignmentStatus.Active
    assert support.access_container.access_container_type == DelegatedAdminAccessContainerType.SecurityGroup
    assert {r.role_definition_id for r in support.access_details.unified_roles} == SUPPORT_ROLES
    assert isinstance(support.created_date_time, dt.datetime)


def test_filter_on_status_with_query_parameters(graph_as):
    query = DelegatedAdminRelationshipsRequestBuilder.DelegatedAdminRelationshipsRequestBuilderGetQueryParameters

    async def run():
        relationships = graph_as(upn("northwind")).tenant_relationships.delegated_admin_relationships
        expired = await relationships.get(RequestConfiguration(query_parameters=query(filter="status eq 'expired'")))
        pages = [
            await relationships.get(RequestConfiguration(query_parameters=query(top=4, filter="status eq 'active'")))
        ]
        while pages[-1].odata_next_link:  # pcsim's nextLink points at itself: the SDK follows it with with_url
            pages.append(await relationships.with_url(pages[-1].odata_next_link).get())
        return expired, pages

    expired, pages = asyncio.run(run())
    assert [(r.customer.tenant_id, r.status) for r in expired.value] == [(tid("fourthcoffee"), Status.Expired)]
    assert [len(p.value) for p in pages] == [4, 2]
    assert {r.status for p in pages for r in p.value} == {Status.Active}
    assert len({r.id for p in pages for r in p.value}) == 6


def test_create_lock_approve_and_assign(graph_as, advance_clock):
    async def run():
        partner = graph_as(upn("northwind")).tenant_relationships.delegated_admin_relationships
        created = await partner.post(
            DelegatedAdminRelationship(
                display_name="Northwind support for Tailwind",
                # kiota writes a timedelta as str(timedelta) ("180 days, 0:00:00"), which Graph refuses
                # (msgraph-sdk-python#1262); its writer passes an ISO 8601 string ("P180D") through as it is.
                duration=isodate.duration_isoformat(dt.timedelta(days=180)),
                customer=DelegatedAdminRelationshipCustomerParticipant(tenant_id=tid("tailwind")),
                access_details=roles("Service Support Administrator", "Helpdesk Administrator"),
            )
        )
        rel = partner.by_delegated_admin_relationship_id(created.id)
        lock = await rel.requests.post(
            DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval)
        )
        advance_clock(SETTLE_TIME)  # the request settles by the world's clock
        lock_done = await rel.requests.by_delegated_admin_relationship_request_id(lock.id).get()
        locked = await rel.get()

        customer = graph_as(upn("tailwind")).tenant_relationships.delegated_admin_relationships
        seen_by_customer = await customer.by_delegated_admin_relationship_id(created.id).get()
        approve = await customer.by_delegated_admin_relationship_id(created.id).requests.post(
            DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Approve)
        )
        activating = await rel.get()
        advance_clock(SETTLE_TIME)
        active = await rel.get()
        requests = await rel.requests.get()

        assignment = await rel.access_assignments.post(
            DelegatedAdminAccessAssignment(
                access_container=DelegatedAdminAccessContainer(
                    access_container_id=SUPPORT_ENGINEERS,
                    access_container_type=DelegatedAdminAccessContainerType.SecurityGroup,
                ),
                access_details=roles("Helpdesk Administrator"),
            )
        )
        advance_clock(SETTLE_TIME)
        listed = await rel.access_assignments.get()
        # An update is a long-running operation: 202 with its URL in Location; the SDK reads the operations.
        one = rel.access_assignments.by_delegated_admin_access_assignment_id(assignment.id)
        config = RequestConfiguration()
        config.headers.add("If-Match", listed.value[0].additional_data["@odata.etag"])
        await one.patch(
            DelegatedAdminAccessAssignment(
                access_details=roles("Service Support Administrator", "Helpdesk Administrator")
            ),
            config,
        )
        operations = await rel.operations.get()
        return (
            created,
            lock,
            lock_done,
            locked,
            seen_by_customer,
            approve,
            activating,
            active,
            requests,
            assignment,
            listed,
            operations,
        )

    (
        created,
        lock,
        lock_done,
        locked,
        seen_by_customer,
        approve,
        activating,
        active,
        requests,
        assignment,
        listed,
        operations,
    ) = asyncio.run(run())
    assert created.status == Status.Created and created.duration == dt.timedelta(days=180)
    assert created.id.endswith(tid("tailwind")) and created.customer.tenant_id == tid("tailwind")
    assert created.activated_date_time is None and created.end_date_time is None
    assert lock.action == DelegatedAdminRelationshipRequestAction.LockForApproval
    assert lock.status == DelegatedAdminRelationshipRequestStatus.Created
    assert lock_done.status == DelegatedAdminRelationshipRequestStatus.Succeeded and lock_done.id == lock.id
    assert locked.status == Status.ApprovalPending == seen_by_customer.status
    assert approve.action == DelegatedAdminRelationshipRequestAction.Approve
    assert activating.status == Status.Approved and activating.activated_date_time is None
    assert active.status == Status.Active
    assert active.activated_date_time == dt.datetime(2026, 1, 15, 9, 0, 20, tzinfo=UTC)
    assert active.end_date_time == dt.datetime(2026, 7, 14, 9, 0, 20, tzinfo=UTC)
    assert [(r.action, r.status) for r in requests.value] == [
        (DelegatedAdminRelationshipRequestAction.LockForApproval, DelegatedAdminRelationshipRequestStatus.Succeeded),
        (DelegatedAdminRelationshipRequestAction.Approve, DelegatedAdminRelationshipRequestStatus.Succeeded),
    ]
    assert assignment.status == DelegatedAdminAccessAssignmentStatus.Pending
    assert listed.value[0].status == DelegatedAdminAccessAssignmentStatus.Active
    [operation] = operations.value
    assert operation.operation_type == DelegatedAdminRelationshipOperationType.DelegatedAdminAccessAssignmentUpdate
    assert operation.status == LongRunningOperationStatus.NotStarted and assignment.id in operation.data
    assert assignment.access_container.access_container_id == SUPPORT_ENGINEERS
    assert [r.role_definition_id for r in assignment.access_details.unified_roles] == [
        ENTRA_ROLES["Helpdesk Administrator"]
    ]
    assert [a.id for a in listed.value] == [assignment.id]


def test_timedelta_duration_is_refused_as_graph_refuses_it(graph_as):
    """What a timedelta becomes on the wire ("730 days, 0:00:00") is no ISO 8601 duration: a 400, not a guess."""

    async def run():
        with pytest.raises(ODataError) as caught:
            await graph_as(upn("northwind")).tenant_relationships.delegated_admin_relationships.post(
                DelegatedAdminRelationship(
                    display_name="timedelta",
                    duration=dt.timedelta(days=730),
                    access_details=roles("Helpdesk Administrator"),
                )
            )
        return caught.value

    error = asyncio.run(run())
    assert error.response_status_code == 400 and error.error.code == "BadRequest"
    assert "ISO 8601" in error.error.message


def test_service_health_through_gdap(graph_as):
    query = HealthOverviewsRequestBuilder.HealthOverviewsRequestBuilderGetQueryParameters

    async def run():
        graph = graph_as(upn("northwind"), tenant="contoso.onmicrosoft.com")
        overviews = await graph.admin.service_announcement.health_overviews.get(
            RequestConfiguration(query_parameters=query(expand=["issues"]))
        )
        issue = await graph.admin.service_announcement.issues.by_service_health_issue_id("EX1001").get()
        return overviews, issue

    overviews, issue = asyncio.run(run())
    exchange = next(s for s in overviews.value if s.id == "Exchange")
    assert exchange.service == "Exchange Online" and exchange.status == ServiceHealthStatus.ServiceDegradation
    assert [i.id for i in exchange.issues] == ["EX1001"]
    assert issue.id == "EX1001" and issue.classification == ServiceHealthClassificationType.Incident
    assert issue.status == ServiceHealthStatus.ServiceDegradation and issue.origin == ServiceHealthOrigin.Microsoft
    assert issue.is_resolved is False and issue.end_date_time is None
    assert issue.start_date_time == dt.datetime(2026, 1, 15, 6, 30, tzinfo=UTC)
    assert issue.posts and all(isinstance(p.created_date_time, dt.datetime) for p in issue.posts)
    assert "investigating" in issue.posts[0].description.content


def test_errors_are_odata_errors(graph_as):
    async def run():
        with pytest.raises(ODataError) as denied:
            await graph_as(upn("contoso", "user")).admin.service_announcement.health_overviews.get()
        with pytest.raises(ODataError) as missing:
            await (
                graph_as(upn("northwind"))
                .tenant_relationships.delegated_admin_relationships.by_delegated_admin_relationship_id(
                    "00000000-0000-0000-0000-000000000000"
                )
                .get()
            )
        return denied.value, missing.value

    denied, missing = asyncio.run(run())
    assert denied.response_status_code == 403 and denied.error.code == "Authorization_RequestDenied"
    assert denied.error.inner_error.additional_data.get("rule") == "R5"
    assert denied.error.inner_error.request_id and isinstance(denied.error.inner_error.date, dt.datetime)
    assert missing.response_status_code == 404 and missing.error.code == "Request_ResourceNotFound"
    assert "00000000-0000-0000-0000-000000000000" in missing.error.message
