"""The control plane (``/sim``): worlds, their clock, snapshots, faults, journal, explain, and edits.

Plain JSON, no token: it is a local test tool. Every world's surfaces are served under
``/worlds/<id>/...`` (the default world also at the plain paths).
"""
from __future__ import annotations

import uuid

from flask import g, request
from sqlalchemy import func, select

from ...domain import catalog, gdap
from ...domain.clock import WorldClock, iso, parse_datetime, parse_duration, utcnow
from ...domain.errors import Invalid, NotFound
from ...store.models import (FaultRule, GdapAccessAssignment, GdapRelationship, Group, GroupMember, JournalEntry,
                             RbacAssignment, ServiceHealth, Subscription, Tenant, User, World)
from ...worlds.builder import hash_secret
from ...worlds.fixtures import FixtureError, FixtureInvalid
from ...worlds.manager import snapshot_template_id, write_inline_fixture
from .. import context as ctx
from ..openapi import Blueprint, make_api, mount
from . import schemas
from .exceptions import render
from .explain import explain_text

bp = Blueprint("sim", __name__, description="pcsim's control plane: worlds, clock, snapshots, faults, journal, "
                                            "explain, world edits.")
SURFACE_PATHS = {"login": "/login", "partnercenter": "/partnercenter/v1", "graph": "/graph/v1.0",
                 "azure": "/azure", "m365admin": "/m365admin/v1.0"}


def worlds():
    return ctx.pcsim().worlds


def world_json(w: World) -> dict:
    root = request.host_url.rstrip("/")
    prefix = "" if w.id == ctx.pcsim().config.default_world else f"/worlds/{w.id}"
    clock = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen)
    return {"id": w.id, "scenario": w.scenario, "createdDateTime": iso(w.created_at),
            "clock": {"now": iso(clock.now()), "frozen": w.clock_frozen}, "ttl": w.ttl_seconds,
            "baseUrls": {k: f"{root}{prefix}{v}" for k, v in SURFACE_PATHS.items()}}


def load_world(world_id: str) -> World:
    if "db" in g:
        # The request's transaction is open (an edit looked up a row): a second one would wait for its write
        # lock on SQLite (every transaction begins IMMEDIATE) until the busy timeout.
        w = ctx.session().get(World, world_id)
    else:
        with ctx.pcsim().store.session() as session:
            w = session.get(World, world_id)
    if w is None or w.template:
        raise NotFound(f"pcsim world {world_id!r} does not exist")
    return w


@bp.post("/worlds")
@bp.arguments(schemas.WorldCreate)
@bp.response(201, schemas.World)
def create_world(args):
    """A new, isolated world: from a named scenario (default 'default'), an inline fixture, or a snapshot."""
    worlds().expire_idle()
    if "snapshot" in args:
        source_world, _, name = args["snapshot"].partition("/")
        template = snapshot_template_id(source_world, name)
    elif "fixture" in args:
        path = write_inline_fixture(args["fixture"])
        try:
            template = worlds().load_template(path, seed=args.get("seed"))
        except FixtureInvalid as exc:  # name the inline fixture as the user knows it, not by its temporary file
            raise FixtureInvalid([FixtureError("inline fixture" if e.file == str(path) else e.file, e.path, e.reason)
                                  for e in exc.errors]) from None
    else:
        template = worlds().load_template(args.get("scenario", ctx.pcsim().config.scenario), seed=args.get("seed"))
    world_id = args.get("id") or str(uuid.uuid4())
    return world_json(worlds().create(world_id, template, frozen=args.get("frozen"), ttl_seconds=args.get("ttl")))


@bp.get("/worlds")
@bp.response(200, schemas.WorldList)
def list_worlds():
    """Every live world (idle ones past their TTL are deleted first)."""
    worlds().expire_idle()
    with ctx.pcsim().store.session() as session:
        rows = session.scalars(select(World).where(World.template.is_(False)).order_by(World.created_at)).all()
    return {"value": [world_json(w) for w in rows]}


@bp.get("/worlds/<world_id>")
@bp.response(200, schemas.World)
def get_world(world_id):
    return world_json(load_world(world_id))


@bp.delete("/worlds/<world_id>")
@bp.response(204)
def delete_world(world_id):
    """Delete a world with its journal, faults and snapshots."""
    if world_id == ctx.pcsim().config.default_world:
        raise Invalid("the default world cannot be deleted (reset it instead)")
    worlds().delete(world_id)
    return ""


@bp.post("/worlds/<world_id>/reset")
@bp.response(200, schemas.World)
def reset_world(world_id):
    """Back to how the world was created: data and clock (its journal and fault rules stay)."""
    return world_json(worlds().reset(world_id))


@bp.post("/worlds/<world_id>/snapshots")
@bp.arguments(schemas.SnapshotCreate)
@bp.response(201, schemas.Snapshot)
def create_snapshot(args, world_id):
    """Save the world's data and clock under a name."""
    snap = worlds().snapshot(world_id, args["name"])
    return {"name": args["name"], "world": world_id, "createdDateTime": iso(snap.created_at),
            "clock": iso(snap.clock_anchor)}


@bp.get("/worlds/<world_id>/snapshots")
@bp.alt_response(200, schema=schemas.SnapshotList, success=True)
def list_snapshots(world_id):
    load_world(world_id)
    prefix = snapshot_template_id(world_id, "")
    return {"value": [{"name": s.id[len(prefix):], "world": world_id, "createdDateTime": iso(s.created_at),
                       "clock": iso(s.clock_anchor)} for s in worlds().snapshots(world_id)]}


@bp.post("/worlds/<world_id>/snapshots/<name>/restore")
@bp.response(200, schemas.World)
def restore_snapshot(world_id, name):
    """Put the world back as it was when the snapshot was taken."""
    return world_json(worlds().restore(world_id, name))


# --- clock ------------------------------------------------------------------------------------------------
@bp.get("/worlds/<world_id>/clock")
@bp.alt_response(200, schema=schemas.Clock, success=True)
def get_clock(world_id):
    return world_json(load_world(world_id))["clock"]


@bp.post("/worlds/<world_id>/clock")
@bp.arguments(schemas.ClockChange)
@bp.alt_response(200, schema=schemas.Clock, success=True)
def change_clock(args, world_id):
    """Advance (``{"advance": "P30D"}``), set (``{"set": "2026-03-01T00:00:00Z"}``) or freeze the clock."""
    with ctx.pcsim().store.session() as session:
        w = session.get(World, world_id)
        if w is None or w.template:
            raise NotFound(f"pcsim world {world_id!r} does not exist")
        wall = utcnow()
        now = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen).now(wall)
        if "advance" in args:
            now = now + parse_duration(args["advance"])
        if "set" in args:
            now = parse_datetime(args["set"])
        w.clock_anchor, w.clock_wall_anchor = now, wall
        if "frozen" in args:
            w.clock_frozen = args["frozen"]
        return {"now": iso(now), "frozen": w.clock_frozen}


# --- faults -----------------------------------------------------------------------------------------------
def fault_json(f: FaultRule) -> dict:
    effect = ({"status": f.status, "retryAfter": f.retry_after} if f.kind == "status" else
              {"latencyMs": f.latency_ms} if f.kind == "latency" else {"drop": True})
    return {"id": f.id, "surface": f.surface, "method": f.method, "path": f.path, "tenant": f.tenant_id,
            **effect, "count": f.remaining, "probability": f.probability, "seed": f.seed,
            "seen": f.seen, "fired": f.fired}


@bp.post("/worlds/<world_id>/faults")
@bp.arguments(schemas.FaultCreate)
@bp.response(201, schemas.Fault)
def add_fault(args, world_id):
    """Inject a fault: matching requests get 429 (with Retry-After) or 500/503 in the surface's own error body,
    added latency, or a dropped connection; ``count`` times or with a (seeded) ``probability``."""
    load_world(world_id)
    db = ctx.session()
    seq = (db.scalar(select(func.max(FaultRule.created_seq)).where(FaultRule.world_id == world_id)) or 0) + 1
    kind = "status" if args.get("status") else "latency" if args.get("latencyMs") else "drop"
    rule = FaultRule(world_id=world_id, id=str(uuid.uuid4()), surface=args["surface"], method=args["method"],
                     path=args["path"], tenant_id=args.get("tenant"), kind=kind, status=args.get("status"),
                     retry_after=args.get("retryAfter"), latency_ms=args.get("latencyMs") or 0,
                     remaining=args.get("count"), probability=args["probability"], seed=args["seed"], seen=0,
                     fired=0, created_seq=seq)
    db.add(rule)
    db.flush()
    return fault_json(rule)


@bp.get("/worlds/<world_id>/faults")
@bp.alt_response(200, schema=schemas.FaultList, success=True)
def list_faults(world_id):
    load_world(world_id)
    rows = ctx.session().scalars(select(FaultRule).where(FaultRule.world_id == world_id)
                                 .order_by(FaultRule.created_seq)).all()
    return {"value": [fault_json(f) for f in rows]}


@bp.delete("/worlds/<world_id>/faults")
@bp.response(204)
def clear_faults(world_id):
    load_world(world_id)
    for f in ctx.session().scalars(select(FaultRule).where(FaultRule.world_id == world_id)):
        ctx.session().delete(f)
    return ""


@bp.delete("/worlds/<world_id>/faults/<fault_id>")
@bp.response(204)
def delete_fault(world_id, fault_id):
    f = ctx.session().get(FaultRule, (world_id, fault_id))
    if f is None:
        raise NotFound(f"no fault rule {fault_id!r} in world {world_id!r}")
    ctx.session().delete(f)
    return ""


# --- journal and explain ------------------------------------------------------------------------------------
def entry_json(e: JournalEntry, with_decisions: bool = False) -> dict:
    body = {"requestId": e.id, "at": iso(e.at), "surface": e.surface, "method": e.method, "path": e.path,
            "status": e.status, "actor": e.actor, "tenantId": e.tenant_id, "rule": e.rule, "fault": e.fault,
            "outcome": "fault" if e.fault and e.status >= 400 else "denied" if e.rule else
            "allowed" if e.status < 400 else "error"}
    if with_decisions:
        body["decisions"] = e.decisions
    return body


@bp.get("/worlds/<world_id>/journal")
@bp.arguments(schemas.JournalArgs, location="query")
@bp.alt_response(200, schema=schemas.JournalList, success=True)
def journal(args, world_id):
    """Every request to the world, newest first: status, identity, the rule that denied, the fault that fired.
    Filters: ``status``, ``rule``, ``surface``, ``top`` (default 100)."""
    load_world(world_id)
    query = select(JournalEntry).where(JournalEntry.world_id == world_id)
    for arg, column in (("status", JournalEntry.status), ("rule", JournalEntry.rule),
                        ("surface", JournalEntry.surface)):
        if args.get(arg) not in (None, ""):
            query = query.where(column == args[arg])
    rows = ctx.session().scalars(query.order_by(JournalEntry.seq.desc()).limit(args["top"])).all()
    return {"value": [entry_json(e) for e in rows]}


@bp.get("/worlds/<world_id>/explain/<request_id>")
@bp.alt_response(200, schema=schemas.JournalEntry, success=True,
                 description="The entry with its decisions (JSON), or with ?format=text a page to read (text/plain)")
def explain(world_id, request_id):
    """The decision trace of one request: every rule evaluated, in order, passed or failed, with its facts.
    ``?format=text`` (or ``Accept: text/plain``) gives it as a page for a person to read."""
    e = ctx.session().get(JournalEntry, (world_id, request_id))
    if e is None:
        raise NotFound(f"no request {request_id!r} in the journal of world {world_id!r}")
    body = entry_json(e, with_decisions=True)
    if request.args.get("format") == "text" or request.accept_mimetypes.best == "text/plain":
        return explain_text(body), 200, {"Content-Type": "text/plain; charset=utf-8"}
    return body


# --- world edits (test set-up) -----------------------------------------------------------------------------
def _row(model, world_id: str, *key):
    load_world(world_id)
    row = ctx.session().get(model, (world_id, *key))
    if row is None:
        raise NotFound(f"no {model.__tablename__[:-1].replace('_', ' ')} {'/'.join(key)!r} in world {world_id!r}")
    return row


def _roles(names: list[str], kind: str) -> list[str]:
    if kind == "partner":
        bad = [r for r in names if r not in catalog.PARTNER_CENTER_ROLES]
        if bad:
            raise Invalid(f"unknown Partner Center role(s) {', '.join(bad)}")
        return names
    ids = [catalog.role_id(r) for r in names]
    if None in ids:
        raise Invalid(f"unknown Entra role(s) {', '.join(n for n, i in zip(names, ids) if i is None)}")
    return ids


@bp.patch("/worlds/<world_id>/gdapRelationships/<rel_id>")
@bp.arguments(schemas.RelationshipEdit)
@bp.alt_response(200, schema=schemas.RelationshipEdited, success=True)
def edit_relationship(args, world_id, rel_id):
    """Change a GDAP relationship's status, end or auto-extension (e.g. expire it now)."""
    r = _row(GdapRelationship, world_id, rel_id)
    if "status" in args:
        r.status = args["status"]
    if "endDateTime" in args:
        r.end_at = parse_datetime(args["endDateTime"])
    if "autoExtendDuration" in args:
        r.auto_extend_duration = args["autoExtendDuration"]
    r.version += 1
    return {"id": r.id, "status": r.status, "endDateTime": iso(r.end_at), "autoExtendDuration": r.auto_extend_duration}


@bp.patch("/worlds/<world_id>/accessAssignments/<assignment_id>")
@bp.arguments(schemas.AssignmentEdit)
@bp.alt_response(200, schema=schemas.AssignmentEdited, success=True)
def edit_assignment(args, world_id, assignment_id):
    a = _row(GdapAccessAssignment, world_id, assignment_id)
    if "roles" in args:
        roles = _roles(args["roles"], "customer")
        rel = ctx.session().get(GdapRelationship, (world_id, a.relationship_id))
        gdap.check_assignment_roles(roles, rel.roles, rel.display_name)
        a.roles = roles
    if "status" in args:
        a.status = args["status"]
    a.version += 1
    return {"id": a.id, "status": a.status, "roles": a.roles}


@bp.put("/worlds/<world_id>/groups/<group_id>/members/<user_id>")
@bp.response(204)
def add_member(world_id, group_id, user_id):
    group, user = _row(Group, world_id, group_id), _row(User, world_id, user_id)
    if group.tenant_id != user.tenant_id:
        raise Invalid("a group's members are users of its own tenant")
    if ctx.session().get(GroupMember, (world_id, group_id, user_id)) is None:
        ctx.session().add(GroupMember(world_id=world_id, group_id=group_id, user_id=user_id))
    return ""


@bp.delete("/worlds/<world_id>/groups/<group_id>/members/<user_id>")
@bp.response(204)
def remove_member(world_id, group_id, user_id):
    ctx.session().delete(_row(GroupMember, world_id, group_id, user_id))
    return ""


@bp.patch("/worlds/<world_id>/subscriptions/<subscription_id>")
@bp.arguments(schemas.SubscriptionEdit)
@bp.alt_response(200, schema=schemas.SubscriptionEdited, success=True)
def edit_subscription(args, world_id, subscription_id):
    """Switch a subscription between trial and paid, or change its status."""
    s = _row(Subscription, world_id, subscription_id)
    if "trial" in args:
        s.is_trial = args["trial"]
    if "status" in args:
        s.status = args["status"]
    return {"id": s.id, "trial": s.is_trial, "status": s.status, "channel": s.channel}


@bp.post("/worlds/<world_id>/subscriptions/<subscription_id>/rbac")
@bp.arguments(schemas.RbacCreate)
@bp.response(201, schemas.RbacAssignment)
def add_rbac(args, world_id, subscription_id):
    s = _row(Subscription, world_id, subscription_id)
    if s.workload != "azure":
        raise Invalid("only an Azure subscription has RBAC assignments")
    db = ctx.session()
    principal = args["principal"].lower()
    kind = "group" if db.get(Group, (world_id, principal)) else "user" if db.get(User, (world_id, principal)) else None
    if kind is None:
        raise Invalid(f"principal {principal!r} is no group or user of world {world_id!r}")
    row = RbacAssignment(world_id=world_id, id=str(uuid.uuid4()), subscription_id=s.id, principal_id=principal,
                         principal_type=kind, role=args["role"])
    db.add(row)
    return {"id": row.id, "subscriptionId": s.id, "principal": principal, "principalType": kind, "role": row.role}


@bp.delete("/worlds/<world_id>/rbacAssignments/<assignment_id>")
@bp.response(204)
def remove_rbac(world_id, assignment_id):
    ctx.session().delete(_row(RbacAssignment, world_id, assignment_id))
    return ""


@bp.patch("/worlds/<world_id>/users/<user_id>")
@bp.arguments(schemas.UserEdit)
@bp.alt_response(200, schema=schemas.UserEdited, success=True)
def edit_user(args, world_id, user_id):
    """Change a user's roles (Partner Center roles for a partner user, Entra roles for a customer's) or password."""
    u = _row(User, world_id, user_id)
    kind = ctx.session().get(Tenant, (world_id, u.tenant_id)).kind
    if "roles" in args:
        if kind == "partner":
            u.partner_roles = _roles(args["roles"], kind)
        else:
            u.directory_roles = _roles(args["roles"], kind)
    if "password" in args:
        u.password_hash = hash_secret(args["password"])
    return {"id": u.id, "upn": u.upn, "roles": u.partner_roles if kind == "partner" else
            [catalog.ENTRA_ROLE_NAMES.get(r, r) for r in u.directory_roles]}


@bp.patch("/worlds/<world_id>/serviceHealth/<tenant_id>/<service_id>")
@bp.arguments(schemas.HealthEdit)
@bp.alt_response(200, schema=schemas.HealthEdited, success=True)
def edit_health(args, world_id, tenant_id, service_id):
    h = _row(ServiceHealth, world_id, tenant_id, service_id)
    h.status = args["status"]
    return {"tenantId": h.tenant_id, "service": h.service_id, "status": h.status}


def register(app) -> list:
    api = make_api(app, "sim", "pcsim control plane", "Worlds, clock, snapshots, faults, journal, explain and "
                   "world edits. Plain JSON, no token.", error_schema=schemas.SimError, bearer=False)
    mount(app, api, bp, "/sim")
    return [("/sim", render)]

