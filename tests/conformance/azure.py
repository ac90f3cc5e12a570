"""The Azure surface's judge (``azure_public``): ``azure-mgmt-support``'s own models.

Each Microsoft.Support route is mapped to its operation's response model (the model the SDK's operation
deserializes: ``azure.mgmt.support.operations``), and every response is judged through the SDK's public API only:

- ``Model.deserialize(body)`` must succeed (types: an ISO 8601 date-time, an int, a bool where the model says so);
- the round trip ``model.serialize(keep_readonly=True)`` must give the body back: a property the model does not
  know, or a value of another JSON type (``"240"`` for an int), shows as a difference;
- every required property (a keyword argument without a default of the model's constructor: the SDK's own
  ``__init__`` signature) must be there, in nested models too;
- enums: the SDK's enums are open strings (``Union[str, SeverityLevel]``), so the values are checked against the
  SDK's enum classes (:data:`ENUMS`, each the spec's ``x-ms-enum``);
- an error (4xx, 5xx) is ARM's ``ErrorResponse`` (the SDK's model of common-types v5) with ``error.code`` and
  ``error.message``;
- a long-running create's 202 carries ``Location`` and ``Azure-AsyncOperation``; an ``operationsStatus`` body is
  ARM's asynchronous operation status (``status`` one of ARM's values).

Spec: Azure/azure-rest-api-specs, specification/support/resource-manager/Microsoft.Support/stable/2024-04-01/
support.json (commit 07b93a0314445e510e784547e387adc14b7aa83f).

Microsoft.Resources' answers (subscriptions, their locations, tenants) are judged the same way with
``azure-mgmt-resource``'s models of api-version 2022-12-01 (``azure.mgmt.resource.subscriptions.v2022_12_01``,
specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json).
"""

from __future__ import annotations

import enum
import inspect
import json
from datetime import datetime
from functools import cache

from azure.mgmt.resource.subscriptions.v2022_12_01 import models as rm
from azure.mgmt.support import models as m
from flask import Request, Response

from . import register

# Handler name (the blueprint's endpoint without the "_tenant" twin suffix) -> {status: response model}.
ROUTES: dict[str, dict[int, type]] = {
    "list_operations": {200: m.OperationsListResult},
    "list_services": {200: m.ServicesListResult},
    "get_service": {200: m.Service},
    "list_classifications": {200: m.ProblemClassificationsListResult},
    "get_classification": {200: m.ProblemClassification},
    "check_ticket_name": {200: m.CheckNameAvailabilityOutput},
    "list_tickets": {200: m.SupportTicketsListResult},
    "get_ticket": {200: m.SupportTicketDetails},
    "create_ticket": {200: m.SupportTicketDetails},
    "update_ticket": {200: m.SupportTicketDetails},
    "list_communications": {200: m.CommunicationsListResult},
    "get_communication": {200: m.CommunicationDetails},
    "create_communication": {200: m.CommunicationDetails},
    "check_communication_name": {200: m.CheckNameAvailabilityOutput},
    "list_chat_transcripts": {200: m.ChatTranscriptsListResult},
    "get_chat_transcript": {200: m.ChatTranscriptDetails},
    "get_file_workspace": {200: m.FileWorkspaceDetails},
    "create_file_workspace": {201: m.FileWorkspaceDetails},
    "list_files": {200: m.FilesListResult},
    "get_file": {200: m.FileDetails},
    "create_file": {201: m.FileDetails},
    "upload_file": {204: type(None)},
    "operation_result": {200: m.SupportTicketDetails},  # the created resource (or its communication)
    # Microsoft.Resources
    "list_subscriptions": {200: rm.SubscriptionListResult},
    "get_subscription": {200: rm.Subscription},
    "list_tenants": {200: rm.TenantListResult},
    "list_locations": {200: rm.LocationListResult},
}
# api-versions whose spec has no advancedDiagnosticConsent (it is required from 2023-06-01-preview on): the
# preview/2019-05-01-preview, stable/2020-04-01, preview/2021-06-01-preview and preview/2022-09-01-preview support.json.
NO_CONSENT_VERSIONS = ("2019-05-01-preview", "2020-04-01", "2021-06-01-preview", "2022-09-01-preview")
LONG_RUNNING = ("create_ticket", "create_communication")
ASYNC_STATUSES = ("InProgress", "Succeeded", "Failed", "Canceled")

# (model, attribute) -> the SDK's enum class (the spec's x-ms-enum of that property).
ENUMS: dict[tuple[type, str], type[enum.Enum]] = {
    (m.SupportTicketDetails, "severity"): m.SeverityLevel,
    (m.SupportTicketDetails, "advanced_diagnostic_consent"): m.Consent,
    (m.SupportTicketDetails, "is_temporary_ticket"): m.IsTemporaryTicket,
    (m.ContactProfile, "preferred_contact_method"): m.PreferredContactMethod,
    (m.SecondaryConsent, "user_consent"): m.UserConsent,
    (m.CommunicationDetails, "communication_type"): m.CommunicationType,
    (m.CommunicationDetails, "communication_direction"): m.CommunicationDirection,
    (m.MessageProperties, "communication_direction"): m.CommunicationDirection,
    (m.CheckNameAvailabilityInput, "type"): m.Type,
    (rm.Subscription, "state"): rm.SubscriptionState,
    (rm.SubscriptionPolicies, "spending_limit"): rm.SpendingLimit,
    (rm.TenantIdDescription, "tenant_category"): rm.TenantCategory,
    (rm.Location, "type"): rm.LocationType,
    (rm.LocationMetadata, "region_type"): rm.RegionType,
    (rm.LocationMetadata, "region_category"): rm.RegionCategory,
}
# The "type" of each resource, as the spec's examples give it.
RESOURCE_TYPES: dict[type, str] = {
    m.SupportTicketDetails: "Microsoft.Support/supportTickets",
    m.CommunicationDetails: "Microsoft.Support/communications",
    m.Service: "Microsoft.Support/services",
    m.ProblemClassification: "Microsoft.Support/problemClassifications",
    m.ChatTranscriptDetails: "Microsoft.Support/chatTranscripts",
    m.FileWorkspaceDetails: "Microsoft.Support/fileWorkspaces",
    m.FileDetails: "Microsoft.Support/files",
}


# Where ARM's real answers differ from subscriptions.json (docs/fidelity.md, "Azure Resource Manager"): the spec marks
# nextLink required on the subscription and tenant lists, where ARM sends it only when there is a next page; and
# ARM's subscription list carries "count": {"type": "Total", "value": n}, which no model has (real answers quoted
# in public code: curl of management.azure.com/subscriptions?api-version=2020-01-01). pcsim does as ARM.
NOT_SENT_WHEN_EMPTY = {(rm.TenantListResult, "next_link"), (rm.SubscriptionListResult, "next_link")}


@cache
def required(model: type) -> tuple[str, ...]:
    """The model's required attributes: its constructor's keyword arguments without a default."""
    return tuple(
        name
        for name, p in inspect.signature(model.__init__).parameters.items()
        if p.kind is p.KEYWORD_ONLY and p.default is p.empty and (model, name) not in NOT_SENT_WHEN_EMPTY
    )


@cache
def enum_values(kind: type[enum.Enum]) -> frozenset[str]:
    return frozenset(str(v.value) for v in kind)


def _walk(value, path: str, problems: list[str]) -> None:
    """Required attributes and enum values of a deserialized model, nested models included."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", problems)
        return
    if not (hasattr(value, "as_dict") and hasattr(type(value), "deserialize")):
        return
    model = type(value)
    for name in required(model):
        if getattr(value, name, None) is None:
            problems.append(f"{path}{model.__name__}.{name} is required (the SDK's model) but missing")
    for name, attr in vars(value).items():
        if name.startswith("_") or attr is None:
            continue
        kind = ENUMS.get((model, name))
        if kind is not None and str(attr) not in enum_values(kind):
            problems.append(
                f"{path}{model.__name__}.{name} = {attr!r} is not a value of {kind.__name__} "
                f"({', '.join(sorted(enum_values(kind)))})"
            )
        if hasattr(attr, "as_dict") or isinstance(attr, list):
            _walk(attr, f"{path}{name}.", problems)


def _same(original, round_trip) -> bool:
    if isinstance(original, str) and isinstance(round_trip, str) and original != round_trip:
        try:
            return datetime.fromisoformat(original.replace("Z", "+00:00")) == datetime.fromisoformat(
                round_trip.replace("Z", "+00:00")
            )
        except ValueError:
            return False
    return type(original) is type(round_trip) and original == round_trip


def _diff(original, round_trip, path: str, problems: list[str]) -> None:
    """What the SDK's round trip lost or changed: a property it does not know, or a value of another type."""
    if isinstance(original, dict) and isinstance(round_trip, dict):
        for key, value in original.items():
            if value is None or value == [] and key not in round_trip:
                continue
            if key not in round_trip:
                problems.append(f"{path}{key} is not a property of the SDK's model")
            else:
                _diff(value, round_trip[key], f"{path}{key}.", problems)
    elif isinstance(original, list) and isinstance(round_trip, list) and len(original) == len(round_trip):
        for i, (a, b) in enumerate(zip(original, round_trip, strict=True)):
            _diff(a, b, f"{path.rstrip('.')}[{i}].", problems)
    elif not _same(original, round_trip):
        problems.append(f"{path.rstrip('.')} = {original!r} is not of the model's type (the SDK reads {round_trip!r})")


def judge_model(model: type, body, problems: list[str]) -> None:
    if not isinstance(body, dict):
        problems.append(f"the body is not a JSON object ({model.__name__} expected)")
        return
    try:
        parsed = model.deserialize(body)
    except Exception as exc:  # DeserializationError: a value the model's type refuses
        problems.append(f"the SDK cannot read it as {model.__name__}: {exc}")
        return
    _diff(body, parsed.serialize(keep_readonly=True), "", problems)
    _walk(parsed, "", problems)
    for item in [parsed, *(getattr(parsed, "value", None) or [])]:
        expected = RESOURCE_TYPES.get(type(item))
        if expected and getattr(item, "type", None) != expected:
            problems.append(f"{type(item).__name__}.type is {getattr(item, 'type', None)!r}, not {expected!r}")


def judge_error(body, problems: list[str]) -> None:
    judge_model(m.ErrorResponse, body, problems)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
        problems.append("an ARM error has error.code and error.message")


def handler_of(request: Request) -> str:
    name = (request.endpoint or "").rpartition(".")[2]
    return name.removesuffix("_tenant")


def validate(request: Request, response: Response) -> list[str]:
    problems: list[str] = []
    status = response.status_code
    # A 204's body never reaches the wire (werkzeug drops it): flask-smorest's "" is not an answer's body.
    body_text = "" if status in (204, 304) else response.get_data(as_text=True)
    try:
        body = json.loads(body_text) if body_text.strip() else None
    except ValueError:
        return [f"the body is not JSON: {body_text[:80]!r}"]
    if status >= 400:
        judge_error(body, problems)
        return problems
    handler = handler_of(request)
    if handler == "operation_status":
        if not isinstance(body, dict) or body.get("status") not in ASYNC_STATUSES:
            problems.append(f"an operation status has status one of {ASYNC_STATUSES}: {body!r}")
        return problems
    if status == 202 and handler == "operation_result":
        return [] if response.headers.get("Location") else ["an operation result's 202 has a Location header"]
    if status == 202 and handler in LONG_RUNNING:
        for header in ("Location", "Azure-AsyncOperation"):
            if not response.headers.get(header):
                problems.append(f"a long-running create's 202 has a {header} header")
        return problems
    models = ROUTES.get(handler)
    if models is None:
        if "/providers/microsoft.support/" in request.path.lower():
            return [f"{handler} is a Microsoft.Support route the judge maps to no response model (ROUTES)"]
        return problems  # neither Microsoft.Support nor Microsoft.Resources (the cloud metadata document)
    model = models.get(status)
    if model is None:
        return [f"{handler} answers {sorted(models)} (the spec), not {status}"]
    if model is type(None):
        if body is not None:
            problems.append(f"{handler} answers {status} with no body")
        return problems
    if handler == "operation_result" and isinstance(body, dict) and "/communications/" in body.get("id", ""):
        model = m.CommunicationDetails
    if handler == "list_subscriptions" and isinstance(body, dict):
        body = dict(body)
        count = body.pop("count", None)
        if count != {"type": "Total", "value": len(body.get("value") or [])}:
            problems.append(f'ARM\'s subscription list has "count": {{"type": "Total", "value": n}}, not {count!r}')
    judge_model(model, body, problems)
    if request.args.get("api-version") in NO_CONSENT_VERSIONS:
        problems = [p for p in problems if "advanced_diagnostic_consent is required" not in p]
    return problems


register("azure_public", validate)
