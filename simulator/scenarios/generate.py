"""``pcsim generate``: a valid fixture of any size, from Faker, the same bytes for the same seed.

The world: direct providers, distributors (indirect providers) each with indirect resellers, advisors, and
a US Government direct provider; N customers whose relationships, GDAP relationships and subscriptions
cycle through every kind, in proportion (customer i gets the i-th kind of each cycle, so the first ten
customers already show every relationship type and every GDAP status):

- relationships (cycle of 10): 6 direct provider, 3 indirect provider + indirect reseller, 1 direct provider
  + advisor; every 40th customer is in the US Government cloud (direct provider);
- GDAP (cycle of 7, with the customer's partner: the direct provider, the reseller or the advisor):
  active with support roles (x2), active without (Global Reader only), approvalPending, expired, terminated,
  none;
- subscriptions: Microsoft 365 (CSP) for all, Azure (CSP) for one in three (with RBAC for the partners'
  Support Engineers on half of them), Dynamics 365 one in seven, EMS one in five, a Microsoft 365 Direct
  trial one in eleven, a Microsoft 365 Direct paid one in thirteen, the marketplace product one in
  seventeen; a service degradation with an incident every 50th customer;
- tickets (``--tickets T``), numbered 1 to T and dealt to the customers in turn (customer i gets tickets i+1,
  i+1+N, ...), each surface in proportion (cycle of 10): 4 Azure (on the customer's Azure subscription if it has
  one, else a tenant-level billing ticket), 3 Partner Center service requests, 3 Microsoft 365 admin center
  requests; filed by the customer's provider, its GDAP partner (reseller, advisor) or, on Azure and Microsoft
  365, its own admin; status open (4 in 10), attention needed (2 in 10, with Microsoft's question) or closed;
  created in the 90 days before the clock's start. Every 1000th ticket is the first direct provider's own
  (Partner Center, or Azure on its own subscription).

The fixture is written as JSON (``--format yaml`` for YAML): JSON is YAML, and pcsim reads JSON about fifty
times faster (a 100,000-ticket fixture is tens of megabytes). One entity, or one ticket, per line.
"""
from __future__ import annotations

import json
import math
import random
import re
from datetime import timedelta
from pathlib import Path

from faker import Faker

from ..domain.clock import parse_datetime
from ..domain.tickets import ENGINEER, ENGINEER_QUESTION
from . import yamlio

CLOCK_START = "2026-01-15T09:00:00Z"
SUPPORT_ROLES = ["Service Support Administrator", "Helpdesk Administrator"]
GDAP_CYCLE = ("active-support", "active-readonly", "active-support", "approvalPending", "expired", "terminated",
              "none")
RELATIONSHIP_CYCLE = ("direct", "direct", "indirect", "direct", "direct", "advisor", "indirect", "direct", "direct",
                      "indirect")
COUNTRIES = ("US", "US", "US", "GB", "CA", "DE", "FR", "NL", "AU", "IE")
SECRET = "Pcsim-App-Secret-1!"


def _slug(text: str, limit: int = 18) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:limit] or "org"


class _Gen:
    def __init__(self, customers: int, seed: int):
        self.n = customers
        self.seed = seed
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.domains: set[str] = set()

    def domain(self, name: str, suffix: str = "onmicrosoft.com") -> str:
        base = _slug(name)
        candidate, n = f"{base}.{suffix}", 1
        while candidate in self.domains:
            n += 1
            candidate = f"{base}{n}.{suffix}"
        self.domains.add(candidate)
        return candidate

    def mpn(self) -> str:
        return str(self.rng.randint(1_000_000, 9_999_999))

    # --- partners ------------------------------------------------------------------------------------------
    def partner(self, key: str, name: str, *, cloud: str = "public", indirect_provider: str | None = None,
                app: bool = False) -> dict:
        suffix = "onmicrosoft.us" if cloud == "usgov" else "onmicrosoft.com"
        p: dict = {"key": key, "name": name, "domains": [self.domain(name, suffix)]}
        if cloud != "public":
            p["cloud"] = cloud
        p["mpnId"] = self.mpn()
        if indirect_provider:
            p["indirectProvider"] = indirect_provider
        p["users"] = [{"key": "admin", "roles": ["AdminAgent"]}, {"key": "helpdesk", "roles": ["HelpdeskAgent"]},
                      {"key": "sales", "roles": ["SalesAgent"]}]
        p["groups"] = [{"key": "support-engineers", "name": "Support Engineers", "members": ["admin", "helpdesk"]},
                       {"key": "global-readers", "name": "Global Readers", "members": ["admin"]}]
        if app:
            p["apps"] = [{"key": "psa", "name": f"{name} PSA", "secret": SECRET,
                          "roles": ["DelegatedAdminRelationship.ReadWrite.All"]}]
        return p

    def partners(self) -> dict[str, list[dict]]:
        n = self.n
        groups: dict[str, list[dict]] = {"direct": [], "distributor": [], "reseller": [], "advisor": [], "gov": []}
        for i in range(max(1, math.ceil(n / 500))):
            groups["direct"].append(self.partner(f"direct-{i + 1:03d}", f"{self.fake.company()} Cloud",
                                                 app=i == 0))
        for i in range(max(1, math.ceil(n / 2000))):
            groups["distributor"].append(self.partner(f"distributor-{i + 1:03d}",
                                                      f"{self.fake.company()} Distribution"))
        for i in range(max(2, math.ceil(n / 500))):
            provider = groups["distributor"][i % len(groups["distributor"])]["key"]
            groups["reseller"].append(self.partner(f"reseller-{i + 1:03d}", f"{self.fake.company()} IT",
                                                   indirect_provider=provider))
        for i in range(max(1, math.ceil(n / 1000))):
            groups["advisor"].append(self.partner(f"advisor-{i + 1:03d}", f"{self.fake.company()} Advisory"))
        groups["gov"].append(self.partner("gov-001", f"{self.fake.company()} Government", cloud="usgov"))
        own = groups["direct"][0]
        own["subscriptions"] = [{"key": f"{own['key']}-internal", "workload": "azure", "channel": "direct",
                                 "rbac": [{"principal": f"{own['key']}/support-engineers", "role": "Owner"}],
                                 "supportPlan": {"type": "azureSupportPlan", "id": "ASP-GEN-0001"}}]
        return groups

    # --- customers -----------------------------------------------------------------------------------------
    def gdap(self, kind: str, partner: str) -> list[dict]:
        if kind == "none":
            return []
        g: dict = {"key": f"{partner}-support", "partner": partner}
        if kind == "active-support":
            start = f"2025-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}T00:00:00Z"
            g.update(displayName="Support", status="active", start=start, duration="P730D")
            if self.rng.random() < 0.5:
                g["autoExtend"] = "P180D"
            g.update(roles=SUPPORT_ROLES + ["Global Reader"],
                     accessAssignments=[{"group": "support-engineers", "roles": list(SUPPORT_ROLES)},
                                        {"group": "global-readers", "roles": ["Global Reader"]}])
        elif kind == "active-readonly":
            start = f"2025-{self.rng.randint(2, 12):02d}-{self.rng.randint(1, 28):02d}T00:00:00Z"
            g.update(key=f"{partner}-readonly", displayName="Read-only", status="active", start=start,
                     duration="P365D", roles=["Global Reader"],
                     accessAssignments=[{"group": "support-engineers", "roles": ["Global Reader"]}])
        elif kind == "approvalPending":
            g.update(displayName="Support (awaiting approval)", status="approvalPending", duration="P730D",
                     roles=list(SUPPORT_ROLES))
        elif kind == "expired":
            start = f"2023-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}T00:00:00Z"
            g.update(displayName="Support (expired)", status="expired", start=start, duration="P730D",
                     roles=list(SUPPORT_ROLES),
                     accessAssignments=[{"group": "support-engineers", "roles": list(SUPPORT_ROLES)}])
        elif kind == "terminated":
            month = self.rng.randint(1, 6)
            g.update(displayName="Support (terminated)", status="terminated", start=f"2025-{month:02d}-01T00:00:00Z",
                     end=f"2025-{month + 5:02d}-28T00:00:00Z", duration="P730D", roles=list(SUPPORT_ROLES),
                     accessAssignments=[{"group": "support-engineers", "roles": list(SUPPORT_ROLES),
                                         "status": "deleted"}])
        return [g]

    def customer(self, i: int, partners: dict[str, list[dict]], product: str) -> tuple[dict, dict]:
        key = f"cust-{i + 1:05d}"
        name = self.fake.company()
        gov = i % 40 == 39
        kind = "gov" if gov else RELATIONSHIP_CYCLE[i % len(RELATIONSHIP_CYCLE)]
        gdap_kind = GDAP_CYCLE[i % len(GDAP_CYCLE)]
        c: dict = {"key": key, "name": name,
                   "domains": [self.domain(name, "onmicrosoft.us" if gov else "onmicrosoft.com")]}
        country = COUNTRIES[self.rng.randrange(len(COUNTRIES))]
        if country != "US":
            c["country"] = country
        c["users"] = [{"key": "admin", "roles": ["Global Administrator"]}, {"key": "user"}]
        reseller = None
        if kind == "gov":
            provider = partners["gov"][0]["key"]
            c["relationships"] = [{"partner": provider, "type": "directProvider"}]
            gdap_partner = provider
        elif kind == "indirect":
            r = partners["reseller"][(i // len(RELATIONSHIP_CYCLE)) % len(partners["reseller"])]
            provider, reseller = r["indirectProvider"], r["key"]
            c["relationships"] = [{"partner": provider, "type": "indirectProvider"},
                                  {"partner": reseller, "type": "indirectReseller"}]
            gdap_partner = reseller
        else:
            provider = partners["direct"][(i // len(RELATIONSHIP_CYCLE)) % len(partners["direct"])]["key"]
            c["relationships"] = [{"partner": provider, "type": "directProvider"}]
            gdap_partner = provider
            if kind == "advisor":
                advisor = partners["advisor"][(i // len(RELATIONSHIP_CYCLE)) % len(partners["advisor"])]["key"]
                c["relationships"].append({"partner": advisor, "type": "advisor"})
                gdap_partner = advisor

        csp = {"provider": provider, **({"reseller": reseller} if reseller else {})}
        subs = [{"key": f"{key}-m365", "workload": "microsoft365", **csp, "quantity": self.rng.randint(1, 300)}]
        if i % 3 == 0:
            azure = {"key": f"{key}-azure", "name": f"{key}-azure", "workload": "azure", **csp}
            if i % 6 == 0:
                rbac = [{"principal": f"{provider}/support-engineers", "role": "Support Request Contributor"}]
                if reseller:
                    rbac.append({"principal": f"{reseller}/support-engineers", "role": "Contributor"})
                if gdap_partner not in (provider, reseller):
                    rbac.append({"principal": f"{gdap_partner}/support-engineers", "role": "Reader"})
                azure["rbac"] = rbac
            subs.append(azure)
        if i % 7 == 2:
            subs.append({"key": f"{key}-dynamics", "workload": "dynamics", **csp, "quantity": self.rng.randint(1, 50)})
        if i % 5 == 1:
            subs.append({"key": f"{key}-ems", "workload": "ems", **csp, "quantity": self.rng.randint(1, 200)})
        if i % 11 == 3:
            subs.append({"key": f"{key}-m365-direct-trial", "workload": "microsoft365", "channel": "direct",
                         "trial": True, "offer": "Microsoft 365 E5 Trial", "quantity": 25})
        if i % 13 == 4:
            subs.append({"key": f"{key}-m365-direct", "workload": "microsoft365", "channel": "direct",
                         "offer": "Microsoft 365 E5", "quantity": self.rng.randint(1, 100)})
        if i % 17 == 5 and not gov:
            subs.append({"key": f"{key}-{product}", "workload": "marketplace", "product": product, **csp,
                         "quantity": self.rng.randint(1, 50)})
        c["subscriptions"] = subs
        gdap = self.gdap(gdap_kind, gdap_partner)
        if gdap:
            c["gdap"] = gdap
        if i % 50 == 0:
            c["serviceHealth"] = [{"service": "Exchange", "status": "serviceDegradation", "issues": [{
                "id": f"EX{i + 1000}", "title": "Users may experience delays sending and receiving email",
                "classification": "incident", "status": "serviceDegradation", "feature": "Mail flow",
                "featureGroup": "E-Mail and calendar access", "start": "2026-01-15T06:30:00Z",
                "posts": [{"at": "2026-01-15T06:45:00Z", "text": "We're investigating delays in mail flow."}]}]}]
        stats = {"subscriptions": len(subs), "gdap": len(gdap), "kind": kind, "gdap_kind": gdap_kind,
                 "provider": provider, "gdap_partner": gdap_partner}
        return c, stats


TICKET_ORIGINS = ("azure", "partnercenter", "m365admin", "azure", "partnercenter", "m365admin", "azure",
                  "partnercenter", "m365admin", "azure")
TICKET_STATUSES = ("open", "open", "attention_needed", "closed", "open", "closed", "attention_needed", "closed",
                   "open", "closed")
SEVERITIES = ("moderate", "minimal", "moderate", "critical", "moderate", "minimal")
TITLES = {
    "azure": ("Virtual machine does not start", "Cannot connect to my VM over RDP", "VM is slow since Monday",
              "Restarting the VM fails"),
    "azure-billing": ("Invoice shows an unexpected charge", "Question about this month's bill",
                      "Refund for a duplicate charge"),
    "microsoft365": ("Mail is delayed", "Users cannot sign in to Teams", "SharePoint site is not loading",
                     "Licences are not assigned"),
    "dynamics": ("Dynamics 365 environment is unavailable", "Sales app shows an error"),
    "ems": ("Devices do not enrol in Intune", "Conditional access blocks every user"),
    "partnercenter": ("Cannot sign the partner agreement", "Question about our incentives"),
}


def _tickets_of(gen: "_Gen", i: int, c: dict, stats: dict, tickets: int, rng: random.Random) -> list[dict]:
    """Customer i's tickets: numbers i+1, i+1+N, ... up to ``tickets`` (every 1000th belongs to a partner)."""
    out = []
    start = parse_datetime(CLOCK_START)
    azure = next((s for s in c["subscriptions"] if s["workload"] == "azure"), None)
    others = [s["workload"] for s in c["subscriptions"] if s["workload"] in ("microsoft365", "dynamics", "ems")]
    provider, gdap_partner = stats["provider"], stats["gdap_partner"]
    for number in range(i + 1, tickets + 1, gen.n):
        if number % 1000 == 0:
            continue  # a partner's own ticket (see _partner_tickets)
        j = number - 1
        origin = TICKET_ORIGINS[j % len(TICKET_ORIGINS)]
        status = TICKET_STATUSES[(j // len(TICKET_ORIGINS)) % len(TICKET_STATUSES)]
        filer = (provider, gdap_partner, None)[j % 3]
        t: dict = {"key": f"t{number}", "number": number, "origin": origin}
        if origin == "partnercenter" and filer is None:
            filer = provider
        if filer is not None:
            t["partner"] = filer
        if origin == "azure":
            if azure is not None:
                t["subscription"] = azure["key"]
                title = TITLES["azure"]
            else:
                title = TITLES["azure-billing"]
        else:
            workload = others[j % len(others)]
            if workload != "microsoft365":
                t["workload"] = workload
            title = TITLES[workload]
        t.update(_ticket_tail(rng, title, status, start))
        out.append(t)
    return out


def _ticket_tail(rng: random.Random, titles: tuple[str, ...], status: str, start) -> dict:
    created = start - timedelta(minutes=rng.randint(2 * 1440, 90 * 1440))
    t: dict = {"title": titles[rng.randrange(len(titles))], "severity": SEVERITIES[rng.randrange(len(SEVERITIES))]}
    if status != "open":
        t["status"] = status
    t["created"] = f"{created:%Y-%m-%dT%H:%M:00Z}"
    if status == "closed":
        t["closed"] = f"{created + timedelta(days=rng.randint(1, 2)):%Y-%m-%dT%H:%M:00Z}"
    if status == "attention_needed":
        t["notes"] = [{"at": f"{created + timedelta(days=1):%Y-%m-%dT%H:%M:00Z}", "author": ENGINEER,
                       "by": "microsoft", "text": ENGINEER_QUESTION}]
    return t


def _partner_tickets(partner: dict, tickets: int, rng: random.Random) -> list[dict]:
    """The first direct provider's own tickets: every 1000th number."""
    start = parse_datetime(CLOCK_START)
    out = []
    own = partner["subscriptions"][0]["key"]
    for number in range(1000, tickets + 1, 1000):
        j = number // 1000
        t: dict = {"key": f"t{number}", "number": number, "origin": "azure" if j % 2 else "partnercenter"}
        if j % 2:
            t["subscription"] = own
        status = TICKET_STATUSES[j % len(TICKET_STATUSES)]
        t.update(_ticket_tail(rng, TITLES["azure" if j % 2 else "partnercenter"], status, start))
        out.append(t)
    return out


def generate_fixture(customers: int, seed: int = 0, name: str | None = None, tickets: int = 0) -> tuple[dict, dict]:
    """(the fixture as a mapping, counts). Without ``name`` the fixture's name is its file's (so the same seed
    gives the same bytes wherever the file is written). The tickets draw from their own random sequence: the
    same seed gives the same customers with or without them."""
    gen = _Gen(customers, seed)
    ticket_rng = random.Random(f"{seed}:tickets")
    partners = gen.partners()
    product_name = f"{gen.fake.company()} Backup"
    product = {"key": "gen-backup", "name": product_name, "publisher": gen.fake.company(),
               "support": {"url": "https://support.gen-backup.example", "email": "support@gen-backup.example",
                           "phone": "+1 800-555-0142"}}
    customer_list, subs, gdap = [], sum(len(p.get("subscriptions", [])) for g in partners.values() for p in g), 0
    ticket_count = 0
    for i in range(customers):
        c, stats = gen.customer(i, partners, product["key"])
        if tickets:
            own = _tickets_of(gen, i, c, stats, tickets, ticket_rng)
            if own:
                c["tickets"] = own
                ticket_count += len(own)
        customer_list.append(c)
        subs += stats["subscriptions"]
        gdap += stats["gdap"]
    if tickets >= 1000:
        first = partners["direct"][0]
        first["tickets"] = _partner_tickets(first, tickets, ticket_rng)
        ticket_count += len(first["tickets"])
    all_partners = [p for group in ("direct", "distributor", "reseller", "advisor", "gov") for p in partners[group]]
    command = (f"pcsim generate --customers {customers}" + (f" --tickets {tickets}" if tickets else "")
               + f" --seed {seed}")
    doc = {**({"name": name} if name else {}),
           "description": f"Generated by `{command}`: every relationship type and GDAP status, in proportion; "
                          "a valid fixture (fixtures/README.md), the same bytes for the same seed.",
           "seed": seed,
           "clock": {"start": CLOCK_START},
           "partners": all_partners,
           "customers": customer_list,
           "marketplaceProducts": [product]}
    return doc, {"partners": len(all_partners), "customers": customers, "subscriptions": subs, "gdap": gdap,
                 "tickets": ticket_count}


def _json(value) -> str:
    # ASCII only: YAML reads \uXXXX escapes, and no raw line separator (U+2028) can slip into a line
    return json.dumps(value, ensure_ascii=True, separators=(", ", ": "))


def json_layout(doc: dict) -> str:
    """JSON with one entity per line, and one ticket per line after its tenant's other fields."""
    lines = ["{"]
    for n, (key, value) in enumerate(doc.items()):
        comma = "," if n < len(doc) - 1 else ""
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            lines.append(f"  {_json(key)}: [")
            for i, item in enumerate(value):
                item_comma = "," if i < len(value) - 1 else ""
                tickets = item.get("tickets")
                if tickets:
                    head = _json({k: v for k, v in item.items() if k != "tickets"})
                    lines.append(f"    {head[:-1]}, \"tickets\": [")
                    lines.extend(f"      {_json(t)}{',' if j < len(tickets) - 1 else ''}"
                                 for j, t in enumerate(tickets))
                    lines.append(f"    ]}}{item_comma}")
                else:
                    lines.append(f"    {_json(item)}{item_comma}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {_json(key)}: {_json(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_fixture(path: str | Path, customers: int, seed: int = 0, name: str | None = None, tickets: int = 0,
                  fmt: str = "json") -> dict:
    """Write the fixture (``fmt``: ``json``, which is YAML too and fast to read, or ``yaml``); returns counts."""
    path = Path(path)
    doc, stats = generate_fixture(customers, seed, name, tickets)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "yaml":
        header = ("# Generated by `pcsim generate`: a valid fixture (fixtures/README.md); the same seed gives the same "
                  "bytes.\n")
        path.write_text(header + yamlio.fast_dump(doc), encoding="utf-8")
    else:
        path.write_text(json_layout(doc), encoding="utf-8")
    return stats
