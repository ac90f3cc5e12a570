"""Reading and validating scenario fixtures: YAML files, their includes, every error at once.

A fixture may ``include`` other fixtures (a base world plus a variation). Entity lists merge by
``key``: an entity in the including file with the key of an included one is merged into it, field by
field. Errors name the file where the entity was written and the path inside that file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import yaml
from marshmallow import EXCLUDE, Schema, ValidationError

from ..domain import catalog
from ..domain import support_catalog as support
from ..domain.clock import parse_datetime
from ..validation import error_pairs
from . import schemas

DEFAULT_CLOCK_START = "2026-01-15T09:00:00Z"

ENTITY_LISTS: dict[str, type[Schema]] = {
    "partners": schemas.PartnerSchema,
    "customers": schemas.CustomerSchema,
    "marketplaceProducts": schemas.ProductSchema,
}
TOP_LEVEL_FIELDS = set(ENTITY_LISTS) | set(schemas.WorldHeaderSchema().fields) | {"include"}


class TextTimestampLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that keeps timestamps as text, so a bad date is reported rather than guessed."""


TextTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class FixtureError:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.reason}"


class FixtureInvalid(Exception):
    """A fixture that cannot be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FixtureError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Fixture:
    """A validated, merged fixture: plain data, ready for the builder."""

    name: str
    source: str
    header: dict
    partners: list[dict]
    customers: list[dict]
    marketplaceProducts: list[dict]
    origins: dict[int, _Origin] = field(default_factory=dict, repr=False)
    digest: str = ""
    files: list[Path] = field(default_factory=list)
    complete: bool = True  # False: a cached summary without its entities (simulator.worlds.manager)
    invalid_keys: dict[str, set[str]] = field(default_factory=dict)  # entities refused, whose errors are reported


_SPACE = re.compile(r"\s*")


def _no_float_exponent(text: str) -> float:
    # PyYAML (YAML 1.1) reads 1e5 or 1.5e5 as strings: leave such a file to it, so both readers agree.
    if "e" in text.lower():
        raise ValueError("exponent")
    return float(text)


def parse_text(text: str) -> tuple[object, bool]:
    """(a fixture's document, whether it was read as JSON). JSON is YAML, and the json module reads it about fifty
    times faster than PyYAML (a generated 10,000-customer fixture is JSON for that reason); anything else, and any
    JSON the json module refuses, is read by the YAML loader, which also reports syntax errors with their line and
    column."""
    start = _SPACE.match(text).end()
    if text[start : start + 1] == "{":
        try:
            return json.loads(text, parse_float=_no_float_exponent, parse_constant=_refuse), True
        except ValueError:
            pass
    return yaml.load(text, Loader=TextTimestampLoader), False


def _refuse(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON that YAML reads the same way


def _join(path: str, part) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else str(part)


_PATH_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass
class _Origin:
    """Where an entity was written: every file's part of it (``(file, "customers[i]", raw)``, in merge
    order), and the merged entity that was validated."""

    merged: dict
    parts: list[tuple[str, str, dict]]

    def locate(self, rel: str) -> tuple[str, str]:
        """(file, path in that file) of a path inside the merged entity: the part of the last file that
        wrote the deepest existing prefix of the path, with its list indices translated to that file's."""
        tokens = [int(i) if i else name for i, name in _PATH_TOKEN.findall(rel)]
        cands = [(file, base, raw, []) for file, base, raw in self.parts]
        node, done = self.merged, 0
        for tok in tokens:
            nxt = []
            if isinstance(tok, int):
                if not isinstance(node, list) or tok >= len(node):
                    break
                item = node[tok]
                if _keyed_list(node):  # merged by key: find the item by key in each file's list
                    for file, base, raw, done_tokens in cands:
                        if _keyed_list(raw):
                            idx = next((i for i, x in enumerate(raw) if x["key"] == item["key"]), None)
                            if idx is not None:
                                nxt.append((file, base, raw[idx], done_tokens + [idx]))
                else:  # replaced as a whole by the last file that wrote it
                    have = [c for c in cands if isinstance(c[2], list) and tok < len(c[2])]
                    if have:
                        file, base, raw, done_tokens = have[-1]
                        nxt.append((file, base, raw[tok], done_tokens + [tok]))
                node = item
            else:
                if not isinstance(node, dict):
                    break
                nxt = [
                    (file, base, raw[tok], done_tokens + [tok])
                    for file, base, raw, done_tokens in cands
                    if isinstance(raw, dict) and tok in raw
                ]
                node = node.get(tok)
            if not nxt:
                break
            cands, done = nxt, done + 1
        file, path, _, done_tokens = cands[-1]
        for tok in done_tokens + tokens[done:]:
            path = _join(path, tok)
        return file, path


def _merge(base, override):
    """Deep merge: dicts by field, lists of keyed dicts by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for k, v in override.items():
            merged[k] = _merge(base[k], v) if k in base else v
        return merged
    if _keyed_list(base) and _keyed_list(override):
        merged = list(base)
        index = {item["key"]: i for i, item in enumerate(merged)}
        for item in override:
            if item["key"] in index:
                merged[index[item["key"]]] = _merge(merged[index[item["key"]]], item)
            else:
                merged.append(item)
        return merged
    return override


def _keyed_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and isinstance(i.get("key"), str) for i in value)


class _Reader:
    """Reads a fixture file and its includes, remembering where each entity was written."""

    def __init__(self):
        self.errors: list[FixtureError] = []
        self.origins: dict[tuple[str, str], list[tuple[str, str, dict]]] = {}
        self.header_origin: dict[str, str] = {}
        self.digest = hashlib.sha256()
        self.files: list[Path] = []
        self.all_json = True  # every file was JSON: its objects are shared by nothing (YAML aliases share them)

    def read(self, path: Path, stack: tuple[Path, ...] = (), included_at: tuple[str, str] | None = None) -> dict:
        """``included_at``: (file, path) of the include that names ``path``, where its errors belong."""
        name = str(path)
        if path.resolve() in stack:
            chain = " -> ".join(map(str, stack + (path.resolve(),)))
            self.errors.append(FixtureError(*(included_at or (name, "include")), f"include cycle: {chain}"))
            return {}
        try:
            text = path.read_text(encoding="utf-8")
            self.files.append(path)
            self.digest.update(text.encode("utf-8"))
            doc, is_json = parse_text(text)
            self.all_json = self.all_json and is_json
            del text
        except FileNotFoundError:
            if included_at:
                self.errors.append(FixtureError(*included_at, f"included file not found: {name}"))
            else:
                self.errors.append(FixtureError(name, "", "file not found"))
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            self.errors.append(FixtureError(*(included_at or (name, "")), f"cannot read {name}: {exc}"))
            return {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            self.errors.append(FixtureError(name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
            return {}
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            self.errors.append(FixtureError(name, "", "a fixture is a mapping at its top level"))
            return {}
        merged: dict = {}
        includes = doc.get("include", [])
        if not isinstance(includes, (str, list)) and includes is not None:
            self.errors.append(FixtureError(name, "include", "include is a file path or a list of them"))
            includes = []
        for i, inc in enumerate([includes] if isinstance(includes, str) else includes or []):
            at = "include" if isinstance(includes, str) else f"include[{i}]"
            if not isinstance(inc, str):
                self.errors.append(FixtureError(name, at, "an include is a file path"))
                continue
            merged = _merge(merged, self.read(path.parent / inc, stack + (path.resolve(),), (name, at)))
        own = self._own_part(doc, name)
        return _merge(merged, own)

    def _own_part(self, doc: dict, name: str) -> dict:
        own: dict = {}
        for key, value in doc.items():
            if key == "include":
                continue
            if key not in TOP_LEVEL_FIELDS:
                self.errors.append(FixtureError(name, key, "unknown field"))
                continue
            if key in ENTITY_LISTS:
                if not isinstance(value, list):
                    self.errors.append(FixtureError(name, key, "must be a list"))
                    continue
                seen: dict[str, int] = {}
                entities = []
                for i, entity in enumerate(value):
                    if not isinstance(entity, dict):
                        self.errors.append(FixtureError(name, f"{key}[{i}]", "must be a mapping"))
                        continue
                    entity = dict(entity)  # its own "key" default below; nothing mutates deeper (copying was slow)
                    ekey = entity.get("key")
                    if isinstance(ekey, str) and ekey in seen:
                        self.errors.append(
                            FixtureError(name, f"{key}[{i}].key", f"duplicate key {ekey!r} (also {key}[{seen[ekey]}])")
                        )
                        continue
                    if isinstance(ekey, str):
                        seen[ekey] = i
                    else:
                        entity.setdefault("key", f"<{key}[{i}] in {name}>")
                    entities.append(entity)
                    self.origins.setdefault((key, entity["key"]), []).append((name, f"{key}[{i}]", entity))
                own[key] = entities
            else:
                own[key] = value
                self.header_origin[key] = name
        return own


def load_fixture(path: str | Path) -> Fixture:
    """Read, merge and validate a fixture; raise FixtureInvalid with every error found."""
    path = Path(path)
    reader = _Reader()
    doc = reader.read(path)
    errors = list(reader.errors)
    root = str(path)

    header = {k: doc[k] for k in schemas.WorldHeaderSchema().fields if k in doc}
    try:
        header = schemas.WorldHeaderSchema().load(header)
    except ValidationError as exc:
        for p, reason in error_pairs(exc.messages, ""):
            errors.append(FixtureError(reader.header_origin.get(p.split(".")[0], root), p, reason))
        header = {k: v for k, v in exc.valid_data.items() if k not in exc.messages}  # only what is valid

    loaded, origin_of, invalid_keys = _load_entities(doc, reader, root, errors)
    del doc
    if not errors and not loaded["partners"] and not loaded["customers"]:
        errors.append(
            FixtureError(
                root,
                "",
                "the fixture describes no partner and no customer (an empty file?): see "
                "fixtures/README.md for the format",
            )
        )

    fixture = Fixture(
        name=header.get("name") or path.stem,
        source=root,
        header=header,
        partners=loaded["partners"],
        customers=loaded["customers"],
        marketplaceProducts=loaded["marketplaceProducts"],
        origins=origin_of,
        digest=reader.digest.hexdigest()[:16],
        files=reader.files,
        invalid_keys=invalid_keys,
    )
    errors.extend(check_references(fixture))
    if errors:
        raise FixtureInvalid(errors)
    fixture.origins = {}  # only errors need them; they hold every file's raw document
    return fixture


def _load_entities(doc: dict, reader: _Reader, root: str, errors: list[FixtureError]):
    """Each entity list validated one entity at a time. An entity with errors is reported; if it loads without
    its unknown fields it is kept for the cross-reference checks (which then find its other errors), else its
    key is remembered so references to it are not reported as unknown as well."""

    loaded: dict[str, list[dict]] = {}
    origin_of: dict[int, _Origin] = {}
    invalid_keys: dict[str, set[str]] = {}
    for list_name, schema_cls in ENTITY_LISTS.items():
        fast = schemas.fast_loader(schema_cls, in_place=reader.all_json)
        loaded[list_name] = []
        for entity in doc.get(list_name, []):
            origin = _Origin(entity, reader.origins.get((list_name, entity.get("key")), [(root, list_name, entity)]))
            data = fast(entity)
            if data is None:  # something may be wrong: marshmallow's errors, with their paths
                try:
                    data = schema_cls().load(entity)
                except ValidationError as exc:
                    errors.extend(FixtureError(*origin.locate(p), r) for p, r in error_pairs(exc.messages))
                    try:
                        data = schema_cls(unknown=EXCLUDE).load(entity)
                    except ValidationError:
                        invalid_keys.setdefault(list_name, set()).add(str(entity.get("key")))
                        continue
            loaded[list_name].append(data)
            origin_of[id(data)] = origin
    return loaded, origin_of, invalid_keys


def check_references(fixture: Fixture) -> list[FixtureError]:
    """Every cross-reference and cross-entity rule of a fixture, as errors."""
    errors: list[FixtureError] = []

    refused = {f"unknown partner {k!r}" for k in fixture.invalid_keys.get("partners", ())} | {
        f"unknown marketplace product {k!r}" for k in fixture.invalid_keys.get("marketplaceProducts", ())
    }

    def err(entity: dict, path: str, reason: str) -> None:
        if reason in refused:  # that entity's own errors are reported already
            return
        origin = fixture.origins.get(id(entity))
        errors.append(
            FixtureError(*origin.locate(path), reason) if origin else FixtureError(fixture.source, path, reason)
        )

    partners = {p["key"]: p for p in fixture.partners}
    customers = {c["key"]: c for c in fixture.customers}
    products = {p["key"]: p for p in fixture.marketplaceProducts}

    for c in fixture.customers:
        if c["key"] in partners:
            err(c, "key", f"duplicate key {c['key']!r}: a partner has it too")

    domains: dict[str, str] = {}
    upns: dict[str, str] = {}
    subscription_keys: dict[str, str] = {}
    client_ids: dict[str, str] = {}
    for tenant in fixture.partners + fixture.customers:
        for i, d in enumerate(tenant["domains"]):
            if d in domains:
                err(tenant, f"domains[{i}]", f"domain {d!r} already belongs to {domains[d]!r}")
            domains[d] = tenant["key"]
        user_keys: set[str] = set()
        for i, u in enumerate(tenant["users"]):
            if u["key"] in user_keys:
                err(tenant, f"users[{i}].key", f"duplicate key {u['key']!r}")
            user_keys.add(u["key"])
            upn = (u.get("upn") or f"{u['key']}@{tenant['domains'][0]}").lower()
            if upn in upns:
                err(tenant, f"users[{i}].upn", f"UPN {upn!r} is already used by {upns[upn]}")
            upns[upn] = f"{tenant['key']}/{u['key']}"
            if upn.split("@", 1)[1] not in tenant["domains"]:
                err(tenant, f"users[{i}].upn", f"UPN {upn!r} is not in one of the tenant's domains")
            for j, role in enumerate(u["roles"]):
                if tenant["key"] in partners and role not in catalog.PARTNER_CENTER_ROLES:
                    err(
                        tenant,
                        f"users[{i}].roles[{j}]",
                        f"unknown Partner Center role {role!r}; known: {', '.join(catalog.PARTNER_CENTER_ROLES)}",
                    )
                if tenant["key"] in customers and catalog.role_id(role) is None:
                    err(tenant, f"users[{i}].roles[{j}]", f"unknown Entra role {role!r}")
        for i, s in enumerate(tenant["subscriptions"]):
            if s["key"] in subscription_keys:
                err(
                    tenant,
                    f"subscriptions[{i}].key",
                    f"duplicate subscription key {s['key']!r} (also in {subscription_keys[s['key']]!r})",
                )
            subscription_keys[s["key"]] = tenant["key"]

    clock_start = _instant((fixture.header.get("clock") or {}).get("start") or DEFAULT_CLOCK_START)  # valid
    ticket_numbers: dict[int, str] = {}

    for p in fixture.partners:
        _check_tickets(err, p, "partner", {}, subscription_keys, ticket_numbers, clock_start)
        users = {u["key"] for u in p["users"]}
        group_keys: set[str] = set()
        for i, g in enumerate(p["groups"]):
            if g["key"] in group_keys:
                err(p, f"groups[{i}].key", f"duplicate key {g['key']!r}")
            group_keys.add(g["key"])
            for j, m in enumerate(g["members"]):
                if m not in users:
                    err(p, f"groups[{i}].members[{j}]", f"unknown user {m!r} of partner {p['key']!r}")
        app_keys: set[str] = set()
        for i, a in enumerate(p["apps"]):
            if a["key"] in app_keys:
                err(p, f"apps[{i}].key", f"duplicate key {a['key']!r}")
            app_keys.add(a["key"])
            if a.get("clientId"):
                client_id = str(a["clientId"]).lower()
                if client_id in client_ids:
                    err(
                        p,
                        f"apps[{i}].clientId",
                        f"client id {client_id} is already used by app {client_ids[client_id]}",
                    )
                client_ids[client_id] = f"{p['key']}/{a['key']}"
        provider = p.get("indirectProvider")
        if provider is not None:
            if provider not in partners:
                err(p, "indirectProvider", f"unknown partner {provider!r}")
            elif provider == p["key"]:
                err(p, "indirectProvider", "a partner cannot be its own indirect provider")
            elif partners[provider]["cloud"] != p["cloud"]:
                err(p, "indirectProvider", f"partner {provider!r} is in another cloud (R14)")
        for i, s in enumerate(p["subscriptions"]):
            path = f"subscriptions[{i}]"
            if s.get("provider") or s.get("reseller"):
                err(p, path, "a partner's own subscription has no provider or reseller")
            if s["channel"] == "csp":
                err(p, f"{path}.channel", "a partner's own subscription is bought directly: channel 'direct'")
            _check_rbac(err, p, path, s, partners)

    for c in fixture.customers:
        rel_types: dict[str, set[str]] = {}
        for i, r in enumerate(c["relationships"]):
            path = f"relationships[{i}]"
            partner = partners.get(r["partner"])
            if partner is None:
                err(c, f"{path}.partner", f"unknown partner {r['partner']!r}")
                continue
            if r["type"] in rel_types.get(r["partner"], set()):
                err(c, path, f"duplicate relationship {r['partner']}/{r['type']}")
            rel_types.setdefault(r["partner"], set()).add(r["type"])
        clouds = {partners[k]["cloud"] for k in rel_types}
        if len(clouds) > 1:
            err(c, "relationships", "a customer's partners must all be in one cloud (R14)")
        for i, r in enumerate(c["relationships"]):
            partner = partners.get(r["partner"])
            if partner is None or r["type"] != "indirectReseller":
                continue
            provider = partner.get("indirectProvider")
            if provider is None:
                err(
                    c,
                    f"relationships[{i}].partner",
                    f"partner {r['partner']!r} is an indirect reseller of no provider (set its indirectProvider)",
                )
            elif "indirectProvider" not in rel_types.get(provider, set()):
                err(
                    c,
                    f"relationships[{i}]",
                    f"indirect reseller {r['partner']!r} needs its provider {provider!r} as "
                    f"this customer's indirectProvider",
                )

        for i, s in enumerate(c["subscriptions"]):
            path = f"subscriptions[{i}]"
            if s["channel"] == "csp":
                prov = s.get("provider")
                if prov is None:
                    err(c, f"{path}.provider", "a CSP subscription names its provider partner")
                elif prov not in partners:
                    err(c, f"{path}.provider", f"unknown partner {prov!r}")
                elif not rel_types.get(prov, set()) & set(catalog.PROVIDER_TYPES):
                    err(
                        c,
                        f"{path}.provider",
                        f"partner {prov!r} is not a direct or indirect provider of customer {c['key']!r}",
                    )
                res = s.get("reseller")
                if res is not None:
                    if res not in partners:
                        err(c, f"{path}.reseller", f"unknown partner {res!r}")
                    elif "indirectReseller" not in rel_types.get(res, set()):
                        err(
                            c,
                            f"{path}.reseller",
                            f"partner {res!r} is not an indirect reseller of customer {c['key']!r}",
                        )
                    elif prov in partners and partners[res].get("indirectProvider") != prov:
                        err(c, f"{path}.reseller", f"reseller {res!r} does not resell for provider {prov!r}")
            else:
                for f in ("provider", "reseller"):
                    if s.get(f):
                        err(c, f"{path}.{f}", "a direct subscription has no CSP provider or reseller")
            if s["workload"] == "marketplace":
                if not s.get("product"):
                    err(c, f"{path}.product", "a marketplace subscription names its product")
                elif s["product"] not in products:
                    err(c, f"{path}.product", f"unknown marketplace product {s['product']!r}")
            elif s.get("product"):
                err(c, f"{path}.product", "only a marketplace subscription names a product")
            if s.get("supportPlan"):
                err(c, f"{path}.supportPlan", "a support plan entitlement belongs to a partner's own subscription")
            _check_rbac(err, c, path, s, partners)

        _check_tickets(err, c, "customer", rel_types, subscription_keys, ticket_numbers, clock_start)
        gdap_keys: set[str] = set()
        for i, g in enumerate(c["gdap"]):
            path = f"gdap[{i}]"
            if g["key"] in gdap_keys:
                err(c, f"{path}.key", f"duplicate key {g['key']!r}")
            gdap_keys.add(g["key"])
            partner = partners.get(g["partner"])
            if partner is None:
                err(c, f"{path}.partner", f"unknown partner {g['partner']!r}")
            elif g["partner"] not in rel_types:
                err(c, f"{path}.partner", f"partner {g['partner']!r} has no relationship with customer {c['key']!r}")
            granted = set()
            for j, role in enumerate(g["roles"]):
                rid = catalog.role_id(role)
                if rid is None:
                    err(c, f"{path}.roles[{j}]", f"unknown Entra role {role!r}")
                granted.add(rid)
            if g["status"] in ("active", "expired", "expiring") and not g.get("start"):
                err(c, f"{path}.start", f"a relationship that is {g['status']} has a start date-time")
            group_keys = {x["key"] for x in partner["groups"]} if partner else set()
            assignment_keys: set[str] = set()
            for j, a in enumerate(g["accessAssignments"]):
                apath = f"{path}.accessAssignments[{j}]"
                akey = a.get("key") or a["group"]
                if akey in assignment_keys:
                    err(c, apath, f"duplicate access assignment key {akey!r} (the key defaults to the group)")
                assignment_keys.add(akey)
                if partner is not None and a["group"] not in group_keys:
                    err(c, f"{apath}.group", f"unknown security group {a['group']!r} of partner {g['partner']!r}")
                for k, role in enumerate(a["roles"]):
                    rid = catalog.role_id(role)
                    if rid is None:
                        err(c, f"{apath}.roles[{k}]", f"unknown Entra role {role!r}")
                    elif rid not in granted:
                        err(c, f"{apath}.roles[{k}]", f"role {role!r} is not granted by relationship {g['key']!r}")
        services: set[str] = set()
        issue_ids: set[str] = set()
        for i, h in enumerate(c["serviceHealth"]):
            if h["service"] in services:
                err(c, f"serviceHealth[{i}].service", f"duplicate service {h['service']!r}")
            services.add(h["service"])
            for j, issue in enumerate(h["issues"]):
                if issue["id"] in issue_ids:
                    err(c, f"serviceHealth[{i}].issues[{j}].id", f"duplicate issue id {issue['id']!r} in this tenant")
                issue_ids.add(issue["id"])
    return errors


def default_workload(ticket: dict, tenant_kind: str) -> str:
    """A ticket's workload when the fixture gives none: Azure's for an Azure ticket, Partner Center's for a
    partner's own Partner Center request, else Microsoft 365."""
    if ticket.get("workload"):
        return ticket["workload"]
    if ticket["origin"] == "azure":
        return "azure"
    return "partnercenter" if ticket["origin"] == "partnercenter" and tenant_kind == "partner" else "microsoft365"


def azure_classification(topic: str) -> tuple[support.AzureService, str] | None:
    """(service, problem classification id) of an Azure topic: the classification's GUID or its full id."""
    service_id, _, pc = topic.lower().rstrip("/").rpartition("/problemclassifications/")
    pc = pc.rpartition("/")[2]
    for service in support.AZURE_SERVICES:
        if service_id and not service_id.endswith(service.id):
            continue
        if any(pid == pc for pid, _ in service.classifications):
            return service, pc
    return None


def _instant(text: str) -> str:
    """A date-time as text that sorts in time order: the usual ``YYYY-MM-DDTHH:MM:SSZ`` without parsing it."""
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        return text[:19] + ".000000"
    return parse_datetime(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _check_tickets(
    err,
    tenant: dict,
    kind: str,
    rel_types: dict[str, set[str]],
    subscription_keys: dict[str, str],
    numbers: dict[int, str],
    clock_start,
) -> None:
    """A tenant's tickets: numbers unique in the world, the filing partner related to the customer (R1), the
    subscription the tenant's and of the ticket's kind, the workload and topic of the surface that filed it."""
    subs = {s["key"]: s for s in tenant["subscriptions"]}
    keys: set[str] = set()
    owner = tenant["key"]
    for i, t in enumerate(tenant["tickets"]):
        path = f"tickets[{i}]"
        if t["key"] in keys:
            err(tenant, f"{path}.key", f"duplicate key {t['key']!r}")
        keys.add(t["key"])
        if t["number"] in numbers:
            err(tenant, f"{path}.number", f"duplicate ticket number {t['number']} (also {numbers[t['number']]})")
        numbers.setdefault(t["number"], f"{owner}/{t['key']}")
        origin, workload = t["origin"], default_workload(t, kind)
        if origin == "azure" and workload != "azure":
            err(tenant, f"{path}.workload", f"an Azure ticket's workload is azure; got {workload!r}")
        elif origin != "azure" and workload == "azure":
            err(tenant, f"{path}.workload", "Azure tickets are filed on the Azure surface: origin azure")
        elif workload == "partnercenter" and not (origin == "partnercenter" and kind == "partner"):
            err(tenant, f"{path}.workload", "only a partner's own Partner Center request has workload partnercenter")
        elif kind == "partner" and origin == "partnercenter" and workload != "partnercenter":
            err(
                tenant,
                f"{path}.workload",
                "a partner's own Partner Center request is about Partner Center: workload partnercenter",
            )
        partner = t.get("partner")
        if kind == "partner":
            if partner is not None:
                err(tenant, f"{path}.partner", "a partner's own ticket names no partner: the partner filed it")
        elif partner is None:
            if origin == "partnercenter":
                err(tenant, f"{path}.partner", "a Partner Center service request names the partner that filed it")
        elif partner not in rel_types:
            err(tenant, f"{path}.partner", f"partner {partner!r} has no relationship with customer {owner!r} (R1)")
        sub_key = t.get("subscription")
        if sub_key is not None:
            sub = subs.get(sub_key)
            if sub is None:
                where = subscription_keys.get(sub_key)
                err(
                    tenant,
                    f"{path}.subscription",
                    f"subscription {sub_key!r} belongs to {where!r}, not to {owner!r}"
                    if where
                    else f"unknown subscription {sub_key!r} of {owner!r}",
                )
            elif origin == "azure" and sub["workload"] != "azure":
                err(
                    tenant,
                    f"{path}.subscription",
                    f"an Azure ticket's subscription is an Azure one; {sub_key!r} is {sub['workload']}",
                )
            elif origin != "azure" and sub["workload"] == "azure":
                err(
                    tenant,
                    f"{path}.subscription",
                    f"{sub_key!r} is an Azure subscription: file on it with origin azure",
                )
        topic = t.get("topic")
        if topic is not None:
            if origin == "partnercenter":
                found = support.TOPICS_BY_ID.get(int(topic)) if topic.isdigit() else None
                if found is None or found.workload != workload:
                    err(
                        tenant, f"{path}.topic", f"not a Partner Center support topic of workload {workload}: {topic!r}"
                    )
            elif origin == "azure":
                found = azure_classification(topic)
                if found is None:
                    err(tenant, f"{path}.topic", f"not an Azure problem classification id: {topic!r}")
                elif sub_key is None and found[0].technical:
                    err(
                        tenant,
                        f"{path}.topic",
                        "a tenant-level Azure ticket (no subscription) is about billing, "
                        f"subscription management or quota, not {found[0].display_name!r}",
                    )
            else:
                found = support.CATEGORIES_BY_ID.get(topic)
                if found is None or found.workload != workload:
                    err(
                        tenant,
                        f"{path}.topic",
                        f"not a Microsoft 365 admin topic category of workload {workload}: {topic!r}",
                    )
        created = _instant(t["created"]) if t.get("created") else clock_start
        if created > clock_start:
            err(
                tenant,
                f"{path}.created",
                "created after the clock's start: a fixture's tickets exist when the world starts",
            )
        if t.get("closed"):
            if t["status"] != "closed":
                err(tenant, f"{path}.closed", f"only a closed ticket has a closed date-time; status is {t['status']}")
            elif not created <= _instant(t["closed"]) <= clock_start:
                err(tenant, f"{path}.closed", "closed before its creation or after the clock's start")
        for j, note in enumerate(t["notes"]):
            if not created <= _instant(note["at"]) <= clock_start:
                err(tenant, f"{path}.notes[{j}].at", "written before the ticket's creation or after the clock's start")


def _check_rbac(err, tenant: dict, path: str, sub: dict, partners: dict) -> None:
    if sub["rbac"] and sub["workload"] != "azure":
        err(tenant, f"{path}.rbac", "only an Azure subscription has RBAC assignments")
    seen: set[tuple[str, str]] = set()
    for j, a in enumerate(sub["rbac"]):
        if (a["principal"], a["role"]) in seen:
            err(tenant, f"{path}.rbac[{j}]", f"duplicate RBAC assignment {a['principal']} = {a['role']}")
        seen.add((a["principal"], a["role"]))
        where = f"{path}.rbac[{j}].principal"
        owner, _, name = a["principal"].partition("/")
        if not name:
            err(tenant, where, "a principal is '<partner>/<group or user key>'")
            continue
        partner = partners.get(owner)
        if partner is None:
            err(tenant, where, f"unknown partner {owner!r}")
        elif name not in {g["key"] for g in partner["groups"]} | {u["key"] for u in partner["users"]}:
            err(tenant, where, f"partner {owner!r} has no group or user {name!r}")
