"""Azure support (Microsoft.Support) use cases: support tickets and their communications, on a subscription or at
a tenant's level (``subscription_id`` None).

Each use case checks who may act where first (:func:`~simulator.services.azure.support_scope`), then reads the
request's input through the callable the surface passes (``read_body``, ``read_query``: parsed and validated,
raising the surface's own error), so that a caller without access learns nothing about its input's faults, as on
ARM. The order of the checks is the rule book's: R12, R7, then the input, R6, R8 or R13.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain import support as rules
from ..domain import tickets as ticket_rules
from ..domain.catalog import PROVIDER_TYPES
from ..domain.clock import iso
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.support_catalog import SERVICES_BY_ID, AzureService
from ..store import azure as azure_store
from ..store import queries
from ..store import tickets as store
from ..store.models import ChatTranscript, FileWorkspace, Ticket, TicketNote, WorkspaceFile
from .azure import PROVIDER, SupportScope, naming, refuse, support_scope
from .scope import Principal, Scope

TICKET_TYPE = "Microsoft.Support/supportTickets"
COMMUNICATION_TYPE = "Microsoft.Support/communications"
READ_ACTION = "Microsoft.Support/supportTickets/read"
WRITE_ACTION = "Microsoft.Support/supportTickets/write"
READ_COMMUNICATIONS = "Microsoft.Support/supportTickets/communications/read"
WRITE_COMMUNICATIONS = "Microsoft.Support/supportTickets/communications/write"
CHECK_NAME = "Microsoft.Support/checkNameAvailability/action"
SERVICE_ID = re.compile(r"^(?:/providers/microsoft\.support/services/)?([^/]+)$", re.I)
CLASSIFICATION_ID = re.compile(
    r"^(?:/providers/microsoft\.support/services/([^/]+)/problemclassifications/)?([^/]+)$", re.I
)
FORBIDDEN_NAME_CHARS = re.compile(r"[<>%&:\\?/#*\x00-\x1f]")
DETAILS = (
    "advancedDiagnosticConsent",
    "require24X7Response",
    "problemScopingQuestions",
    "fileWorkspaceName",
    "enrollmentId",
    "technicalTicketDetails",
    "quotaTicketDetails",
    "secondaryConsent",
)
_COMPARE = {"ge": datetime.__ge__, "gt": datetime.__gt__, "le": datetime.__le__, "lt": datetime.__lt__}

Body = Callable[[], dict]


@dataclass(frozen=True)
class ListQuery:
    """A list's ``$filter`` clauses, (field in lower case, operator, value: a datetime for a date field, else the
    text), and its page (``start``, ``top``)."""

    filters: list[tuple[str, str, Any]]  # Any: a datetime or a text, by the field
    start: int
    top: int


@dataclass(frozen=True)
class Page:
    items: list
    start: int
    top: int
    more: bool


def guid_of(resource_id: str | None) -> str:
    """The last segment of a resource id, lower case (a service's or problem classification's own id)."""
    return (resource_id or "").rstrip("/").rpartition("/")[2].lower()


def check_name(name: str, kind: str) -> None:
    if not name or len(name) > 200 or FORBIDDEN_NAME_CHARS.search(name) or name.endswith((".", " ")):
        raise refuse(
            Invalid(
                f"The {kind} name '{name}' is invalid: 1 to 200 characters, none of <>%&:\\?/#*, not "
                "ending with a period or a space."
            ),
            "resource_name",
            "name",
        )


def resolve_classification(service_id: str, classification_id: str) -> tuple[AzureService, str, str]:
    """(service, canonical problem classification id, its display name); refused naming the property."""
    m = SERVICE_ID.match(service_id.strip())
    service = SERVICES_BY_ID.get(m.group(1).lower()) if m else None
    if service is None:
        raise refuse(
            Invalid(
                f"The serviceId '{service_id}' is not a known Azure support service: use an id from "
                f"GET {PROVIDER}/services."
            ),
            "parameter",
            "properties.serviceId",
        )
    m = CLASSIFICATION_ID.match(classification_id.strip())
    names = dict(service.classifications)
    pc = m.group(2).lower() if m else None
    if not m or (m.group(1) and m.group(1).lower() != service.id) or pc not in names:
        raise refuse(
            Invalid(
                f"The problemClassificationId '{classification_id}' does not belong to "
                f"service '{service.display_name}' "
                f"({service.id}): use an id from GET {PROVIDER}/services/{service.id}/problemClassifications."
            ),
            "parameter",
            "properties.problemClassificationId",
        )
    return service, f"{PROVIDER}/services/{service.id}/problemClassifications/{pc}", names[pc]


# --- tickets -------------------------------------------------------------------------------------------------
def _find_ticket(scope: Scope, where: SupportScope, name: str) -> Ticket:
    store.advance(scope.db, scope.world_id, scope.now)
    t = azure_store.find_ticket(scope.db, scope.world_id, name, where.subscription_id, where.tenant.id)
    if t is None:
        raise NotFound(f"The support ticket '{name}' was not found for {where.path}.")
    return t


def _name_taken(scope: Scope, where: SupportScope, name: str) -> bool:
    return store.azure_name_taken(scope.db, scope.world_id, name, where.subscription_id, where.tenant.id)


def get_ticket(scope: Scope, principal: Principal, subscription_id: str | None, name: str) -> Ticket:
    where = support_scope(scope, principal, subscription_id, READ_ACTION, False)
    return _find_ticket(scope, where, name)


def check_ticket_name(scope: Scope, principal: Principal, subscription_id: str | None, read_body: Body) -> bool:
    """Whether a support ticket name is free in the scope."""
    where = support_scope(scope, principal, subscription_id, CHECK_NAME, False)
    data = read_body()
    if data["type"] != TICKET_TYPE:
        raise refuse(
            Invalid(
                f"This checkNameAvailability is for '{TICKET_TYPE}'; check a communication name on its "
                "ticket: .../supportTickets/{name}/checkNameAvailability."
            ),
            "parameter",
            "type",
        )
    return not _name_taken(scope, where, data["name"])


def list_tickets(
    scope: Scope, principal: Principal, subscription_id: str | None, read_query: Callable[[], ListQuery]
) -> Page:
    """The scope's tickets, newest first, filtered and paged in the database."""
    where = support_scope(scope, principal, subscription_id, READ_ACTION, False)
    store.advance(scope.db, scope.world_id, scope.now)
    q = read_query()
    filters = [
        (f, op, v.lower() if f == "status" else guid_of(v) if f in ("serviceid", "problemclassificationid") else v)
        for f, op, v in q.filters
    ]
    rows, more = azure_store.ticket_page(
        scope.db, scope.world_id, where.subscription_id, where.tenant.id, filters, q.start, q.top
    )
    return Page(rows, q.start, q.top, more)


def create_ticket(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, read_body: Body
) -> Ticket:
    """File a ticket. Checks, in order: R12 and R7 (:func:`support_scope`), the name and the body, R6
    (non-technical only by the provider), then R8 (on behalf of a customer: plan 'Cloud Solution Provider', the
    partner's contact) or R13 (the partner's own subscription or tenant: its own entitlement)."""
    where = support_scope(scope, principal, subscription_id, WRITE_ACTION, True)
    check_name(name, "support ticket")
    data = read_body()["properties"]
    service, pc_id, pc_name = resolve_classification(data["serviceId"], data["problemClassificationId"])
    if where.sub is None and service.technical:
        raise refuse(
            Invalid(
                f"'{service.display_name}' is a technical service: tenant-level (no subscription) tickets are for "
                "billing, subscription management and quota issues. File it on a subscription: "
                f"PUT /subscriptions/{{id}}{PROVIDER}/supportTickets/{name}."
            ),
            None,
            "properties.serviceId",
        )
    where.decision.note("R2", "Azure is a CSP support workload")
    plan = _check_filing(scope, where, service, data)
    if _name_taken(scope, where, name):
        raise refuse(
            Conflict(
                f"A support ticket named '{name}' already exists for {where.path}: ticket names are "
                "unique (check one with checkNameAvailability)."
            ),
            None,
            "name",
        )
    details = {k: data[k] for k in DETAILS if k in data}
    details.setdefault("advancedDiagnosticConsent", "No")  # api-version 2020-04-01 has none; 2024-04-01 needs it
    if "problemStartTime" in data:
        details["problemStartTime"] = iso(data["problemStartTime"])
    details["serviceDisplayName"] = service.display_name
    contact, caller, tenant = data["contactDetails"], where.caller, where.tenant
    return store.create_ticket(
        scope.db,
        scope.world_id,
        scope.now,
        name=name,
        origin="azure",
        tenant_id=tenant.id,
        customer_id=tenant.id if tenant.kind == "customer" else None,
        partner_id=caller.home_tenant_id if caller.home_kind == "partner" else None,
        subscription_id=where.subscription_id,
        workload="azure",
        title=data["title"],
        description=data["description"],
        severity=data["severity"],
        topic_id=pc_id,
        topic_name=pc_name,
        service_id=f"{PROVIDER}/services/{service.id}",
        support_plan=plan,
        support_plan_id=data.get("supportPlanId") or plan,
        contact=contact,
        product_id=None,
        created_by=caller.name,
        country=contact["country"].upper()[:3],
        locale=contact["preferredSupportLanguage"][:10],
        details=details,
    )


def _check_filing(scope: Scope, where: SupportScope, service: AzureService, data: dict) -> str:
    """R6, then R8 on behalf of a customer or R13 in the partner's own subscription or tenant: the ticket's
    support plan."""
    caller, tenant, d = where.caller, where.tenant, where.decision
    types = (
        queries.relationship_types(scope.db, scope.world_id, caller.home_tenant_id, tenant.id)
        if caller.is_guest
        else set()
    )
    facts = _scope_facts(scope, where, types)
    rules.check_non_technical(d, caller, facts, service.id, types)
    given = data.get("supportPlanId")
    if caller.is_guest and tenant.kind == "customer":
        with naming("support_plan", "properties.supportPlanId"):
            plan = rules.check_csp_plan(d, given)
        contact = data["contactDetails"]
        with naming("contact", "properties.contactDetails"):
            rules.check_contact_is_partners(
                d,
                "R8",
                [contact["primaryEmailAddress"], *contact.get("additionalEmailAddresses", [])],
                queries.tenant_domains(scope.db, scope.world_id, tenant.id),
            )
        return plan
    if tenant.kind == "partner":
        held = rules.own_entitlements(tenant.mpn_id, queries.support_plans(scope.db, scope.world_id, tenant.id))
        recorded = facts.support_plan
        default = f"{recorded['type']}:{recorded['id']}" if recorded else f"partnerAgreement:{tenant.mpn_id}"
        return rules.check_own_entitlement(d, f"subscription {facts.name}", given, held, default)
    d.note("R8", "filed by the customer's own user, not on its behalf")
    return given or (rules.CSP_SUPPORT_PLAN if facts.channel == "csp" else "Basic")


def _scope_facts(
    scope: Scope, where: SupportScope, relationship_types: AbstractSet[str]
) -> rules.AzureSubscriptionFacts:
    """The subscription's facts, or for a tenant-level ticket the tenant's: its provider is the caller when the
    caller's partner is a (direct or indirect) provider of the customer."""
    if where.sub is not None:
        return where.sub
    t = where.tenant
    plan = azure_store.first_support_plan(scope.db, scope.world_id, t.id) if t.kind == "partner" else None
    provider = where.caller.home_tenant_id if relationship_types & set(PROVIDER_TYPES) else None
    return rules.AzureSubscriptionFacts(
        t.id, f"tenant {t.name}", t.id, t.kind, "csp" if t.kind == "customer" else "direct", provider, None, plan
    )


def update_ticket(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, read_body: Body
) -> Ticket:
    """Change severity or contact details, or close (``status: closed``); a closed ticket is not reopened, and takes
    no other change."""
    where = support_scope(scope, principal, subscription_id, WRITE_ACTION, True)
    t = _find_ticket(scope, where, name)
    data = read_body()
    if not data:
        raise Invalid(
            "Nothing to update: set severity, status, contactDetails, advancedDiagnosticConsent or secondaryConsent."
        )
    if t.status == "closed" and set(data) - {"status"}:
        raise Invalid(f"The support ticket '{t.name}' is closed: it cannot be updated. File a new ticket.")
    changes: dict = {}
    if "contactDetails" in data:
        changes["contact"] = _updated_contact(scope, where, t, data["contactDetails"])
    if "severity" in data:
        changes["severity"] = data["severity"]
    extra = {k: data[k] for k in ("advancedDiagnosticConsent", "secondaryConsent") if k in data}
    if extra:
        changes["details"] = {**(t.details or {}), **extra}
    if "status" in data:
        wanted = ticket_rules.check_status_change(t.status, data["status"])
        if wanted == "closed" and t.status != "closed":
            store.set_status(t, "closed", scope.now)
    azure_store.save_ticket(scope.db, t, scope.now, **changes)
    if "severity" in changes:
        store.reschedule(t)  # the next step of its life follows the new severity
    return t


def _updated_contact(scope: Scope, where: SupportScope, t: Ticket, given: dict) -> dict:
    """The ticket's contact with the given fields; on behalf of a customer still the partner's (R8)."""
    contact = {**(t.contact or {}), **given}
    if where.caller.is_guest and where.tenant.kind == "customer":
        emails = [contact.get("primaryEmailAddress"), *contact.get("additionalEmailAddresses", [])]
        with naming("contact", "contactDetails"):
            rules.check_contact_is_partners(
                where.decision,
                "R8",
                [e for e in emails if e],
                queries.tenant_domains(scope.db, scope.world_id, where.tenant.id),
            )
    return contact


# --- communications ------------------------------------------------------------------------------------------
def _find_communication(scope: Scope, t: Ticket, name: str) -> TicketNote | None:
    return next((n for n in store.notes(scope.db, t) if n.name.lower() == name.lower()), None)


def list_communications(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, read_query: Callable[[], ListQuery]
) -> tuple[Ticket, Page]:
    """The ticket's communications, newest first (``communicationtype``: only ``web`` exists)."""
    where = support_scope(scope, principal, subscription_id, READ_COMMUNICATIONS, False)
    t = _find_ticket(scope, where, name)
    q = read_query()
    notes = sorted(store.notes(scope.db, t), key=lambda n: (n.created_at, n.seq), reverse=True)
    for field, op, value in q.filters:
        if field == "communicationtype":
            notes = notes if value.lower() == "web" else []
        else:
            notes = [n for n in notes if _COMPARE[op](n.created_at, value)]
    return t, Page(notes[q.start : q.start + q.top], q.start, q.top, q.start + q.top < len(notes))


def get_communication(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, communication_name: str
) -> tuple[Ticket, TicketNote]:
    where = support_scope(scope, principal, subscription_id, READ_COMMUNICATIONS, False)
    t = _find_ticket(scope, where, name)
    n = _find_communication(scope, t, communication_name)
    if n is None:
        raise NotFound(f"The communication '{communication_name}' was not found on support ticket '{t.name}'.")
    return t, n


def create_communication(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, communication_name: str, read_body: Body
) -> tuple[Ticket, TicketNote]:
    """Add a communication (a note); it answers Microsoft Support, so the ticket is open again."""
    where = support_scope(scope, principal, subscription_id, WRITE_COMMUNICATIONS, True)
    check_name(communication_name, "communication")
    t = _find_ticket(scope, where, name)
    data = read_body()["properties"]
    if principal.kind == "app" and not data.get("sender"):
        raise refuse(
            Invalid("The property 'properties.sender' is required when the caller is a service principal."),
            "parameter",
            "properties.sender",
        )
    if _find_communication(scope, t, communication_name) is not None:
        raise refuse(
            Conflict(f"A communication named '{communication_name}' already exists on support ticket '{t.name}'."),
            None,
            "name",
        )
    if t.status == "closed":
        raise Invalid(f"The support ticket '{t.name}' is closed: it takes no more communications. File a new ticket.")
    kind = "partner" if where.caller.home_kind == "partner" else "customer"
    n = store.add_note(
        scope.db,
        t,
        scope.now,
        data.get("sender") or where.caller.name,
        kind,
        data["body"],
        subject=data["subject"],
        name=communication_name,
    )
    return t, n


def check_communication_name(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, read_body: Body
) -> bool:
    """Whether a communication name is free on the ticket."""
    where = support_scope(scope, principal, subscription_id, CHECK_NAME, False)
    t = _find_ticket(scope, where, name)
    data = read_body()
    if data["type"] != COMMUNICATION_TYPE:
        raise refuse(Invalid(f"This checkNameAvailability is for '{COMMUNICATION_TYPE}'."), "parameter", "type")
    return _find_communication(scope, t, data["name"]) is None


# --- long-running creates on demand (the world's azureLongRunningCreates) -------------------------------------
# An operation answers InProgress to its first poll (operationsStatus or operationResults) and Succeeded from the
# second on: deterministic whatever the world's clock does (a frozen clock included).
IN_PROGRESS_POLLS = 1


@dataclass(frozen=True)
class Operation:
    """A long-running create as ARM reports it: its ``status`` and the resource it made (a ticket, or a ticket's
    communication)."""

    id: str
    status: str  # InProgress | Succeeded
    started_at: datetime
    ended_at: datetime | None
    ticket: Ticket
    note: TicketNote | None


def create_ticket_on_demand(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, read_body: Body
) -> tuple[Ticket, str | None]:
    """File a ticket (:func:`create_ticket`); when the world asks for long-running creates, also start the
    operation that reports it (its id, else None)."""
    t = create_ticket(scope, principal, subscription_id, name, read_body)
    if not azure_store.long_running_creates(scope.db, scope.world_id):
        return t, None
    op = azure_store.start_operation(scope.db, scope.world_id, scope.now, t.tenant_id, t.subscription_id, t.id)
    return t, op.id


def create_communication_on_demand(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, communication_name: str, read_body: Body
) -> tuple[Ticket, TicketNote, str | None]:
    """Add a communication (:func:`create_communication`), long-running when the world asks for it."""
    t, n = create_communication(scope, principal, subscription_id, name, communication_name, read_body)
    if not azure_store.long_running_creates(scope.db, scope.world_id):
        return t, n, None
    op = azure_store.start_operation(
        scope.db, scope.world_id, scope.now, t.tenant_id, t.subscription_id, t.id, note_seq=n.seq
    )
    return t, n, op.id


def poll_operation(scope: Scope, principal: Principal, subscription_id: str | None, operation_id: str) -> Operation:
    """One poll of a long-running create, by whoever may read the scope's tickets (R12, R7)."""
    where = support_scope(scope, principal, subscription_id, "Microsoft.Support/operationsstatus/read", False)
    op = azure_store.find_operation(scope.db, scope.world_id, operation_id, where.subscription_id, where.tenant.id)
    t = azure_store.ticket_by_id(scope.db, scope.world_id, op.ticket_id) if op else None
    if op is None or t is None:
        raise NotFound(f"The operation '{operation_id}' was not found for {where.path}.")
    op.polls += 1
    if op.polls > IN_PROGRESS_POLLS and op.ended_at is None:
        op.ended_at = scope.now
    note = azure_store.note_by_seq(scope.db, scope.world_id, t.id, op.note_seq) if op.note_seq is not None else None
    status = "Succeeded" if op.ended_at is not None else "InProgress"
    return Operation(op.id, status, op.started_at, op.ended_at, t, note)


# --- file workspaces and files --------------------------------------------------------------------------------
WORKSPACE_LIFETIME = timedelta(days=1)  # the spec's example: expirationTime = createdOn + 1 day
MAX_CHUNK_SIZE = 2_621_440  # 2.5 MB (azure-mgmt-support's FileDetails.chunk_size)
MAX_FILE_SIZE = 5_242_880  # 5 MB (FileDetails.file_size)
MAX_CHUNKS = 2  # (FileDetails.number_of_chunks)
WORKSPACE_NAME = re.compile(r"^[0-9a-zA-Z_\-. ]+$")  # the spec's fileWorkspaceName pattern
READ_WORKSPACES = "Microsoft.Support/fileWorkspaces/read"
WRITE_WORKSPACES = "Microsoft.Support/fileWorkspaces/write"


def _workspace_scope(where: SupportScope) -> tuple[str, str]:
    """(tenant id, scope key) of a scope's file workspaces: a subscription's, or the tenant's ("")."""
    return where.tenant.id, where.subscription_id or ""


def _find_workspace(scope: Scope, where: SupportScope, name: str) -> FileWorkspace:
    tenant_id, key = _workspace_scope(where)
    ws = azure_store.file_workspace(scope.db, scope.world_id, tenant_id, key, name)
    if ws is None:
        raise NotFound(f"The file workspace '{name}' was not found for {where.path}.")
    if ws.expires_at <= scope.now:
        raise NotFound(f"The file workspace '{name}' expired at {iso(ws.expires_at)}: create a new one.")
    return ws


def get_file_workspace(scope: Scope, principal: Principal, subscription_id: str | None, name: str) -> FileWorkspace:
    where = support_scope(scope, principal, subscription_id, READ_WORKSPACES, False)
    return _find_workspace(scope, where, name)


def create_file_workspace(scope: Scope, principal: Principal, subscription_id: str | None, name: str) -> FileWorkspace:
    """A new file workspace in the caller's scope (a subscription's, or its tenant's), for a day."""
    where = support_scope(scope, principal, subscription_id, WRITE_WORKSPACES, True)
    if not WORKSPACE_NAME.match(name) or len(name) > 200:
        raise refuse(
            Invalid(f"The file workspace name '{name}' is invalid: letters, digits, '_', '-', '.' and spaces."),
            "resource_name",
            "fileWorkspaceName",
        )
    tenant_id, key = _workspace_scope(where)
    old = azure_store.file_workspace(scope.db, scope.world_id, tenant_id, key, name)
    if old is not None and old.expires_at > scope.now:
        raise refuse(Conflict(f"A file workspace named '{name}' already exists for {where.path}."), None, "name")
    if old is not None:  # expired: the name is free again
        scope.db.delete(old)
        scope.db.flush()
    return azure_store.add_file_workspace(
        scope.db,
        scope.world_id,
        tenant_id=tenant_id,
        scope=key,
        name=name.lower(),
        display_name=name,
        created_by=where.caller.name,
        created_at=scope.now,
        expires_at=scope.now + WORKSPACE_LIFETIME,
    )


def list_files(
    scope: Scope, principal: Principal, subscription_id: str | None, workspace: str
) -> tuple[FileWorkspace, list[WorkspaceFile]]:
    where = support_scope(scope, principal, subscription_id, READ_WORKSPACES, False)
    ws = _find_workspace(scope, where, workspace)
    return ws, azure_store.workspace_files(scope.db, scope.world_id, ws)


def get_file(
    scope: Scope, principal: Principal, subscription_id: str | None, workspace: str, name: str
) -> tuple[FileWorkspace, WorkspaceFile]:
    where = support_scope(scope, principal, subscription_id, READ_WORKSPACES, False)
    ws = _find_workspace(scope, where, workspace)
    f = azure_store.workspace_file(scope.db, scope.world_id, ws, name)
    if f is None:
        raise NotFound(f"The file '{name}' was not found in file workspace '{ws.display_name}'.")
    return ws, f


def create_file(
    scope: Scope, principal: Principal, subscription_id: str | None, workspace: str, name: str, read_body: Body
) -> tuple[FileWorkspace, WorkspaceFile]:
    """Announce a file (its size and chunks) before its chunks are uploaded."""
    where = support_scope(scope, principal, subscription_id, WRITE_WORKSPACES, True)
    ws = _find_workspace(scope, where, workspace)
    check_name(name, "file")
    props = read_body().get("properties") or {}
    size, chunk, chunks = props["fileSize"], props["chunkSize"], props["numberOfChunks"]
    problems = [
        (f"fileSize must be 1 to {MAX_FILE_SIZE} bytes (5 MB)", "fileSize", not 1 <= size <= MAX_FILE_SIZE),
        (f"chunkSize must be 1 to {MAX_CHUNK_SIZE} bytes (2.5 MB)", "chunkSize", not 1 <= chunk <= MAX_CHUNK_SIZE),
        (f"numberOfChunks must be 1 to {MAX_CHUNKS}", "numberOfChunks", not 1 <= chunks <= MAX_CHUNKS),
        ("numberOfChunks x chunkSize must hold fileSize", "numberOfChunks", chunks * chunk < size),
    ]
    for text, field, wrong in problems:
        if wrong:
            raise refuse(Invalid(f"The file '{name}' is invalid: {text}."), "parameter", f"properties.{field}")
    if azure_store.workspace_file(scope.db, scope.world_id, ws, name) is not None:
        raise refuse(
            Conflict(f"A file named '{name}' already exists in file workspace '{ws.display_name}'."), None, "name"
        )
    f = azure_store.add_workspace_file(
        scope.db,
        scope.world_id,
        ws,
        name=name.lower(),
        display_name=name,
        chunk_size=chunk,
        file_size=size,
        number_of_chunks=chunks,
        chunks={},
        created_at=scope.now,
    )
    return ws, f


def upload_file(
    scope: Scope, principal: Principal, subscription_id: str | None, workspace: str, name: str, read_body: Body
) -> None:
    """Upload one chunk (base64) of a file announced with :func:`create_file`."""
    where = support_scope(scope, principal, subscription_id, WRITE_WORKSPACES, True)
    ws = _find_workspace(scope, where, workspace)
    f = azure_store.workspace_file(scope.db, scope.world_id, ws, name)
    if f is None:
        raise NotFound(f"The file '{name}' was not found in file workspace '{ws.display_name}': create it first.")
    data = read_body()
    index = data.get("chunkIndex", 0)
    if not 0 <= index < f.number_of_chunks:
        raise refuse(
            Invalid(f"chunkIndex must be 0 to {f.number_of_chunks - 1} (the file has {f.number_of_chunks} chunks)."),
            "parameter",
            "chunkIndex",
        )
    try:
        size = len(base64.b64decode(data["content"], validate=True))
    except (binascii.Error, ValueError):
        raise refuse(Invalid("content must be the chunk's bytes in base64."), "parameter", "content") from None
    if size > f.chunk_size:
        raise refuse(
            Invalid(f"The chunk has {size} bytes: more than the file's chunkSize ({f.chunk_size})."),
            "parameter",
            "content",
        )
    azure_store.save_chunk(scope.db, f, index, data["content"])


# --- chat transcripts: who may see the ticket may see its chats -------------------------------------------------
def list_chat_transcripts(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str
) -> tuple[Ticket, list[ChatTranscript]]:
    where = support_scope(scope, principal, subscription_id, READ_ACTION, False)
    t = _find_ticket(scope, where, name)
    return t, azure_store.chat_transcripts(scope.db, scope.world_id, t.id)


def get_chat_transcript(
    scope: Scope, principal: Principal, subscription_id: str | None, name: str, transcript_name: str
) -> tuple[Ticket, ChatTranscript]:
    t, chats = list_chat_transcripts(scope, principal, subscription_id, name)
    chat = next((c for c in chats if c.name.lower() == transcript_name.lower()), None)
    if chat is None:
        raise NotFound(f"The chat transcript '{transcript_name}' was not found on support ticket '{t.name}'.")
    return t, chat
