"""The control plane's use cases: worlds' clocks, fault rules, the journal, and world edits for test set-up.

They take the session to work in and the world the path names (not the request's world)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..domain import catalog, gdap
from ..domain.clock import WorldClock, iso, parse_datetime, parse_duration, utcnow
from ..domain.errors import Invalid, NotFound
from ..store import control as store
from ..store import directory
from ..store.models import (
    ChatTranscript,
    FaultRule,
    GdapAccessAssignment,
    GdapRelationship,
    Group,
    GroupMember,
    JournalEntry,
    RbacAssignment,
    ServiceHealth,
    Subscription,
    Tenant,
    Ticket,
    User,
    World,
)
from ..worlds.builder import hash_secret


def world(db: Session, world_id: str) -> World:
    """A live world, or NotFound."""
    w = store.row(db, World, (world_id,))
    if w is None or w.template:
        raise NotFound(f"pcsim world {world_id!r} does not exist")
    return w


def edit_world(db: Session, world_id: str, azure_long_running_creates: bool) -> World:
    """A world's settings: whether Azure's creates answer the long-running way."""
    w = world(db, world_id)
    w.azure_long_running_creates = azure_long_running_creates
    db.flush()
    return w


def add_chat_transcript(db: Session, world_id: str, ticket_id: str, messages: list[dict]) -> ChatTranscript:
    """A chat on a ticket (by its id), its messages a second apart from the world's now."""
    w = world(db, world_id)
    ticket = store.row(db, Ticket, (world_id, ticket_id))
    if ticket is None:
        raise NotFound(f"world {world_id!r} has no ticket {ticket_id!r}")
    start = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen).now()
    chat = ChatTranscript(
        world_id=world_id,
        ticket_id=ticket_id,
        name=str(uuid.uuid4()),
        started_at=start,
        messages=[{**m, "createdDate": iso(start + timedelta(seconds=i))} for i, m in enumerate(messages)],
    )
    db.add(chat)
    db.flush()
    return chat


def live_worlds(db: Session) -> list[World]:
    return store.live_worlds(db)


def change_clock(
    db: Session, world_id: str, advance: str | None = None, set_to: str | None = None, frozen: bool | None = None
) -> tuple[datetime, bool]:
    """Advance the world's clock by a duration, set it, and/or freeze it; returns (now, frozen)."""
    w = world(db, world_id)
    wall = utcnow()
    now = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen).now(wall)
    if advance is not None:
        now = now + parse_duration(advance)
    if set_to is not None:
        now = parse_datetime(set_to)
    w.clock_anchor, w.clock_wall_anchor = now, wall
    if frozen is not None:
        w.clock_frozen = frozen
    return now, w.clock_frozen


# --- faults -----------------------------------------------------------------------------------------------
def add_fault(db: Session, world_id: str, spec: dict) -> FaultRule:
    """A fault rule from its (validated) description: a status, added latency, or a dropped connection."""
    world(db, world_id)
    kind = "status" if spec.get("status") else "latency" if spec.get("latencyMs") else "drop"
    rule = FaultRule(
        world_id=world_id,
        id=str(uuid.uuid4()),
        surface=spec["surface"],
        method=spec["method"],
        path=spec["path"],
        tenant_id=spec.get("tenant"),
        kind=kind,
        status=spec.get("status"),
        retry_after=spec.get("retryAfter"),
        latency_ms=spec.get("latencyMs") or 0,
        remaining=spec.get("count"),
        probability=spec["probability"],
        seed=spec["seed"],
        seen=0,
        fired=0,
        created_seq=store.next_fault_seq(db, world_id),
    )
    store.add(db, rule)
    return rule


def faults(db: Session, world_id: str) -> list[FaultRule]:
    world(db, world_id)
    return store.fault_rules(db, world_id)


def clear_faults(db: Session, world_id: str) -> None:
    for rule in faults(db, world_id):
        store.remove(db, rule)


def delete_fault(db: Session, world_id: str, fault_id: str) -> None:
    rule = store.row(db, FaultRule, (world_id, fault_id))
    if rule is None:
        raise NotFound(f"no fault rule {fault_id!r} in world {world_id!r}")
    store.remove(db, rule)


# --- journal ------------------------------------------------------------------------------------------------
def journal(
    db: Session, world_id: str, top: int, status: int | None = None, rule: str | None = None, surface: str | None = None
) -> list[JournalEntry]:
    world(db, world_id)
    return store.journal(db, world_id, top, status, rule, surface)


def journal_entry(db: Session, world_id: str, request_id: str) -> JournalEntry:
    entry = store.row(db, JournalEntry, (world_id, request_id))
    if entry is None:
        raise NotFound(f"no request {request_id!r} in the journal of world {world_id!r}")
    return entry


# --- world edits ------------------------------------------------------------------------------------------
def _row(db: Session, model, world_id: str, *key):
    world(db, world_id)
    found = store.row(db, model, (world_id, *key))
    if found is None:
        raise NotFound(f"no {model.__tablename__[:-1].replace('_', ' ')} {'/'.join(key)!r} in world {world_id!r}")
    return found


def _roles(names: list[str], kind: str) -> list[str]:
    """Partner Center role names as they are, Entra role names as their template ids."""
    if kind == "partner":
        bad = [r for r in names if r not in catalog.PARTNER_CENTER_ROLES]
        if bad:
            raise Invalid(f"unknown Partner Center role(s) {', '.join(bad)}")
        return names
    ids = [catalog.role_id(r) for r in names]
    unknown = [n for n, i in zip(names, ids, strict=True) if i is None]
    if unknown:
        raise Invalid(f"unknown Entra role(s) {', '.join(unknown)}")
    return [i for i in ids if i is not None]


def edit_relationship(db: Session, world_id: str, rel_id: str, edit: dict) -> GdapRelationship:
    """Change a GDAP relationship's status, end or auto-extension (e.g. expire it now)."""
    r = _row(db, GdapRelationship, world_id, rel_id)
    if "status" in edit:
        r.status = edit["status"]
    if "endDateTime" in edit:
        r.end_at = parse_datetime(edit["endDateTime"])
    if "autoExtendDuration" in edit:
        r.auto_extend_duration = edit["autoExtendDuration"]
    r.version += 1
    return r


def edit_assignment(db: Session, world_id: str, assignment_id: str, edit: dict) -> GdapAccessAssignment:
    """Change an access assignment's roles (a subset of its relationship's) or status."""
    a = _row(db, GdapAccessAssignment, world_id, assignment_id)
    if "roles" in edit:
        roles = _roles(edit["roles"], "customer")
        rel = _row(db, GdapRelationship, world_id, a.relationship_id)
        gdap.check_assignment_roles(roles, rel.roles, rel.display_name)
        a.roles = roles
    if "status" in edit:
        a.status = edit["status"]
    a.version += 1
    return a


def add_member(db: Session, world_id: str, group_id: str, user_id: str) -> None:
    group, user = _row(db, Group, world_id, group_id), _row(db, User, world_id, user_id)
    if group.tenant_id != user.tenant_id:
        raise Invalid("a group's members are users of its own tenant")
    if store.row(db, GroupMember, (world_id, group_id, user_id)) is None:
        store.add(db, GroupMember(world_id=world_id, group_id=group_id, user_id=user_id))


def remove_member(db: Session, world_id: str, group_id: str, user_id: str) -> None:
    store.remove(db, _row(db, GroupMember, world_id, group_id, user_id))


def edit_subscription(db: Session, world_id: str, subscription_id: str, edit: dict) -> Subscription:
    """Switch a subscription between trial and paid, or change its status."""
    s = _row(db, Subscription, world_id, subscription_id)
    if "trial" in edit:
        s.is_trial = edit["trial"]
    if "status" in edit:
        s.status = edit["status"]
    return s


def add_rbac(db: Session, world_id: str, subscription_id: str, principal: str, role: str) -> RbacAssignment:
    """An RBAC role on an Azure subscription for a group or user of the world."""
    s = _row(db, Subscription, world_id, subscription_id)
    if s.workload != "azure":
        raise Invalid("only an Azure subscription has RBAC assignments")
    principal = principal.lower()
    kind = (
        "group"
        if store.row(db, Group, (world_id, principal))
        else "user"
        if store.row(db, User, (world_id, principal))
        else None
    )
    if kind is None:
        raise Invalid(f"principal {principal!r} is no group or user of world {world_id!r}")
    assignment = RbacAssignment(
        world_id=world_id,
        id=str(uuid.uuid4()),
        subscription_id=s.id,
        principal_id=principal,
        principal_type=kind,
        role=role,
    )
    store.add(db, assignment)
    return assignment


def remove_rbac(db: Session, world_id: str, assignment_id: str) -> None:
    store.remove(db, _row(db, RbacAssignment, world_id, assignment_id))


def edit_user(db: Session, world_id: str, user_id: str, edit: dict) -> tuple[User, str]:
    """Change a user's roles (Partner Center roles for a partner user, Entra roles for a customer's) or
    password; returns the user and its tenant's kind."""
    u = _row(db, User, world_id, user_id)
    kind = _row(db, Tenant, world_id, u.tenant_id).kind
    if "roles" in edit:
        if kind == "partner":
            u.partner_roles = _roles(edit["roles"], kind)
        else:
            u.directory_roles = _roles(edit["roles"], kind)
    if "password" in edit:
        u.password_hash = hash_secret(edit["password"])
    return u, kind


def edit_health(db: Session, world_id: str, tenant_id: str, service_id: str, status: str) -> ServiceHealth:
    h = _row(db, ServiceHealth, world_id, tenant_id, service_id)
    h.status = status
    return h


def example_partner_user(db: Session, world_id: str) -> str | None:
    """The UPN of an AdminAgent of the partner with the most customers (ties: by domain), for examples."""
    counts = directory.customer_counts(db, world_id)
    partners = {t.id: t for t in directory.tenants(db, world_id) if t.kind == "partner"}
    agents = sorted(
        (-counts.get(u.tenant_id, 0), u.upn)
        for u in directory.users(db, world_id)
        if u.tenant_id in partners and "AdminAgent" in (u.partner_roles or [])
    )
    return agents[0][1] if agents else None
