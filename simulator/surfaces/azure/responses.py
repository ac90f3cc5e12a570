"""Azure Resource Manager (``/azure``; ``/usgov/azure`` for US Government): subscriptions and Microsoft.Support.

Token audience ``https://management.azure.com/`` (``https://management.usgovcloudapi.net/`` under ``/usgov``).
Every request names ``?api-version=``. Support tickets follow the rule book: a subscription's tickets only with
a token for the subscription's tenant (R12); a partner user acting in a customer tenant needs a GDAP support
role (R7) and, like anyone, Azure RBAC on the subscription (R7: Owner, Contributor or Support Request
Contributor to write, any role to read); non-technical tickets only by the subscription's provider (R6); on
behalf of a customer the plan is "Cloud Solution Provider" and the contact is the partner's (R8); the
partner's own subscription needs its own entitlement (R13).

A ticket ``PUT`` answers 200 with the ticket (no ``provisioningState``): ARM's long-running-operation pollers
(azure-mgmt-support's ``begin_create``) complete at once.

``x-ms-authorization-auxiliary: Bearer <token>`` (ARM's cross-tenant header, which CSP tools send with a token
for the partner's own tenant beside the customer-tenant token) is checked when present: each token must be a
valid ARM token of this world for the caller's home (partner) tenant, else 401.

Microsoft.Support's routes exist at a subscription's scope (``/subscriptions/<id>/providers/Microsoft.Support``)
and at the tenant's (``/providers/Microsoft.Support``): one handler serves both, with ``subscription_id`` None at
the tenant's.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from flask import jsonify, make_response, request

from ...domain.catalog import CLOUD_PREFIX, RESOURCES
from ...services import Principal, Scope, azure
from ...services import azure_support as support
from .. import context as ctx
from ..openapi import Blueprint, cloud, make_api, mount_per_cloud
from . import metadata, schemas
from .exceptions import add_headers, render
from .parsing import body_reader, check_api_version, check_auxiliary, page_json, query_reader
from .shapes import (
    chat_transcript_json,
    classification_json,
    communication_json,
    file_json,
    file_workspace_json,
    location_json,
    name_availability,
    operation_status_json,
    operations_json,
    service_json,
    subscription_json,
    tenant_json,
    ticket_json,
)

# Every api-version azure-rest-api-specs publishes for Microsoft.Support (specification/support/resource-manager:
# stable/2024-04-01, preview/2023-06-01-preview, preview/2022-09-01-preview, preview/2021-06-01-preview,
# stable/2020-04-01, preview/2019-05-01-preview). One shape answers them all (docs/fidelity.md); the create body
# requires advancedDiagnosticConsent only from 2023-06-01-preview on, and file workspaces, files and chat
# transcripts exist from 2022-09-01-preview on.
SUPPORT_API_VERSIONS = (
    "2024-04-01",
    "2023-06-01-preview",
    "2022-09-01-preview",
    "2021-06-01-preview",
    "2020-04-01",
    "2019-05-01-preview",
)
NO_CONSENT_API_VERSIONS = ("2022-09-01-preview", "2021-06-01-preview", "2020-04-01", "2019-05-01-preview")
FILES_API_VERSIONS = ("2024-04-01", "2023-06-01-preview", "2022-09-01-preview")
RESOURCES_API_VERSIONS = (
    "2022-12-01",
    "2021-01-01",
    "2020-01-01",
    "2019-11-01",
    "2019-06-01",
    "2018-06-01",
    "2016-06-01",
)
METADATA_API_VERSIONS = ("2022-09-01",)
PROVIDER = azure.PROVIDER
TICKET_TOP = (25, 100)  # default, max
COMMUNICATION_TOP = (10, 10)
TICKET_FILTERS = {
    "status": ("eq",),
    "serviceid": ("eq",),
    "problemclassificationid": ("eq",),
    "createddate": ("ge", "gt"),
}
COMMUNICATION_FILTERS = {"communicationtype": ("eq",), "createddate": ("ge", "gt")}

API_VERSION_DOC = {
    "in": "query",
    "name": "api-version",
    "required": True,
    "schema": {"type": "string", "enum": list(SUPPORT_API_VERSIONS)},
}
RESOURCES_API_VERSION_DOC = {
    "in": "query",
    "name": "api-version",
    "required": True,
    "schema": {"type": "string", "enum": list(RESOURCES_API_VERSIONS)},
}
METADATA_API_VERSION_DOC = {
    "in": "query",
    "name": "api-version",
    "required": True,
    "schema": {"type": "string", "enum": list(METADATA_API_VERSIONS)},
}
AUX_DOC = {
    "in": "header",
    "name": "x-ms-authorization-auxiliary",
    "required": False,
    "description": "'Bearer <ARM token for the caller's home (partner) tenant>': checked when present.",
    "schema": {"type": "string"},
}
LIST_DOC = [
    {"in": "query", "name": "$top", "schema": {"type": "integer"}},
    {"in": "query", "name": "$filter", "schema": {"type": "string"}},
    {"in": "query", "name": "$skiptoken", "schema": {"type": "string"}},
]
SUPPORT_DOC = [API_VERSION_DOC, AUX_DOC]
LRO_DOC = (
    "Accepted (the world's azureLongRunningCreates is on): no body; Azure-AsyncOperation names the operation's "
    "status (.../operationsStatus/{id}: InProgress at the first poll, Succeeded from the second), Location its "
    "result (.../operationResults/{id}: 202 until it succeeds, then the created resource)."
)

bp = Blueprint(
    "azure_public",
    __name__,
    description="Azure Resource Manager: subscriptions and "
    "Microsoft.Support (support tickets, communications, services, problem classifications).",
)


@bp.after_request
def _headers(response):
    return add_headers(response)


def support_type() -> str:
    """The Microsoft.Support resource type a request is about (``supportTickets``, ``services``...), as ARM names
    it when it refuses an api-version."""
    tail = request.path.split(f"{PROVIDER}/", 1)[-1]
    return tail.split("/", 1)[0] or "operations"


def caller_for(versions: tuple[str, ...]) -> Principal:
    """The authenticated caller, after the api-version and the auxiliary token check."""
    audience = RESOURCES[cloud()]["arm"]
    p = ctx.authenticate(audience)
    check_api_version(versions, None if versions is RESOURCES_API_VERSIONS else support_type())
    check_auxiliary(p, audience)
    return p


def support_caller() -> tuple[Scope, Principal]:
    """(scope, caller) of a Microsoft.Support request."""
    p = caller_for(SUPPORT_API_VERSIONS)
    return ctx.scope(), p


def body_doc(schema) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def both_scopes(method: str, path: str, tenant_doc: str | None = None):
    """Register a Microsoft.Support handler at a subscription's ``.../providers/Microsoft.Support`` + ``path`` and
    at the tenant's (where it gets ``subscription_id`` None). The handler's docstring documents the subscription's
    route, ``tenant_doc`` the tenant's."""

    def register(handler):
        bp.route(f"/subscriptions/<subscription_id>{PROVIDER}{path}", methods=[method])(handler)

        @functools.wraps(handler)
        def at_tenant(**kwargs):
            return handler(subscription_id=None, **kwargs)

        at_tenant.__doc__ = tenant_doc
        bp.route(f"{PROVIDER}{path}", methods=[method], endpoint=f"{handler.__name__}_tenant")(at_tenant)
        return handler

    return register


# --- subscriptions (Microsoft.Resources) ---------------------------------------------------------------------
@bp.get("/subscriptions")
@bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
@bp.response(200, schemas.SubscriptionList)
def list_subscriptions():
    """The Azure subscriptions the token can see: its tenant's, on which the caller holds an Azure RBAC role (an
    Entra ID role, Global Administrator included, gives none)."""
    p = caller_for(RESOURCES_API_VERSIONS)
    scope = ctx.scope()
    items = [subscription_json(s, scope.cloud) for s in azure.list_subscriptions(scope, p)]
    return {"value": items, "count": {"type": "Total", "value": len(items)}}


@bp.get("/subscriptions/<subscription_id>")
@bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
@bp.response(200, schemas.Subscription)
def get_subscription(subscription_id):
    """One subscription: 401 with a token for another tenant (R12), 403 without a role on it."""
    p = caller_for(RESOURCES_API_VERSIONS)
    scope = ctx.scope()
    return subscription_json(azure.get_subscription(scope, p, subscription_id), scope.cloud)


# --- tenants, locations (Microsoft.Resources) and the cloud's metadata -----------------------------------------
@bp.get("/tenants")
@bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
@bp.response(200, schemas.TenantList)
def list_tenants():
    """The tenants the caller's account belongs to (``az login`` without ``--tenant`` lists them, then each one's
    subscriptions): a user's home tenant; a partner user names a customer tenant to act there (GDAP)."""
    p = caller_for(RESOURCES_API_VERSIONS)
    return {"value": [tenant_json(t) for t in azure.list_tenants(ctx.scope(), p)]}


@bp.get("/subscriptions/<subscription_id>/locations")
@bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
@bp.response(200, schemas.LocationList)
def list_locations(subscription_id):
    """The regions of the subscription's cloud (as its GET: 401 for another tenant's token, 403 without a role)."""
    p = caller_for(RESOURCES_API_VERSIONS)
    scope = ctx.scope()
    return {"value": [location_json(subscription_id, r) for r in azure.list_locations(scope, p, subscription_id)]}


@bp.get("/metadata/endpoints")
@bp.doc(parameters=[METADATA_API_VERSION_DOC], security=[])
@bp.response(200, schemas.CloudMetadata)
def cloud_metadata():
    """The cloud's endpoints, as ``az cloud register --endpoint-resource-manager <this ARM>`` discovers them: the
    real cloud's document with pcsim's ARM (``resourceManager``) and sign-in (``authentication.loginEndpoint``:
    this world's root, where MSAL finds the tenant as the authority's first path segment). No token needed."""
    ctx.world()  # an unknown world is a 404
    check_api_version(METADATA_API_VERSIONS)
    here = request.url_root.rstrip("/") + str(request.url_rule).partition("/metadata/")[0] + "/"
    host_root = request.host_url.rstrip("/")
    at_world_path = request.script_root.startswith("/worlds/")
    root = ctx.pcsim().roots.url(ctx.world().id, host_root) if at_world_path else host_root
    login = root + (CLOUD_PREFIX[cloud()] + "/login" if CLOUD_PREFIX[cloud()] else "")
    return metadata.cloud_metadata(cloud(), here, login)


# --- Microsoft.Support: catalogue ------------------------------------------------------------------------------
@bp.get(f"{PROVIDER}/operations")
@bp.doc(parameters=[API_VERSION_DOC])
@bp.response(200, schemas.OperationList)
def list_operations():
    """The operations of the Microsoft.Support provider."""
    caller_for(SUPPORT_API_VERSIONS)
    return operations_json()


@bp.get(f"{PROVIDER}/services")
@bp.doc(parameters=[API_VERSION_DOC])
@bp.response(200, schemas.ServiceList)
def list_services():
    """The Azure services one can file a ticket about (billing, subscription management and quota are the
    non-technical ones, R6)."""
    caller_for(SUPPORT_API_VERSIONS)
    return {"value": [service_json(s) for s in azure.list_services()]}


@bp.get(f"{PROVIDER}/services/<service_name>")
@bp.doc(parameters=[API_VERSION_DOC])
@bp.response(200, schemas.Service)
def get_service(service_name):
    caller_for(SUPPORT_API_VERSIONS)
    return service_json(azure.get_service(service_name))


@bp.get(f"{PROVIDER}/services/<service_name>/problemClassifications")
@bp.doc(parameters=[API_VERSION_DOC])
@bp.response(200, schemas.ProblemClassificationList)
def list_classifications(service_name):
    """A service's problem classifications (a ticket's problemClassificationId must be one of them)."""
    caller_for(SUPPORT_API_VERSIONS)
    s = azure.get_service(service_name)
    return {"value": [classification_json(s, pid, name) for pid, name in s.classifications]}


@bp.get(f"{PROVIDER}/services/<service_name>/problemClassifications/<classification_name>")
@bp.doc(parameters=[API_VERSION_DOC])
@bp.response(200, schemas.ProblemClassification)
def get_classification(service_name, classification_name):
    caller_for(SUPPORT_API_VERSIONS)
    return classification_json(*azure.get_classification(service_name, classification_name))


# --- Microsoft.Support: tickets (a subscription's, or the tenant's) -------------------------------------------
@both_scopes("POST", "/checkNameAvailability")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.CheckNameAvailabilityInput))
@bp.response(200, schemas.CheckNameAvailabilityOutput)
def check_ticket_name(subscription_id):
    """Whether a support ticket name is free on the subscription."""
    available = support.check_ticket_name(
        *support_caller(), subscription_id, body_reader(schemas.CheckNameAvailabilityInput)
    )
    return name_availability(available)


@both_scopes(
    "GET",
    "/supportTickets",
    tenant_doc="The token's tenant's tenant-level tickets (same ``$top``, ``$filter`` and paging as a subscription's).",
)
@bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
@bp.response(200, schemas.SupportTicketList)
def list_tickets(subscription_id):
    """The subscription's tickets, newest first ("Manage support requests", R8). ``$top`` (default 25, at most
    100); ``$filter``: ``Status eq 'Open'``, ``ServiceId eq '...'``, ``ProblemClassificationId eq '...'``,
    ``CreatedDate ge 2026-01-01T00:00:00Z`` (or ``gt``), joined by ``and``; ``nextLink`` pages."""
    page = support.list_tickets(*support_caller(), subscription_id, query_reader(TICKET_FILTERS, TICKET_TOP))
    return page_json(page, ticket_json)


@both_scopes("GET", "/supportTickets/<ticket_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.SupportTicket)
def get_ticket(subscription_id, ticket_name):
    return ticket_json(support.get_ticket(*support_caller(), subscription_id, ticket_name))


@both_scopes(
    "PUT",
    "/supportTickets/<ticket_name>",
    tenant_doc="A tenant-level ticket: non-technical services "
    "only (billing, subscription management, quota); R6, R8\nand R13 apply as on a subscription, with the "
    "token's tenant in its place.",
)
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.SupportTicketCreate))
@bp.response(200, schemas.SupportTicket)
@bp.alt_response(202, description=LRO_DOC)
def create_ticket(subscription_id, ticket_name):
    """File a ticket. Checks, in order: R12 (token tenant), R7 (GDAP support role for a partner user in a
    customer tenant; RBAC Owner, Contributor or Support Request Contributor), the body, R6 (non-technical only
    by the provider), R8 (on behalf of a customer: plan 'Cloud Solution Provider', the partner's contact) or
    R13 (the partner's own subscription: its own entitlement). Answers 200 with the ticket, or 202 (long-running)
    when the world asks for it (``azureLongRunningCreates``)."""
    scope, p = support_caller()
    schema = (
        schemas.LegacySupportTicketCreate
        if request.args["api-version"] in NO_CONSENT_API_VERSIONS
        else schemas.SupportTicketCreate
    )
    t, operation = support.create_ticket_on_demand(scope, p, subscription_id, ticket_name, body_reader(schema))
    return accepted(operation) if operation else ticket_json(t)


@both_scopes("PATCH", "/supportTickets/<ticket_name>")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.SupportTicketUpdate))
@bp.response(200, schemas.SupportTicket)
def update_ticket(subscription_id, ticket_name):
    """Change severity or contact details, or close (``status: closed``); a closed ticket is not reopened."""
    return ticket_json(
        support.update_ticket(*support_caller(), subscription_id, ticket_name, body_reader(schemas.SupportTicketUpdate))
    )


# --- Microsoft.Support: communications ----------------------------------------------------------------------
@both_scopes("GET", "/supportTickets/<ticket_name>/communications")
@bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
@bp.response(200, schemas.CommunicationList)
def list_communications(subscription_id, ticket_name):
    """The ticket's communications, newest first: Microsoft Support's are inbound, the filer's outbound."""
    t, page = support.list_communications(
        *support_caller(), subscription_id, ticket_name, query_reader(COMMUNICATION_FILTERS, COMMUNICATION_TOP)
    )
    return page_json(page, lambda n: communication_json(t, n))


@both_scopes("GET", "/supportTickets/<ticket_name>/communications/<communication_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.Communication)
def get_communication(subscription_id, ticket_name, communication_name):
    return communication_json(
        *support.get_communication(*support_caller(), subscription_id, ticket_name, communication_name)
    )


@both_scopes("PUT", "/supportTickets/<ticket_name>/communications/<communication_name>")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.CommunicationCreate))
@bp.response(200, schemas.Communication)
@bp.alt_response(202, description=LRO_DOC)
def create_communication(subscription_id, ticket_name, communication_name):
    """Add a communication (a note); it answers Microsoft Support, so the ticket is open again. 202
    (long-running) when the world asks for it (``azureLongRunningCreates``)."""
    t, n, operation = support.create_communication_on_demand(
        *support_caller(),
        subscription_id,
        ticket_name,
        communication_name,
        body_reader(schemas.CommunicationCreate),
    )
    return accepted(operation) if operation else communication_json(t, n)


@both_scopes("POST", "/supportTickets/<ticket_name>/checkNameAvailability")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.CheckNameAvailabilityInput))
@bp.response(200, schemas.CheckNameAvailabilityOutput)
def check_communication_name(subscription_id, ticket_name):
    available = support.check_communication_name(
        *support_caller(), subscription_id, ticket_name, body_reader(schemas.CheckNameAvailabilityInput)
    )
    return name_availability(available)


# --- long-running creates (a world's azureLongRunningCreates) ----------------------------------------------------
def operation_urls(operation_id: str) -> dict[str, str]:
    """The ``Location`` and ``Azure-AsyncOperation`` of an operation started by this request (same scope)."""
    prefix = request.base_url.split(f"{PROVIDER}/", 1)[0]
    version = quote(request.args.get("api-version", ""), safe="")
    return {
        "Location": f"{prefix}{PROVIDER}/operationResults/{operation_id}?api-version={version}",
        "Azure-AsyncOperation": f"{prefix}{PROVIDER}/operationsStatus/{operation_id}?api-version={version}",
    }


def accepted(operation_id: str):
    """202 Accepted, no body, with the operation's URLs (the spec's example: CreateTechnicalSupportTicket... of
    2022-09-01-preview)."""
    response = make_response("", 202)
    response.headers.update(operation_urls(operation_id))
    del response.headers["Content-Type"]
    return response


@both_scopes("GET", "/operationsStatus/<operation_id>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.OperationStatus)
def operation_status(subscription_id, operation_id):
    """A long-running create's status (``Azure-AsyncOperation``): InProgress at its first poll, Succeeded from the
    second (by polls, not by the clock: a frozen world's operations complete too)."""
    op = support.poll_operation(*support_caller(), subscription_id, operation_id)
    return operation_status_json(subscription_id, op)


@both_scopes("GET", "/operationResults/<operation_id>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.SupportTicket)
@bp.alt_response(202, description="Still in progress: poll Location again.")
def operation_result(subscription_id, operation_id):
    """A long-running create's result (``Location``): 202 while in progress, then the created ticket or
    communication."""
    op = support.poll_operation(*support_caller(), subscription_id, operation_id)
    if op.status != "Succeeded":
        response = make_response("", 202)
        response.headers["Location"] = request.url
        del response.headers["Content-Type"]
        return response
    if op.note is not None:  # a communication's: not a ticket's schema
        return jsonify(communication_json(op.ticket, op.note))
    return ticket_json(op.ticket)


# --- file workspaces and files (2022-09-01-preview on): the caller's scope's --------------------------------------
def files_caller() -> tuple[Scope, Principal]:
    p = caller_for(FILES_API_VERSIONS)
    return ctx.scope(), p


@both_scopes("GET", "/fileWorkspaces/<workspace_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.FileWorkspace)
def get_file_workspace(subscription_id, workspace_name):
    """A file workspace of the subscription (or, at the tenant's level, of the token's tenant): for a day."""
    return file_workspace_json(support.get_file_workspace(*files_caller(), subscription_id, workspace_name))


@both_scopes("PUT", "/fileWorkspaces/<workspace_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(201, schemas.FileWorkspace)
def create_file_workspace(subscription_id, workspace_name):
    """A new file workspace (no body), in the scope the caller may write tickets in (R12, R7); it expires a day
    later (the spec's example). A name in use answers 409."""
    return file_workspace_json(support.create_file_workspace(*files_caller(), subscription_id, workspace_name))


@both_scopes("GET", "/fileWorkspaces/<workspace_name>/files")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.FileList)
def list_files(subscription_id, workspace_name):
    ws, files = support.list_files(*files_caller(), subscription_id, workspace_name)
    return {"value": [file_json(ws, f) for f in files]}


@both_scopes("GET", "/fileWorkspaces/<workspace_name>/files/<file_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.FileDetails)
def get_file(subscription_id, workspace_name, file_name):
    return file_json(*support.get_file(*files_caller(), subscription_id, workspace_name, file_name))


@both_scopes("PUT", "/fileWorkspaces/<workspace_name>/files/<file_name>")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.FileCreate))
@bp.response(201, schemas.FileDetails)
def create_file(subscription_id, workspace_name, file_name):
    """Announce a file: ``fileSize`` (at most 5 MB), ``chunkSize`` (at most 2.5 MB), ``numberOfChunks`` (1 or
    2); then upload its chunks."""
    return file_json(
        *support.create_file(
            *files_caller(), subscription_id, workspace_name, file_name, body_reader(schemas.FileCreate)
        )
    )


@both_scopes("POST", "/fileWorkspaces/<workspace_name>/files/<file_name>/upload")
@bp.doc(parameters=SUPPORT_DOC, requestBody=body_doc(schemas.UploadFile))
@bp.response(204)
def upload_file(subscription_id, workspace_name, file_name):
    """Upload one chunk: ``content`` (base64), ``chunkIndex`` (from 0). 204."""
    support.upload_file(*files_caller(), subscription_id, workspace_name, file_name, body_reader(schemas.UploadFile))
    return ""


# --- chat transcripts: who may see the ticket ------------------------------------------------------------------
@both_scopes("GET", "/supportTickets/<ticket_name>/chatTranscripts")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.ChatTranscriptList)
def list_chat_transcripts(subscription_id, ticket_name):
    """The ticket's chats with Microsoft Support (a world gets them through the control plane:
    ``POST /sim/worlds/<id>/tickets/<ticket id>/chatTranscripts``)."""
    t, chats = support.list_chat_transcripts(*files_caller(), subscription_id, ticket_name)
    return {"value": [chat_transcript_json(t, c) for c in chats]}


@both_scopes("GET", "/supportTickets/<ticket_name>/chatTranscripts/<transcript_name>")
@bp.doc(parameters=SUPPORT_DOC)
@bp.response(200, schemas.ChatTranscript)
def get_chat_transcript(subscription_id, ticket_name, transcript_name):
    return chat_transcript_json(
        *support.get_chat_transcript(*files_caller(), subscription_id, ticket_name, transcript_name)
    )


def register(app) -> list:
    api = make_api(
        app,
        "azure",
        "Azure Resource Manager (pcsim)",
        "Azure Resource Manager as pcsim imitates it: subscriptions and Microsoft.Support 2024-04-01 "
        "(support tickets, communications, services, problem classifications) at /azure (public cloud, "
        "token audience https://management.azure.com/) and /usgov/azure (audience "
        "https://management.usgovcloudapi.net/). Every request takes ?api-version=. Errors in ARM's "
        "body; a rule's denial names it in error.additionalInfo[{type: PcsimRule, info: {rule, ...}}]. "
        "Ticket and communication PUTs answer 200 with the resource (the SDK's poller completes at once), or, "
        "when the world's azureLongRunningCreates is on, 202 with Location and Azure-AsyncOperation "
        "(operationsStatus: InProgress, then Succeeded). File workspaces, files and chat transcripts from "
        "api-version 2022-09-01-preview on. "
        "x-ms-authorization-auxiliary (Bearer <partner-tenant ARM token>) is checked when sent.",
        version="2024-04-01",
        error_schema=schemas.ArmErrorResponse,
    )
    return mount_per_cloud(app, api, bp, "/azure", render)
