"""GDAP relationship lifecycle: who may move a relationship from one status to the next, and when."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from .catalog import ENTRA_ROLE_NAMES, GLOBAL_ADMINISTRATOR
from .clock import parse_duration
from .errors import Conflict, Denied, Invalid, PreconditionFailed

MIN_DURATION, MAX_DURATION = timedelta(days=1), timedelta(days=730)
WRITE_ROLE, READ_ROLE = "DelegatedAdminRelationship.ReadWrite.All", "DelegatedAdminRelationship.Read.All"

# GDAP's changes are asynchronous on Graph: a request is ``created``, then ``pending``, then ``succeeded``; an
# access assignment is ``pending`` before ``active`` and ``deleting`` before ``deleted``; an access assignment's
# update is a long-running operation (``notStarted``, ``running``, ``succeeded``). pcsim settles each one by the
# world's clock, SETTLE_TIME after it was asked for (the Retry-After Graph's docs show on the operation); a frozen
# clock holds every change where it is until the clock is advanced.
SETTLE_TIME = timedelta(seconds=10)
RETRY_AFTER_SECONDS = int(SETTLE_TIME.total_seconds())

# The relationship's status while its request is ``created`` and then ``pending`` (pcsim's reading of the
# status enum: approved -> activating -> active; terminationRequested -> terminating -> terminated).
STATUS_WHILE_REQUESTED = {
    "lockForApproval": ("created", "created"),
    "approve": ("approved", "activating"),
    "terminate": ("terminationRequested", "terminating"),
}


def check_duration(text: str) -> timedelta:
    """A relationship's duration: ISO 8601, from P1D to P730D (two years)."""
    try:
        value = parse_duration(text)
    except Exception:
        raise Invalid(f"duration {text!r} is not an ISO 8601 duration such as 'P730D'") from None
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise Invalid(f"duration {text!r} must be between P1D and P730D")
    return value


def check_auto_extend(auto_extend: str, role_ids: set[str]) -> None:
    if auto_extend not in ("PT0S", "P0D") and GLOBAL_ADMINISTRATOR in role_ids:
        raise Invalid(
            "a relationship that grants Global Administrator cannot auto-extend (autoExtendDuration must be PT0S)"
        )


def next_status(
    action: str, status: str, *, actor_is_partner: bool, actor_is_customer_global_admin: bool, has_customer: bool
) -> str:
    """The status after a relationship request ``action`` (lockForApproval, approve, terminate)."""
    if action == "lockForApproval":
        if not actor_is_partner:
            raise Denied("only the partner locks its relationship for approval")
        if status != "created":
            raise Conflict(f"a relationship can be locked for approval only while 'created'; it is '{status}'")
        if not has_customer:
            raise Invalid("set the relationship's customer before locking it for approval")
        return "approvalPending"
    if action == "approve":
        if not actor_is_customer_global_admin:
            raise Denied(
                "only a Global Administrator of the relationship's customer approves it (pcsim stands in "
                "for the Microsoft 365 admin center's approval page)"
            )
        if status != "approvalPending":
            raise Conflict(f"a relationship can be approved only while 'approvalPending'; it is '{status}'")
        return "active"
    if action == "terminate":
        if not (actor_is_partner or actor_is_customer_global_admin):
            raise Denied("only the partner or the customer's Global Administrator terminates a relationship")
        if status not in ("active", "expiring"):
            raise Conflict(f"only an active relationship can be terminated; it is '{status}'")
        return "terminated"
    raise Invalid(f"unknown action {action!r}")


# The admin portals Graph lists for a delegated admin customer (its serviceManagementDetails): the names and URLs
# Graph's docs show (api-reference/v1.0/api/delegatedadmincustomer-list-servicemanagementdetails.md, for
# contoso.onmicrosoft.com), and the Microsoft 365 admin center's partner entry (R4's hand-off URL).
SERVICE_MANAGEMENT = (
    ("Azure Active Directory", "https://aad.portal.azure.com/{domain}"),
    ("Microsoft 365 Lighthouse", "https://lighthouse.microsoft.com"),
    ("Teams", "https://admin.teams.microsoft.com/?delegatedOrg={domain}"),
    (
        "Microsoft 365 admin center",
        "https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={tenant_id}&CSDEST=o365admincenter",
    ),
)


def settled_at(asked_at: datetime) -> datetime:
    """When a change asked for at ``asked_at`` has taken effect."""
    return asked_at + SETTLE_TIME


def request_status(created_at: datetime, now: datetime) -> str:
    """A relationship request's status: ``created`` when asked, ``pending`` until it settles, then ``succeeded``."""
    if now >= settled_at(created_at):
        return "succeeded"
    return "created" if now <= created_at else "pending"


def operation_status(created_at: datetime, now: datetime) -> str:
    """A long-running operation's status: ``notStarted``, ``running``, then ``succeeded``."""
    return {"created": "notStarted", "pending": "running", "succeeded": "succeeded"}[request_status(created_at, now)]


# Where each request takes the relationship (the status its row holds from the moment the request is made).
STATUS_REQUESTED = {"lockForApproval": "approvalPending", "approve": "active", "terminate": "terminated"}


def status_while_requested(action: str, created_at: datetime, now: datetime, stored: str | None = None) -> str | None:
    """The relationship's status while its request ``action`` has not yet succeeded (None once it has, or when
    the stored status is not where the request goes: a world edit of the control plane has the last word)."""
    status = request_status(created_at, now)
    if status == "succeeded" or (stored is not None and stored != STATUS_REQUESTED[action]):
        return None
    return STATUS_WHILE_REQUESTED[action][0 if status == "created" else 1]


def assignment_status(
    stored: str, created_at: datetime | None, last_modified_at: datetime | None, now: datetime
) -> str:
    """An access assignment's status at ``now``: ``pending`` until a new one settles, ``deleting`` until a
    deletion does (the stored status is where it is going)."""
    if stored == "active" and created_at is not None and now < settled_at(created_at):
        return "pending"
    if stored == "deleted" and last_modified_at is not None and now < settled_at(last_modified_at):
        return "deleting"
    return stored


def check_no_request_in_progress(last: tuple[str, datetime] | None, now: datetime) -> None:
    """One change at a time: a relationship whose last request ``(action, made at)`` has not succeeded takes no
    other request or change."""
    if last is not None and request_status(last[1], now) != "succeeded":
        action = last[0]
        raise Conflict(
            f"The relationship's '{action}' request is still in progress; retry after it has succeeded "
            f"(Retry-After: {RETRY_AFTER_SECONDS} seconds of the world's clock)."
        )


def activation(now: datetime, duration: str) -> tuple[datetime, datetime]:
    """(activatedDateTime, endDateTime) for a relationship approved at ``now``."""
    return now, now + parse_duration(duration)


def check_assignment_roles(roles: list[str], relationship_roles: list[str], relationship_name: str) -> None:
    """An access assignment holds only roles its relationship grants."""
    missing = [ENTRA_ROLE_NAMES.get(r, r) for r in roles if r not in relationship_roles]
    if missing:
        raise Invalid(
            f"roles {', '.join(missing)} are not granted by the relationship '{relationship_name}'; an "
            "access assignment can only hold a subset of the relationship's roles"
        )


def check_manager(
    name: str, *, own_partner_tenant: bool, app_roles: frozenset[str] | None, partner_roles: frozenset[str], write: bool
) -> None:
    """Who manages GDAP: a caller of the partner's own tenant; writes need the AdminAgent role (users, R3) or the
    ReadWrite.All application permission (apps: ``app_roles`` is None for a user)."""
    if not own_partner_tenant:
        raise Denied("GDAP relationships are managed with a token for the partner's own tenant")
    if app_roles is not None:
        if not (app_roles & ({WRITE_ROLE} if write else {WRITE_ROLE, READ_ROLE})):
            raise Denied(f"the app lacks the {WRITE_ROLE if write else READ_ROLE} application permission")
    elif write and "AdminAgent" not in partner_roles:
        raise Denied(f"{name} lacks the Partner Center AdminAgent role needed to manage GDAP relationships", rule="R3")


def check_customer(ref: str, kind: str | None, cloud: str | None, partner_cloud: str) -> None:
    """A relationship's customer is a customer tenant of the partner's cloud (R14); ``kind`` None: no tenant."""
    if kind != "customer":
        raise Invalid(f"customer tenant {ref} was not found")
    if cloud != partner_cloud:
        raise Invalid(f"customer tenant {ref} is in another cloud (R14)", rule="R14")


def check_editable(status: str, changed: set[str]) -> None:
    """A relationship changes while ``created``; afterwards only its auto-extension does."""
    if changed - {"autoExtendDuration"} and status != "created":
        raise Conflict(f"Only autoExtendDuration can change once a relationship is past 'created'; it is '{status}'.")


def check_deletable(status: str) -> None:
    if status != "created":
        raise Conflict(f"Only a 'created' relationship can be deleted; it is '{status}'. Terminate it instead.")


def check_assignable(status: str) -> None:
    """Access assignments are created on an active relationship only."""
    if status != "active":
        raise Conflict(f"Access assignments can be created only on an active relationship; it is '{status}'.")


def check_assignment_changeable(status: str) -> None:
    if status != "active":
        raise Conflict(f"Only an active access assignment can change; it is '{status}'.")


def etag(version: int) -> str:
    """The ``@odata.etag`` of a relationship or access assignment at ``version`` (Graph's weak ETag)."""
    return 'W/"' + base64.b64encode(f'"{version}"'.encode()).decode() + '"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Graph requires If-Match on a change (400 without one); one other than ``*`` names the resource's current
    etag, or the change is refused (412)."""
    if not if_match:
        raise Invalid(
            "The If-Match header is required: send the @odata.etag last read from a GET or LIST of the resource."
        )
    if if_match != "*" and if_match != etag(version):
        raise PreconditionFailed("The If-Match header does not match the resource's current @odata.etag.")
