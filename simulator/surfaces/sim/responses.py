"""The control plane (``/sim``): worlds, their clock, snapshots, faults, journal, explain, and edits.

Plain JSON, no token: it is a local test tool. Every world's surfaces are served under
``/worlds/<id>/...`` (the default world also at the plain paths), and at the world's own root (its ``url``, a port
of its own: simulator/roots.py) at the default world's paths.
"""

from __future__ import annotations

import uuid

from flask import g, request

from ...domain import catalog
from ...domain.clock import WorldClock, iso
from ...domain.errors import Invalid
from ...services import control
from ...store.models import FaultRule, JournalEntry, World
from ...worlds.fixtures import FixtureError, FixtureInvalid
from ...worlds.manager import snapshot_template_id, write_inline_fixture
from .. import context as ctx
from ..openapi import Blueprint, make_api, mount
from . import schemas
from .exceptions import render
from .explain import explain_text

bp = Blueprint(
    "sim",
    __name__,
    description="pcsim's control plane: worlds, clock, snapshots, faults, journal, explain, world edits.",
)
SURFACE_PATHS = {
    "login": "/login",
    "partnercenter": "/partnercenter/v1",
    "graph": "/graph/v1.0",
    "azure": "/azure",
    "m365admin": "/m365admin/v1.0",
}


def worlds():
    return ctx.pcsim().worlds


def clock_json(w: World) -> dict:
    clock = WorldClock(w.clock_anchor, w.clock_wall_anchor, w.clock_frozen)
    return {"now": iso(clock.now()), "frozen": w.clock_frozen}


def world_url(world_id: str) -> str:
    """The world's own root: the main root for the default world, else the world's port (opened now if this
    process has none open for it), with this request's scheme and host name."""
    root = request.host_url.rstrip("/")
    if world_id == ctx.pcsim().config.default_world:
        return root
    return ctx.pcsim().roots.url(world_id, root)


def world_json(w: World) -> dict:
    root = request.host_url.rstrip("/")
    prefix = "" if w.id == ctx.pcsim().config.default_world else f"/worlds/{w.id}"
    return {
        "id": w.id,
        "scenario": w.scenario,
        "createdDateTime": iso(w.created_at),
        "clock": clock_json(w),
        "ttl": w.ttl_seconds,
        "url": world_url(w.id),
        "baseUrls": {k: f"{root}{prefix}{v}" for k, v in SURFACE_PATHS.items()},
        "azureLongRunningCreates": bool(w.azure_long_running_creates),
    }


def expire_idle() -> None:
    """Delete the worlds idle past their TTL, and close their roots."""
    ctx.pcsim().roots.close(*worlds().expire_idle())


def load_world(world_id: str) -> World:
    if "db" in g:
        # The request's transaction is open (an edit looked up a row): a second one would wait for its write
        # lock on SQLite (every transaction begins IMMEDIATE) until the busy timeout.
        return control.world(ctx.session(), world_id)
    with ctx.pcsim().store.session() as session:
        return control.world(session, world_id)


@bp.post("/worlds")
@bp.arguments(schemas.WorldCreate)
@bp.response(201, schemas.World)
def create_world(args):
    """A new, isolated world: from a named scenario (default 'default'), an inline fixture, or a snapshot.

    Its ``url`` is its own root (a port of its own), where its surfaces are at the default world's paths."""
    expire_idle()
    if "snapshot" in args:
        source_world, _, name = args["snapshot"].partition("/")
        template = snapshot_template_id(source_world, name)
    elif "fixture" in args:
        path = write_inline_fixture(args["fixture"])
        try:
            template = worlds().load_template(path, seed=args.get("seed"))
        except FixtureInvalid as exc:  # name the inline fixture as the user knows it, not by its temporary file
            raise FixtureInvalid(
                [
                    FixtureError("inline fixture" if e.file == str(path) else e.file, e.path, e.reason)
                    for e in exc.errors
                ]
            ) from None
    else:
        template = worlds().load_template(args.get("scenario", ctx.pcsim().config.scenario), seed=args.get("seed"))
    world_id = args.get("id") or str(uuid.uuid4())
    return world_json(
        worlds().create(
            world_id,
            template,
            frozen=args.get("frozen"),
            ttl_seconds=args.get("ttl"),
            azure_long_running_creates=args.get("azureLongRunningCreates", False),
        )
    )


@bp.get("/worlds")
@bp.response(200, schemas.WorldList)
def list_worlds():
    """Every live world (idle ones past their TTL are deleted first)."""
    expire_idle()
    with ctx.pcsim().store.session() as session:
        rows = control.live_worlds(session)
    ctx.pcsim().roots.keep_only({w.id for w in rows})  # worlds another process deleted
    return {"value": [world_json(w) for w in rows]}


@bp.get("/worlds/<world_id>")
@bp.response(200, schemas.World)
def get_world(world_id):
    return world_json(load_world(world_id))


@bp.patch("/worlds/<world_id>")
@bp.arguments(schemas.WorldEdit)
@bp.response(200, schemas.World)
def edit_world(args, world_id):
    """A world's settings: ``azureLongRunningCreates`` (Azure's ticket and communication creates answer 202 and
    are polled through ``operationsStatus``)."""
    return world_json(control.edit_world(ctx.session(), world_id, args["azureLongRunningCreates"]))


@bp.delete("/worlds/<world_id>")
@bp.response(204)
def delete_world(world_id):
    """Delete a world with its journal, faults and snapshots; its own root (``url``) closes."""
    if world_id == ctx.pcsim().config.default_world:
        raise Invalid("the default world cannot be deleted (reset it instead)")
    try:
        worlds().delete(world_id)
    finally:  # deleted, or already gone (by another process): its root here serves nothing any more
        ctx.pcsim().roots.close(world_id)
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
    return {
        "name": args["name"],
        "world": world_id,
        "createdDateTime": iso(snap.created_at),
        "clock": iso(snap.clock_anchor),
    }


@bp.get("/worlds/<world_id>/snapshots")
@bp.response(200, schemas.SnapshotList)
def list_snapshots(world_id):
    load_world(world_id)
    prefix = snapshot_template_id(world_id, "")
    return {
        "value": [
            {
                "name": s.id[len(prefix) :],
                "world": world_id,
                "createdDateTime": iso(s.created_at),
                "clock": iso(s.clock_anchor),
            }
            for s in worlds().snapshots(world_id)
        ]
    }


@bp.post("/worlds/<world_id>/snapshots/<name>/restore")
@bp.response(200, schemas.World)
def restore_snapshot(world_id, name):
    """Put the world back as it was when the snapshot was taken."""
    return world_json(worlds().restore(world_id, name))


# --- clock ------------------------------------------------------------------------------------------------
@bp.get("/worlds/<world_id>/clock")
@bp.response(200, schemas.Clock)
def get_clock(world_id):
    return clock_json(load_world(world_id))


@bp.post("/worlds/<world_id>/clock")
@bp.arguments(schemas.ClockChange)
@bp.response(200, schemas.Clock)
def change_clock(args, world_id):
    """Advance (``{"advance": "P30D"}``), set (``{"set": "2026-03-01T00:00:00Z"}``) or freeze the clock."""
    with ctx.pcsim().store.session() as session:
        now, frozen = control.change_clock(session, world_id, args.get("advance"), args.get("set"), args.get("frozen"))
    return {"now": iso(now), "frozen": frozen}


# --- faults -----------------------------------------------------------------------------------------------
def fault_json(f: FaultRule) -> dict:
    effect = (
        {"status": f.status, "retryAfter": f.retry_after}
        if f.kind == "status"
        else {"latencyMs": f.latency_ms}
        if f.kind == "latency"
        else {"drop": True}
    )
    return {
        "id": f.id,
        "surface": f.surface,
        "method": f.method,
        "path": f.path,
        "tenant": f.tenant_id,
        **effect,
        "count": f.remaining,
        "probability": f.probability,
        "seed": f.seed,
        "seen": f.seen,
        "fired": f.fired,
    }


@bp.post("/worlds/<world_id>/faults")
@bp.arguments(schemas.FaultCreate)
@bp.response(201, schemas.Fault)
def add_fault(args, world_id):
    """Inject a fault: matching requests get 429 (with Retry-After) or 500/503 in the surface's own error body,
    added latency, or a dropped connection; ``count`` times or with a (seeded) ``probability``."""
    rule = control.add_fault(ctx.session(), world_id, args)
    return fault_json(rule)


@bp.get("/worlds/<world_id>/faults")
@bp.response(200, schemas.FaultList)
def list_faults(world_id):
    return {"value": [fault_json(f) for f in control.faults(ctx.session(), world_id)]}


@bp.delete("/worlds/<world_id>/faults")
@bp.response(204)
def clear_faults(world_id):
    control.clear_faults(ctx.session(), world_id)
    return ""


@bp.delete("/worlds/<world_id>/faults/<fault_id>")
@bp.response(204)
def delete_fault(world_id, fault_id):
    control.delete_fault(ctx.session(), world_id, fault_id)
    return ""


# --- journal and explain ------------------------------------------------------------------------------------
def entry_json(e: JournalEntry, with_decisions: bool = False) -> dict:
    body = {
        "requestId": e.id,
        "at": iso(e.at),
        "surface": e.surface,
        "method": e.method,
        "path": e.path,
        "status": e.status,
        "actor": e.actor,
        "tenantId": e.tenant_id,
        "rule": e.rule,
        "fault": e.fault,
        "outcome": "fault"
        if e.fault and e.status >= 400
        else "denied"
        if e.rule
        else "allowed"
        if e.status < 400
        else "error",
    }
    if with_decisions:
        body["decisions"] = e.decisions
    return body


@bp.get("/worlds/<world_id>/journal")
@bp.arguments(schemas.JournalArgs, location="query")
@bp.response(200, schemas.JournalList)
def journal(args, world_id):
    """Every request to the world, newest first: status, identity, the rule that denied, the fault that fired.
    Filters: ``status``, ``rule``, ``surface``, ``top`` (default 100)."""
    rows = control.journal(
        ctx.session(), world_id, args["top"], args.get("status"), args.get("rule"), args.get("surface")
    )
    return {"value": [entry_json(e) for e in rows]}


@bp.get("/worlds/<world_id>/explain/<request_id>")
@bp.alt_response(
    200,
    schema=schemas.JournalEntry,
    success=True,
    description="The entry with its decisions (JSON), or with ?format=text a page to read (text/plain)",
)
def explain(world_id, request_id):
    """The decision trace of one request: every rule evaluated, in order, passed or failed, with its facts.
    ``?format=text`` (or ``Accept: text/plain``) gives it as a page for a person to read."""
    body = entry_json(control.journal_entry(ctx.session(), world_id, request_id), with_decisions=True)
    if request.args.get("format") == "text" or request.accept_mimetypes.best == "text/plain":
        return explain_text(body), 200, {"Content-Type": "text/plain; charset=utf-8"}
    return body


# --- world edits (test set-up) -----------------------------------------------------------------------------
@bp.post("/worlds/<world_id>/tickets/<ticket_id>/chatTranscripts")
@bp.arguments(schemas.ChatTranscriptCreate)
@bp.response(201, schemas.ChatTranscriptCreated)
def add_chat_transcript(args, world_id, ticket_id):
    """A chat with Microsoft Support on a ticket (its id, the ``supportTicketId``), as it happened now; Azure
    lists it under the ticket's ``chatTranscripts`` to whoever may see the ticket."""
    chat = control.add_chat_transcript(ctx.session(), world_id, ticket_id, args["messages"])
    return {
        "name": chat.name,
        "ticketId": chat.ticket_id,
        "startTime": iso(chat.started_at),
        "messages": len(chat.messages),
    }


@bp.patch("/worlds/<world_id>/gdapRelationships/<rel_id>")
@bp.arguments(schemas.RelationshipEdit)
@bp.response(200, schemas.RelationshipEdited)
def edit_relationship(args, world_id, rel_id):
    """Change a GDAP relationship's status, end or auto-extension (e.g. expire it now)."""
    r = control.edit_relationship(ctx.session(), world_id, rel_id, args)
    return {"id": r.id, "status": r.status, "endDateTime": iso(r.end_at), "autoExtendDuration": r.auto_extend_duration}


@bp.patch("/worlds/<world_id>/accessAssignments/<assignment_id>")
@bp.arguments(schemas.AssignmentEdit)
@bp.response(200, schemas.AssignmentEdited)
def edit_assignment(args, world_id, assignment_id):
    a = control.edit_assignment(ctx.session(), world_id, assignment_id, args)
    return {"id": a.id, "status": a.status, "roles": a.roles}


@bp.put("/worlds/<world_id>/groups/<group_id>/members/<user_id>")
@bp.response(204)
def add_member(world_id, group_id, user_id):
    control.add_member(ctx.session(), world_id, group_id, user_id)
    return ""


@bp.delete("/worlds/<world_id>/groups/<group_id>/members/<user_id>")
@bp.response(204)
def remove_member(world_id, group_id, user_id):
    control.remove_member(ctx.session(), world_id, group_id, user_id)
    return ""


@bp.patch("/worlds/<world_id>/subscriptions/<subscription_id>")
@bp.arguments(schemas.SubscriptionEdit)
@bp.response(200, schemas.SubscriptionEdited)
def edit_subscription(args, world_id, subscription_id):
    """Switch a subscription between trial and paid, or change its status."""
    s = control.edit_subscription(ctx.session(), world_id, subscription_id, args)
    return {"id": s.id, "trial": s.is_trial, "status": s.status, "channel": s.channel}


@bp.post("/worlds/<world_id>/subscriptions/<subscription_id>/rbac")
@bp.arguments(schemas.RbacCreate)
@bp.response(201, schemas.RbacAssignment)
def add_rbac(args, world_id, subscription_id):
    row = control.add_rbac(ctx.session(), world_id, subscription_id, args["principal"], args["role"])
    return {
        "id": row.id,
        "subscriptionId": row.subscription_id,
        "principal": row.principal_id,
        "principalType": row.principal_type,
        "role": row.role,
    }


@bp.delete("/worlds/<world_id>/rbacAssignments/<assignment_id>")
@bp.response(204)
def remove_rbac(world_id, assignment_id):
    control.remove_rbac(ctx.session(), world_id, assignment_id)
    return ""


@bp.patch("/worlds/<world_id>/users/<user_id>")
@bp.arguments(schemas.UserEdit)
@bp.response(200, schemas.UserEdited)
def edit_user(args, world_id, user_id):
    """Change a user's roles (Partner Center roles for a partner user, Entra roles for a customer's) or password."""
    u, kind = control.edit_user(ctx.session(), world_id, user_id, args)
    return {
        "id": u.id,
        "upn": u.upn,
        "roles": u.partner_roles
        if kind == "partner"
        else [catalog.ENTRA_ROLE_NAMES.get(r, r) for r in u.directory_roles],
    }


@bp.patch("/worlds/<world_id>/serviceHealth/<tenant_id>/<service_id>")
@bp.arguments(schemas.HealthEdit)
@bp.response(200, schemas.HealthEdited)
def edit_health(args, world_id, tenant_id, service_id):
    h = control.edit_health(ctx.session(), world_id, tenant_id, service_id, args["status"])
    return {"tenantId": h.tenant_id, "service": h.service_id, "status": h.status}


def register(app) -> list:
    api = make_api(
        app,
        "sim",
        "pcsim control plane",
        "Worlds, clock, snapshots, faults, journal, explain and world edits. Plain JSON, no token.",
        error_schema=schemas.SimError,
        bearer=False,
    )
    mount(app, api, bp, "/sim")
    return [("/sim", render)]
