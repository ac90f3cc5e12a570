"""The training UI (``/ui/``): a persona switcher and the pages of Partner Center, the Azure portal and the
Microsoft 365 admin center, over any world. Pages read the world's directory (who is who) from the store,
and do everything else through the surfaces (see :mod:`.backend`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from flask import session as flask_session

from ...domain.catalog import ENTRA_ROLE_NAMES
from ...domain.clock import WorldClock, iso
from ...domain.errors import NotFound
from ...services import control
from ...store import directory, queries
from .. import context as ctx
from .backend import Backend

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates", static_folder="static")
WORLD_COOKIE, PERSONA_COOKIE = "pcsim_ui_world", "pcsim_ui_persona"
UI_WORLDS_KEY, MAX_UI_WORLDS = "worlds", 20  # the worlds this browser made (Flask session)


@dataclass
class Persona:
    """A user of the world as the UI shows them."""

    id: str
    upn: str
    display_name: str
    tenant_id: str
    tenant_name: str
    tenant_kind: str  # partner | customer
    cloud: str
    roles: list[str]  # Partner Center roles (partner users) or Entra roles (customer users)
    groups: list[str]

    @property
    def is_partner(self) -> bool:
        return self.tenant_kind == "partner"


def world_id() -> str:
    return request.cookies.get(WORLD_COOKIE) or ctx.pcsim().config.default_world


def _personas(session, world: str) -> list[Persona]:
    tenants = {t.id: t for t in directory.tenants(session, world)}
    people = []
    for u in directory.users(session, world):
        t = tenants[u.tenant_id]
        roles = (
            list(u.partner_roles or [])
            if t.kind == "partner"
            else [ENTRA_ROLE_NAMES.get(r, r) for r in u.directory_roles or []]
        )
        people.append(
            Persona(
                u.id,
                u.upn,
                u.display_name,
                t.id,
                t.name,
                t.kind,
                t.cloud,
                roles,
                sorted(queries.user_groups(session, world, u.id).values()),
            )
        )
    # Partners first, then customers; by tenant name, then user.
    return sorted(people, key=lambda p: (p.tenant_kind != "partner", p.tenant_name, p.upn))


def load_context() -> None:
    """The world, its clock, the personas and the chosen one, for every page (``g.ui``)."""
    with ctx.pcsim().store.session() as session:
        wid = world_id()
        try:
            world = control.world(session, wid)
        except NotFound:
            wid = ctx.pcsim().config.default_world
            world = control.world(session, wid)
        # The selector lists the default world, this browser's own (made from the trainer) and the current one,
        # not every world tests or tools made on the server.
        mine = set(flask_session.get(UI_WORLDS_KEY, [])) | {wid, ctx.pcsim().config.default_world}
        worlds = [w.id for w in control.live_worlds(session) if w.id in mine]
        personas = _personas(session, wid)
        clock = WorldClock(world.clock_anchor, world.clock_wall_anchor, world.clock_frozen).now()
    chosen = next((p for p in personas if p.id == request.cookies.get(PERSONA_COOKIE)), None)
    g.ui = {
        "world": wid,
        "worlds": worlds,
        "personas": personas,
        "persona": chosen,
        "clock": iso(clock),
        "frozen": world.clock_frozen,
    }


def backend(persona: Persona | None = None) -> Backend:
    """Calls as the current persona (or ``persona``) in the current world."""
    persona = persona or g.ui["persona"]
    if persona is None:
        abort(redirect(url_for("ui.home", next=request.path)))
    return Backend(g.ui["world"], ctx.pcsim().config.default_world, persona.upn, cloud=persona.cloud)


@bp.before_request
def _context():
    load_context()


@bp.get("/")
def home():
    """Who are you today? Every user of the world, one click away."""
    return render_template("ui/home.html", next=request.args.get("next", ""))


@bp.post("/persona")
def choose_persona():
    persona = next((p for p in g.ui["personas"] if p.id == request.form.get("user")), None)
    if persona is None:
        abort(400, "unknown user")
    target = request.form.get("next") or (url_for("ui.home") if not persona.is_partner else url_for("ui.home"))
    response = make_response(redirect(landing(persona, target)))
    response.set_cookie(PERSONA_COOKIE, persona.id, samesite="Lax")
    return response


def landing(persona: Persona, wanted: str) -> str:
    """Where a persona starts: the page it asked for, or its own portal's home."""
    if wanted and wanted.startswith("/ui/") and wanted != "/ui/":
        return wanted
    endpoint = "ui.pc_customers" if persona.is_partner else "ui.m365_support"
    return url_for(endpoint) if endpoint in _endpoints() else url_for("ui.home")


def _endpoints() -> set[str]:
    from flask import current_app

    return {rule.endpoint for rule in current_app.url_map.iter_rules()}


@bp.post("/world")
def choose_world():
    wanted = request.form.get("world", "")
    with ctx.pcsim().store.session() as session:
        try:
            control.world(session, wanted)
        except NotFound:
            abort(400, "unknown world")
    made = [w for w in flask_session.get(UI_WORLDS_KEY, []) if w != wanted][-(MAX_UI_WORLDS - 1) :]
    flask_session[UI_WORLDS_KEY] = [*made, wanted]
    response = make_response(redirect(url_for("ui.home")))
    response.set_cookie(WORLD_COOKIE, wanted, samesite="Lax")
    response.delete_cookie(PERSONA_COOKIE)
    return response


def register(app) -> list:
    from . import pages  # noqa: F401  (the pages register their routes on ``bp``)

    _session_key(app)
    app.register_blueprint(bp)
    return []


def _session_key(app) -> None:
    """The key of Flask's session cookie (``flash`` messages): derived from the token signing key, so every worker
    of one database agrees (an RS256 signature of a fixed claim is deterministic). Kept if already set."""
    if not app.secret_key:
        import hashlib

        signed = app.extensions["pcsim"].keys.sign({"purpose": "pcsim-ui-session"})
        app.secret_key = hashlib.sha256(signed.encode()).hexdigest()


# --- what every template gets ---------------------------------------------------------------------------------
# Pages add themselves to the navigation: (endpoint, label), in order.
NAV: list[tuple[str, str]] = []


@bp.app_context_processor
def _navigation():
    return {"ui_nav": [(e, label) for e, label in NAV if e in _endpoints()]}


@bp.app_template_filter("denial_message")
def denial_message(answer) -> str:
    """A surface's refusal in plain words, whatever its error body."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if "error_description" in body:  # Entra ID: drop the trace and correlation ids
        return body["error_description"].split(" Trace ID:")[0]
    if isinstance(body.get("error"), dict):
        return body["error"].get("message", "")
    return body.get("description") or str(answer.body or f"HTTP {answer.status}")


def _failed_check(answer) -> dict:
    for decision in (answer.trace or {}).get("decisions", []):
        for check in decision["checks"]:
            if not check["passed"]:
                return check
    return {}


FIXES = {
    "GDAP": "the customer approves a GDAP relationship with {partner}, and {partner} assigns its roles to a "
    "security group {user} is in (Graph: accessAssignments).",
    "R1": "the partner needs a relationship with the customer: advisor, indirect reseller, direct provider or "
    "indirect provider.",
    "R2": "file for Azure, Microsoft 365, Dynamics CRM Online or Enterprise Mobility Suite.",
    "R3": "{user} needs the AdminAgent role in Partner Center, and a GDAP relationship granting Service Support "
    "Administrator or Helpdesk Administrator to a group {user} is in.",
    "R4": "start from Service requests > New request: it opens the workload's own portal for the customer.",
    "R5": "a group {user} is in needs a GDAP role that may view service health (e.g. Global Reader).",
    "R6": "the subscription's provider files billing, subscription management and quota tickets: ask it.",
    "R7": "assign Support Request Contributor (or Contributor, Owner) on the subscription to a group {user} is in, "
    "and a GDAP support role in the customer.",
    "R8": "choose the support plan 'Cloud Solution Provider' and give the partner's own contact details.",
    "R9": "give the partner's own contact details, and a GDAP support role (Service Support Administrator or "
    "Helpdesk Administrator) to a group {user} is in.",
    "R10": "contact the partner for support; a paid Direct subscription would add 'open a request with Microsoft'.",
    "R11": "contact the product's publisher (its support details are above).",
    "R12": "sign in to the customer's tenant (through GDAP) rather than the partner's own.",
    "R13": "name the partner's own entitlement: a partner agreement id, a Premier/Unified contract or an Azure "
    "support plan.",
}


@bp.app_template_filter("fix_hints")
def fix_hints(answer) -> list[str]:
    rule = answer.rule or _failed_check(answer).get("rule")
    persona = g.ui.get("persona")
    template = FIXES.get(rule or "")
    if template is None:
        return []
    partner = persona.tenant_name if persona is not None and persona.is_partner else "the partner"
    return [template.format(user=persona.upn if persona else "the user", partner=partner)]


@bp.app_template_filter("facts")
def facts(value) -> str:
    """A fact of a decision in words: a tenant's id is shown with its name (``Fabrikam Distribution (1c3e...)``)."""
    if isinstance(value, list):
        return "; ".join(facts(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {facts(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    name = tenant_names().get(str(value))
    return f"{name} ({value})" if name else str(value)


def tenant_names() -> dict[str, str]:
    """The current world's tenant names by id (once per page)."""
    if "ui_tenant_names" not in g:
        g.ui_tenant_names = {p.tenant_id: p.tenant_name for p in g.ui["personas"]} if "ui" in g else {}
    return g.ui_tenant_names
