"""Who may do what for which customer, computed from facts, with the facts that decided it.

The functions take plain facts (dataclasses the store builds) and return results that carry the
relationships, access assignments and groups they used, so a denial can say exactly what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .catalog import ENTRA_ROLE_NAMES, SUPPORT_ROLE_IDS
from .clock import iso, parse_duration
from .gdap import assignment_status, status_while_requested


@dataclass(frozen=True)
class AccessAssignmentFacts:
    id: str
    group_id: str
    group_name: str
    roles: frozenset[str]
    status: str
    created_at: datetime | None = None
    last_modified_at: datetime | None = None

    def status_at(self, at: datetime) -> str:
        """``pending`` until a new assignment settles, ``deleting`` until a deletion does (domain.gdap)."""
        return assignment_status(self.status, self.created_at, self.last_modified_at, at)


@dataclass(frozen=True)
class GdapRelationshipFacts:
    id: str
    display_name: str
    partner_id: str
    customer_id: str | None
    status: str
    end_at: datetime | None
    auto_extend_duration: str
    roles: frozenset[str]
    assignments: tuple[AccessAssignmentFacts, ...] = ()
    request: tuple[str, datetime] | None = None  # the last relationship request: (action, when it was made)


@dataclass(frozen=True)
class Grant:
    """One path through which a user holds roles in a customer tenant."""

    relationship_id: str
    relationship_name: str
    assignment_id: str
    group_id: str
    group_name: str
    roles: frozenset[str]


@dataclass
class EffectiveRoles:
    """A partner user's roles in a customer tenant, with the grants behind them and why others do not count."""

    roles: frozenset[str]
    grants: list[Grant] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def role_names(self) -> list[str]:
        return sorted(ENTRA_ROLE_NAMES.get(r, r) for r in self.roles)

    def has_any(self, role_ids: frozenset[str]) -> bool:
        return bool(self.roles & role_ids)

    def denial_reason(self) -> str:
        """Why the user holds no role: the most specific finding first."""
        return "; ".join(self.findings) or "the partner has no GDAP relationship with this customer"


def effective_status(rel: GdapRelationshipFacts, at: datetime) -> tuple[str, datetime | None]:
    """The relationship's status at ``at`` and its effective end: while its last request has not succeeded, the
    status on the way (approved, activating, terminationRequested, terminating...); then expiry and
    auto-extension."""
    if rel.request is not None:
        during = status_while_requested(rel.request[0], rel.request[1], at, rel.status)
        if during is not None:
            return during, None if during in ("approved", "activating") else rel.end_at
    if rel.status not in ("active", "expiring") or rel.end_at is None or rel.end_at > at:
        return rel.status, rel.end_at
    extension = parse_duration(rel.auto_extend_duration or "PT0S")
    if not extension:
        return "expired", rel.end_at
    end = rel.end_at
    while end <= at:
        end = end + extension
    return "active", end


def effective_roles(
    relationships: list[GdapRelationshipFacts], user_group_ids: set[str], at: datetime
) -> EffectiveRoles:
    """R3's GDAP half: the union, over active unexpired relationships, of the roles of active access
    assignments to groups the user belongs to."""
    roles: set[str] = set()
    grants: list[Grant] = []
    findings: list[str] = []
    if not relationships:
        return EffectiveRoles(frozenset(), [], ["the partner has no GDAP relationship with this customer"])
    for rel in relationships:
        status, end = effective_status(rel, at)
        if status not in ("active", "expiring"):  # an expiring relationship is still in force until its end
            since = f" since {iso(end)}" if status == "expired" and end else ""
            findings.append(f"GDAP relationship '{rel.display_name}' ({rel.id}) is {status}{since}")
            continue
        active = [a for a in rel.assignments if a.status_at(at) == "active"]
        if not active:
            findings.append(f"GDAP relationship '{rel.display_name}' has no active access assignment")
            continue
        mine = [a for a in active if a.group_id in user_group_ids]
        if not mine:
            names = ", ".join(sorted({a.group_name for a in active}))
            findings.append(
                f"GDAP relationship '{rel.display_name}' assigns roles only to groups the user is not in ({names})"
            )
            continue
        for a in mine:
            granted = a.roles & rel.roles
            roles |= granted
            grants.append(Grant(rel.id, rel.display_name, a.id, a.group_id, a.group_name, frozenset(granted)))
    return EffectiveRoles(frozenset(roles), grants, findings)


def support_roles(effective: EffectiveRoles) -> frozenset[str]:
    """The effective roles that allow filing support tickets."""
    return effective.roles & SUPPORT_ROLE_IDS
