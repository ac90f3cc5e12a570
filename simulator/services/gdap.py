"""GDAP (granular delegated admin privileges) as Microsoft Graph offers it: a partner's relationships with its
customers, their requests (lockForApproval, approve, terminate), the access assignments that give the
partner's security groups some of a relationship's roles, and the partner's delegated admin customers.

A request body is read through ``read_body`` (a function of no argument returning the validated body) once the
checks that come before it in the real API have passed: a refused caller learns nothing of its body's faults.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..domain import gdap as rules
from ..domain.access import effective_status
from ..domain.catalog import GLOBAL_ADMINISTRATOR
from ..domain.errors import Conflict, Invalid, NotFound
from ..store import graph as store
from ..store import queries
from ..store.models import GdapAccessAssignment, GdapOperation, GdapRelationship, GdapRequest, Tenant
from .scope import Principal, Scope

ReadBody = Callable[[], dict]


@dataclass(frozen=True)
class Relationship:
    """A relationship as it stands at the world's time: its row, its customer's name, its effective status."""

    row: GdapRelationship
    customer_name: str | None
    status: str
    end_at: datetime | None
    activated_at: datetime | None


@dataclass(frozen=True)
class RelationshipRequest:
    """A relationship request as it stands at the world's time (created, pending, succeeded)."""

    id: str
    relationship_id: str
    action: str
    status: str
    created_at: datetime
    last_modified_at: datetime


@dataclass(frozen=True)
class Operation:
    """A long-running operation as it stands at the world's time (notStarted, running, succeeded)."""

    id: str
    relationship_id: str
    operation_type: str
    data: str
    status: str
    created_at: datetime
    last_modified_at: datetime


@dataclass(frozen=True)
class Assignment:
    """An access assignment with the id of its relationship and its status at the world's time."""

    row: GdapAccessAssignment
    relationship_id: str
    status: str


# --- facts and checks --------------------------------------------------------------------------------------------
def _partner(p: Principal, write: bool = False) -> Principal:
    """A caller of the partner's own tenant; writes need AdminAgent (users) or ReadWrite.All (apps)."""
    rules.check_manager(
        p.name,
        own_partner_tenant=p.tenant.kind == "partner" and p.home_tenant_id == p.tenant.id,
        app_roles=p.app_roles if p.kind == "app" else None,
        partner_roles=frozenset(p.user.partner_roles or []) if p.user else frozenset(),
        write=write,
    )
    return p


def _last_request(s: Scope, r: GdapRelationship) -> tuple[str, datetime] | None:
    return queries.last_requests(s.db, s.world_id, [r.id]).get(r.id)


_READ = ("read", datetime.min)  # the last request is not known yet: read it


def _status(s: Scope, r: GdapRelationship, request: tuple[str, datetime] | None = _READ) -> tuple[str, datetime | None]:
    """The relationship's status and end at the world's time (its last request given, None for none, or read)."""
    last = _last_request(s, r) if request is _READ else request
    return effective_status(queries.relationship_facts(r, (), last), s.now)


def _customer_name(s: Scope, customer_id: str | None) -> str | None:
    t = queries.tenant(s.db, s.world_id, customer_id) if customer_id else None
    return t.name if t else None


def _view(
    s: Scope, r: GdapRelationship, customer_name: str | None, request: tuple[str, datetime] | None = _READ
) -> Relationship:
    status, end = _status(s, r, request)
    activated = None if status in ("created", "approvalPending", "approved", "activating") else r.activated_at
    return Relationship(r, customer_name, status, end, activated)


def _request_view(q: GdapRequest, now: datetime) -> RelationshipRequest:
    status = rules.request_status(q.created_at, now)
    modified = rules.settled_at(q.created_at) if status == "succeeded" else q.created_at
    return RelationshipRequest(q.id, q.relationship_id, q.action, status, q.created_at, modified)


def _operation_view(o: GdapOperation, now: datetime) -> Operation:
    status = rules.operation_status(o.created_at, now)
    modified = rules.settled_at(o.created_at) if status == "succeeded" else o.created_at
    return Operation(o.id, o.relationship_id, o.operation_type, o.data, status, o.created_at, modified)


def _assignment_view(a: GdapAccessAssignment, now: datetime) -> Assignment:
    return Assignment(a, a.relationship_id, rules.assignment_status(a.status, a.created_at, a.last_modified_at, now))


def _relationship(s: Scope, p: Principal, rel_id: str) -> GdapRelationship:
    """The relationship, seen by its partner or by its customer."""
    r = store.relationship(s.db, s.world_id, rel_id)
    if r is None or not (r.partner_id == p.tenant.id or (p.tenant.kind == "customer" and r.customer_id == p.tenant.id)):
        raise NotFound(f"The delegated admin relationship with id '{rel_id}' was not found.")
    return r


def _customer_id(s: Scope, p: Principal, ref: dict | None) -> str | None:
    if not ref:
        return None
    t = queries.tenant(s.db, s.world_id, ref["tenantId"].lower())
    rules.check_customer(ref["tenantId"], t.kind if t else None, t.cloud if t else None, p.tenant.cloud)
    assert t is not None  # check_customer refused an unknown tenant
    return t.id


def _roles(data: dict) -> list[str]:
    """The role ids of a body's accessDetails, each once, in order."""
    return list(dict.fromkeys(x["roleDefinitionId"] for x in data["accessDetails"]["unifiedRoles"]))


# --- relationships ----------------------------------------------------------------------------------------------
def list_relationships(s: Scope, p: Principal) -> list[Relationship]:
    """The partner's relationships, oldest first."""
    _partner(p)
    rows = store.partner_relationships(s.db, s.world_id, p.tenant.id)
    names = store.tenant_names(s.db, s.world_id, {r.customer_id for r in rows if r.customer_id})
    requests = queries.last_requests(s.db, s.world_id, [r.id for r in rows])
    return [_view(s, r, names.get(r.customer_id or ""), requests.get(r.id)) for r in rows]


def create_relationship(s: Scope, p: Principal, read_body: ReadBody) -> Relationship:
    """A new relationship in status ``created`` (it is locked for approval with a request)."""
    _partner(p, write=True)
    data = read_body()
    rules.check_duration(data["duration"])
    roles = [r["roleDefinitionId"] for r in data["accessDetails"]["unifiedRoles"]]
    auto_extend = data.get("autoExtendDuration", "PT0S")
    rules.check_auto_extend(auto_extend, set(roles))
    customer_id = _customer_id(s, p, data.get("customer"))
    if store.relationship_named(s.db, s.world_id, p.tenant.id, data["displayName"]):
        raise Conflict(f"A relationship named '{data['displayName']}' already exists.")
    rel_id = f"{uuid.uuid4()}-{customer_id or uuid.UUID(int=0)}"
    row = store.add_relationship(
        s.db,
        world_id=s.world_id,
        id=rel_id,
        key=rel_id,
        partner_id=p.tenant.id,
        customer_id=customer_id,
        display_name=data["displayName"],
        status="created",
        duration=data["duration"],
        auto_extend_duration=auto_extend,
        roles=list(dict.fromkeys(roles)),
        created_at=s.now,
        activated_at=None,
        end_at=None,
        last_modified_at=s.now,
        version=1,
    )
    return _view(s, row, _customer_name(s, customer_id))


def get_relationship(s: Scope, p: Principal, rel_id: str) -> Relationship:
    """One relationship: for its partner, or for its customer's users (to review and approve it)."""
    r = _relationship(s, p, rel_id)
    if p.tenant.kind == "partner":
        _partner(p)
    return _view(s, r, _customer_name(s, r.customer_id))


def update_relationship(s: Scope, p: Principal, rel_id: str, if_match: str | None, read_body: ReadBody) -> Relationship:
    """Change a relationship while it is ``created`` (its auto-extension may change while active)."""
    _partner(p, write=True)
    r = _relationship(s, p, rel_id)
    rules.check_if_match(if_match, r.version)
    data = read_body()
    rules.check_no_request_in_progress(_last_request(s, r), s.now)
    rules.check_editable(_status(s, r)[0], set(data))
    if "duration" in data:
        rules.check_duration(data["duration"])
        r.duration = data["duration"]
    if "displayName" in data:
        r.display_name = data["displayName"]
    if "accessDetails" in data:
        r.roles = _roles(data)
    if "customer" in data:
        r.customer_id = _customer_id(s, p, data["customer"])
    if "autoExtendDuration" in data:
        r.auto_extend_duration = data["autoExtendDuration"]
    rules.check_auto_extend(r.auto_extend_duration, set(r.roles))
    r.version += 1
    r.last_modified_at = s.now
    return _view(s, r, _customer_name(s, r.customer_id))


def delete_relationship(s: Scope, p: Principal, rel_id: str, if_match: str | None) -> None:
    """Delete a relationship that is still ``created``."""
    _partner(p, write=True)
    r = _relationship(s, p, rel_id)
    rules.check_if_match(if_match, r.version)
    rules.check_no_request_in_progress(_last_request(s, r), s.now)
    rules.check_deletable(_status(s, r)[0])
    store.delete(s.db, r)


def request_action(s: Scope, p: Principal, rel_id: str, read_body: ReadBody) -> RelationshipRequest:
    """``lockForApproval`` (the partner), ``approve`` (the customer's Global Administrator: pcsim's stand-in for
    the admin center's approval page) or ``terminate`` (either)."""
    r = _relationship(s, p, rel_id)
    action = read_body()["action"]
    is_partner = p.tenant.id == r.partner_id and p.home_tenant_id == r.partner_id
    if is_partner and action != "approve":
        _partner(p, write=True)
    is_customer_admin = (
        p.tenant.id == r.customer_id
        and p.user is not None
        and p.user.tenant_id == r.customer_id
        and GLOBAL_ADMINISTRATOR in (p.user.directory_roles or [])
    )
    last = _last_request(s, r)
    rules.check_no_request_in_progress(last, s.now)
    new = rules.next_status(
        action,
        _status(s, r, last)[0],
        actor_is_partner=is_partner,
        actor_is_customer_global_admin=is_customer_admin,
        has_customer=bool(r.customer_id),
    )
    # The row holds where the relationship is going; its status on the way is read from the request's age.
    settles = rules.settled_at(s.now)
    if new == "active":
        r.activated_at, r.end_at = rules.activation(settles, r.duration)
    if new == "terminated":
        r.end_at = settles
    r.status, r.last_modified_at, r.version = new, s.now, r.version + 1
    q = store.add_request(
        s.db, world_id=s.world_id, id=str(uuid.uuid4()), relationship_id=r.id, action=action, created_at=s.now
    )
    return _request_view(q, s.now)


def list_requests(s: Scope, p: Principal, rel_id: str) -> list[RelationshipRequest]:
    """The relationship's requests, oldest first: for its partner, or for its customer's users."""
    r = _relationship(s, p, rel_id)
    if p.tenant.kind == "partner":
        _partner(p)
    return [_request_view(q, s.now) for q in store.requests(s.db, s.world_id, r.id)]


def get_request(s: Scope, p: Principal, rel_id: str, request_id: str) -> RelationshipRequest:
    r = _relationship(s, p, rel_id)
    if p.tenant.kind == "partner":
        _partner(p)
    q = store.request(s.db, s.world_id, request_id)
    if q is None or q.relationship_id != r.id:
        raise NotFound(f"The delegated admin relationship request with id '{request_id}' was not found.")
    return _request_view(q, s.now)


def list_operations(s: Scope, p: Principal, rel_id: str) -> list[Operation]:
    """The relationship's long-running operations (its access assignments' updates), oldest first."""
    _partner(p)
    r = _relationship(s, p, rel_id)
    return [_operation_view(o, s.now) for o in store.operations(s.db, s.world_id, r.id)]


def get_operation(s: Scope, p: Principal, rel_id: str, operation_id: str) -> Operation:
    _partner(p)
    r = _relationship(s, p, rel_id)
    o = store.operation(s.db, s.world_id, operation_id)
    if o is None or o.relationship_id != r.id:
        raise NotFound(f"The delegated admin relationship operation with id '{operation_id}' was not found.")
    return _operation_view(o, s.now)


# --- access assignments ---------------------------------------------------------------------------------------
def _assignment(s: Scope, r: GdapRelationship, assignment_id: str) -> GdapAccessAssignment:
    a = store.assignment(s.db, s.world_id, assignment_id)
    if a is None or a.relationship_id != r.id:
        raise NotFound(f"The access assignment with id '{assignment_id}' was not found.")
    return a


def list_assignments(s: Scope, p: Principal, rel_id: str) -> tuple[str, list[Assignment]]:
    """(the relationship's id, its access assignments): which security group holds which of its roles."""
    _partner(p)
    r = _relationship(s, p, rel_id)
    return r.id, [_assignment_view(a, s.now) for a in store.assignments(s.db, s.world_id, r.id)]


def create_assignment(s: Scope, p: Principal, rel_id: str, read_body: ReadBody) -> Assignment:
    """Give one of the partner's security groups a subset of an active relationship's roles."""
    _partner(p, write=True)
    r = _relationship(s, p, rel_id)
    data = read_body()
    rules.check_assignable(_status(s, r)[0])
    group_id = data["accessContainer"]["accessContainerId"].lower()
    group = store.group(s.db, s.world_id, group_id)
    if group is None or group.tenant_id != p.tenant.id:
        raise Invalid(f"security group {group_id} does not exist in the partner tenant")
    roles = _roles(data)
    rules.check_assignment_roles(roles, r.roles, r.display_name)
    existing = store.active_assignment(s.db, s.world_id, r.id, group_id)
    if existing:
        raise Conflict(f"The security group already has an active access assignment ({existing.id}).")
    a = store.add_assignment(
        s.db,
        world_id=s.world_id,
        id=str(uuid.uuid4()),
        relationship_id=r.id,
        group_id=group_id,
        roles=roles,
        status="active",
        created_at=s.now,
        last_modified_at=s.now,
        version=1,
    )
    return _assignment_view(a, s.now)


def get_assignment(s: Scope, p: Principal, rel_id: str, assignment_id: str) -> Assignment:
    _partner(p)
    return _assignment_view(_assignment(s, _relationship(s, p, rel_id), assignment_id), s.now)


def update_assignment(
    s: Scope, p: Principal, rel_id: str, assignment_id: str, if_match: str | None, read_body: ReadBody
) -> Assignment | Operation:
    """Change the roles of an active access assignment (a subset of the relationship's): a long-running
    operation, or the assignment as it is when the roles asked are the ones it holds. The roles change at once;
    the operation reports its progress by the world's clock."""
    _partner(p, write=True)
    r = _relationship(s, p, rel_id)
    a = _assignment(s, r, assignment_id)
    rules.check_if_match(if_match, a.version)
    data = read_body()
    rules.check_assignment_changeable(rules.assignment_status(a.status, a.created_at, a.last_modified_at, s.now))
    roles = _roles(data)
    rules.check_assignment_roles(roles, r.roles, r.display_name)
    if roles == list(a.roles):
        return _assignment_view(a, s.now)
    a.roles, a.version, a.last_modified_at = roles, a.version + 1, s.now
    data_json = {
        "id": a.id,
        "accessContainer": {"accessContainerId": a.group_id, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": x} for x in roles]},
        "status": "active",
    }
    o = store.add_operation(
        s.db,
        world_id=s.world_id,
        id=str(uuid.uuid4()),
        relationship_id=r.id,
        operation_type="delegatedAdminAccessAssignmentUpdate",
        data=json.dumps(data_json, separators=(",", ":")),
        created_at=s.now,
    )
    return _operation_view(o, s.now)


def delete_assignment(s: Scope, p: Principal, rel_id: str, assignment_id: str, if_match: str | None) -> None:
    """Remove an access assignment: ``deleting`` and then ``deleted`` by the world's clock; the group's users
    lose its roles at once."""
    _partner(p, write=True)
    a = _assignment(s, _relationship(s, p, rel_id), assignment_id)
    rules.check_if_match(if_match, a.version)
    if a.status == "deleted":
        raise Conflict(f"The access assignment with id '{assignment_id}' is already deleted.")
    a.status, a.version, a.last_modified_at = "deleted", a.version + 1, s.now


# --- delegated admin customers ----------------------------------------------------------------------------------
def list_customers(s: Scope, p: Principal) -> list[Tenant]:
    """The customers with which the partner has a GDAP relationship."""
    _partner(p)
    return store.gdap_customers(s.db, s.world_id, p.tenant.id)


def get_customer(s: Scope, p: Principal, customer_id: str) -> Tenant:
    for t in list_customers(s, p):
        if t.id == customer_id.lower():
            return t
    raise NotFound(f"The delegated admin customer with id '{customer_id}' was not found.")


@dataclass(frozen=True)
class ServiceManagementDetail:
    id: str
    service_name: str
    url: str


def service_management_details(s: Scope, p: Principal, customer_id: str) -> list[ServiceManagementDetail]:
    """The admin portals where the partner manages the customer's services (stable ids per customer)."""
    t = get_customer(s, p, customer_id)
    return [
        ServiceManagementDetail(
            str(uuid.uuid5(uuid.UUID(t.id), name)), name, url.format(domain=t.default_domain, tenant_id=t.id)
        )
        for name, url in rules.SERVICE_MANAGEMENT
    ]
