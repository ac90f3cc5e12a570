"""Scenario files (``scenarios/README.md``): reading, validating (every error at once, each naming the file,
the step and the reason), and finding them in directories."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..surfaces.sim.schemas import FaultCreate
from ..worlds.fixtures import TextTimestampLoader
from ..worlds.schemas import DateTimeText, DurationText
from ..validation import error_pairs
from . import placeholders

STEP_KINDS = ("as", "call", "advance", "set_clock", "fault", "clear_faults", "edit")
CALL_EXTRAS = ("expect", "save")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Surfaces whose calls carry a bearer token, by the first segment of the path (after /usgov).
TOKEN_SURFACES = {"partnercenter": "partnercenter", "graph": "graph", "azure": "arm", "m365admin": "m365admin"}
BUILTIN_NAMES = {"world"}  # ${world}: the id of the scenario's world


# Timestamps stay text (``clock: 2026-01-15T09:00:00Z`` stays a string), as in fixtures.
_Loader = TextTimestampLoader


@dataclass(frozen=True)
class ScenarioError:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.reason}"


class ScenarioInvalid(Exception):
    """One or more scenario files that cannot be run; ``errors`` lists every problem found."""

    def __init__(self, errors: list[ScenarioError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Step:
    index: int
    kind: str            # one of STEP_KINDS
    value: Any           # the step's own value (the mapping of `call`, the duration of `advance`...)
    expect: dict | None = None
    save: dict | None = None

    @property
    def where(self) -> str:
        return f"steps[{self.index}]"

    def summary(self) -> str:
        v = self.value
        if self.kind == "call":
            return f"call {v['method']} {v['path']}"
        if self.kind == "as":
            who = v.get("user") or v.get("app")
            return f"as {who}" + (f" in {v['tenant']}" if v.get("tenant") else "")
        if self.kind == "edit":
            return f"edit {v['method']} {v['path']}"
        if self.kind == "fault":
            return "fault " + " ".join(f"{k}={v[k]}" for k in ("surface", "method", "path", "status") if k in v)
        if self.kind == "clear_faults":
            return "clear_faults"
        return f"{self.kind} {v}"


@dataclass
class Scenario:
    file: str
    name: str
    description: str = ""
    rules: list[str] = field(default_factory=list)
    world: dict = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.file})"


# --- schemas -------------------------------------------------------------------------------------------------
class WorldSchema(Schema):
    scenario = fields.String(validate=validate.Length(min=1))
    fixture = fields.Dict()
    seed = fields.Integer()
    frozen = fields.Boolean()
    clock = DateTimeText()

    @validates_schema
    def _one_source(self, data, **kwargs):
        if "scenario" in data and "fixture" in data:
            raise ValidationError("give scenario or fixture, not both")


class ScenarioSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    description = fields.String()
    rules = fields.List(fields.String(), load_default=list)
    world = fields.Nested(WorldSchema, load_default=dict)
    steps = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, error="give at least one step"))


class Scalar(fields.Field):
    """A string, number or boolean (a header value, an expected scalar)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (dict, list)) or value is None:
            raise ValidationError("must be a string, a number or a boolean")
        return value


class AsSchema(Schema):
    user = fields.String(validate=validate.Length(min=1))
    password = fields.String(validate=validate.Length(min=1))
    app = fields.String(validate=validate.Length(min=1))
    secret = fields.String(validate=validate.Length(min=1))
    tenant = fields.String(validate=validate.Length(min=1))

    @validates_schema
    def _user_or_app(self, data, **kwargs):
        if ("user" in data) == ("app" in data):
            raise ValidationError("give user (with password? and tenant?) or app (with secret and tenant)")
        if "user" in data:
            if "secret" in data:
                raise ValidationError("secret goes with app; a user has a password")
            if "tenant" not in data and "@" not in data["user"]:
                raise ValidationError("a user without tenant is a UPN (name@domain): the tenant is its domain")
        else:
            missing = [k for k in ("secret", "tenant") if k not in data]
            if missing:
                raise ValidationError(f"an app needs {' and '.join(missing)}")
            if "password" in data:
                raise ValidationError("password goes with user; an app has a secret")


def _path(value: str) -> None:
    if not value.startswith("/"):
        raise ValidationError("a path starts with '/'")


def _method(value: str) -> None:
    if value.upper() not in METHODS:
        raise ValidationError(f"must be one of: {', '.join(METHODS)}; got {value!r}")


class CallSchema(Schema):
    method = fields.String(required=True, validate=_method)
    path = fields.String(required=True, validate=_path)
    body = fields.Raw(allow_none=True)
    headers = fields.Dict(keys=fields.String(), values=Scalar(allow_none=True), load_default=dict)
    retry = fields.Boolean(load_default=False)


class ExpectSchema(Schema):
    status = fields.Integer(required=True, validate=validate.Range(min=100, max=599))
    rule = fields.String(allow_none=True)
    body = fields.Dict(keys=fields.String(validate=validate.Length(min=1)), values=fields.Raw(allow_none=True))
    attempts = fields.Integer(validate=validate.Range(min=1))


class EditSchema(Schema):
    method = fields.String(required=True, validate=_method)
    path = fields.String(required=True, validate=_path)
    body = fields.Raw(allow_none=True)


class _Wrap(Schema):
    """One scalar step value through a field, so its errors come out like the others'."""


def _scalar_schema(field_obj) -> type[Schema]:
    return type("ScalarStep", (_Wrap,), {"value": field_obj})


STEP_SCHEMAS: dict[str, Any] = {
    "as": AsSchema,
    "call": CallSchema,
    "edit": EditSchema,
    "fault": FaultCreate,
    "advance": _scalar_schema(DurationText(required=True)),
    "set_clock": _scalar_schema(DateTimeText(required=True)),
    "clear_faults": _scalar_schema(fields.Boolean(required=True)),
}


def surface_of(path: str) -> tuple[str, str]:
    """(cloud, first path segment) of a call path: ``/usgov/graph/v1.0/...`` -> ("usgov", "graph")."""
    cloud = "usgov" if path.startswith("/usgov/") else "public"
    inner = path[len("/usgov"):] if cloud == "usgov" else path
    first = inner.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return cloud, first


def _has_header(headers: dict, name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)


# --- loading -------------------------------------------------------------------------------------------------
def load_scenario(path: str | Path) -> Scenario:
    """Read and check one scenario file; raise ScenarioInvalid with every error found."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioInvalid([ScenarioError(file, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioInvalid([ScenarioError(file, where, f"YAML syntax error: {reason}")]) from None
    if not isinstance(doc, dict):
        raise ScenarioInvalid([ScenarioError(file, "", "a scenario is a YAML mapping (name, world, steps)")])

    errors: list[ScenarioError] = []
    try:
        top = ScenarioSchema().load(doc)
    except ValidationError as exc:
        errors += [ScenarioError(file, p, r) for p, r in error_pairs(exc.messages, "")]
        top = {"name": doc.get("name") if isinstance(doc.get("name"), str) else "", "rules": [], "world": {},
               "steps": doc.get("steps") if isinstance(doc.get("steps"), list) else []}

    world = dict(top.get("world") or {})
    if isinstance(world.get("scenario"), str):
        world["scenario"] = _resolve_fixture(path, world["scenario"])
    scenario = Scenario(file=file, name=top.get("name") or path.stem, description=top.get("description", ""),
                        rules=list(top.get("rules") or []), world=world)

    saved: set[str] = set(BUILTIN_NAMES)
    identity = False
    for i, raw in enumerate(top.get("steps") or []):
        step, step_errors = _load_step(file, i, raw)
        errors += step_errors
        if isinstance(raw, dict) and "as" in raw:
            identity = True  # even an invalid one: its own error says what is wrong
        if isinstance(raw, dict) and isinstance(raw.get("save"), dict):
            saved.update(k for k in raw["save"] if isinstance(k, str))
        if step is None:
            continue
        where = f"steps[{i}]"
        # ${name} must be saved by an earlier step; {kind:ref} must have the right shape.
        checked = {step.kind: step.value, "expect": step.expect} if step.expect else {step.kind: step.value}
        for name in sorted(placeholders.saved_names(checked)):
            if name not in saved:
                errors.append(ScenarioError(file, where, f"${{{name}}} is not saved by an earlier step"))
        for text in placeholders._strings(checked):
            errors += [ScenarioError(file, where, p) for p in placeholders.check_text(text)]
        if step.kind == "call":
            _cloud, first = surface_of(step.value["path"])
            if (first in TOKEN_SURFACES and not identity
                    and not _has_header(step.value.get("headers") or {}, "Authorization")):
                errors.append(ScenarioError(file, f"{where}.call.path", f"a call to /{first} needs a token: put an "
                                            "`as` step before it (or give an Authorization header)"))
        scenario.steps.append(step)
    if errors:
        raise ScenarioInvalid(errors)
    return scenario


def _resolve_fixture(scenario_file: Path, value: str) -> str:
    """A world's ``scenario`` that names a file: relative to the scenario file (or the working directory)."""
    candidate = Path(value)
    if candidate.suffix not in (".yaml", ".yml") and "/" not in value:
        return value  # a fixture name in the server's fixtures/
    for base in (scenario_file.parent, Path.cwd()):
        full = candidate if candidate.is_absolute() else base / candidate
        if full.exists():
            return str(full.resolve())
    return value


def _load_step(file: str, i: int, raw: Any) -> tuple[Step | None, list[ScenarioError]]:
    where = f"steps[{i}]"
    if not isinstance(raw, dict):
        return None, [ScenarioError(file, where, f"a step is a mapping with one of: {', '.join(STEP_KINDS)}")]
    kinds = [k for k in raw if k in STEP_KINDS]
    errors = [ScenarioError(file, f"{where}.{k}", f"unknown key; a step has one of: {', '.join(STEP_KINDS)} "
                            "(and expect/save with call)") for k in raw if k not in STEP_KINDS + CALL_EXTRAS]
    if len(kinds) != 1:
        reason = ("a step has one of: " + ", ".join(STEP_KINDS)) if not kinds else \
            f"one action per step; this one has {', '.join(kinds)}"
        return None, errors + [ScenarioError(file, where, reason)]
    kind = kinds[0]
    if kind != "call":
        errors += [ScenarioError(file, f"{where}.{k}", f"{k} goes with a call step") for k in CALL_EXTRAS if k in raw]
    schema_cls = STEP_SCHEMAS[kind]
    value = raw[kind]
    valid = not errors
    try:
        if issubclass(schema_cls, _Wrap):
            value = schema_cls().load({"value": value})["value"]
        elif not isinstance(value, dict):
            raise ValidationError(f"{kind} is a mapping")
        else:
            value = schema_cls().load(value)
            if kind == "fault":  # send what was written (the server fills in the defaults itself)
                value = dict(raw[kind])
    except ValidationError as exc:
        valid = False
        messages = exc.messages
        if issubclass(schema_cls, _Wrap) and isinstance(messages, dict):
            messages = messages.get("value", messages)
        errors += [ScenarioError(file, f"{where}.{kind}" + (f".{p}" if p and not p.startswith("[") else p), r)
                   for p, r in error_pairs(messages, "")]
    if kind in ("call", "edit") and valid:
        value["method"] = value["method"].upper()
    step = Step(index=i, kind=kind, value=value)
    if kind == "call":
        before = len(errors)
        step.expect = _load_expect(file, where, raw, errors)
        step.save = _load_save(file, where, raw, errors)
        valid = valid and len(errors) == before
    return (step if valid else None), errors


def _load_expect(file: str, where: str, raw: dict, errors: list[ScenarioError]) -> dict | None:
    if "expect" not in raw:
        return None
    try:
        if not isinstance(raw["expect"], dict):
            raise ValidationError("expect is a mapping (status, rule?, body?, attempts?)")
        expect = ExpectSchema().load(raw["expect"])
    except ValidationError as exc:
        errors += [ScenarioError(file, f"{where}.expect" + (f".{p}" if p else ""), r)
                   for p, r in error_pairs(exc.messages, "")]
        return None
    for key in expect.get("body") or {}:
        try:
            placeholders.parse_path(key)
        except placeholders.PlaceholderError as exc:
            errors.append(ScenarioError(file, f"{where}.expect.body", str(exc)))
    return expect


def _load_save(file: str, where: str, raw: dict, errors: list[ScenarioError]) -> dict | None:
    if "save" not in raw:
        return None
    save = raw["save"]
    if not isinstance(save, dict) or not save:
        errors.append(ScenarioError(file, f"{where}.save", "save is a mapping: {name: dotted.path}"))
        return None
    for name, target in save.items():
        if not isinstance(name, str) or not placeholders.NAME.match(name):
            errors.append(ScenarioError(file, f"{where}.save", f"{name!r} is not a name (letters, digits, '_')"))
        elif not isinstance(target, str) or not target:
            errors.append(ScenarioError(file, f"{where}.save.{name}", "a dotted path, e.g. body.id"))
        else:
            try:
                placeholders.parse_path(target)
            except placeholders.PlaceholderError as exc:
                errors.append(ScenarioError(file, f"{where}.save.{name}", str(exc)))
    return dict(save)


def load_scenarios(files: list[Path]) -> list[Scenario]:
    """Every file loaded; ScenarioInvalid with the errors of all of them if any is invalid."""
    scenarios, errors = [], []
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioInvalid as exc:
            errors += exc.errors
    if errors:
        raise ScenarioInvalid(errors)
    return scenarios


def discover(paths: list[str | Path]) -> list[Path]:
    """Scenario files: the files given, and every *.yaml/*.yml under the directories given (README skipped)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(list(p.rglob("*.yaml")) + list(p.rglob("*.yml"))):
                rel = f.relative_to(p)
                if f.stem.upper() == "README" or any(part.startswith(".") for part in rel.parts):
                    continue
                found.append(f)
        else:
            found.append(p)
    seen, unique = set(), []
    for f in found:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


# --- -k selection ----------------------------------------------------------------------------------------------
def matches_keyword(scenario: Scenario, expression: str) -> bool:
    """pytest-like ``-k``: words (substrings, case-insensitive, of the name, the file and the rules), with
    ``and``, ``or``, ``not`` and parentheses. ``-k R6``, ``-k "gdap and not expired"``."""
    haystack = " ".join([scenario.name, scenario.file, *scenario.rules]).lower()
    tokens = expression.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def or_expr():
        value = and_expr()
        while peek() == "or":
            take()
            value = and_expr() or value
        return value

    def and_expr():
        value = not_expr()
        while peek() == "and":
            take()
            value = not_expr() and value
        return value

    def not_expr():
        if peek() == "not":
            take()
            return not not_expr()
        if peek() == "(":
            take()
            value = or_expr()
            if peek() == ")":
                take()
            return value
        word = take() if peek() is not None else ""
        return word.lower() in haystack

    if not tokens:
        return True
    result = or_expr()
    return result if pos >= len(tokens) else result and matches_keyword(scenario, " ".join(tokens[pos:]))
