"""``pcsim record``: a recording proxy. A partner tool talks to the proxy as if it were pcsim; the proxy
forwards every request to one world of a real pcsim and writes a scenario that replays the session:

- token requests become ``as`` steps (the user or app and the tenant; the password only when it is not the
  default one), put before the first call made with that token;
- calls to the surfaces become ``call`` steps with an ``expect``: the status, the rule of a denial, and a few
  stable body fields (no timestamps, request ids or generated ids); the stable ids of the fixture's entities
  are written as placeholders (``{tenant:contoso}``), and a value of an answer that a later request sends
  back (a ticket id, a continuation token) is saved (``save``) and sent as ``${name}``;
- the control plane calls that change the world (clock, faults, edits) become their steps.

Plain and honest: a werkzeug WSGI app that forwards with ``requests``.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
import requests
from werkzeug.wrappers import Request, Response

from ..surfaces.hooks import surface_of as hooks_surface_of
from ..worlds import ids
from . import yamlio
from .runner import DEFAULT_PASSWORD, control_headers, rule_in_body

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length", "content-encoding"}
# Request headers worth replaying (the rest are the client's plumbing, or volatile).
KEPT_HEADERS = {h.lower(): h for h in ("MS-ContinuationToken", "If-Match", "If-None-Match", "Prefer", "ConsistencyLevel",
                                        "Accept-Language")}
SAVABLE = re.compile(r"^[^\s/?#&][^\s?#&]{7,}$")  # an identifier-like value (not a path, a URL or a sentence)
TOKEN_PATH = re.compile(r"^(?:/usgov)?(?:/login)?/([^/]+)/oauth2/(?:v2\.0/)?token$")
META_TENANTS = {"common", "organizations", "consumers"}
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
VOLATILE_KEY = re.compile(r"date|time|created|modified|etag|request.?id|correlation|trace|token|expires|"
                          r"continuation|link|ur[il]$|explain|@odata", re.IGNORECASE)
STABLE_KEYS = ("id", "name", "displayName", "status", "state", "companyName", "relationshipToPartner", "title",
               "severity", "friendlyName", "offerName", "quantity")
KNOWN_SECRET = "Pcsim-App-Secret-1!"  # the default world's app secret (fixtures/README.md)


def known_ids(fixture) -> dict[str, str]:
    """Every stable id of a fixture's entities -> its placeholder."""
    known: dict[str, str] = {}
    for t in fixture.partners + fixture.customers:
        known[ids.tenant_id(t["key"])] = f"{{tenant:{t['key']}}}"
        for u in t["users"]:
            known[ids.user_id(t["key"], u["key"])] = f"{{user:{t['key']}/{u['key']}}}"
        for s in t["subscriptions"]:
            known[ids.subscription_id(s["key"])] = f"{{sub:{s['key']}}}"
    for p in fixture.partners:
        for g in p["groups"]:
            known[ids.group_id(p["key"], g["key"])] = f"{{group:{p['key']}/{g['key']}}}"
        for a in p["apps"]:
            if not a.get("clientId"):
                known[ids.app_id(p["key"], a["key"])] = f"{{app:{p['key']}/{a['key']}}}"
    for c in fixture.customers:
        for g in c["gdap"]:
            known[ids.gdap_relationship_id(c["key"], g["key"])] = f"{{gdap:{c['key']}/{g['key']}}}"
    for m in fixture.marketplaceProducts:
        known[ids.product_id(m["key"])] = f"{{product:{m['key']}}}"
    return {k.lower(): v for k, v in known.items()}


@dataclass
class Exchange:
    """One proxied request and its answer."""
    method: str
    path: str                      # as the client sent it, with the query
    headers: dict
    body: Any                      # parsed: JSON, a form (dict), text, or None
    form: bool
    status: int
    response: Any                  # parsed JSON (or text)
    request_id: str | None
    rule: str | None = None
    identity: dict | None = None   # who made the call (from its bearer token)


@dataclass
class _Step:
    step: dict
    exchange: Exchange | None = None
    saves: dict = field(default_factory=dict)


class Recorder:
    """The proxy (a WSGI app) and what it saw."""

    def __init__(self, target: str, world_id: str, *, known: dict[str, str] | None = None,
                 world: dict | None = None, name: str = "Recorded session", output: str | None = None,
                 max_requests: int | None = None, echo: Callable[[str], None] | None = None):
        self.target = target.rstrip("/")
        self.world_id = world_id
        self.world_root = f"{self.target}/worlds/{world_id}"
        self.known = known or {}
        self.world = world or {}
        self.name = name
        self.output = output
        self.max_requests = max_requests
        self.echo = echo or (lambda _msg: None)
        self._local = threading.local()  # a requests session per proxy thread
        self.lock = threading.Lock()
        self.count = 0
        self.done = threading.Event()
        self.items: list[tuple[str, Any]] = []       # ("call", Exchange) or ("control", step dict)
        self.identities: dict[str, dict] = {}        # access or refresh token -> identity
        self.warnings: list[str] = []

    @property
    def http(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    # --- proxy -----------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.forward(request)
        with self.lock:
            self.count += 1
            if self.max_requests and self.count >= self.max_requests:
                response.call_on_close(self.done.set)
        return response(environ, start_response)

    def forward(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        path = raw if raw.startswith("/") else "/" + raw.split("/", 3)[-1]
        path = path.rstrip("?")
        plain = path.split("?", 1)[0]
        upstream = (self.target if plain.startswith(("/sim/", "/worlds/", "/docs", "/health")) or plain == "/sim"
                    else self.world_root) + path
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        data = request.get_data()
        try:
            r = self.http.request(request.method, upstream, headers=headers, data=data or None,
                                  allow_redirects=False, timeout=120)
        except requests.RequestException as exc:
            self.echo(f"  !! {request.method} {path}: pcsim did not answer ({exc})")
            return Response(json.dumps({"error": {"code": "ProxyError", "message": str(exc)}}), 502,
                            content_type="application/json")
        proxy_root = request.host_url.rstrip("/")
        content = r.content
        content_type = r.headers.get("Content-Type", "")
        if content and ("json" in content_type or content_type.startswith("text/")):
            content = (content.replace(self.world_root.encode(), proxy_root.encode())
                       .replace(self.target.encode(), proxy_root.encode()))
        out = Response(content, r.status_code)
        for k, v in r.headers.items():
            if k.lower() not in HOP_BY_HOP:
                out.headers[k] = v.replace(self.world_root, proxy_root).replace(self.target, proxy_root) \
                    if k.lower() == "location" else v
        try:
            self.observe(request, path, data, r)
        except Exception as exc:  # noqa: BLE001 - never let the recording break the tool's session
            self.echo(f"  !! could not record {request.method} {path}: {exc}")
        return out

    # --- recording -------------------------------------------------------------------------------------------
    def observe(self, request: Request, path: str, data: bytes, r: requests.Response) -> None:
        plain = path.split("?", 1)[0]
        surface = hooks_surface_of(plain)[0]
        try:
            answer = r.json() if r.content else None
        except ValueError:
            answer = r.text
        request_id = r.headers.get("x-pcsim-request-id")
        form = request.mimetype == "application/x-www-form-urlencoded"
        if form:
            body: Any = dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True))
        elif data:
            try:
                body = json.loads(data)
            except ValueError:
                body = data.decode("utf-8", "replace")
        else:
            body = None
        what = "not recorded"
        with self.lock:
            token_request = TOKEN_PATH.match(plain)
            if surface == "login" and token_request and request.method == "POST":
                if r.status_code == 200 and isinstance(answer, dict):
                    identity = self._identity_from_grant(token_request.group(1), body or {})
                    for key in ("access_token", "refresh_token"):
                        if identity and answer.get(key):
                            self.identities[answer[key]] = identity
                    what = "sign-in: an `as` step before the calls with this token"
                else:
                    ex = Exchange("POST", path, {}, body, True, r.status_code, answer, request_id)
                    ex.rule = self._rule(answer, r.status_code, request_id)
                    self.items.append(("call", ex))
                    what = "refused sign-in: a call step"
            elif surface in ("partnercenter", "graph", "azure", "m365admin"):
                headers = {KEPT_HEADERS[k.lower()]: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
                ex = Exchange(request.method, path, headers, body, form, r.status_code, answer, request_id)
                ex.rule = self._rule(answer, r.status_code, request_id)
                auth = request.headers.get("Authorization", "")
                if auth.lower().startswith("bearer "):
                    ex.identity = self._identity_from_token(auth[7:].strip())
                    if ex.identity is None:
                        ex.headers["Authorization"] = auth
                else:
                    ex.headers["Authorization"] = auth  # none, or not a bearer token: replayed as it was
                self.items.append(("call", ex))
                what = "a call step"
            elif surface == "sim" and r.status_code < 400:
                step = self._control_step(request.method, plain, body)
                if step:
                    self.items.append(("control", step))
                    what = f"a {next(iter(step))} step"
            self.write()
        self.echo(f"  {r.status_code} {request.method} {path}  ({what})")

    def _rule(self, answer: Any, status: int, request_id: str | None) -> str | None:
        if status < 400:
            return None
        rule = rule_in_body(answer)
        if rule is None and request_id:  # a sign-in refusal: the journal names the rule
            try:
                j = self.http.get(
                    f"{self.target}/sim/worlds/{self.world_id}/explain/{request_id}",
                    headers=control_headers(),
                    timeout=30,
                )
                rule = j.json().get("rule") if j.status_code == 200 else None
            except (requests.RequestException, ValueError):
                rule = None
        return rule

    def _tenant(self, ref: str, home_domain: str | None) -> str | None:
        if ref.lower() in META_TENANTS or (home_domain and ref.lower() == home_domain.lower()):
            return None
        return self.known.get(ref.lower(), ref)

    def _identity_from_grant(self, tenant_ref: str, form: dict) -> dict | None:
        grant = form.get("grant_type")
        if grant == "password":
            username = form.get("username", "")
            identity = {"user": username}
            tenant = self._tenant(tenant_ref, username.rpartition("@")[2])
            if tenant:
                identity["tenant"] = tenant
            password = form.get("password")
            if password and password != DEFAULT_PASSWORD:
                identity["password"] = password
                self._warn(f"the scenario holds {username}'s password (not the default one)")
            return identity
        if grant == "client_credentials":
            client = form.get("client_id", "")
            secret = form.get("client_secret", "")
            if secret and secret != KNOWN_SECRET:
                self._warn(f"the scenario holds the secret of app {client}")
            return {"app": self.known.get(client.lower(), client), "secret": secret,
                    "tenant": self._tenant(tenant_ref, None) or tenant_ref}
        if grant == "refresh_token":
            return self.identities.get(form.get("refresh_token", ""))
        return None

    def _identity_from_token(self, token: str) -> dict | None:
        if token in self.identities:
            return self.identities[token]
        try:  # a token the proxy did not see issued: who it names (a password or secret cannot be known)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        tenant = self.known.get(str(claims.get("tid", "")).lower(), claims.get("tid"))
        if claims.get("idtyp") == "app":
            app = claims.get("appid") or claims.get("azp") or ""
            self._warn(f"a token of app {app} was issued before the recording: write its secret in the scenario")
            return {"app": self.known.get(app.lower(), app), "secret": "SET-THE-APP-SECRET", "tenant": tenant}
        user = claims.get("upn") or claims.get("preferred_username")
        if not user:
            return None
        return {"user": user, "tenant": tenant}

    def _control_step(self, method: str, plain: str, body: Any) -> dict | None:
        prefix = f"/sim/worlds/{self.world_id}"
        if not plain.startswith(prefix + "/") or method == "GET":
            return None
        rest = plain[len(prefix):]
        if rest == "/clock" and method == "POST" and isinstance(body, dict):
            if "advance" in body:
                return {"advance": body["advance"]}
            if "set" in body:
                return {"set_clock": body["set"]}
            return None
        if rest == "/faults":
            if method == "POST":
                return {"fault": body}
            if method == "DELETE":
                return {"clear_faults": True}
        if rest.startswith(("/snapshots", "/reset", "/journal", "/explain", "/faults/")):
            return None
        edit = {"method": method, "path": self._placeholders(rest)}
        if body is not None:
            edit["body"] = self._placeholders(body)
        return {"edit": edit}

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            self.echo(f"  note: {message}")

    # --- the scenario ----------------------------------------------------------------------------------------
    def _placeholders(self, value: Any) -> Any:
        """Known stable ids as placeholders, in text, mappings and lists."""
        if isinstance(value, str):
            return UUID.sub(lambda m: self.known.get(m.group(0).lower(), m.group(0)), value)
        if isinstance(value, dict):
            return {k: self._placeholders(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._placeholders(v) for v in value]
        return value

    def _stable(self, key: str, value: Any) -> bool:
        if VOLATILE_KEY.search(key):
            return False
        if isinstance(value, (bool, int, float)):
            return True
        if not isinstance(value, str) or len(value) > 200 or not value:
            return False
        if DATETIME.match(value) or self.world_id in value:
            return False
        for m in UUID.finditer(value):
            try:
                if uuid.UUID(m.group(0)).version != 5:
                    return False  # a generated id: not the same in another world
            except ValueError:
                return False
        return True

    def _expect_body(self, ex: Exchange) -> dict:
        body, out = ex.response, {}
        if not isinstance(body, dict):
            return out

        def add(path: str, value: Any, key: str) -> None:
            if len(out) < 4 and self._stable(key, value):
                out[path] = self._placeholders(value)

        if ex.status >= 400:
            error = body.get("error")
            if isinstance(error, dict) and isinstance(error.get("code"), str):
                add("error.code", error["code"], "code")
            elif isinstance(error, str):  # OAuth
                add("error", error, "error")
                if isinstance(body.get("error_codes"), list) and body["error_codes"]:
                    out["error_codes"] = body["error_codes"]
            elif "code" in body and "description" in body:  # Partner Center
                add("code", body["code"], "code")
            return out
        for list_key in ("items", "value"):
            if isinstance(body.get(list_key), list):
                if isinstance(body.get("totalCount"), int):
                    add("totalCount", body["totalCount"], "totalCount")
                first = body[list_key][0] if body[list_key] else None
                if isinstance(first, dict):
                    for k in ("id", "name", "displayName"):
                        if k in first:
                            add(f"{list_key}[0].{k}", first[k], k)
                            break
                return out
        for k in STABLE_KEYS:
            if k in body:
                add(k, body[k], k)
        for nested, keys in (("properties", ("status", "title", "severity", "problemClassificationId")),
                             ("companyProfile", ("companyName",))):
            if isinstance(body.get(nested), dict):
                for k in keys:
                    if k in body[nested]:
                        add(f"{nested}.{k}", body[nested][k], k)
        return out

    def steps(self) -> list[dict]:
        built: list[_Step] = []
        current: dict | None = None
        candidates: dict[str, tuple[_Step, str]] = {}   # a value of an earlier answer -> (its step, its path)
        names: dict[str, str] = {}                      # saved value -> its name
        used: set[str] = set()

        for kind, item in self.items:
            if kind == "control":
                built.append(_Step(item))
                continue
            ex: Exchange = item
            if ex.identity is not None and ex.identity != current:
                built.append(_Step({"as": dict(ex.identity)}))
                current = ex.identity
            call: dict[str, Any] = {"method": ex.method, "path": self._placeholders(ex.path)}
            if ex.body not in (None, "", {}):
                call["body"] = self._placeholders(ex.body)
            if ex.headers:
                call["headers"] = {k: v for k, v in ex.headers.items()}
            # Values an earlier answer gave that this request sends back: saved there, ${name} here.
            for value in sorted(candidates, key=len, reverse=True):
                if not _contains(call, value):
                    continue
                if value not in names:
                    producer, path = candidates[value]
                    name = _name_for(path, used)
                    names[value] = name
                    producer.saves[name] = "body." + path if not path.startswith("[") else "body" + path
                call = _replace(call, value, "${" + names[value] + "}")
            expect: dict[str, Any] = {"status": ex.status}
            if ex.rule:
                expect["rule"] = ex.rule
            expect_body = self._expect_body(ex)
            for value, name in names.items():
                expect_body = {k: "${" + name + "}" if v == value else v for k, v in expect_body.items()}
            if expect_body:
                expect["body"] = expect_body
            step = _Step({"call": call, "expect": expect}, ex)
            built.append(step)
            if ex.status < 400:
                for path, value in _leaves(ex.response):
                    if (isinstance(value, str) and SAVABLE.match(value) and any(ch.isdigit() for ch in value)
                            and value.lower() not in self.known and value not in candidates
                            and "://" not in value):
                        candidates[value] = (step, path)
        out = []
        for s in built:
            if s.saves:
                s.step["save"] = dict(s.saves)
            out.append(s.step)
        return out

    def document(self) -> dict:
        doc: dict[str, Any] = {"name": self.name,
                               "description": f"Recorded by `pcsim record` ({self.count} requests through the proxy)."}
        rules = sorted({ex.rule for kind, ex in self.items if kind == "call" and ex.rule}, key=_rule_order)
        if rules:
            doc["rules"] = rules
        if self.world:
            doc["world"] = self.world
        doc["steps"] = self.steps()
        return doc

    def write(self) -> None:
        if not self.output:
            return
        steps = self.document()
        text = "# Written by `pcsim record`: edit freely (scenarios/README.md describes the format).\n"
        text += yamlio.dump(steps)
        tmp = Path(self.output).with_suffix(".yaml.tmp")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.output)


def _rule_order(rule: str) -> tuple:
    m = re.match(r"^R(\d+)$", rule)
    return (0, int(m.group(1)), "") if m else (1, 0, rule)


def _leaves(value: Any, path: str = ""):
    """(dotted path, value) of every scalar in an answer (a few levels deep)."""
    if path.count(".") + path.count("[") > 6:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            key = f'["{k}"]' if ("." in k or "[" in k or '"' in k) else k
            yield from _leaves(v, f"{path}{key}" if key.startswith("[") or not path else f"{path}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value[:50]):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def _contains(value: Any, text: str) -> bool:
    if isinstance(value, str):
        return text in value
    if isinstance(value, dict):
        return any(_contains(v, text) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, text) for v in value)
    return False


def _replace(value: Any, text: str, by: str) -> Any:
    if isinstance(value, str):
        return value.replace(text, by)
    if isinstance(value, dict):
        return {k: _replace(v, text, by) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, text, by) for v in value]
    return value


def _name_for(path: str, used: set[str]) -> str:
    last = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.replace("@odata", ""))
    base = re.sub(r"\W", "_", last[-1]) if last else "value"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}{n}"
    used.add(name)
    return name


# --- the command -----------------------------------------------------------------------------------------------
def record_session(url: str, output: str, *, host: str = "127.0.0.1", port: int = 8081, world_id: str | None = None,
                   scenario: str | None = None, name: str | None = None, max_requests: int | None = None,
                   keep_world: bool = False, echo: Callable[[str], None] = print,
                   ready: Callable[[str], None] | None = None) -> int:
    """Record until Ctrl-C or ``max_requests``; returns an exit code. ``ready(proxy_url)`` is called once the
    proxy listens (for tests)."""
    from ..server import start_server
    from ..worlds.fixtures import FixtureInvalid, load_fixture
    from ..worlds.manager import resolve_scenario

    target = url.rstrip("/")
    http = requests.Session()
    http.headers.update(control_headers())
    created = False
    try:
        if world_id:
            r = http.get(f"{target}/sim/worlds/{world_id}", timeout=30)
            if r.status_code != 200:
                echo(f"pcsim at {target} has no world {world_id!r} ({r.status_code})")
                return 2
            info = r.json()
        else:
            body: dict[str, Any] = {"id": f"record-{uuid.uuid4().hex[:12]}", "frozen": True}
            if scenario:
                body["scenario"] = str(Path(scenario).resolve()) if Path(scenario).exists() else scenario
            r = http.post(f"{target}/sim/worlds", json=body, timeout=120)
            if r.status_code != 201:
                echo(f"pcsim at {target} could not create a world ({r.status_code}): {r.text[:300]}")
                return 2
            info, created = r.json(), True
    except requests.RequestException as exc:
        echo(f"cannot reach pcsim at {target}: {exc}")
        return 2

    world: dict[str, Any] = {}
    fixture_ref = scenario or info.get("scenario") or "default"
    world["scenario"] = _relative(fixture_ref, output) if scenario and Path(scenario).exists() else fixture_ref
    if not created:
        world["clock"] = info["clock"]["now"]  # an existing world's clock may have moved: start the replay there
    known: dict[str, str] = {}
    try:
        known = known_ids(load_fixture(resolve_scenario(fixture_ref)))
    except (FixtureInvalid, OSError):
        echo(f"  note: fixture {fixture_ref!r} is not readable here: ids are written as they are")

    recorder = Recorder(target, info["id"], known=known, world=world,
                        name=name or f"Recorded session ({Path(output).stem})", output=output,
                        max_requests=max_requests, echo=echo)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = start_server(recorder, host, port, threaded=True)
    recorder.write()
    echo(f"recording world {info['id']} of {target} into {output}")
    echo(f"point the tool at {server.url} (sign-in: {server.url}/login/<tenant>/oauth2/v2.0/token); "
         + (f"stops after {max_requests} requests" if max_requests else "Ctrl-C to stop"))
    if ready:
        ready(server.url)
    try:
        while not recorder.done.wait(0.2):
            pass
    except KeyboardInterrupt:
        echo("")
    finally:
        server.stop()
        with recorder.lock:
            recorder.write()
        if created and not keep_world:
            try:
                http.delete(f"{target}/sim/worlds/{info['id']}", timeout=30)
            except requests.RequestException:
                pass
    steps = len(recorder.document()["steps"])
    echo(f"wrote {output}: {steps} steps from {recorder.count} requests; replay it with `pcsim replay {output}`")
    return 0


def _relative(path: str, output: str) -> str:
    """A fixture path as the scenario file will name it: relative to the scenario's folder when possible."""
    full = Path(path).resolve()
    try:
        return str(full.relative_to(Path(output).resolve().parent))
    except ValueError:
        import os
        try:
            return os.path.relpath(full, Path(output).resolve().parent)
        except ValueError:
            return str(full)
