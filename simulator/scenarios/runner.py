"""Running a scenario against a pcsim server over HTTP: a fresh world through the control plane, sign-in per
surface audience and tenant, every step's answer checked, the world deleted at the end."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from ..domain import catalog
from ..surfaces.hooks import surface_of as hooks_surface_of
from . import placeholders
from .model import TOKEN_SURFACES, Scenario, Step, surface_of

DEFAULT_PASSWORD = "Pcsim-Passw0rd!"
MAX_ATTEMPTS = 10          # retry: true gives up after this many attempts
MAX_RETRY_WAIT = 30.0      # seconds: the longest Retry-After a retrying call honours
WORLD_TTL = 3600           # idle seconds before the server deletes a world a run left behind



def control_headers() -> dict[str, str]:
    """The control secret of a server listening beyond loopback (``PCSIM_CONTROL_SECRET``), as its header."""
    import os

    secret = os.environ.get("PCSIM_CONTROL_SECRET")
    return {"X-Pcsim-Secret": secret} if secret else {}

class StepFailed(Exception):
    """A step whose answer was not the expected one (or that could not run)."""

    def __init__(self, message: str, explain_url: str | None = None, details: list[str] | None = None):
        super().__init__(message)
        self.message, self.explain_url, self.details = message, explain_url, details or []


@dataclass
class StepResult:
    index: int
    summary: str
    status: str                      # "passed", "failed", "skipped"
    message: str = ""                # what went wrong (failed), one line
    details: list[str] = field(default_factory=list)   # expected vs actual, diff lines
    explain_url: str | None = None
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class ScenarioResult:
    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    world_id: str | None = None
    error: str | None = None         # the scenario could not run (no world...)
    explain_text: str | None = None  # the failed request's decision trace, fetched before the world went away
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and all(s.status != "failed" for s in self.steps)

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def outcome(self) -> str:
        return "passed" if self.passed else "error" if self.error else "failed"

    def headline(self) -> str:
        """One line: what failed."""
        if self.error:
            return self.error.splitlines()[0]
        step = self.failed_step
        return f"steps[{step.index}] {step.summary}: {step.message}" if step else "passed"

    def failure_message(self) -> str:
        """For a person: the scenario, the step, expected vs actual, and where to read why."""
        if self.passed:
            return ""
        lines = [f"{self.scenario.file}: {self.scenario.name}"]
        if self.error:
            lines.append(f"  {self.error}")
            return "\n".join(lines)
        step = self.failed_step
        lines.append(f"  steps[{step.index}] {step.summary}")
        lines.append(f"    {step.message}")
        lines += [f"    {d}" for d in step.details]
        if step.explain_url:
            lines.append(f"    explain: {step.explain_url}")
        if self.explain_text:
            lines.append("    why (the request's decision trace):")
            lines += [f"      {line}" for line in self.explain_text.rstrip().splitlines()[:40]]
        return "\n".join(lines)


@dataclass
class Answer:
    """One HTTP answer as the expectations see it."""
    status: int
    headers: dict
    body: Any
    request_id: str | None
    attempts: int = 1
    signin: str | None = None        # set when this is a refused sign-in rather than the call's own answer


def rule_in_body(body: Any) -> str | None:
    """The rule id of a denial, wherever the surface's error body puts it."""
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("rule"):
        return data[0]["rule"]                                         # Partner Center
    error = body.get("error")
    if isinstance(error, dict):
        inner = error.get("innerError")
        if isinstance(inner, dict) and inner.get("rule"):
            return inner["rule"]                                       # Graph, Microsoft 365 admin
        for info in error.get("additionalInfo") or []:
            if isinstance(info, dict) and info.get("type") == "PcsimRule":
                return (info.get("info") or {}).get("rule")            # ARM
    return None


def show(value: Any, limit: int = 160) -> str:
    if value is placeholders.MISSING:
        return "(missing)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def value_matches(expected: Any, actual: Any) -> bool:
    """Mappings match when every expected key matches (extra keys are fine); lists item by item."""
    if actual is placeholders.MISSING:
        return False
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and value_matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            value_matches(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return expected == actual


class Runner:
    """Runs scenarios against the pcsim at ``base_url`` (one world per scenario)."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, keep_failed_worlds: bool = False):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.keep_failed_worlds = keep_failed_worlds

    def run(self, scenario: Scenario) -> ScenarioResult:
        return _Run(self, scenario).run()


class _Run:
    """The state of one scenario's run: its world, saved values, identity and tokens."""

    def __init__(self, runner: Runner, scenario: Scenario):
        self.runner, self.scenario = runner, scenario
        self.base = runner.base_url
        self.http = requests.Session()
        self.http.headers.update(control_headers())
        self.world_id: str | None = None
        self.saved: dict[str, Any] = {}
        self.identity: dict | None = None
        self.tokens: dict[tuple, tuple[str | None, Answer | None]] = {}

    # --- world ---------------------------------------------------------------------------------------------
    @property
    def world_root(self) -> str:
        return f"{self.base}/worlds/{self.world_id}"

    def explain_url(self, request_id: str | None) -> str | None:
        return f"{self.base}/sim/worlds/{self.world_id}/explain/{request_id}" if request_id else None

    def _create_world(self) -> None:
        w = self.scenario.world
        body: dict[str, Any] = {"id": f"replay-{uuid.uuid4().hex[:12]}", "frozen": w.get("frozen", True),
                                "ttl": WORLD_TTL}
        if "fixture" in w:
            body["fixture"] = w["fixture"]
        elif "scenario" in w:
            body["scenario"] = w["scenario"]
        if "seed" in w:
            body["seed"] = w["seed"]
        r = self.http.post(f"{self.base}/sim/worlds", json=body, timeout=self.runner.timeout)
        if r.status_code != 201:
            raise StepFailed(f"could not create the world ({r.status_code}): {_error_text(r)}")
        self.world_id = r.json()["id"]
        self.saved["world"] = self.world_id
        if w.get("clock"):
            self._clock({"set": w["clock"]}, "world.clock")

    def _delete_world(self) -> None:
        if self.world_id:
            try:
                self.http.delete(f"{self.base}/sim/worlds/{self.world_id}", timeout=self.runner.timeout)
            except requests.RequestException:
                pass

    def run(self) -> ScenarioResult:
        started = time.perf_counter()
        result = ScenarioResult(self.scenario)
        try:
            try:
                self._create_world()
            except StepFailed as exc:
                result.error = exc.message
                return result
            except requests.RequestException as exc:
                result.error = f"could not reach pcsim at {self.base}: {exc}"
                return result
            result.world_id = self.world_id
            failed = False
            for step in self.scenario.steps:
                if failed:
                    result.steps.append(StepResult(step.index, step.summary(), "skipped"))
                    continue
                t0 = time.perf_counter()
                try:
                    self._step(step)
                except StepFailed as exc:
                    failed = True
                    result.steps.append(StepResult(step.index, step.summary(), "failed", exc.message, exc.details,
                                                   exc.explain_url, time.perf_counter() - t0))
                    result.explain_text = self._explain_text(exc.explain_url)
                except placeholders.PlaceholderError as exc:
                    failed = True
                    result.steps.append(StepResult(step.index, step.summary(), "failed", str(exc),
                                                   duration=time.perf_counter() - t0))
                except requests.RequestException as exc:
                    failed = True
                    result.steps.append(StepResult(step.index, step.summary(), "failed",
                                                   f"no answer from pcsim: {exc}", duration=time.perf_counter() - t0))
                else:
                    result.steps.append(StepResult(step.index, step.summary(), "passed",
                                                   duration=time.perf_counter() - t0))
            return result
        finally:
            if not (self.runner.keep_failed_worlds and not result.passed):
                self._delete_world()
            self.http.close()
            result.duration = time.perf_counter() - started

    def _explain_text(self, url: str | None) -> str | None:
        if not url:
            return None
        try:
            r = self.http.get(url, params={"format": "text"}, timeout=self.runner.timeout)
            return r.text if r.status_code == 200 else None
        except requests.RequestException:
            return None

    # --- steps ---------------------------------------------------------------------------------------------
    def _step(self, step: Step) -> None:
        value = placeholders.expand(step.value, self.saved)
        if step.kind == "as":
            self.identity = value
        elif step.kind == "call":
            self._call(step, value)
        elif step.kind == "advance":
            self._clock({"advance": value}, "advance")
        elif step.kind == "set_clock":
            self._clock({"set": value}, "set_clock")
        elif step.kind == "fault":
            self._control("POST", "/faults", value, 201)
        elif step.kind == "clear_faults":
            if value:
                self._control("DELETE", "/faults", None, 204)
        elif step.kind == "edit":
            self._control(value["method"], value["path"], value.get("body"), None)
            self.tokens.clear()  # roles, groups and relationships are read at sign-in: sign in again

    def _clock(self, body: dict, what: str) -> None:
        self._control("POST", "/clock", body, 200)
        self.tokens.clear()  # tokens are dated by the world's clock: sign in again after it moves

    def _control(self, method: str, path: str, body: Any, expected: int | None) -> None:
        url = f"{self.base}/sim/worlds/{self.world_id}{path}"
        r = self.http.request(method, url, json=body, timeout=self.runner.timeout)
        ok = r.status_code == expected if expected else r.status_code < 400
        if not ok:
            raise StepFailed(f"the control plane refused it: {method} /sim/worlds/<world>{path} -> "
                             f"{r.status_code} {_error_text(r)}")

    # --- sign-in -------------------------------------------------------------------------------------------
    def _token(self, cloud: str, surface: str) -> tuple[str | None, Answer | None]:
        """An access token for the current identity and the surface's audience, or the refusal."""
        who = self.identity
        key = (json.dumps(who, sort_keys=True), cloud, surface)
        if key in self.tokens:
            return self.tokens[key]
        audience = catalog.RESOURCES[cloud][surface]
        scope = audience.rstrip("/") + "/.default"
        if "app" in who:
            tenant = who["tenant"]
            form = {"grant_type": "client_credentials", "client_id": _client_id(who["app"]),
                    "client_secret": who["secret"], "scope": scope}
        else:
            tenant = who.get("tenant") or who["user"].rpartition("@")[2]
            form = {"grant_type": "password", "client_id": catalog.AZURE_CLI_CLIENT_ID, "username": who["user"],
                    "password": who.get("password") or DEFAULT_PASSWORD, "scope": scope}
        url = f"{self.world_root}{catalog.CLOUD_PREFIX[cloud]}/login/{tenant}/oauth2/v2.0/token"
        r = self.http.post(url, data=form, timeout=self.runner.timeout)
        if r.status_code == 200:
            found = (r.json()["access_token"], None)
        else:
            name = who.get("user") or who.get("app")
            found = (None, _answer(r, signin=f"sign-in as {name} in tenant {tenant} for {audience} was refused"))
        self.tokens[key] = found
        return found

    # --- calls ---------------------------------------------------------------------------------------------
    def _call(self, step: Step, call: dict) -> None:
        path = call["path"]
        cloud, first = surface_of(path)
        url = f"{self.base}{path}" if first == "sim" else f"{self.world_root}{path}"
        headers = {str(k): ("" if v is None else str(v)) for k, v in (call.get("headers") or {}).items()}
        explicit_auth = any(k.lower() == "authorization" for k in headers)
        answer: Answer | None = None
        if first in TOKEN_SURFACES and not explicit_auth:
            if self.identity is None:
                raise StepFailed(f"a call to /{first} needs a token: put an `as` step before it")
            token, refusal = self._token(cloud, TOKEN_SURFACES[first])
            if token is None:
                answer = refusal
            else:
                headers["Authorization"] = f"Bearer {token}"
        headers = {k: v for k, v in headers.items() if v != ""}
        if answer is None:
            form = hooks_surface_of(path.split("?", 1)[0])[0] == "login"  # the token endpoint takes a form
            answer = self._send(call["method"], url, call.get("body"), headers, form, call.get("retry"))
        self._check(step, answer)
        for name, target in (step.save or {}).items():
            value = _pick(answer, target)
            if value is placeholders.MISSING:
                raise StepFailed(f"save {name}: {target} is not in the answer", self.explain_url(answer.request_id),
                                 [f"status: {answer.status}", f"body: {show(answer.body, 400)}"])
            self.saved[name] = value

    def _send(self, method: str, url: str, body: Any, headers: dict, form: bool, retry: bool) -> Answer:
        kwargs: dict[str, Any] = {"headers": headers, "timeout": self.runner.timeout, "allow_redirects": False}
        if body is not None:
            if isinstance(body, str):
                kwargs["data"] = body.encode("utf-8")
            elif form and isinstance(body, dict):
                kwargs["data"] = {k: _form_value(v) for k, v in body.items()}
            else:
                kwargs["json"] = body
        attempts = 0
        while True:
            attempts += 1
            r = self.http.request(method, url, **kwargs)
            if not retry or r.status_code not in (429, 503) or attempts >= MAX_ATTEMPTS:
                break
            time.sleep(_retry_after(r))
        answer = _answer(r)
        answer.attempts = attempts
        return answer

    def _check(self, step: Step, answer: Answer) -> None:
        expect = placeholders.expand(step.expect, self.saved) if step.expect else None
        explain = self.explain_url(answer.request_id)
        if expect is None:
            if answer.signin:  # no expectation, but the call never happened
                raise StepFailed(answer.signin, explain, [f"got: {answer.status} {_short_error(answer.body)}"])
            return
        details: list[str] = []
        if answer.signin:
            details.append(f"({answer.signin}: its answer is checked)")
        if answer.status != expect["status"]:
            details.append(f"status: expected {expect['status']}, got {answer.status}")
        actual_rule = rule_in_body(answer.body)
        if "rule" in expect:
            if actual_rule is None and answer.status >= 400:
                actual_rule = self._journal_rule(answer.request_id)
            if actual_rule != expect["rule"]:
                details.append(f"rule: expected {expect['rule'] or 'none'}, got {actual_rule or 'none'}")
        body_diff = []
        for path, wanted in (expect.get("body") or {}).items():
            actual = placeholders.resolve(answer.body, path)
            if not value_matches(wanted, actual):
                body_diff.append(f"  - {path}: {show(wanted)}")
                body_diff.append(f"  + {path}: {show(actual)}")
        if body_diff:
            details.append("body (- expected, + actual):")
            details += body_diff
        if "attempts" in expect and answer.attempts != expect["attempts"]:
            details.append(f"attempts: expected {expect['attempts']}, took {answer.attempts}")
        if len(details) > (1 if answer.signin else 0):
            if answer.status >= 400 and not body_diff:
                details.append(f"answer: {_short_error(answer.body)}")
            got = f"{answer.status}" + (f" {actual_rule}" if actual_rule else "")
            if any(d.startswith(("status", "rule")) for d in details):
                message = f"expected {_expected_text(expect)}, got {got}"
            elif body_diff:
                message = f"got the expected {got}, but the body differs"
            else:
                message = f"expected {expect['attempts']} attempt(s), took {answer.attempts}"
            raise StepFailed(message, explain, details)

    def _journal_rule(self, request_id: str | None) -> str | None:
        """The rule the journal names for a request (a sign-in refusal has none in its OAuth body)."""
        if not request_id:
            return None
        try:
            r = self.http.get(self.explain_url(request_id), timeout=self.runner.timeout)
            return r.json().get("rule") if r.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None


def _expected_text(expect: dict) -> str:
    text = str(expect["status"])
    if expect.get("rule"):
        text += f" {expect['rule']}"
    return text


def _answer(r: requests.Response, signin: str | None = None) -> Answer:
    try:
        body = r.json() if r.content else None
    except ValueError:
        body = r.text
    return Answer(r.status_code, dict(r.headers), body, r.headers.get("x-pcsim-request-id"), signin=signin)


def _pick(answer: Answer, target: str) -> Any:
    """A saved value: ``body.x`` (or just ``x``), ``headers.Name``, ``status``."""
    if target == "status":
        return answer.status
    if target.startswith("headers."):
        name = target[len("headers."):].lower()
        return next((v for k, v in answer.headers.items() if k.lower() == name), placeholders.MISSING)
    if target == "body":
        return answer.body
    if target.startswith(("body.", "body[")):
        target = target[len("body"):].lstrip(".")
    return placeholders.resolve(answer.body, target)


def _client_id(app: str) -> str:
    """An app as a client id, or as ``<partner>/<app key>``."""
    partner, slash, key = app.partition("/")
    if slash and partner and key and "/" not in key:
        return placeholders.entity_id("app", app)
    return app


def _form_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else str(v)


def _retry_after(r: requests.Response) -> float:
    try:
        return max(0.0, min(float(r.headers.get("Retry-After", "1")), MAX_RETRY_WAIT))
    except ValueError:
        return 1.0


def _short_error(body: Any) -> str:
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):
            e = body["error"]
            text = f"{e.get('code')}: {str(e.get('message', ''))[:200]}"
            details = e.get("details") if isinstance(e.get("details"), list) else []
            for d in details[:5]:  # the control plane's fixture errors: file, path, reason
                if isinstance(d, dict):
                    text += "; " + ": ".join(str(d[k]) for k in ("file", "path", "reason") if d.get(k))
            return text
        if "error_description" in body:
            return str(body["error_description"]).split(" Trace ID:")[0][:240]
        if "description" in body:
            return f"{body.get('code')}: {str(body['description'])[:200]}"
    return show(body, 240)


def _error_text(r: requests.Response) -> str:
    try:
        return _short_error(r.json())
    except ValueError:
        return r.text[:240]
