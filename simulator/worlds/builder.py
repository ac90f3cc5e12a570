"""Turn a validated fixture into table rows: stable ids, and details drawn from Faker's lists (seeded per entity)
for everything not given."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta

from faker.providers.address.en_US import Provider as _AddressData
from faker.providers.person.en_US import Provider as _PersonData

from ..domain import catalog, support_catalog
from ..domain import tickets as ticket_rules
from ..domain.clock import parse_datetime, parse_duration
from ..domain.support import CSP_SUPPORT_PLAN
from ..store import models
from . import ids
from .fixtures import DEFAULT_CLOCK_START, Fixture, azure_classification, default_workload

DEFAULT_PASSWORD = "Pcsim-Passw0rd!"
PROVIDER = "/providers/Microsoft.Support"
CUSTOMER_SUPPORT_PLAN = "Microsoft 365 standard support"  # a customer's own Microsoft 365 request
OWN_PLAN_NAMES = {
    "partnerAgreement": "Partner program agreement",
    "premier": "Premier",
    "unified": "Unified",
    "azureSupportPlan": "Azure support plan",
}

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


FIRST_NAMES = tuple(_PersonData.first_names)
LAST_NAMES = tuple(_PersonData.last_names)
CITY_PREFIXES, CITY_SUFFIXES = tuple(_AddressData.city_prefixes), tuple(_AddressData.city_suffixes)
STATES = tuple(_AddressData.states_abbr)
STREET_SUFFIXES = tuple(_AddressData.street_suffixes)


class _Draw:
    """The details of one entity, drawn in turn from 512 bits of a hash (no generator to seed)."""

    def __init__(self, digest: bytes):
        self.n = int.from_bytes(digest, "big")

    def _index(self, size: int) -> int:
        self.n, i = divmod(self.n, size)
        return i

    def pick(self, items: tuple):
        return items[self._index(len(items))]

    def digits(self, count: int) -> str:
        return f"{self._index(10**count):0{count}d}"

    def first_name(self) -> str:
        return self.pick(FIRST_NAMES)

    def last_name(self) -> str:
        return self.pick(LAST_NAMES)

    def city(self) -> str:
        form = self._index(4)  # Faker's four en_US city formats
        if form == 0:
            return f"{self.pick(CITY_PREFIXES)} {self.first_name()}{self.pick(CITY_SUFFIXES)}"
        if form == 1:
            return f"{self.pick(CITY_PREFIXES)} {self.first_name()}"
        name = self.first_name() if form == 2 else self.last_name()
        return f"{name}{self.pick(CITY_SUFFIXES)}"

    def street_address(self) -> str:
        number = str(int(self.digits(self._index(3) + 3)) or 1)
        name = self.first_name() if self._index(2) else self.last_name()
        return f"{number} {name} {self.pick(STREET_SUFFIXES)}"

    def phone(self) -> str:
        d = self.digits(10)
        return f"+1 {d[:3]}-{d[3:6]}-{d[6:]}"


class _Details:
    """Details per entity from Faker's en_US name and address lists, chosen by a hash of ``<seed>:<entity id>``:
    adding an entity never changes the details of another. (Reseeding a Faker per entity cost about a millisecond
    each: 20 s for a 10,000-customer fixture.)"""

    def __init__(self, seed: int):
        self.seed = seed

    def for_entity(self, entity_id: str) -> _Draw:
        return _Draw(hashlib.blake2b(f"{self.seed}:{entity_id}".encode(), digest_size=64).digest())


class LazyRows:
    """Ticket rows made when iterated (dicts), or as the DB-API's values (:meth:`stored`), in ticket id order: a
    large fixture's tickets never all sit in memory as rows at once (a row dict per ticket is about 2 KB: 200 MB
    for 100,000 tickets), and rows inserted in key order keep the primary key index appending (twice as fast as
    random inserts in SQLite)."""

    def __init__(self):
        self.entries: list[tuple[str, tuple, dict]] = []

    def add(self, ticket: str, context: tuple, t: dict) -> None:
        self.entries.append((ticket, context, t))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        form = _Values()
        for number_id, context, t in self._sorted():
            yield dict(zip(TICKET_COLUMNS, _ticket_values(context, number_id, t, form), strict=True))

    def stored(self, dialect) -> Iterator[tuple]:
        """The rows as tuples of ``TICKET_COLUMNS``, each value as ``dialect``'s bind processors make it (what
        the DB-API receives): date-times and JSON made straight from the fixture's text, each shared value
        converted once."""
        form = _StoredValues(dialect)
        for number_id, context, t in self._sorted():
            yield _ticket_values(context, number_id, t, form)

    def _sorted(self):
        self.entries.sort(key=lambda e: e[0])
        return self.entries


def build_rows(
    fixture: Fixture, lazy: bool = False, flush: Callable[[dict], None] | None = None, flush_every: int = 1000
) -> dict[type, list[dict]]:
    """Rows per model class (without ``world_id``) for a validated fixture. ``lazy``: the tickets' rows are a
    :class:`LazyRows`, made as they are read. ``flush``: called with the customers' rows every ``flush_every``
    customers (the rows then built per customer; then dropped from the rows returned)."""
    seed = fixture.header.get("seed", 0)
    details = _Details(seed)
    clock = fixture.header.get("clock") or {"start": DEFAULT_CLOCK_START}
    start = parse_datetime(clock["start"])
    rows: dict[type, list[dict]] = {
        m: []
        for m in (
            models.Tenant,
            models.Domain,
            models.User,
            models.Group,
            models.GroupMember,
            models.App,
            models.PartnerRelationship,
            models.Subscription,
            models.RbacAssignment,
            models.GdapRelationship,
            models.GdapAccessAssignment,
            models.MarketplaceProduct,
            models.ServiceHealth,
            models.ServiceIssue,
            models.Ticket,
            models.TicketNote,
        )
    }
    if lazy:
        rows[models.Ticket] = LazyRows()
    partners = {p["key"]: p for p in fixture.partners}
    partner_rows: dict[str, dict] = {}  # the built partner tenants: their support contact files their tickets
    form = _Values()  # the tickets' rows, unless lazy
    # Which RBAC principals are groups: known before any subscription is built, whatever the partners' order.
    group_keys = {p["key"]: {g["key"] for g in p["groups"]} for p in fixture.partners}

    for p in fixture.marketplaceProducts:
        support = p["support"]
        rows[models.MarketplaceProduct].append(
            dict(
                id=ids.product_id(p["key"]),
                key=p["key"],
                name=p["name"],
                publisher=p["publisher"],
                support_url=support.get("url"),
                support_email=support.get("email"),
                support_phone=support.get("phone"),
            )
        )

    def add_tenant(t: dict, kind: str, cloud: str) -> str:
        tid = ids.tenant_id(t["key"])
        fake = details.for_entity(tid)
        first, last = fake.first_name(), fake.last_name()
        profile = {
            "address": {
                "country": t.get("country", "US"),
                "city": fake.city(),
                "state": fake.pick(STATES),
                "addressLine1": fake.street_address(),
                "postalCode": fake.digits(5),
                "phoneNumber": fake.digits(10),
            },
            "billingContact": {
                "firstName": first,
                "lastName": last,
                "email": f"{first.lower()}.{last.lower()}@{t['domains'][0]}",
            },
            "commerceId": ids.stable_id("commerce", t["key"]),
        }
        if kind == "partner":
            contact = dict(t.get("supportContact") or {})
            contact.setdefault("name", f"{t['name']} Support")
            contact.setdefault("email", f"support@{t['domains'][0]}")
            contact.setdefault("phone", fake.phone())
            contact.setdefault("url", f"https://support.{t['domains'][0].split('.')[0]}.example")
            profile["supportContact"] = contact
        rows[models.Tenant].append(
            dict(
                id=tid,
                key=t["key"],
                kind=kind,
                name=t["name"],
                cloud=cloud,
                default_domain=t["domains"][0],
                mpn_id=t.get("mpnId") or (fake.digits(7) if kind == "partner" else None),
                indirect_provider_id=ids.tenant_id(t["indirectProvider"]) if t.get("indirectProvider") else None,
                profile=profile,
            )
        )
        for i, d in enumerate(t["domains"]):
            rows[models.Domain].append(dict(name=d.lower(), tenant_id=tid, is_default=i == 0))
        for u in t["users"]:
            uid = ids.user_id(t["key"], u["key"])
            fake = details.for_entity(uid)
            given, surname = u.get("givenName") or fake.first_name(), u.get("surname") or fake.last_name()
            rows[models.User].append(
                dict(
                    id=uid,
                    tenant_id=tid,
                    key=u["key"],
                    upn=(u.get("upn") or f"{u['key']}@{t['domains'][0]}").lower(),
                    password_hash=hash_secret(u.get("password") or DEFAULT_PASSWORD),
                    display_name=u.get("displayName") or f"{given} {surname}",
                    given_name=given,
                    surname=surname,
                    phone=u.get("phone") or fake.phone(),
                    partner_roles=list(u["roles"]) if kind == "partner" else [],
                    directory_roles=[catalog.role_id(r) for r in u["roles"]] if kind == "customer" else [],
                )
            )
        return tid

    for p in fixture.partners:
        tid = add_tenant(p, "partner", p["cloud"])
        for g in p["groups"]:
            gid = ids.group_id(p["key"], g["key"])
            rows[models.Group].append(dict(id=gid, tenant_id=tid, key=g["key"], display_name=g["name"]))
            for m in dict.fromkeys(g["members"]):
                rows[models.GroupMember].append(dict(group_id=gid, user_id=ids.user_id(p["key"], m)))
        for a in p["apps"]:
            rows[models.App].append(
                dict(
                    id=str(a["clientId"]) if a.get("clientId") else ids.app_id(p["key"], a["key"]),
                    tenant_id=tid,
                    key=a["key"],
                    display_name=a["name"],
                    secret_hash=hash_secret(a["secret"]),
                    roles=list(a["roles"]),
                )
            )
        for s in p["subscriptions"]:
            _add_subscription(rows, details, tid, s, start, group_keys)
        partner_rows[p["key"]] = rows[models.Tenant][-1]
    for p in fixture.partners:
        _add_tickets(rows, p, partner_rows[p["key"]], None, partner_rows, start, form)

    built = 0
    for c in fixture.customers:
        cloud = next((partners[r["partner"]]["cloud"] for r in c["relationships"]), "public")
        users_before = len(rows[models.User])
        tid = add_tenant(c, "customer", cloud)
        tenant_row = rows[models.Tenant][-1]
        first_user = rows[models.User][users_before] if len(rows[models.User]) > users_before else None
        for r in c["relationships"]:
            rows[models.PartnerRelationship].append(
                dict(
                    id=ids.stable_id("relationship", c["key"], r["partner"], r["type"]),
                    partner_id=ids.tenant_id(r["partner"]),
                    customer_id=tid,
                    type=r["type"],
                )
            )
        workloads = set()
        for s in c["subscriptions"]:
            _add_subscription(rows, details, tid, s, start, group_keys)
            workloads.add(s["workload"])
        for g in c["gdap"]:
            _add_gdap(rows, c, g, start)
        _add_service_health(rows, tid, c["serviceHealth"], workloads, start)
        _add_tickets(rows, c, tenant_row, first_user, partner_rows, start, form)
        built += 1
        if flush is not None and built % flush_every == 0:
            flush({model: rows[model] for model in _PER_CUSTOMER})
            rows.update((model, []) for model in _PER_CUSTOMER)
    return rows


# The tables built per customer (no later entity reads them back; the tickets are lazy, or small).
_PER_CUSTOMER = (
    models.Tenant,
    models.Domain,
    models.User,
    models.PartnerRelationship,
    models.Subscription,
    models.RbacAssignment,
    models.GdapRelationship,
    models.GdapAccessAssignment,
    models.ServiceHealth,
    models.ServiceIssue,
    models.TicketNote,
)


def ticket_seq(rows: dict) -> int:
    """The highest ticket number among a fixture's rows: a world's next ticket number is the one after it."""
    tickets = rows.get(models.Ticket) or []
    entries = tickets.entries if isinstance(tickets, LazyRows) else tickets
    return max((int((e[0] if isinstance(tickets, LazyRows) else e["id"])[7:]) for e in entries), default=0)


def ticket_id(number: int, created) -> str:
    """As a world numbers its tickets (simulator.store.tickets.new_ticket_id): "2", the date, 8 digits."""
    return f"2{created.year % 100:02d}{created.month:02d}{created.day:02d}{number:08d}"


_AZURE_DEFAULT = next(s for s in support_catalog.AZURE_SERVICES if s.technical)  # a subscription's ticket
_AZURE_TENANT_DEFAULT = support_catalog.AZURE_SERVICES[0]  # a tenant-level ticket: billing
_PC_TOPICS = {t.workload: t for t in reversed(support_catalog.SUPPORT_TOPICS)}  # each workload's first topic
_M365_CATEGORIES = {c.workload: c for c in reversed(support_catalog.TOPIC_CATEGORIES) if c.featured}


def _add_tickets(
    rows, tenant: dict, tenant_row: dict, first_user: dict | None, partner_rows: dict[str, dict], start, form: _Values
) -> None:
    """A tenant's tickets as the surface of their ``origin`` would have stored them (see docs/tickets.md); the
    status is the one at the clock's start, from which the world's clock moves it along."""
    if not tenant["tickets"]:
        return
    subs = {s["key"]: s for s in tenant["subscriptions"]}
    context = (
        tenant,
        tenant_row,
        first_user,
        partner_rows,
        start,
        subs,
        {key: ids.subscription_id(key) for key in subs},
    )
    ticket_rows, note_rows = rows[models.Ticket], rows[models.TicketNote]
    lazy = isinstance(ticket_rows, LazyRows)  # the notes now (they are few), the tickets when the rows are read
    for t in tenant["tickets"]:
        number_id = ticket_id(t["number"], parse_datetime(t["created"]) if t.get("created") else start)
        if lazy:
            ticket_rows.add(number_id, context, t)
        else:
            ticket_rows.append(dict(zip(TICKET_COLUMNS, _ticket_values(context, number_id, t, form), strict=True)))
        if t["notes"]:
            note_rows.extend(_note_rows(number_id, t["notes"]))


# A ticket row's columns, in the order of the table's (without world_id; see manager._bulk_insert).
TICKET_COLUMNS = (
    "id",
    "name",
    "origin",
    "tenant_id",
    "customer_id",
    "partner_id",
    "subscription_id",
    "workload",
    "title",
    "description",
    "severity",
    "status",
    "status_changed_at",
    "next_transition_at",
    "topic_id",
    "topic_name",
    "service_id",
    "support_plan",
    "support_plan_id",
    "contact",
    "product_id",
    "created_by",
    "created_at",
    "modified_at",
    "closed_at",
    "country",
    "locale",
    "details",
)


class _Values:
    """A row's values as the model's attributes hold them: date-times parsed, JSON as dicts."""

    def __init__(self):
        # (filer's tenant id, origin) -> (contact, its value in this form): the contact of the tickets a tenant
        # files on a surface when the fixture gives none, shared by all of them.
        self.contacts: dict[tuple[str, str], tuple[dict, object]] = {}

    def instant(self, text: str):
        return parse_datetime(text)

    def of(self, value):
        return value

    def json(self, value):
        return value

    def shared_json(self, value):
        """``json`` of a value shared by many rows, never mutated."""
        return value


class _StoredValues(_Values):
    """A row's values as a dialect's bind processors make them; date-times and JSON of the ticket table."""

    def __init__(self, dialect):
        super().__init__()
        columns = models.Ticket.__table__.c
        self._datetime = columns.created_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        self._json = columns.contact.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        self._instants: dict = {}  # datetime -> its text
        self._shared: dict[int, tuple[object, str]] = {}  # id -> (value, its text): the id stays the value's
        # The fixture's usual "2025-10-17T19:33:00Z" in a world's stored form, checked against the processor.
        self._fast = self._datetime(parse_datetime("2025-10-17T19:33:00Z")) == "2025-10-17 19:33:00.000000"

    def instant(self, text: str):
        if self._fast and len(text) == 20 and text[10] == "T" and text[19] == "Z":
            return f"{text[:10]} {text[11:19]}.000000"
        return self.of(parse_datetime(text))

    def of(self, value):
        if value is None:
            return None
        done = self._instants.get(value)
        if done is None:
            done = self._instants[value] = self._datetime(value)
        return done

    def json(self, value):
        return self._json(value)

    def shared_json(self, value):
        done = self._shared.get(id(value))
        if done is None:
            done = self._shared[id(value)] = (value, self._json(value))
        return done[1]


def _ticket_values(context: tuple, number_id: str, t: dict, form: _Values) -> tuple:
    """One ticket's values, in the order of ``TICKET_COLUMNS``, in ``form``. Instants in either form compare
    as times: the stored text is UTC, zero-padded."""
    tenant, tenant_row, first_user, partner_rows, start, subs, sub_ids = context
    kind, tid = tenant_row["kind"], tenant_row["id"]
    origin, workload = t["origin"], default_workload(t, kind)
    partner_key = t.get("partner")
    partner_id = partner_rows[partner_key]["id"] if partner_key else tid if kind == "partner" else None
    sub = subs[t["subscription"]] if t.get("subscription") else None
    start_value = form.of(start)
    created = form.instant(t["created"]) if t.get("created") else start_value
    closed = (form.instant(t["closed"]) if t.get("closed") else created) if t["status"] == "closed" else None
    notes = t["notes"]
    modified = max([created] + ([closed] if closed else []) + [form.instant(n["at"]) for n in notes])
    # The filer's contact in the surface's shape (a partner's, the customer's first user's), shared when the
    # fixture gives none.
    contact = form.contacts.get((partner_id or tid, origin)) if not t.get("contact") else None
    if contact is None:
        made = _ticket_contact(
            t,
            origin,
            partner_rows[partner_key] if partner_key else tenant_row if kind == "partner" else None,
            first_user,
            tenant,
        )
        contact = (made, form.json(made))
        if not t.get("contact"):
            form.contacts[(partner_id or tid, origin)] = contact
    contact, contact_value = contact

    product_id, service_id = None, None
    if origin == "azure":
        topic = azure_classification(t["topic"]) if t.get("topic") else None
        default = _AZURE_DEFAULT if sub else _AZURE_TENANT_DEFAULT
        service, pc = topic or (default, default.classifications[0][0])
        service_id = f"{PROVIDER}/services/{service.id}"
        topic_id, topic_name = f"{service_id}/problemClassifications/{pc}", dict(service.classifications)[pc]
        details = _AZURE_DETAILS[service.id]
        if kind == "partner":
            own = sub.get("supportPlan") if sub else None
            plan = plan_id = f"{own['type']}:{own['id']}" if own else f"partnerAgreement:{tenant_row['mpn_id']}"
        elif partner_key or sub is None or sub["channel"] == "csp":
            plan = plan_id = CSP_SUPPORT_PLAN
        else:
            plan = plan_id = "Basic"  # the customer's own ticket on a direct subscription
    elif origin == "partnercenter":
        found = support_catalog.TOPICS_BY_ID[int(t["topic"])] if t.get("topic") else _PC_TOPICS[workload]
        topic_id, topic_name, details = str(found.id), found.name, _NO_DETAILS
        plan, plan_id = ("Partner Center" if kind == "partner" else CSP_SUPPORT_PLAN), None
        product_id = sub_ids[sub["key"]] if sub else None  # as the Partner Center surface stores it
    else:
        found = support_catalog.CATEGORIES_BY_ID[t["topic"]] if t.get("topic") else _M365_CATEGORIES[workload]
        topic_id, topic_name = found.id, found.display_name
        if kind == "partner":
            plan, filed_as = OWN_PLAN_NAMES["partnerAgreement"], "own"
            plan_id = f"partnerAgreement:{tenant_row['mpn_id']}"
        elif partner_key:
            plan, plan_id, filed_as = CSP_SUPPORT_PLAN, None, "partner"
        else:
            plan, plan_id, filed_as = CUSTOMER_SUPPORT_PLAN, None, "customer"
        details = _M365_DETAILS[filed_as]
        if sub and sub.get("product"):
            product_id = ids.product_id(sub["product"])
    status = t["status"]
    # The ticket's life (simulator.domain.tickets): its engineer is assigned already when the fixture's ticket
    # has moved on from open, or was filed long enough before the clock's start (or its closing); else the
    # world's clock assigns one.
    created_at = parse_datetime(t["created"]) if t.get("created") else start
    assign_at = created_at + ticket_rules.assign_after(t["severity"])
    closed_at = (parse_datetime(t["closed"]) if t.get("closed") else created_at) if closed else None
    assigned = (closed_at >= assign_at) if closed_at is not None else (status != "open" or assign_at <= start)
    if assigned:
        details = _assigned(details)
    return (
        number_id,
        t["key"] if origin == "azure" else number_id,
        origin,
        tid,
        tid if kind == "customer" else None,
        partner_id,
        sub_ids[sub["key"]] if sub else None,
        workload,
        t["title"],
        t.get("description") or t["title"],
        t["severity"],
        status,
        closed if closed else start_value,
        None if closed else form.of(ticket_rules.next_due(status, start, t["severity"], created_at, assigned)),
        topic_id,
        topic_name,
        service_id,
        plan,
        plan_id,
        contact_value,
        product_id,
        t.get("createdBy") or contact.get("email") or contact.get("primaryEmailAddress") or "",
        created,
        modified,
        closed,
        tenant.get("country", "US"),
        "en-US",
        form.shared_json(details),
    )


# Shared, never mutated: the same value for every row that has it (and serialized once).
_NO_DETAILS: dict = {}
_AZURE_DETAILS = {
    s.id: {"serviceDisplayName": s.display_name, "advancedDiagnosticConsent": "No"}
    for s in support_catalog.AZURE_SERVICES
}
_M365_DETAILS = {k: {"filedAs": k} for k in ("own", "partner", "customer")}
_ASSIGNED_DETAILS: dict[int, dict] = {}  # id of a shared details value -> the same with the engineer assigned


def _assigned(details: dict) -> dict:
    """``details`` with the ticket's engineer assigned: shared too, one per shared value."""
    done = _ASSIGNED_DETAILS.get(id(details))
    if done is None:
        done = _ASSIGNED_DETAILS[id(details)] = {**details, ticket_rules.ASSIGNED: True}
    return done


def _ticket_contact(t: dict, origin: str, filer: dict | None, first_user: dict | None, tenant: dict) -> dict:
    """The contact as the ticket's surface stores it: the filing partner's support contact, or the customer's
    first user, with what the fixture gives on top."""
    if filer is not None:
        contact = dict(filer["profile"]["supportContact"])
    elif first_user is not None:
        contact = {"name": first_user["display_name"], "email": first_user["upn"], "phone": first_user["phone"]}
    else:
        contact = {"name": tenant["name"], "email": f"admin@{tenant['domains'][0]}"}
    contact.update(t.get("contact") or {})
    name, email, phone = contact.get("name") or "", contact.get("email", ""), contact.get("phone")
    first, _, last = name.partition(" ")
    if origin == "azure":
        return {
            "firstName": first,
            "lastName": last,
            "primaryEmailAddress": email,
            "preferredContactMethod": "email",
            "preferredTimeZone": "Pacific Standard Time",
            "country": "usa",
            "preferredSupportLanguage": "en-US",
            **({"phoneNumber": phone} if phone else {}),
        }
    if origin == "partnercenter":
        return {"firstName": first, "lastName": last, "email": email, "phoneNumber": phone or ""}
    return {k: v for k, v in (("name", name), ("email", email), ("phone", phone)) if v}


def _note_rows(ticket: str, notes: list[dict]) -> list[dict]:
    return [
        dict(
            ticket_id=ticket,
            seq=seq,
            name=f"note-{seq}",
            created_at=parse_datetime(n["at"]),
            author=n["author"],
            author_kind=n["by"],
            subject="",
            text=n["text"],
        )
        for seq, n in enumerate(notes, 1)
    ]


def _add_subscription(rows, details: _Details, tenant_id: str, s: dict, start, group_keys: dict[str, set[str]]) -> None:
    sid = ids.subscription_id(s["key"])
    offer_id, offer_name, cycle = OFFERS[s["workload"]]
    product_id = ids.product_id(s["product"]) if s.get("product") else None
    if s["workload"] == "marketplace":
        product = next(r for r in rows[models.MarketplaceProduct] if r["id"] == product_id)
        offer_id, offer_name = f"{product['key']}:0001", product["name"]
    created = parse_datetime(s["created"]) if s.get("created") else start - timedelta(days=90)
    rows[models.Subscription].append(
        dict(
            id=sid,
            tenant_id=tenant_id,
            key=s["key"],
            display_name=s.get("name") or s["key"],
            workload=s["workload"],
            channel=s["channel"],
            is_trial=s["trial"],
            status=s["status"],
            provider_id=ids.tenant_id(s["provider"]) if s.get("provider") else None,
            reseller_id=ids.tenant_id(s["reseller"]) if s.get("reseller") else None,
            offer_id=s.get("offerId") or offer_id,
            offer_name=s.get("offer") or offer_name,
            quantity=s["quantity"],
            billing_cycle=s.get("billingCycle") or cycle,
            term_duration=s.get("termDuration")
            or (None if s["workload"] == "azure" else "P1M" if s["trial"] else "P1Y"),
            created_at=created,
            product_id=product_id,
            support_plan=s.get("supportPlan"),
        )
    )
    for a in s["rbac"]:
        owner, _, name = a["principal"].partition("/")
        is_group = name in group_keys.get(owner, set())
        principal = ids.group_id(owner, name) if is_group else ids.user_id(owner, name)
        rows[models.RbacAssignment].append(
            dict(
                id=ids.stable_id("rbac", s["key"], a["principal"], a["role"]),
                subscription_id=sid,
                principal_id=principal,
                principal_type="group" if is_group else "user",
                role=a["role"],
            )
        )


def _add_gdap(rows, customer: dict, g: dict, world_start) -> None:
    rid = ids.gdap_relationship_id(customer["key"], g["key"])
    begun = g["status"] not in ("created", "approvalPending")
    start = parse_datetime(g["start"]) if g.get("start") else world_start - timedelta(days=30)
    end = parse_datetime(g["end"]) if g.get("end") else (start + parse_duration(g["duration"]) if begun else None)
    rows[models.GdapRelationship].append(
        dict(
            id=rid,
            key=g["key"],
            partner_id=ids.tenant_id(g["partner"]),
            customer_id=ids.tenant_id(customer["key"]),
            display_name=g.get("displayName") or f"{g['partner']}-{customer['key']}-{g['key']}",
            status=g["status"],
            duration=g["duration"],
            auto_extend_duration=g["autoExtend"],
            roles=[catalog.role_id(r) for r in g["roles"]],
            created_at=start - timedelta(days=1),
            activated_at=start if begun else None,
            end_at=end,
            last_modified_at=start,
        )
    )
    for a in g["accessAssignments"]:
        akey = a.get("key") or a["group"]
        rows[models.GdapAccessAssignment].append(
            dict(
                id=ids.access_assignment_id(customer["key"], g["key"], akey),
                relationship_id=rid,
                group_id=ids.group_id(g["partner"], a["group"]),
                roles=[catalog.role_id(r) for r in a["roles"]],
                status=a["status"],
                created_at=start,
                last_modified_at=start,
            )
        )


def _add_service_health(rows, tenant_id: str, health: list[dict], workloads: set[str], start) -> None:
    given = {h["service"]: h for h in health}
    services = dict.fromkeys(s for w in sorted(workloads) for s in WORKLOAD_SERVICES.get(w, ()))
    services.update(dict.fromkeys(given))
    for service in services:
        h = given.get(service, {"status": "serviceOperational", "issues": []})
        rows[models.ServiceHealth].append(
            dict(tenant_id=tenant_id, service_id=service, service_name=catalog.SERVICES[service], status=h["status"])
        )
        for issue in h["issues"]:
            begin = parse_datetime(issue["start"])
            posts = [
                {
                    "createdDateTime": p["at"],
                    "postType": "regular",
                    "description": {"contentType": "html", "content": p["text"]},
                }
                for p in issue["posts"]
            ]
            rows[models.ServiceIssue].append(
                dict(
                    tenant_id=tenant_id,
                    id=issue["id"],
                    service_id=service,
                    title=issue["title"],
                    classification=issue["classification"],
                    status=issue["status"],
                    feature=issue["feature"],
                    feature_group=issue["featureGroup"],
                    impact_description=issue["impact"],
                    start_at=begin,
                    end_at=parse_datetime(issue["end"]) if issue.get("end") else None,
                    is_resolved=issue["resolved"],
                    posts=posts,
                    last_modified_at=max([begin] + [parse_datetime(p["at"]) for p in issue["posts"]]),
                )
            )
