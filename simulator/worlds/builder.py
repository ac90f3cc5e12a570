"""Turn a validated fixture into table rows: stable ids, and Faker (seeded) for every detail not given."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from faker import Faker

from ..domain import catalog
from ..domain.clock import parse_datetime, parse_duration
from ..store import models
from . import ids
from .fixtures import Fixture

DEFAULT_PASSWORD = "Pcsim-Passw0rd!"
DEFAULT_CLOCK_START = "2026-01-15T09:00:00Z"

# Offer names and ids per workload, as Partner Center's new-commerce catalogue names them.
OFFERS = {
    "azure": ("DZH318Z0BPS6:0001", "Azure plan", "none"),
    "microsoft365": ("CFQ7TTC0LCHC:0002", "Microsoft 365 Business Premium", "monthly"),
    "dynamics": ("CFQ7TTC0LH18:0001", "Dynamics 365 Sales Enterprise", "monthly"),
    "ems": ("CFQ7TTC0LFK5:0002", "Enterprise Mobility + Security E3", "monthly"),
    "marketplace": ("", "", "monthly"),
}
# The services whose health a customer sees, per workload it subscribes to.
WORKLOAD_SERVICES = {
    "microsoft365": ("Exchange", "SharePoint", "microsoftteams", "OrgLiveID", "OSDPPlatform"),
    "dynamics": ("DynamicsCRM",),
    "ems": ("Intune", "OrgLiveID"),
}  # Azure's health is Azure Service Health, not Microsoft 365's service communications


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class _Details:
    """Faker reseeded per entity: adding an entity never changes the details of another."""

    def __init__(self, seed: int):
        self.seed = seed
        self.fake = Faker("en_US")

    def for_entity(self, entity_id: str) -> Faker:
        self.fake.seed_instance(f"{self.seed}:{entity_id}")
        return self.fake


def build_rows(fixture: Fixture) -> dict[type, list[dict]]:
    """Rows per model class (without ``world_id``) for a validated fixture."""
    seed = fixture.header.get("seed", 0)
    details = _Details(seed)
    clock = fixture.header.get("clock") or {"start": DEFAULT_CLOCK_START}
    start = parse_datetime(clock["start"])
    rows: dict[type, list[dict]] = {m: [] for m in (
        models.Tenant, models.Domain, models.User, models.Group, models.GroupMember, models.App,
        models.PartnerRelationship, models.Subscription, models.RbacAssignment, models.GdapRelationship,
        models.GdapAccessAssignment, models.MarketplaceProduct, models.ServiceHealth, models.ServiceIssue)}
    partners = {p["key"]: p for p in fixture.partners}
    # Which RBAC principals are groups: known before any subscription is built, whatever the partners' order.
    group_keys = {p["key"]: {g["key"] for g in p["groups"]} for p in fixture.partners}

    for p in fixture.marketplaceProducts:
        support = p["support"]
        rows[models.MarketplaceProduct].append(dict(
            id=ids.product_id(p["key"]), key=p["key"], name=p["name"], publisher=p["publisher"],
            support_url=support.get("url"), support_email=support.get("email"), support_phone=support.get("phone")))

    def add_tenant(t: dict, kind: str, cloud: str) -> str:
        tid = ids.tenant_id(t["key"])
        fake = details.for_entity(tid)
        first, last = fake.first_name(), fake.last_name()
        profile = {
            "address": {
                "country": t.get("country", "US"), "city": fake.city(), "state": fake.state_abbr(),
                "addressLine1": fake.street_address(), "postalCode": fake.postcode(),
                "phoneNumber": fake.numerify("##########"),
            },
            "billingContact": {"firstName": first, "lastName": last,
                               "email": f"{first.lower()}.{last.lower()}@{t['domains'][0]}"},
            "commerceId": ids.stable_id("commerce", t["key"]),
        }
        if kind == "partner":
            contact = dict(t.get("supportContact") or {})
            contact.setdefault("name", f"{t['name']} Support")
            contact.setdefault("email", f"support@{t['domains'][0]}")
            contact.setdefault("phone", fake.numerify("+1 ###-###-####"))
            contact.setdefault("url", f"https://support.{t['domains'][0].split('.')[0]}.example")
            profile["supportContact"] = contact
        rows[models.Tenant].append(dict(
            id=tid, key=t["key"], kind=kind, name=t["name"], cloud=cloud, default_domain=t["domains"][0],
            mpn_id=t.get("mpnId") or (fake.numerify("#######") if kind == "partner" else None),
            indirect_provider_id=ids.tenant_id(t["indirectProvider"]) if t.get("indirectProvider") else None,
            profile=profile))
        for i, d in enumerate(t["domains"]):
            rows[models.Domain].append(dict(name=d.lower(), tenant_id=tid, is_default=i == 0))
        for u in t["users"]:
            uid = ids.user_id(t["key"], u["key"])
            fake = details.for_entity(uid)
            given, surname = u.get("givenName") or fake.first_name(), u.get("surname") or fake.last_name()
            rows[models.User].append(dict(
                id=uid, tenant_id=tid, key=u["key"],
                upn=(u.get("upn") or f"{u['key']}@{t['domains'][0]}").lower(),
                password_hash=hash_secret(u.get("password") or DEFAULT_PASSWORD),
                display_name=u.get("displayName") or f"{given} {surname}", given_name=given, surname=surname,
                phone=u.get("phone") or fake.numerify("+1 ###-###-####"),
                partner_roles=list(u["roles"]) if kind == "partner" else [],
                directory_roles=[catalog.role_id(r) for r in u["roles"]] if kind == "customer" else []))
        return tid

    for p in fixture.partners:
        tid = add_tenant(p, "partner", p["cloud"])
        for g in p["groups"]:
            gid = ids.group_id(p["key"], g["key"])
            rows[models.Group].append(dict(id=gid, tenant_id=tid, key=g["key"], display_name=g["name"]))
            for m in dict.fromkeys(g["members"]):
                rows[models.GroupMember].append(dict(group_id=gid, user_id=ids.user_id(p["key"], m)))
        for a in p["apps"]:
            rows[models.App].append(dict(
                id=str(a["clientId"]) if a.get("clientId") else ids.app_id(p["key"], a["key"]),
                tenant_id=tid, key=a["key"], display_name=a["name"], secret_hash=hash_secret(a["secret"]),
                roles=list(a["roles"])))
        for s in p["subscriptions"]:
            _add_subscription(rows, details, tid, s, start, group_keys)

    for c in fixture.customers:
        cloud = next((partners[r["partner"]]["cloud"] for r in c["relationships"]), "public")
        tid = add_tenant(c, "customer", cloud)
        for r in c["relationships"]:
            rows[models.PartnerRelationship].append(dict(
                id=ids.stable_id("relationship", c["key"], r["partner"], r["type"]),
                partner_id=ids.tenant_id(r["partner"]), customer_id=tid, type=r["type"]))
        workloads = set()
        for s in c["subscriptions"]:
            _add_subscription(rows, details, tid, s, start, group_keys)
            workloads.add(s["workload"])
        for g in c["gdap"]:
            _add_gdap(rows, c, g, start)
        _add_service_health(rows, tid, c["serviceHealth"], workloads, start)
    return rows


def _add_subscription(rows, details: _Details, tenant_id: str, s: dict, start,
                      group_keys: dict[str, set[str]]) -> None:
    sid = ids.subscription_id(s["key"])
    offer_id, offer_name, cycle = OFFERS[s["workload"]]
    product_id = ids.product_id(s["product"]) if s.get("product") else None
    if s["workload"] == "marketplace":
        product = next(r for r in rows[models.MarketplaceProduct] if r["id"] == product_id)
        offer_id, offer_name = f"{product['key']}:0001", product["name"]
    created = parse_datetime(s["created"]) if s.get("created") else start - timedelta(days=90)
    rows[models.Subscription].append(dict(
        id=sid, tenant_id=tenant_id, key=s["key"], display_name=s.get("name") or s["key"],
        workload=s["workload"], channel=s["channel"], is_trial=s["trial"], status=s["status"],
        provider_id=ids.tenant_id(s["provider"]) if s.get("provider") else None,
        reseller_id=ids.tenant_id(s["reseller"]) if s.get("reseller") else None,
        offer_id=s.get("offerId") or offer_id, offer_name=s.get("offer") or offer_name,
        quantity=s["quantity"], billing_cycle=s.get("billingCycle") or cycle,
        term_duration=s.get("termDuration") or (None if s["workload"] == "azure" else "P1M" if s["trial"] else "P1Y"),
        created_at=created, product_id=product_id, support_plan=s.get("supportPlan")))
    for a in s["rbac"]:
        owner, _, name = a["principal"].partition("/")
        is_group = name in group_keys.get(owner, set())
        principal = ids.group_id(owner, name) if is_group else ids.user_id(owner, name)
        rows[models.RbacAssignment].append(dict(
            id=ids.stable_id("rbac", s["key"], a["principal"], a["role"]), subscription_id=sid,
            principal_id=principal, principal_type="group" if is_group else "user", role=a["role"]))


def _add_gdap(rows, customer: dict, g: dict, world_start) -> None:
    rid = ids.gdap_relationship_id(customer["key"], g["key"])
    begun = g["status"] not in ("created", "approvalPending")
    start = parse_datetime(g["start"]) if g.get("start") else world_start - timedelta(days=30)
    end = parse_datetime(g["end"]) if g.get("end") else (start + parse_duration(g["duration"]) if begun else None)
    rows[models.GdapRelationship].append(dict(
        id=rid, key=g["key"], partner_id=ids.tenant_id(g["partner"]), customer_id=ids.tenant_id(customer["key"]),
        display_name=g.get("displayName") or f"{g['partner']}-{customer['key']}-{g['key']}", status=g["status"],
        duration=g["duration"], auto_extend_duration=g["autoExtend"],
        roles=[catalog.role_id(r) for r in g["roles"]], created_at=start - timedelta(days=1),
        activated_at=start if begun else None, end_at=end, last_modified_at=start))
    for i, a in enumerate(g["accessAssignments"]):
        akey = a.get("key") or a["group"]
        rows[models.GdapAccessAssignment].append(dict(
            id=ids.access_assignment_id(customer["key"], g["key"], akey), relationship_id=rid,
            group_id=ids.group_id(g["partner"], a["group"]), roles=[catalog.role_id(r) for r in a["roles"]],
            status=a["status"], created_at=start, last_modified_at=start))


def _add_service_health(rows, tenant_id: str, health: list[dict], workloads: set[str], start) -> None:
    given = {h["service"]: h for h in health}
    services = dict.fromkeys(s for w in sorted(workloads) for s in WORKLOAD_SERVICES.get(w, ()))
    services.update(dict.fromkeys(given))
    for service in services:
        h = given.get(service, {"status": "serviceOperational", "issues": []})
        rows[models.ServiceHealth].append(dict(
            tenant_id=tenant_id, service_id=service, service_name=catalog.SERVICES[service], status=h["status"]))
        for issue in h["issues"]:
            begin = parse_datetime(issue["start"])
            posts = [{"createdDateTime": p["at"], "postType": "regular",
                      "description": {"contentType": "html", "content": p["text"]}} for p in issue["posts"]]
            rows[models.ServiceIssue].append(dict(
                tenant_id=tenant_id, id=issue["id"], service_id=service, title=issue["title"],
                classification=issue["classification"], status=issue["status"], feature=issue["feature"],
                feature_group=issue["featureGroup"], impact_description=issue["impact"], start_at=begin,
                end_at=parse_datetime(issue["end"]) if issue.get("end") else None, is_resolved=issue["resolved"],
                posts=posts, last_modified_at=max([begin] + [parse_datetime(p["at"]) for p in issue["posts"]])))
