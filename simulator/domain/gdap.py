"""GDAP relationship lifecycle: who may move a relationship from one status to the next, and when."""
from __future__ import annotations

from datetime import datetime, timedelta

from .catalog import ENTRA_ROLE_NAMES, GLOBAL_ADMINISTRATOR
from .clock import parse_duration
from .errors import Conflict, Denied, Invalid

MIN_DURATION, MAX_DURATION = timedelta(days=1), timedelta(days=730)


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
        raise Invalid("a relationship that grants Global Administrator cannot auto-extend (autoExtendDuration "
                      "must be PT0S)")


def next_status(action: str, status: str, *, actor_is_partner: bool, actor_is_customer_global_admin: bool,
                has_customer: bool) -> str:
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
            raise Denied("only a Global Administrator of the relationship's customer approves it (pcsim stands in "
                         "for the Microsoft 365 admin center's approval page)")
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


def activation(now: datetime, duration: str) -> tuple[datetime, datetime]:
    """(activatedDateTime, endDateTime) for a relationship approved at ``now``."""
    return now, now + parse_duration(duration)


def check_assignment_roles(roles: list[str], relationship_roles: list[str], relationship_name: str) -> None:
    """An access assignment holds only roles its relationship grants."""
    missing = [ENTRA_ROLE_NAMES.get(r, r) for r in roles if r not in relationship_roles]
    if missing:
        raise Invalid(f"roles {', '.join(missing)} are not granted by the relationship '{relationship_name}'; an "
                      "access assignment can only hold a subset of the relationship's roles")
