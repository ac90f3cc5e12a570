"""Trainer controls (``/ui/trainer``) and guided tours (``/ui/trainer/tours/<name>``).

The controls act on the current world through the control plane (``/sim/worlds/<id>/...``): reset, the clock,
a subscription's trial/paid switch, a service's health, a new world from a fixture. The lists they offer
(Direct subscriptions, services' health) are read from the store for display only.

A tour is one of the shipped scenario files (``scenarios/**/*.yaml``, see ``scenarios/README.md``) told step by
step in plain words: who acts, what is called, what is expected.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from flask import abort, g, make_response, redirect, render_template, request, session, url_for

from ...data import scenarios_dir
from ...domain.catalog import CLOUD_PREFIX
from ...store import directory
from ...worlds.manager import FIXTURES_DIR
from .. import context as ctx
from .backend import Answer, Backend
from .portals import tenants
from .views import MAX_UI_WORLDS, NAV, PERSONA_COOKIE, UI_WORLDS_KEY, WORLD_COOKIE, bp

NAV.append(("ui.trainer", "Trainer"))

ROOT = FIXTURES_DIR.parent  # a tour's world `scenario: fixtures/x.yaml` is looked up there too
SCENARIOS_DIR = scenarios_dir()  # the shipped scenarios (simulator/data: importlib.resources)
CLOCK_STEPS = (("P1D", "1 day"), ("P7D", "7 days"), ("P30D", "30 days"), ("P400D", "400 days"))
DEGRADED, OPERATIONAL = "serviceDegradation", "serviceOperational"
NOTICES = {
    "reset": "The world is back to how it was created (data and clock).",
    "clock": "The clock moved.",
    "frozen": "The clock is frozen.",
    "running": "The clock runs again.",
    "subscription": "The subscription changed.",
    "health": "The service's health changed.",
    "world": "You are now in the new world: choose a persona.",
}


def control() -> Backend:
    """The control plane of the current world (no persona needed: it takes no token)."""
    return Backend(g.ui["world"], ctx.pcsim().config.default_world, "")


def control_plane(method: str, path: str, json=None) -> Answer:
    """A control-plane request outside any one world (``POST /sim/worlds``)."""
    return control().control(method, path, json)


def done(key: str):
    return redirect(url_for("ui.trainer", done=key))


# --- the controls --------------------------------------------------------------------------------------------
def fixtures() -> list[str]:
    return sorted(p.stem for p in FIXTURES_DIR.glob("*.yaml"))


def _direct_subscriptions() -> list[dict]:
    names = {t.id: t.name for t in tenants().values()}
    with ctx.pcsim().store.session() as session:
        rows = directory.subscriptions(session, g.ui["world"], channel="direct")
        return sorted(
            (
                {
                    "id": s.id,
                    "tenant": names.get(s.tenant_id, s.tenant_id),
                    "name": s.display_name,
                    "offer": s.offer_name,
                    "workload": s.workload,
                    "trial": s.is_trial,
                    "status": s.status,
                }
                for s in rows
            ),
            key=lambda s: (s["tenant"], s["name"]),
        )


def _service_health() -> list[dict]:
    names = {t.id: t.name for t in tenants().values()}
    with ctx.pcsim().store.session() as session:
        rows = directory.service_health(session, g.ui["world"])
        return sorted(
            (
                {
                    "tenant_id": h.tenant_id,
                    "tenant": names.get(h.tenant_id, h.tenant_id),
                    "service_id": h.service_id,
                    "service": h.service_name,
                    "status": h.status,
                }
                for h in rows
            ),
            key=lambda h: (h["tenant"], h["service"]),
        )


def _trainer_page(refused: Answer | None = None):
    world = control().sim("GET", "")
    return render_template(
        "ui/trainer_home.html",
        world=world.body if world.ok else {},
        refused=refused,
        notice=NOTICES.get(request.args.get("done", "")),
        clock_steps=CLOCK_STEPS,
        subscriptions=_direct_subscriptions(),
        health=_service_health(),
        fixtures=fixtures(),
        tours=tours(),
        degraded=DEGRADED,
        operational=OPERATIONAL,
    )


@bp.get("/trainer")
def trainer():
    """Reset, the clock, trial/paid, service incidents, new worlds, and the guided tours."""
    return _trainer_page()


@bp.post("/trainer/reset")
def trainer_reset():
    answer = control().sim("POST", "/reset")
    return done("reset") if answer.ok else _trainer_page(answer)


@bp.post("/trainer/clock")
def trainer_clock():
    form = request.form
    if "frozen" in form:
        body = {"frozen": form["frozen"] == "true"}
    elif form.get("set", "").strip():
        body = {"set": form["set"].strip()}
    else:
        body = {"advance": form.get("advance", "").strip()}
    answer = control().sim("POST", "/clock", body)
    if not answer.ok:
        return _trainer_page(answer)
    return done("clock" if "frozen" not in body else "frozen" if body["frozen"] else "running")


@bp.post("/trainer/subscriptions/<subscription_id>")
def trainer_subscription(subscription_id):
    answer = control().sim("PATCH", f"/subscriptions/{subscription_id}", {"trial": request.form.get("trial") == "true"})
    return done("subscription") if answer.ok else _trainer_page(answer)


@bp.post("/trainer/health/<tenant_id>/<service_id>")
def trainer_health(tenant_id, service_id):
    answer = control().sim(
        "PATCH", f"/serviceHealth/{tenant_id}/{service_id}", {"status": request.form.get("status", "")}
    )
    return done("health") if answer.ok else _trainer_page(answer)


def _switch_world(world_id: str, target: str):
    """Go to a world the UI made (it then appears in the World selector of this browser)."""
    made = [w for w in session.get(UI_WORLDS_KEY, []) if w != world_id][-(MAX_UI_WORLDS - 1) :]
    session[UI_WORLDS_KEY] = [*made, world_id]
    response = make_response(redirect(target))
    response.set_cookie(WORLD_COOKIE, world_id, samesite="Lax")
    response.delete_cookie(PERSONA_COOKIE)
    return response


@bp.post("/trainer/worlds")
def trainer_new_world():
    """A new world from a fixture, and switch to it."""
    body: dict[str, Any] = {
        "scenario": request.form.get("scenario") or "default",
        "frozen": request.form.get("frozen") == "true",
    }
    if request.form.get("id", "").strip():
        body["id"] = request.form["id"].strip()
    answer = control_plane("POST", "/sim/worlds", body)
    if not answer.ok:
        return _trainer_page(answer)
    return _switch_world(answer.body["id"], url_for("ui.trainer", done="world"))


# --- guided tours --------------------------------------------------------------------------------------------
@dataclass
class Tour:
    name: str  # the file's path under scenarios/, without .yaml
    file: Path
    title: str
    description: str = ""
    rules: list[str] = field(default_factory=list)
    world: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    error: str | None = None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe_load's loader, in C when available (10x faster)
_read: dict[Path, tuple[tuple[int, int], Any]] = {}


def _yaml(path: Path) -> Any:
    """A scenario file's content (re-read only when the file changed: other people are writing them)."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    if path not in _read or _read[path][0] != stamp:
        _read[path] = (stamp, yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER))
    return _read[path][1]


def _load_tour(path: Path) -> Tour:
    name = path.relative_to(SCENARIOS_DIR).with_suffix("").as_posix()
    try:
        data = _yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        return Tour(name, path, name, error=f"cannot be read: {exc}")
    if not isinstance(data, dict):
        return Tour(name, path, name, error="is not a scenario (a mapping with name and steps)")
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    return Tour(
        name,
        path,
        str(data.get("name") or name),
        str(data.get("description") or "").strip(),
        [str(r) for r in rules],
        data.get("world") if isinstance(data.get("world"), dict) else {},
        steps,
        None if steps else "has no steps",
    )


def tours() -> list[Tour]:
    """Every scenario file shipped under ``scenarios/`` (none yet is fine)."""
    if not SCENARIOS_DIR.is_dir():
        return []
    files = sorted(p for p in SCENARIOS_DIR.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [_load_tour(p) for p in files]


def find_tour(name: str) -> Tour:
    for suffix in (".yaml", ".yml"):
        path = (SCENARIOS_DIR / f"{name}{suffix}").resolve()
        if path.is_file() and SCENARIOS_DIR.resolve() in path.parents:
            return _load_tour(path)
    abort(404, f"no scenario {name!r} under scenarios/")


PLACEHOLDER = re.compile(r"\{(tenant|user|group|sub|gdap|app):([^}]+)\}")
SURFACES = {
    "login": "Entra ID sign-in",
    "partnercenter": "Partner Center",
    "graph": "Microsoft Graph",
    "azure": "Azure Resource Manager",
    "m365admin": "the Microsoft 365 admin center",
}
CALL_MEANINGS = (
    ("PUT", r"/supportTickets/[^/]+/communications/[^/]+$", "adds a message to an Azure support ticket"),
    ("GET", r"/supportTickets/[^/]+/communications$", "reads an Azure support ticket's communications"),
    ("PUT", r"/supportTickets/[^/]+$", "files an Azure support ticket (Azure portal: New support request)"),
    ("PATCH", r"/supportTickets/[^/]+$", "updates an Azure support ticket"),
    ("GET", r"/supportTickets/[^/]+$", "reads an Azure support ticket"),
    ("GET", r"/supportTickets$", "lists Azure support tickets (Manage support requests)"),
    ("GET", r"/providers/Microsoft\.Support/services", "reads Azure's problem types"),
    ("GET", r"^/azure/subscriptions(/[^/]+)?$", "lists the Azure subscriptions it may see"),
    ("POST", r"/support/serviceRequests/[^/]+/notes$", "adds a note to a Microsoft 365 service request"),
    ("POST", r"/support/serviceRequests$", "files a service request in the Microsoft 365 admin center"),
    ("GET", r"/support/serviceRequests$", 'opens "View all support tickets" in the Microsoft 365 admin center'),
    ("PATCH", r"/support/serviceRequests/[^/]+$", "closes a Microsoft 365 service request"),
    ("GET", r"/support/serviceRequests/[^/]+$", "reads a Microsoft 365 service request with its notes"),
    ("GET", r"/support/options$", "reads the tenant's support options (Microsoft 365 admin center)"),
    ("GET", r"/support/topicCategories/more$", 'expands "More..." in the topic categories'),
    ("GET", r"/support/topicCategories$", "lists the topic categories of a new request"),
    (
        "GET",
        r"/servicerequests/newrequest/[^/]+$",
        "opens Service requests > New request in Partner Center (the hand-off to the workload's own portal)",
    ),
    ("POST", r"/customers/[^/]+/servicerequests/[^/]+$", "files a service request for a customer in Partner Center"),
    (
        "POST",
        r"^/partnercenter/v1/servicerequests/[^/]+$",
        "files a service request for the partner itself in Partner Center",
    ),
    ("PATCH", r"/servicerequests/[^/]+$", "adds a note to a Partner Center service request"),
    ("GET", r"/servicerequests", "reads service requests in Partner Center"),
    ("GET", r"/serviceincidents", "reads service incidents in Partner Center"),
    ("GET", r"/serviceAnnouncement", "reads service health on Microsoft Graph"),
    ("GET", r"/delegatedAdminRelationships", "reads GDAP relationships on Microsoft Graph"),
    (None, r"/delegatedAdminRelationships", "changes a GDAP relationship on Microsoft Graph"),
    ("GET", r"^/partnercenter/v1/customers/[^/]+/subscriptions", "reads a customer's subscriptions in Partner Center"),
    ("GET", r"^/partnercenter/v1/customers/[^/]+$", "opens a customer in Partner Center"),
    ("GET", r"^/partnercenter/v1/customers$", "lists its customers in Partner Center"),
    (None, r"^/login/", "signs in"),
)


def readable(text: Any) -> str:
    """A path or value with its placeholders as names: ``{sub:contoso-prod}`` -> ``contoso-prod``."""
    return PLACEHOLDER.sub(lambda m: m.group(2), str(text))


def _surface_path(path: str) -> str:
    bare = path.split("?", 1)[0]
    for prefix in CLOUD_PREFIX.values():
        if prefix and bare.startswith(prefix + "/"):
            return bare[len(prefix) :]
    return bare


def call_meaning(method: str, path: str) -> str:
    bare = _surface_path(path)
    for wanted, pattern, text in CALL_MEANINGS:
        if (wanted is None or wanted == method.upper()) and re.search(pattern, bare):
            return text
    surface = bare.split("/", 2)[1] if bare.count("/") >= 1 else ""
    return f"calls {SURFACES.get(surface, surface or 'pcsim')}"


def _persona_for(user: str):
    return next((p for p in g.ui["personas"] if p.upn.lower() == user.lower()), None)


def _tenant_name(tenant: str) -> str:
    tenant = readable(tenant).lower()
    for p in g.ui["personas"]:
        if tenant in (p.upn.rpartition("@")[2].lower(), p.tenant_id):
            return p.tenant_name
    return readable(tenant)


def _edit_meaning(method: str, path: str, body: Any) -> str:
    body = body if isinstance(body, dict) else {}
    p = readable(path)
    if "/subscriptions/" in path and "trial" in body:
        return f"Trainer control: subscription {p.rsplit('/', 1)[1]} becomes {'a trial' if body['trial'] else 'paid'}."
    if "/subscriptions/" in path and path.endswith("/rbac"):
        return (
            f"World edit: {readable(body.get('principal', 'a principal'))} gets the Azure role {body.get('role')} "
            f"on subscription {p.split('/')[2]}."
        )
    if "/serviceHealth/" in path:
        return f"Trainer control: the service's health becomes {body.get('status')} ({p})."
    if "/gdapRelationships/" in path:
        return "World edit: a GDAP relationship changes (" + ", ".join(f"{k} {v}" for k, v in body.items()) + ")."
    if "/accessAssignments/" in path:
        return (
            "World edit: a GDAP access assignment changes ("
            + ", ".join(f"{k} {readable(v)}" for k, v in body.items())
            + ")."
        )
    if "/members/" in path:
        verb = "joins" if method.upper() == "PUT" else "leaves"
        parts = p.split("/")
        return f"World edit: user {parts[-1]} {verb} group {parts[2]}."
    if "/users/" in path:
        return (
            f"World edit: user {p.split('/')[2]} changes ("
            + ", ".join(f"{k} {v}" for k, v in body.items() if k != "password")
            + ")."
        )
    return f"World edit (control plane): {method.upper()} {p}."


def _duration_words(value: str) -> str:
    m = re.fullmatch(r"P(\d+)D", str(value))
    return f" ({m.group(1)} days)" if m else ""


def _value(value: Any) -> str:
    """An expected value in one line: a list of scalars joined, anything else as JSON."""
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100).strip()


def _narrate_as(item: dict, value: dict, actor: str | None) -> str:
    if not value.get("user"):
        app = readable(value.get("app", "an app"))
        item["title"] = f"Act as the app {app}"
        item["lines"].append(
            f"The app registration {app} signs in (client credentials) to {_tenant_name(value.get('tenant', ''))}."
        )
        return f"the app {app}"
    user = readable(value["user"])
    persona = _persona_for(user)
    tenant = value.get("tenant")
    acting_in = _tenant_name(tenant) if tenant else None
    own = persona.tenant_name if persona else _tenant_name(user.rpartition("@")[2])
    who = f"{persona.display_name} ({user}, {persona.tenant_name})" if persona else user
    item["title"] = f"Act as {persona.display_name if persona else user}"
    if acting_in and acting_in != own:
        item["lines"].append(
            f"{who} signs in to {acting_in}'s tenant: a partner user acting there "
            "through GDAP (the token is refused without an active relationship)."
        )
    else:
        item["lines"].append(f"{who} signs in to their own tenant.")
    if persona and persona.roles:
        item["lines"].append(f"Roles: {', '.join(persona.roles)}.")
    item["persona"] = persona
    return persona.display_name if persona else user


def _narrate_call(item: dict, value: dict, actor: str | None) -> str | None:
    method, path = str(value.get("method", "GET")).upper(), str(value.get("path", ""))
    meaning = call_meaning(method, path)
    item["title"] = meaning[0].upper() + meaning[1:]
    item["lines"].append(f"{actor or 'The client'} {meaning}.")
    item["code"] = f"{method} {path}"
    if value.get("body") is not None:
        item["body"] = _dump(value["body"])
    if value.get("retry"):
        item["lines"].append("It retries after Retry-After on 429/503, as a well-behaved client does.")
    return actor


def _narrate_edit(item: dict, value: dict, actor: str | None) -> str | None:
    item["title"] = "Change the world"
    item["lines"].append(
        _edit_meaning(str(value.get("method", "PATCH")), str(value.get("path", "")), value.get("body"))
    )
    item["code"] = f"{str(value.get('method', 'PATCH')).upper()} /sim/worlds/<world>{value.get('path', '')}"
    if value.get("body") is not None:
        item["body"] = _dump(value["body"])
    return actor


def _narrate_fault(item: dict, value: dict, actor: str | None) -> str | None:
    item["title"] = "Inject a fault"
    effect = (
        f"answer {value['status']}"
        + (f" with Retry-After {value['retryAfter']}s" if value.get("retryAfter") is not None else "")
        if value.get("status")
        else f"take {value['latencyMs']} ms longer"
        if value.get("latencyMs")
        else "drop the connection"
    )
    scope = " ".join(str(value[k]) for k in ("method", "path") if k in value)
    times = f", {value['count']} time(s)" if value.get("count") else ""
    item["lines"].append(
        f"Requests to {SURFACES.get(value.get('surface', '*'), 'any surface')}"
        f"{' ' + scope if scope else ''} {effect}{times}."
    )
    item["body"] = _dump(value)
    return actor


def _narrate_clock(item: dict, value: Any, actor: str | None, kind: str) -> str | None:
    if kind == "advance":
        item["title"] = f"Advance the clock by {value}"
        item["lines"].append(f"The world's clock moves forward by {value}{_duration_words(value)}.")
    elif kind == "set_clock":
        item["title"] = f"Set the clock to {value}"
        item["lines"].append(f"The world's clock is set to {value}.")
    else:
        item["title"] = "Clear the faults"
        item["lines"].append("Every fault rule of the world is removed.")
    return actor


NARRATORS = {"as": _narrate_as, "call": _narrate_call, "edit": _narrate_edit, "fault": _narrate_fault}


def _expectations(item: dict, step: dict) -> None:
    expect = step.get("expect") if isinstance(step.get("expect"), dict) else None
    if expect:
        status = expect.get("status")
        outcome = (
            "allowed"
            if isinstance(status, int) and status < 400
            else f"refused by {expect['rule']}"
            if expect.get("rule")
            else "refused"
        )
        item["expect"].append(f"Expected: HTTP {status}, {outcome}.")
        item["outcome"] = f"{status}" + (f" {expect['rule']}" if expect.get("rule") else "")
        for path, wanted in (expect.get("body") or {}).items():
            item["expect"].append(f"{path} is {readable(_value(wanted))}")
        if expect.get("attempts"):
            item["expect"].append(f"after {expect['attempts']} attempt(s)")
    if isinstance(step.get("save"), dict):
        item["expect"].append("Keeps " + ", ".join(f"{v} as ${{{k}}}" for k, v in step["save"].items()) + ".")


def narrate(steps: list) -> list[dict]:
    """Each step in plain words: who acts, what is called, what is expected."""
    out: list[dict] = []
    actor: str | None = None
    for index, raw in enumerate(steps):
        step = raw if isinstance(raw, dict) else {"?": raw}
        kind = next((k for k in step if k not in ("expect", "save")), "?")
        value = step.get(kind)
        item: dict[str, Any] = {
            "index": index,
            "kind": kind,
            "lines": [],
            "code": None,
            "body": None,
            "expect": [],
            "persona": None,
            "outcome": None,
        }
        if kind in NARRATORS and isinstance(value, dict):
            actor = NARRATORS[kind](item, value, actor)
        elif kind in ("advance", "set_clock", "clear_faults"):
            actor = _narrate_clock(item, value, actor, kind)
        else:
            item["title"] = f"Step {kind}"
            item["body"] = _dump(raw)
        _expectations(item, step)
        out.append(item)
    return out


def _world_text(world: dict) -> str:
    if not world:
        return "a new world from the default fixture"
    parts = []
    if world.get("fixture"):
        parts.append("an inline fixture")
    else:
        parts.append(f"the fixture '{world.get('scenario', 'default')}'")
    if world.get("seed") is not None:
        parts.append(f"seed {world['seed']}")
    if world.get("clock"):
        parts.append(f"clock at {world['clock']}")
    return "a new world from " + ", ".join(parts)


@bp.get("/trainer/tours/<path:name>")
def tour(name):
    """A scenario told step by step (``?step=n``, from 1)."""
    t = find_tour(name)
    steps = narrate(t.steps)
    try:
        n = int(request.args.get("step", "1"))
    except ValueError:
        n = 1
    n = min(max(n, 1), max(len(steps), 1))
    return render_template(
        "ui/trainer_tour.html",
        tour=t,
        steps=steps,
        n=n,
        current=steps[n - 1] if steps else None,
        world_text=_world_text(t.world),
    )


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    return str(value)


@bp.post("/trainer/tours/<path:name>")
def tour_world(name):
    """Start the tour in a world of its own, as the scenario says (fixture, seed, clock), and switch to it."""
    t = find_tour(name)
    w = t.world
    body: dict[str, Any] = {"frozen": bool(w.get("frozen", True))}
    if isinstance(w.get("fixture"), dict):
        body["fixture"] = w["fixture"]
    elif w.get("scenario"):
        scenario = str(w["scenario"])
        for candidate in (t.file.parent / scenario, ROOT / scenario):
            if Path(scenario).suffix in (".yaml", ".yml") and candidate.is_file():
                scenario = str(candidate)
                break
        body["scenario"] = scenario
    if w.get("seed") is not None:
        body["seed"] = w["seed"]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", t.name).strip("-")[:40] or "tour"
    body["id"] = f"tour-{slug}-{uuid.uuid4().hex[:6]}"
    answer = control_plane("POST", "/sim/worlds", body)
    if answer.ok and w.get("clock"):
        answer = control_plane("POST", f"/sim/worlds/{body['id']}/clock", {"set": _iso(w["clock"])})
    if not answer.ok:
        steps = narrate(t.steps)
        return render_template(
            "ui/trainer_tour.html",
            tour=t,
            steps=steps,
            n=1,
            current=steps[0] if steps else None,
            world_text=_world_text(w),
            refused=answer,
        )
    return _switch_world(body["id"], url_for("ui.tour", name=t.name, step=1))
