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
"""
from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from flask import jsonify, request
from marshmallow import ValidationError
from sqlalchemy import false, func, select

from ...auth.tokens import TokenRejected
from ...domain import support as rules
from ...domain import tickets as ticket_rules
from ...domain.catalog import CLOUD_PREFIX, GLOBAL_ADMINISTRATOR, PROVIDER_TYPES, RESOURCES
from ...domain.clock import iso, parse_datetime
from ...domain.decision import Decision
from ...domain.errors import Denied
from ...domain.support_catalog import AZURE_SERVICES, SERVICES_BY_ID, AzureService
from ...store import queries
from ...store import tickets as store
from ...store.models import Subscription, Tenant, Ticket, TicketNote
from .. import context as ctx, validation
from ..openapi import Blueprint, make_api, mount_per_cloud
from . import schemas
from .exceptions import ArmError, add_headers, render

SUPPORT_API_VERSIONS = ("2024-04-01", "2023-06-01-preview", "2022-09-01-preview", "2020-04-01")
RESOURCES_API_VERSIONS = ("2022-12-01", "2021-01-01", "2020-01-01", "2019-11-01", "2019-06-01", "2018-06-01",
                          "2016-06-01")
PROVIDER = "/providers/Microsoft.Support"
TICKET_TYPE = "Microsoft.Support/supportTickets"
COMMUNICATION_TYPE = "Microsoft.Support/communications"
WRITE_ACTION = "Microsoft.Support/supportTickets/write"
READ_ACTION = "Microsoft.Support/supportTickets/read"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
SERVICE_ID = re.compile(r"^(?:/providers/microsoft\.support/services/)?([^/]+)$", re.I)
CLASSIFICATION_ID = re.compile(
    r"^(?:/providers/microsoft\.support/services/([^/]+)/problemclassifications/)?([^/]+)$", re.I)
FORBIDDEN_NAME_CHARS = re.compile(r"[<>%&:\\?/#*\x00-\x1f]")
SLA_MINUTES = {"highestcriticalimpact": 60, "critical": 60, "moderate": 240, "minimal": 480}
PLAN_TYPES = {"azuresupportplan": "Azure support plan", "premier": "Premier", "unified": "Unified",
              "partneragreement": "Partner agreement"}
SUBSCRIPTION_STATES = {"active": "Enabled", "suspended": "Disabled", "deleted": "Deleted", "pending": "Warned"}
TICKET_TOP = (25, 100)  # default, max
COMMUNICATION_TOP = (10, 10)

API_VERSION_DOC = {"in": "query", "name": "api-version", "required": True,
                   "schema": {"type": "string", "enum": list(SUPPORT_API_VERSIONS)}}
RESOURCES_API_VERSION_DOC = {"in": "query", "name": "api-version", "required": True,
                             "schema": {"type": "string", "enum": list(RESOURCES_API_VERSIONS)}}
AUX_DOC = {"in": "header", "name": "x-ms-authorization-auxiliary", "required": False,
           "description": "'Bearer <ARM token for the caller's home (partner) tenant>': checked when present.",
           "schema": {"type": "string"}}
LIST_DOC = [{"in": "query", "name": "$top", "schema": {"type": "integer"}},
            {"in": "query", "name": "$filter", "schema": {"type": "string"}},
            {"in": "query", "name": "$skiptoken", "schema": {"type": "string"}}]
SUPPORT_DOC = [API_VERSION_DOC, AUX_DOC]

OPERATIONS = [
    ("Microsoft.Support/register/action", "Support Registration", "Registers Support Resource Provider"),
    ("Microsoft.Support/checkNameAvailability/action", "Support Ticket",
     "Checks that name is valid and not in use for resource type"),
    ("Microsoft.Support/operationresults/read", "Operation Result", "Gets the result of the asynchronous operation"),
    ("Microsoft.Support/operationsstatus/read", "Operation Status", "Gets the status of the asynchronous operation"),
    ("Microsoft.Support/operations/read", "Operation", "Lists all operations available on Microsoft.Support"),
    ("Microsoft.Support/services/read", "Service", "Lists one or all Azure services available for support"),
    ("Microsoft.Support/services/problemClassifications/read", "Problem Classification",
     "Lists one or all problem classifications for an Azure service"),
    (READ_ACTION, "Support Ticket", "Lists one or all support tickets"),
    (WRITE_ACTION, "Support Ticket", "Creates or Updates a support ticket"),
    ("Microsoft.Support/supportTickets/communications/read", "Communication", "Lists one or all communications"),
    ("Microsoft.Support/supportTickets/communications/write", "Communication", "Adds a new communication"),
]


def ok(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    return response


# --- request parsing ---------------------------------------------------------------------------------------
def check_api_version(allowed: tuple[str, ...]) -> str:
    version = request.args.get("api-version")
    if not version:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    if version not in allowed:
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{version}' is invalid. The supported versions are '{','.join(allowed)}'.",
                       "api-version")
    return version


def _flatten(messages, path: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            if key == "_schema":
                out.extend(_flatten(value, path))
            else:
                out.extend(_flatten(value, f"{path}.{key}" if path and not isinstance(key, int) else
                                    f"{path}[{key}]" if isinstance(key, int) else str(key)))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [(path, messages[0])]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, path)]
    return [(path, str(messages))]


def json_body(schema_cls) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent",
                       "The request content was invalid and could not be deserialized: a JSON object is expected.")
    try:
        return validation.schema(schema_cls).load(data)
    except ValidationError as exc:
        problems = _flatten(exc.messages)
        texts = [f"The property '{path}' is required." if msg.startswith("Missing data") else
                 f"The value of property '{path}' is invalid: {msg}" for path, msg in problems]
        raise ArmError(400, "InvalidParameter", " ".join(texts), problems[0][0] if problems else None) from None


def check_name(name: str, kind: str) -> None:
    if not name or len(name) > 200 or FORBIDDEN_NAME_CHARS.search(name) or name.endswith((".", " ")):
        raise ArmError(400, "InvalidResourceName",
                       f"The {kind} name '{name}' is invalid: 1 to 200 characters, none of <>%&:\\?/#*, not ending "
                       "with a period or a space.", "name")


def top_arg(limits: tuple[int, int]) -> int:
    default, most = limits
    raw = request.args.get("$top")
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        top = 0
    if not 1 <= top <= most:
        raise ArmError(400, "InvalidParameter", f"$top must be an integer from 1 to {most}; got '{raw}'.", "$top")
    return top


def _start_and_top(limits: tuple[int, int]) -> tuple[int, int]:
    top = top_arg(limits)
    start = 0
    if request.args.get("$skiptoken"):
        try:
            start = int(base64.urlsafe_b64decode(request.args["$skiptoken"] + "==").decode())
        except ValueError:
            raise ArmError(400, "InvalidParameter", "The $skiptoken is invalid.", "$skiptoken") from None
        if start < 0:
            raise ArmError(400, "InvalidParameter", "The $skiptoken is invalid.", "$skiptoken")
    return start, top


def paged(items: list[dict], limits: tuple[int, int]) -> dict:
    """One page of ``items`` ($top, $skiptoken) with the nextLink to the next one."""
    start, top = _start_and_top(limits)
    return _page(items[start:start + top], start, top, start + top < len(items))


def paged_rows(query, limits: tuple[int, int], to_json) -> dict:
    """One page of a query's rows, read from the database a page at a time (one more row tells if there is
    a next page)."""
    start, top = _start_and_top(limits)
    rows = ctx.session().execute(query.offset(start).limit(top + 1)).all()
    return _page([to_json(r) for r in rows[:top]], start, top, len(rows) > top)


def _page(items: list[dict], start: int, top: int, more: bool) -> dict:
    body: dict = {"value": items}
    if more:
        query = {k: v for k, v in request.args.items() if k not in ("$skiptoken", "$top")}
        query["$top"] = str(top)
        query["$skiptoken"] = base64.urlsafe_b64encode(str(start + top).encode()).decode().rstrip("=")
        body["nextLink"] = request.base_url + "?" + urlencode(query, quote_via=quote)
    return body


FILTER_CLAUSE = re.compile(r"^\s*([A-Za-z]+)\s+(eq|ge|gt|le|lt)\s+(.+?)\s*$", re.I)


def parse_filter(text: str | None, fields: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str]]:
    """``$filter`` as (field, operator, value) clauses joined by ``and``; ``fields`` maps each field (lower case)
    to the operators it takes."""
    if not text:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.I):
        m = FILTER_CLAUSE.match(part)
        field = m.group(1).lower() if m else ""
        op = m.group(2).lower() if m else ""
        if not m or field not in fields or op not in fields[field]:
            supported = "; ".join(f"{f} {'/'.join(ops)}" for f, ops in fields.items())
            raise ArmError(400, "InvalidParameter", f"The $filter clause '{part.strip()}' is not supported. "
                           f"Supported: {supported}, joined by 'and'.", "$filter")
        clauses.append((field, op, m.group(3).strip().strip("'\"")))
    return clauses


def _filter_date(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError:
        raise ArmError(400, "InvalidParameter", f"'{text}' is not a date-time (ISO 8601).", "$filter") from None


def _compare_date(value: datetime, op: str, text: str) -> bool:
    wanted = _filter_date(text)
    return {"ge": value >= wanted, "gt": value > wanted, "le": value <= wanted, "lt": value < wanted}[op]


def _date_clause(column, op: str, text: str):
    wanted = _filter_date(text)
    return {"ge": column >= wanted, "gt": column > wanted, "le": column <= wanted, "lt": column < wanted}[op]


# --- the support catalogue -----------------------------------------------------------------------------------
def service_json(s: AzureService) -> dict:
    return {"id": f"{PROVIDER}/services/{s.id}", "name": s.id, "type": "Microsoft.Support/services",
            "properties": {"displayName": s.display_name, "resourceTypes": list(s.resource_types)}}


def classification_json(s: AzureService, pc_id: str, name: str) -> dict:
    return {"id": f"{PROVIDER}/services/{s.id}/problemClassifications/{pc_id}", "name": pc_id,
            "type": "Microsoft.Support/problemClassifications",
            "properties": {"displayName": f"{s.display_name} / {name}", "secondaryConsentEnabled": []}}


def find_service(service_name: str) -> AzureService:
    service = SERVICES_BY_ID.get(service_name.lower())
    if service is None:
        raise ArmError(404, "ResourceNotFound", f"The service '{service_name}' was not found. List the services with "
                       f"GET {PROVIDER}/services.")
    return service


def resolve_classification(service_id: str, classification_id: str) -> tuple[AzureService, str, str]:
    """(service, canonical problem classification id, its display name), or 400 naming the property."""
    m = SERVICE_ID.match(service_id.strip())
    service = SERVICES_BY_ID.get(m.group(1).lower()) if m else None
    if service is None:
        raise ArmError(400, "InvalidParameter", f"The serviceId '{service_id}' is not a known Azure support service: "
                       f"use an id from GET {PROVIDER}/services.", "properties.serviceId")
    m = CLASSIFICATION_ID.match(classification_id.strip())
    names = {pid: name for pid, name in service.classifications}
    pc = m.group(2).lower() if m else None
    if not m or (m.group(1) and m.group(1).lower() != service.id) or pc not in names:
        raise ArmError(400, "InvalidParameter",
                       f"The problemClassificationId '{classification_id}' does not belong to service "
                       f"'{service.display_name}' ({service.id}): use an id from GET {PROVIDER}/services/{service.id}"
                       "/problemClassifications.", "properties.problemClassificationId")
    return service, f"{PROVIDER}/services/{service.id}/problemClassifications/{pc}", names[pc]


def _guid_of(resource_id: str | None) -> str:
    return (resource_id or "").rstrip("/").rpartition("/")[2].lower()


# --- resource shapes ---------------------------------------------------------------------------------------
def arm_status(status: str) -> str:
    return "Closed" if status == "closed" else "Open"


def plan_names(plan: str) -> tuple[str, str]:
    """(supportPlanType, supportPlanDisplayName) for a stored plan."""
    if plan == rules.CSP_SUPPORT_PLAN:
        return plan, plan
    kind, _, ident = plan.partition(":")
    label = PLAN_TYPES.get(kind.lower())
    if label and ident:
        return label, f"{label} ({ident})"
    return plan, plan


def ticket_path(t: Ticket) -> str:
    scope = f"/subscriptions/{t.subscription_id}" if t.subscription_id else ""
    return f"{scope}{PROVIDER}/supportTickets/{t.name}"


def ticket_json(t: Ticket) -> dict:
    details = t.details or {}
    service = SERVICES_BY_ID.get(_guid_of(t.service_id))
    minutes = SLA_MINUTES.get(t.severity, 480)
    plan_type, plan_display = plan_names(t.support_plan)
    props = {
        "supportTicketId": t.id, "description": t.description, "problemClassificationId": t.topic_id,
        "problemClassificationDisplayName": t.topic_name, "severity": t.severity,
        "enrollmentId": details.get("enrollmentId"), "require24X7Response": details.get("require24X7Response", False),
        "advancedDiagnosticConsent": details.get("advancedDiagnosticConsent"),
        "problemScopingQuestions": details.get("problemScopingQuestions"), "supportPlanId": t.support_plan_id,
        "contactDetails": t.contact,
        "serviceLevelAgreement": {"startTime": iso(t.created_at),
                                  "expirationTime": iso(t.created_at + timedelta(minutes=minutes)),
                                  "slaMinutes": minutes},
        "supportEngineer": {"emailAddress": None}, "supportPlanType": plan_type, "supportPlanDisplayName": plan_display,
        "title": t.title, "problemStartTime": details.get("problemStartTime"), "serviceId": t.service_id,
        "serviceDisplayName": service.display_name if service else details.get("serviceDisplayName"),
        "status": arm_status(t.status), "createdDate": iso(t.created_at), "modifiedDate": iso(t.modified_at),
        "fileWorkspaceName": details.get("fileWorkspaceName"),
        "technicalTicketDetails": details.get("technicalTicketDetails"),
        "quotaTicketDetails": details.get("quotaTicketDetails"), "secondaryConsent": details.get("secondaryConsent"),
    }
    return {"id": ticket_path(t), "name": t.name, "type": TICKET_TYPE,
            "properties": {k: v for k, v in props.items() if v is not None or k == "supportEngineer"}}


def communication_json(t: Ticket, n: TicketNote) -> dict:
    microsoft = n.author_kind == "microsoft"
    return {"id": f"{ticket_path(t)}/communications/{n.name}", "name": n.name, "type": COMMUNICATION_TYPE,
            "properties": {"communicationType": "web", "communicationDirection": "inbound" if microsoft else "outbound",
                           "sender": ticket_rules.ENGINEER if microsoft else n.author,
                           "subject": n.subject or f"RE: {t.title} - TrackingID#{t.id}", "body": n.text,
                           "createdDate": iso(n.created_at)}}


def subscription_json(s: Subscription, cloud: str) -> dict:
    return {"id": f"/subscriptions/{s.id}", "authorizationSource": "RoleBased",
            "managedByTenants": [{"tenantId": s.provider_id}] if s.provider_id else [],
            "subscriptionId": s.id, "tenantId": s.tenant_id, "displayName": s.display_name,
            "state": SUBSCRIPTION_STATES.get(s.status, "Enabled"),
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01" if cloud == "public" else "USGov_2014-09-01",
                "quotaId": "CSP_2015-05-01" if s.channel == "csp" else "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off"}}


# --- who may act where ---------------------------------------------------------------------------------------
@dataclass
class Scope:
    """Where tickets live: a subscription, or a tenant (ARM's "no subscription" support tickets)."""

    tenant: Tenant
    sub: rules.AzureSubscriptionFacts | None = None

    def where(self, query):
        return query.where(*store.azure_scope(self.sub.id if self.sub else None, self.tenant.id))

    @property
    def path(self) -> str:
        return f"/subscriptions/{self.sub.id}" if self.sub else "the tenant"


@contextmanager
def arm_code(code: str, target: str | None = None):
    """Give a rule's denial a more precise ARM code than the rule's default."""
    try:
        yield
    except Denied as exc:
        exc.arm_code, exc.arm_target = code, target
        raise


def principal_id(p) -> str:
    return p.user.id if p.user is not None else p.claims.get("oid", "")


def gdap_for(p, caller: rules.Caller):
    if not caller.is_guest or p.user is None:
        return None
    return queries.gdap_roles(ctx.session(), ctx.world().id, p.user.id, caller.home_tenant_id, caller.tenant_id,
                              ctx.now())


def rbac_for(p, sub_id: str) -> list[dict]:
    return queries.rbac_assignments_for(ctx.session(), ctx.world().id, sub_id, principal_id(p))


def is_own_global_admin(p) -> bool:
    return p.user is not None and p.user.tenant_id == p.tenant.id and GLOBAL_ADMINISTRATOR in p.roles


def make_blueprint(cloud: str) -> Blueprint:
    bp = Blueprint(f"azure_{cloud}", __name__, description="Azure Resource Manager: subscriptions and "
                   "Microsoft.Support (support tickets, communications, services, problem classifications).")
    audience = RESOURCES[cloud]["arm"]

    @bp.after_request
    def _headers(response):
        return add_headers(response)

    def caller_for(versions: tuple[str, ...]):
        """The authenticated caller, after the api-version and the auxiliary token check."""
        p = ctx.authenticate(audience)
        check_api_version(versions)
        check_auxiliary(p)
        return p

    def check_auxiliary(p) -> None:
        header = request.headers.get("x-ms-authorization-auxiliary")
        if header is None:
            return
        parts = [x.strip() for x in re.split(r"[;,]", header) if x.strip()]
        if not parts:
            raise ArmError(401, "InvalidAuxiliaryAuthenticationToken",
                           "The x-ms-authorization-auxiliary header is empty: send 'Bearer <token>'.")
        for part in parts:
            scheme, _, token = part.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ArmError(401, "InvalidAuxiliaryAuthenticationToken",
                               "The x-ms-authorization-auxiliary header must hold 'Bearer <token>' entries.")
            try:
                claims = ctx.pcsim().tokens.verify(token.strip(), ctx.world().id, audience, ctx.now())
            except TokenRejected as exc:
                raise ArmError(401, "InvalidAuxiliaryAuthenticationToken", "The auxiliary token in "
                               f"x-ms-authorization-auxiliary is invalid: {exc.reason}.") from None
            if claims.get("tid") != p.home_tenant_id:
                raise ArmError(401, "InvalidAuxiliaryAuthenticationToken",
                               f"The auxiliary token is for tenant {claims.get('tid')}; it must be for the caller's "
                               f"home (partner) tenant {p.home_tenant_id}, whose user acts in tenant {p.tenant.id}.",
                               facts={"auxiliaryTenant": claims.get("tid"), "homeTenant": p.home_tenant_id})

    def load_subscription(subscription_id: str) -> rules.AzureSubscriptionFacts:
        if not GUID.match(subscription_id):
            raise ArmError(400, "InvalidSubscriptionId",
                           f"The provided subscription identifier '{subscription_id}' is malformed or invalid.")
        db, world = ctx.session(), ctx.world().id
        sub = queries.azure_subscription(db, world, subscription_id)
        owner = queries.tenant(db, world, sub.tenant_id) if sub else None
        if sub is None:
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")
        if owner.cloud != cloud:
            raise ArmError(404, "SubscriptionNotFound",
                           f"The subscription '{subscription_id}' could not be found in the {cloud} cloud: it belongs "
                           f"to the {owner.cloud} cloud, served under {CLOUD_PREFIX[owner.cloud]}/azure (R14).",
                           rule="R14", facts={"subscriptionCloud": owner.cloud, "surfaceCloud": cloud})
        return sub

    def subscription_scope(p, subscription_id: str, action: str, write: bool) -> tuple[Scope, Decision, rules.Caller]:
        """R12, then R7 (GDAP for a partner user in a customer tenant, then RBAC on the subscription)."""
        sub = load_subscription(subscription_id)
        caller = p.caller(ctx.scope())
        d = Decision(action)
        rules.check_azure_visibility(d, caller, sub)
        rules.check_azure_on_behalf(d, caller, gdap_for(p, caller))
        rules.check_azure_rbac(d, caller, sub, rbac_for(p, sub.id), action, write)
        return Scope(queries.tenant(ctx.session(), ctx.world().id, sub.tenant_id), sub), d, caller

    def tenant_scope(p, action: str) -> tuple[Scope, Decision, rules.Caller]:
        """The token's tenant: R7's GDAP half for a partner user acting there; no subscription, so no RBAC."""
        caller = p.caller(ctx.scope())
        d = Decision(action)
        d.note("R12", "tenant-level tickets live in the token's own tenant")
        rules.check_azure_on_behalf(d, caller, gdap_for(p, caller))
        d.note("R7", "tenant-level: no subscription, so no Azure RBAC applies")
        return Scope(p.tenant), d, caller

    def scope_facts(scope: Scope, caller: rules.Caller, relationship_types: set[str]) -> rules.AzureSubscriptionFacts:
        """The subscription's facts, or for a tenant-level ticket the tenant's: its provider is the caller when the
        caller's partner is a (direct or indirect) provider of the customer."""
        if scope.sub is not None:
            return scope.sub
        t = scope.tenant
        plan = None
        if t.kind == "partner":
            own = ctx.session().scalars(select(Subscription).where(
                Subscription.world_id == ctx.world().id, Subscription.tenant_id == t.id,
                Subscription.support_plan.is_not(None)).order_by(Subscription.created_at, Subscription.id)).first()
            plan = own.support_plan if own else None
        provider = caller.home_tenant_id if relationship_types & set(PROVIDER_TYPES) else None
        return rules.AzureSubscriptionFacts(t.id, f"tenant {t.name}", t.id, t.kind, "csp" if t.kind == "customer"
                                            else "direct", provider, None, plan)

    def find_ticket(scope: Scope, name: str) -> Ticket:
        store.advance(ctx.session(), ctx.world().id, ctx.now())
        t = ctx.session().scalars(scope.where(select(Ticket).where(
            Ticket.world_id == ctx.world().id, func.lower(Ticket.name) == name.lower()))).first()
        if t is None:
            raise ArmError(404, "ResourceNotFound",
                           f"The support ticket '{name}' was not found for {scope.path}.")
        return t

    def name_taken(scope: Scope, name: str) -> bool:
        return store.azure_name_taken(ctx.session(), ctx.world().id, name, scope.sub.id if scope.sub else None,
                                      scope.tenant.id)

    # --- tickets: the shared behaviour of both scopes ----------------------------------------------------------
    def create_ticket(p, scope: Scope, d: Decision, caller: rules.Caller, name: str, version: str):
        check_name(name, "support ticket")
        schema = schemas.LegacySupportTicketCreate if version == "2020-04-01" else schemas.SupportTicketCreate
        data = json_body(schema)["properties"]
        service, pc_id, pc_name = resolve_classification(data["serviceId"], data["problemClassificationId"])
        if scope.sub is None and service.technical:
            raise ArmError(400, "BadRequest",
                           f"'{service.display_name}' is a technical service: tenant-level (no subscription) tickets "
                           "are for billing, subscription management and quota issues. File it on a subscription: "
                           f"PUT /subscriptions/{{id}}{PROVIDER}/supportTickets/{name}.", "properties.serviceId")
        db, world = ctx.session(), ctx.world().id
        d.note("R2", "Azure is a CSP support workload")
        types = (queries.relationship_types(db, world, caller.home_tenant_id, scope.tenant.id)
                 if caller.is_guest else set())
        facts = scope_facts(scope, caller, types)
        rules.check_non_technical(d, caller, facts, service.id, types)
        contact = data["contactDetails"]
        given = data.get("supportPlanId")
        if caller.is_guest and scope.tenant.kind == "customer":
            with arm_code("CspSupportPlanRequired", "properties.supportPlanId"):
                plan = rules.check_csp_plan(d, given)
            emails = [contact["primaryEmailAddress"], *contact.get("additionalEmailAddresses", [])]
            with arm_code("PartnerContactRequired", "properties.contactDetails"):
                rules.check_contact_is_partners(d, "R8", emails, queries.tenant_domains(db, world, scope.tenant.id))
        elif scope.tenant.kind == "partner":
            held = rules.own_entitlements(scope.tenant.mpn_id, queries.support_plans(db, world, scope.tenant.id))
            recorded = facts.support_plan
            default = f"{recorded['type']}:{recorded['id']}" if recorded else f"partnerAgreement:{scope.tenant.mpn_id}"
            plan = rules.check_own_entitlement(d, f"subscription {facts.name}", given, held, default)
        else:
            d.note("R8", "filed by the customer's own user, not on its behalf")
            plan = given or (rules.CSP_SUPPORT_PLAN if facts.channel == "csp" else "Basic")
        if name_taken(scope, name):
            raise ArmError(409, "Conflict", f"A support ticket named '{name}' already exists for {scope.path}: ticket "
                           "names are unique (check one with checkNameAvailability).", "name")
        details = {k: data[k] for k in ("advancedDiagnosticConsent", "require24X7Response", "problemScopingQuestions",
                                        "fileWorkspaceName", "enrollmentId", "technicalTicketDetails",
                                        "quotaTicketDetails", "secondaryConsent") if k in data}
        if "problemStartTime" in data:
            details["problemStartTime"] = iso(data["problemStartTime"])
        details["serviceDisplayName"] = service.display_name
        t = store.create_ticket(
            db, world, ctx.now(), name=name, origin="azure", tenant_id=scope.tenant.id,
            customer_id=scope.tenant.id if scope.tenant.kind == "customer" else None,
            partner_id=caller.home_tenant_id if caller.home_kind == "partner" else None,
            subscription_id=scope.sub.id if scope.sub else None, workload="azure", title=data["title"],
            description=data["description"], severity=data["severity"], topic_id=pc_id, topic_name=pc_name,
            service_id=f"{PROVIDER}/services/{service.id}", support_plan=plan, support_plan_id=given or plan,
            contact=contact, product_id=None, created_by=caller.name,
            country=contact["country"].upper()[:3], locale=contact["preferredSupportLanguage"][:10], details=details)
        return ok(ticket_json(t))

    def update_ticket(scope: Scope, caller: rules.Caller, d: Decision, name: str):
        t = find_ticket(scope, name)
        data = json_body(schemas.SupportTicketUpdate)
        if not data:
            raise ArmError(400, "BadRequest", "Nothing to update: set severity, status, contactDetails, "
                           "advancedDiagnosticConsent or secondaryConsent.")
        now = ctx.now()
        if t.status == "closed" and set(data) - {"status"}:
            raise ArmError(400, "BadRequest", f"The support ticket '{t.name}' is closed: it cannot be updated. "
                           "File a new ticket.")
        if "contactDetails" in data:
            contact = {**(t.contact or {}), **data["contactDetails"]}
            if caller.is_guest and scope.tenant.kind == "customer":
                emails = [contact.get("primaryEmailAddress"), *contact.get("additionalEmailAddresses", [])]
                with arm_code("PartnerContactRequired", "contactDetails"):
                    rules.check_contact_is_partners(d, "R8", [e for e in emails if e],
                                                    queries.tenant_domains(ctx.session(), ctx.world().id,
                                                                           scope.tenant.id))
            t.contact = contact
        if "severity" in data:
            t.severity = data["severity"]
        extra = {k: data[k] for k in ("advancedDiagnosticConsent", "secondaryConsent") if k in data}
        if extra:
            t.details = {**(t.details or {}), **extra}
        if "status" in data:
            wanted = ticket_rules.check_status_change(t.status, data["status"])
            if wanted == "closed" and t.status != "closed":
                store.set_status(t, "closed", now)
        t.modified_at = now
        ctx.session().flush()
        return ok(ticket_json(t))

    def list_tickets(scope: Scope):
        store.advance(ctx.session(), ctx.world().id, ctx.now())
        clauses = parse_filter(request.args.get("$filter"), {
            "status": ("eq",), "serviceid": ("eq",), "problemclassificationid": ("eq",), "createddate": ("ge", "gt")})
        # Core rows (ticket_json reads them like tickets): a page of 100 is read without building ORM objects.
        query = scope.where(select(Ticket.__table__).where(Ticket.world_id == ctx.world().id))
        for field, op, value in clauses:
            if field == "status":
                query = query.where(Ticket.status == "closed" if value.lower() == "closed" else
                                    Ticket.status != "closed" if value.lower() == "open" else false())
            elif field == "serviceid":
                query = query.where(func.lower(Ticket.service_id).endswith("/" + _guid_of(value), autoescape=True))
            elif field == "problemclassificationid":
                query = query.where(func.lower(Ticket.topic_id).endswith("/" + _guid_of(value), autoescape=True))
            else:
                query = query.where(_date_clause(Ticket.created_at, op, value))
        return ok(paged_rows(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()), TICKET_TOP, ticket_json))

    def check_ticket_name(scope: Scope):
        data = json_body(schemas.CheckNameAvailabilityInput)
        if data["type"] != TICKET_TYPE:
            raise ArmError(400, "InvalidParameter", f"This checkNameAvailability is for '{TICKET_TYPE}'; check a "
                           "communication name on its ticket: .../supportTickets/{name}/checkNameAvailability.", "type")
        return ok(name_availability(name_taken(scope, data["name"])))

    def list_communications(scope: Scope, name: str):
        t = find_ticket(scope, name)
        clauses = parse_filter(request.args.get("$filter"), {"communicationtype": ("eq",), "createddate": ("ge", "gt")})
        notes = sorted(store.notes(ctx.session(), t), key=lambda n: (n.created_at, n.seq), reverse=True)
        for field, op, value in clauses:
            if field == "communicationtype":
                notes = [n for n in notes if value.lower() == "web"]
            else:
                notes = [n for n in notes if _compare_date(n.created_at, op, value)]
        return ok(paged([communication_json(t, n) for n in notes], COMMUNICATION_TOP))

    def find_communication(t: Ticket, cname: str) -> TicketNote | None:
        return next((n for n in store.notes(ctx.session(), t) if n.name.lower() == cname.lower()), None)

    def get_communication(scope: Scope, name: str, cname: str):
        t = find_ticket(scope, name)
        n = find_communication(t, cname)
        if n is None:
            raise ArmError(404, "ResourceNotFound", f"The communication '{cname}' was not found on support ticket "
                           f"'{t.name}'.")
        return ok(communication_json(t, n))

    def create_communication(p, scope: Scope, caller: rules.Caller, name: str, cname: str):
        check_name(cname, "communication")
        t = find_ticket(scope, name)
        data = json_body(schemas.CommunicationCreate)["properties"]
        if p.kind == "app" and not data.get("sender"):
            raise ArmError(400, "InvalidParameter", "The property 'properties.sender' is required when the caller is "
                           "a service principal.", "properties.sender")
        if find_communication(t, cname) is not None:
            raise ArmError(409, "Conflict", f"A communication named '{cname}' already exists on support ticket "
                           f"'{t.name}'.", "name")
        if t.status == "closed":
            raise ArmError(400, "BadRequest", f"The support ticket '{t.name}' is closed: it takes no more "
                           "communications. File a new ticket.")
        kind = "partner" if caller.home_kind == "partner" else "customer"
        n = store.add_note(ctx.session(), t, ctx.now(), data.get("sender") or caller.name, kind, data["body"],
                           subject=data["subject"], name=cname)
        return ok(communication_json(t, n))

    def check_communication_name(scope: Scope, name: str):
        t = find_ticket(scope, name)
        data = json_body(schemas.CheckNameAvailabilityInput)
        if data["type"] != COMMUNICATION_TYPE:
            raise ArmError(400, "InvalidParameter", f"This checkNameAvailability is for '{COMMUNICATION_TYPE}'.",
                           "type")
        return ok(name_availability(find_communication(t, data["name"]) is not None))

    def name_availability(taken: bool) -> dict:
        if taken:
            return {"nameAvailable": False, "reason": "Name is already in use", "message": "Name not available"}
        return {"nameAvailable": True}

    # --- subscriptions (Microsoft.Resources) ---------------------------------------------------------------------
    def sees(p, s_id: str) -> bool:
        return is_own_global_admin(p) or bool(rbac_for(p, s_id))

    @bp.get("/subscriptions")
    @bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
    @bp.response(200, schemas.SubscriptionList)
    def list_subscriptions():
        """The Azure subscriptions the token can see: its tenant's, on which the caller holds an RBAC role (all of
        them for the tenant's own Global Administrators)."""
        p = caller_for(RESOURCES_API_VERSIONS)
        rows = ctx.session().scalars(select(Subscription).where(
            Subscription.world_id == ctx.world().id, Subscription.tenant_id == p.tenant.id,
            Subscription.workload == "azure").order_by(Subscription.display_name, Subscription.id)).all()
        items = [subscription_json(s, cloud) for s in rows if sees(p, s.id)]
        return ok({"value": items, "count": {"type": "Total", "value": len(items)}})

    @bp.get("/subscriptions/<subscription_id>")
    @bp.doc(parameters=[RESOURCES_API_VERSION_DOC])
    @bp.response(200, schemas.Subscription)
    def get_subscription(subscription_id):
        """One subscription: 401 with a token for another tenant (R12), 403 without a role on it."""
        p = caller_for(RESOURCES_API_VERSIONS)
        sub = load_subscription(subscription_id)
        rules.check_azure_visibility(Decision("Microsoft.Resources/subscriptions/read"), p.caller(ctx.scope()), sub)
        if not sees(p, sub.id):
            raise ArmError(403, "AuthorizationFailed",
                           f"The client '{p.name}' with object id '{principal_id(p)}' does not have authorization to "
                           f"perform action 'Microsoft.Resources/subscriptions/read' over scope "
                           f"'/subscriptions/{sub.id}' or the scope is invalid.")
        row = ctx.session().get(Subscription, (ctx.world().id, sub.id))
        return ok(subscription_json(row, cloud))

    # --- Microsoft.Support: catalogue ---------------------------------------------------------------------------
    @bp.get(f"{PROVIDER}/operations")
    @bp.doc(parameters=[API_VERSION_DOC])
    @bp.response(200, schemas.OperationList)
    def list_operations():
        """The operations of the Microsoft.Support provider."""
        caller_for(SUPPORT_API_VERSIONS)
        return ok({"value": [{"name": name, "display": {"provider": "Microsoft Support", "resource": resource,
                                                         "operation": description, "description": description}}
                             for name, resource, description in OPERATIONS]})

    @bp.get(f"{PROVIDER}/services")
    @bp.doc(parameters=[API_VERSION_DOC])
    @bp.response(200, schemas.ServiceList)
    def list_services():
        """The Azure services one can file a ticket about (billing, subscription management and quota are the
        non-technical ones, R6)."""
        caller_for(SUPPORT_API_VERSIONS)
        return ok({"value": [service_json(s) for s in AZURE_SERVICES]})

    @bp.get(f"{PROVIDER}/services/<service_name>")
    @bp.doc(parameters=[API_VERSION_DOC])
    @bp.response(200, schemas.Service)
    def get_service(service_name):
        caller_for(SUPPORT_API_VERSIONS)
        return ok(service_json(find_service(service_name)))

    @bp.get(f"{PROVIDER}/services/<service_name>/problemClassifications")
    @bp.doc(parameters=[API_VERSION_DOC])
    @bp.response(200, schemas.ProblemClassificationList)
    def list_classifications(service_name):
        """A service's problem classifications (a ticket's problemClassificationId must be one of them)."""
        caller_for(SUPPORT_API_VERSIONS)
        s = find_service(service_name)
        return ok({"value": [classification_json(s, pid, name) for pid, name in s.classifications]})

    @bp.get(f"{PROVIDER}/services/<service_name>/problemClassifications/<classification_name>")
    @bp.doc(parameters=[API_VERSION_DOC])
    @bp.response(200, schemas.ProblemClassification)
    def get_classification(service_name, classification_name):
        caller_for(SUPPORT_API_VERSIONS)
        s = find_service(service_name)
        for pid, name in s.classifications:
            if pid == classification_name.lower():
                return ok(classification_json(s, pid, name))
        raise ArmError(404, "ResourceNotFound", f"The problem classification '{classification_name}' was not found "
                       f"for service '{s.display_name}'.")

    # --- Microsoft.Support: subscription scope ------------------------------------------------------------------
    sub_tickets = "/subscriptions/<subscription_id>" + PROVIDER + "/supportTickets"

    @bp.post(f"/subscriptions/<subscription_id>{PROVIDER}/checkNameAvailability")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CheckNameAvailabilityInput}}})
    @bp.response(200, schemas.CheckNameAvailabilityOutput)
    def check_name_subscription(subscription_id):
        """Whether a support ticket name is free on the subscription."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, "Microsoft.Support/checkNameAvailability/action", False)
        return check_ticket_name(scope)

    @bp.get(sub_tickets)
    @bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
    @bp.response(200, schemas.SupportTicketList)
    def list_subscription_tickets(subscription_id):
        """The subscription's tickets, newest first ("Manage support requests", R8). ``$top`` (default 25, at most
        100); ``$filter``: ``Status eq 'Open'``, ``ServiceId eq '...'``, ``ProblemClassificationId eq '...'``,
        ``CreatedDate ge 2026-01-01T00:00:00Z`` (or ``gt``), joined by ``and``; ``nextLink`` pages."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, READ_ACTION, False)
        return list_tickets(scope)

    @bp.get(f"{sub_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC)
    @bp.response(200, schemas.SupportTicket)
    def get_subscription_ticket(subscription_id, ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, READ_ACTION, False)
        return ok(ticket_json(find_ticket(scope, ticket_name)))

    @bp.put(f"{sub_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.SupportTicketCreate}}})
    @bp.response(200, schemas.SupportTicket)
    def create_subscription_ticket(subscription_id, ticket_name):
        """File a ticket. Checks, in order: R12 (token tenant), R7 (GDAP support role for a partner user in a
        customer tenant; RBAC Owner, Contributor or Support Request Contributor), the body, R6 (non-technical only
        by the provider), R8 (on behalf of a customer: plan 'Cloud Solution Provider', the partner's contact) or
        R13 (the partner's own subscription: its own entitlement). Answers 200 with the ticket."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, d, caller = subscription_scope(p, subscription_id, WRITE_ACTION, True)
        return create_ticket(p, scope, d, caller, ticket_name, request.args["api-version"])

    @bp.patch(f"{sub_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.SupportTicketUpdate}}})
    @bp.response(200, schemas.SupportTicket)
    def update_subscription_ticket(subscription_id, ticket_name):
        """Change severity or contact details, or close (``status: closed``); a closed ticket is not reopened."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, d, caller = subscription_scope(p, subscription_id, WRITE_ACTION, True)
        return update_ticket(scope, caller, d, ticket_name)

    @bp.get(f"{sub_tickets}/<ticket_name>/communications")
    @bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
    @bp.response(200, schemas.CommunicationList)
    def list_subscription_communications(subscription_id, ticket_name):
        """The ticket's communications, newest first: Microsoft Support's are inbound, the filer's outbound."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, "Microsoft.Support/supportTickets/communications/read",
                                         False)
        return list_communications(scope, ticket_name)

    @bp.get(f"{sub_tickets}/<ticket_name>/communications/<communication_name>")
    @bp.doc(parameters=SUPPORT_DOC)
    @bp.response(200, schemas.Communication)
    def get_subscription_communication(subscription_id, ticket_name, communication_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, "Microsoft.Support/supportTickets/communications/read",
                                         False)
        return get_communication(scope, ticket_name, communication_name)

    @bp.put(f"{sub_tickets}/<ticket_name>/communications/<communication_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CommunicationCreate}}})
    @bp.response(200, schemas.Communication)
    def create_subscription_communication(subscription_id, ticket_name, communication_name):
        """Add a communication (a note); it answers Microsoft Support, so the ticket is open again."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, caller = subscription_scope(p, subscription_id,
                                              "Microsoft.Support/supportTickets/communications/write", True)
        return create_communication(p, scope, caller, ticket_name, communication_name)

    @bp.post(f"{sub_tickets}/<ticket_name>/checkNameAvailability")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CheckNameAvailabilityInput}}})
    @bp.response(200, schemas.CheckNameAvailabilityOutput)
    def check_communication_name_subscription(subscription_id, ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = subscription_scope(p, subscription_id, "Microsoft.Support/checkNameAvailability/action", False)
        return check_communication_name(scope, ticket_name)

    # --- Microsoft.Support: tenant scope (no subscription) -------------------------------------------------------
    tenant_tickets = PROVIDER + "/supportTickets"

    @bp.post(f"{PROVIDER}/checkNameAvailability")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CheckNameAvailabilityInput}}})
    @bp.response(200, schemas.CheckNameAvailabilityOutput)
    def check_name_tenant():
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, "Microsoft.Support/checkNameAvailability/action")
        return check_ticket_name(scope)

    @bp.get(tenant_tickets)
    @bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
    @bp.response(200, schemas.SupportTicketList)
    def list_tenant_tickets():
        """The token's tenant's tenant-level tickets (same ``$top``, ``$filter`` and paging as a subscription's)."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, READ_ACTION)
        return list_tickets(scope)

    @bp.get(f"{tenant_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC)
    @bp.response(200, schemas.SupportTicket)
    def get_tenant_ticket(ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, READ_ACTION)
        return ok(ticket_json(find_ticket(scope, ticket_name)))

    @bp.put(f"{tenant_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.SupportTicketCreate}}})
    @bp.response(200, schemas.SupportTicket)
    def create_tenant_ticket(ticket_name):
        """A tenant-level ticket: non-technical services only (billing, subscription management, quota); R6, R8
        and R13 apply as on a subscription, with the token's tenant in its place."""
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, d, caller = tenant_scope(p, WRITE_ACTION)
        return create_ticket(p, scope, d, caller, ticket_name, request.args["api-version"])

    @bp.patch(f"{tenant_tickets}/<ticket_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.SupportTicketUpdate}}})
    @bp.response(200, schemas.SupportTicket)
    def update_tenant_ticket(ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, d, caller = tenant_scope(p, WRITE_ACTION)
        return update_ticket(scope, caller, d, ticket_name)

    @bp.get(f"{tenant_tickets}/<ticket_name>/communications")
    @bp.doc(parameters=SUPPORT_DOC + LIST_DOC)
    @bp.response(200, schemas.CommunicationList)
    def list_tenant_communications(ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, "Microsoft.Support/supportTickets/communications/read")
        return list_communications(scope, ticket_name)

    @bp.get(f"{tenant_tickets}/<ticket_name>/communications/<communication_name>")
    @bp.doc(parameters=SUPPORT_DOC)
    @bp.response(200, schemas.Communication)
    def get_tenant_communication(ticket_name, communication_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, "Microsoft.Support/supportTickets/communications/read")
        return get_communication(scope, ticket_name, communication_name)

    @bp.put(f"{tenant_tickets}/<ticket_name>/communications/<communication_name>")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CommunicationCreate}}})
    @bp.response(200, schemas.Communication)
    def create_tenant_communication(ticket_name, communication_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, caller = tenant_scope(p, "Microsoft.Support/supportTickets/communications/write")
        return create_communication(p, scope, caller, ticket_name, communication_name)

    @bp.post(f"{tenant_tickets}/<ticket_name>/checkNameAvailability")
    @bp.doc(parameters=SUPPORT_DOC, requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CheckNameAvailabilityInput}}})
    @bp.response(200, schemas.CheckNameAvailabilityOutput)
    def check_communication_name_tenant(ticket_name):
        p = caller_for(SUPPORT_API_VERSIONS)
        scope, _, _ = tenant_scope(p, "Microsoft.Support/checkNameAvailability/action")
        return check_communication_name(scope, ticket_name)

    return bp


def register(app) -> list:
    api = make_api(app, "azure", "Azure Resource Manager (pcsim)",
                   "Azure Resource Manager as pcsim imitates it: subscriptions and Microsoft.Support 2024-04-01 "
                   "(support tickets, communications, services, problem classifications) at /azure (public cloud, "
                   "token audience https://management.azure.com/) and /usgov/azure (audience "
                   "https://management.usgovcloudapi.net/). Every request takes ?api-version=. Errors in ARM's "
                   "body; a rule's denial names it in error.additionalInfo[{type: PcsimRule, info: {rule, ...}}]. "
                   "Ticket PUT answers 200 with the ticket (the SDK's poller completes at once). "
                   "x-ms-authorization-auxiliary (Bearer <partner-tenant ARM token>) is checked when sent.",
                   version="2024-04-01", error_schema=schemas.ArmErrorResponse)
    return mount_per_cloud(app, api, make_blueprint, "/azure", render)
