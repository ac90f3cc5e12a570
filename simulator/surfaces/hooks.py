"""What every request to a world goes through, whatever its surface: a request id, injected faults, the
decision trace, and a journal entry written even when the request itself is rolled back (in a short
transaction of its own, after the request's)."""

from __future__ import annotations

import fnmatch
import random
import re
import socket
import time
import uuid

import jwt
from flask import g, request

from ..domain.clock import utcnow
from ..domain.decision import start_trace
from ..domain.errors import DomainError
from ..store import queries
from . import context as ctx

WORLD_SURFACES = ("login", "partnercenter", "graph", "azure", "m365admin")
_ROOT_LOGIN = re.compile(r"^/[^/]+/(oauth2|v2\.0|discovery)/|^/common/userrealm/")
TOUCH_EVERY = 60  # seconds: how stale a world's last-used time may get before a request refreshes it


class InjectedFault(DomainError):
    """A fault rule answered instead of the surface: rendered in the surface's own error body."""

    kind = "fault"

    def __init__(self, status: int, rule_id: str, retry_after: int | None):
        reasons = {
            429: "Too many requests (injected by a pcsim fault rule)",
            500: "Internal server error (injected by a pcsim fault rule)",
            503: "Service unavailable (injected by a pcsim fault rule)",
        }
        super().__init__(reasons.get(status, f"Injected error {status}"), facts={"faultRule": rule_id})
        self.status, self.retry_after = status, retry_after


def surface_of(path: str) -> tuple[str, str]:
    """(surface name, path inside the surface) for a request path (after any ``/worlds/<id>``)."""
    inner = path[len("/usgov") :] if path.startswith("/usgov/") else path
    first = inner.split("/", 2)[1] if inner.count("/") >= 1 else ""
    if first in WORLD_SURFACES or first in ("sim", "docs", "health"):
        rest = inner[len(first) + 1 :]
        if first in ("partnercenter", "graph", "m365admin") and rest.count("/") >= 1:
            rest = "/" + rest.split("/", 2)[2] if rest.count("/") >= 2 else "/"  # drop the version segment
        return first, rest or "/"
    if first == "v1" and not path.startswith("/usgov/"):  # Partner Center's own paths, at the root
        return "partnercenter", "/" + inner.split("/", 2)[2] if inner.count("/") >= 2 else "/"
    if _ROOT_LOGIN.match(inner):
        return "login", inner
    return "", inner


def pcsim_request_id() -> str:
    if "pcsim_request_id" not in g:
        g.pcsim_request_id = str(uuid.uuid4())
    return g.pcsim_request_id


def explain_url() -> str:
    """Where the decision trace of this request can be read."""
    return f"{request.host_url.rstrip('/')}/sim/worlds/{ctx.world_id()}/explain/{pcsim_request_id()}"


def before_request():
    g.decisions = start_trace()
    g.bookkeeping = []
    surface, inner = surface_of(request.path)
    g.surface = surface
    if surface not in WORLD_SURFACES:
        return None
    world = ctx.world()
    now = utcnow()
    if world.last_used_at is None or (now - world.last_used_at).total_seconds() > TOUCH_EVERY:
        world_id = world.id
        g.bookkeeping.append(lambda db: queries.touch_world(db, world_id, now))
    return _apply_faults(world.id, surface, inner)


def _token_tenant() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return jwt.decode(token.strip(), options={"verify_signature": False}).get("tid")
    except jwt.PyJWTError:
        return None


def _apply_faults(world_id: str, surface: str, inner: str):
    rules = queries.fault_rules(ctx.session(), world_id)
    if not rules:
        return None
    tenant, delay = None, 0.0
    for rule in rules:
        if rule.surface not in ("*", surface) or rule.method not in ("*", request.method):
            continue
        if not fnmatch.fnmatchcase(inner, rule.path):
            continue
        if rule.tenant_id:
            tenant = tenant or _token_tenant()
            if (tenant or "").lower() != rule.tenant_id.lower():
                continue
        # Seeded per rule and per match: the same requests in the same order always draw the same faults.
        draw = random.Random(f"{rule.seed}:{rule.created_seq}:{rule.seen + 1}").random()
        fire = rule.remaining != 0 and draw < rule.probability
        if fire and rule.remaining is not None:
            fire = _claim(world_id, rule.id)
        g.bookkeeping.append(lambda db, rid=rule.id, fired=fire: queries.count_fault(db, world_id, rid, fired))
        if not fire:
            continue
        g.fault = rule.id
        if rule.kind == "latency":
            delay += rule.latency_ms / 1000
            continue
        _wait(delay)
        if rule.kind == "drop":
            _drop_connection()
            return "", 500
        raise InjectedFault(rule.status or 503, rule.id, rule.retry_after)
    _wait(delay)
    return None


def _claim(world_id: str, rule_id: str) -> bool:
    """Take one of a limited rule's firings, in a short transaction of its own (the request's is ended first:
    on SQLite a second transaction of the same thread would wait for the first's lock)."""
    ctx.release_session()
    with ctx.pcsim().store.session() as db:
        claimed = queries.claim_fault(db, world_id, rule_id)
    ctx.world()
    return claimed


def _wait(seconds: float) -> None:
    """A latency fault: this request waits, holding no lock and no database connection, then reads its world
    again (whatever changed meanwhile, it is served as it is after the wait)."""
    if seconds <= 0:
        return
    ctx.release_session()
    time.sleep(seconds)
    ctx.world()


def _drop_connection() -> None:
    """Close the client's connection without an answer (werkzeug and gunicorn expose the socket)."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _denying_rule(response) -> str | None:
    """The rule that refused this request: the error's own, or the first failed check of a decision."""
    if response.status_code < 400:
        return None
    if g.get("denied_rule"):
        return g.denied_rule
    failed = [c.rule for d in g.get("decisions", []) for c in d.checks if not c.passed]
    return failed[0] if failed else None


def after_request(response) -> None:
    """Headers every answer carries (the request's transaction has ended: see :func:`journal`)."""
    response.headers["x-pcsim-request-id"] = pcsim_request_id()
    if g.get("surface") in WORLD_SURFACES and "world" in g and g.get("retry_after") is not None:
        response.headers["Retry-After"] = str(g.retry_after)


def needs_journal() -> bool:
    return bool(g.get("bookkeeping")) or (g.get("surface") in WORLD_SURFACES and "world" in g)


def journal(response, db) -> None:
    """Journal the request and count its faults in ``db``: a short transaction of their own, after the
    request's (committed or rolled back) and before the answer is sent."""
    for apply in g.pop("bookkeeping", []):
        apply(db)
    if g.get("surface") not in WORLD_SURFACES or "world" not in g:
        return
    principal = g.get("principal")
    actor = (
        principal.name
        if principal
        else (
            request.form.get("username") or request.form.get("client_id")
            if request.mimetype == "application/x-www-form-urlencoded"
            else None
        )
    )
    ctx.pcsim().store.journal.add(
        db,
        world_id=g.world.id,
        id=pcsim_request_id(),
        seq=int(time.time() * 1_000_000),
        at=ctx.now(),
        surface=g.surface,
        method=request.method,
        path=request.full_path.rstrip("?"),
        status=response.status_code,
        actor=actor,
        tenant_id=principal.tenant.id if principal else None,
        rule=_denying_rule(response),
        fault=g.get("fault"),
        decisions=[d.as_dict() for d in g.get("decisions", [])],
    )
