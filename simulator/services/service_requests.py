"""Partner Center's service requests: the partner's own (R3), on behalf of a customer (R1, R2, R4, R11, R3, R9),
listing, reading, notes and status; the "New request" hand-off to the workload's portal (R4); and the service
incidents of the customers in which the user has GDAP access (R5)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain import catalog, health, support
from ..domain import tickets as ticket_rules
from ..domain.decision import Decision
from ..domain.errors import Conflict, Denied, Invalid, NotFound
from ..domain.support_catalog import PORTALS, SUPPORT_TOPICS, TOPICS_BY_ID, SupportTopic
from ..store import partnercenter as pc_store
from ..store import queries, tickets
from ..store import service_requests as store
from .partnercenter import tenant_not_found, visible_customer
from .scope import Principal, Scope

# How long a create's retry key (MS-RequestId) brings back its first result (pcsim's choice: no public source says).
REQUEST_KEY_WINDOW = timedelta(hours=24)


@dataclass
class RequestView:
    """A service request with its notes and the partner that filed it (Partner Center's ``organization``)."""

    ticket: Any
    notes: list
    partner: Any  # None for none

    @property
    def last_updated_by(self) -> tuple[dict, bool] | None:
        """Who wrote the last note, and whether they are of the partner that filed it (None: nobody has, the
        primary contact made the last change): the Partner Center user recorded when the note came through
        Partner Center, else the note's author (an address when its author is one)."""
        if not self.notes:
            return None
        author = self.notes[-1].author
        recorded = (self.ticket.details or {}).get("pcLastUpdatedBy")
        if recorded and recorded.get("name") == author:
            return {k: v for k, v in recorded.items() if k != "name"}, True
        first, _, last = author.partition(" ")
        email = author if "@" in author else ""
        return {"firstName": first, "lastName": last, "email": email, "phoneNumber": ""}, False


@dataclass
class RequestPage:
    total: int
    items: list[RequestView]
    customer_id: str | None = None  # the customer's id as stored, when the list is one customer's


@dataclass
class HandOff:
    """R4: the workload's own portal opened for the customer, and the pcsim call that files the request there."""

    workload: str
    portal: str
    url: str
    customer: Any
    next: dict


def support_topics(scope: Scope, principal: Principal) -> tuple[SupportTopic, ...]:
    """The topics a service request is filed under."""
    return SUPPORT_TOPICS


def _topic(raw) -> SupportTopic:
    try:
        topic = TOPICS_BY_ID.get(int(str(raw)))
    except ValueError:
        topic = None
    if topic is None:
        raise Invalid(f"Unknown supportTopicId '{raw}': see GET /v1/servicerequests/supporttopics")
    return topic


def _customer(scope: Scope, customer_id: str):
    customer = queries.tenant(scope.db, scope.world_id, customer_id.lower())
    if customer is None or customer.kind != "customer":
        raise tenant_not_found(customer_id)
    return customer


def _gdap(scope: Scope, principal: Principal, customer_id: str):
    """The user's GDAP roles in the customer now (None for an app)."""
    if principal.user is None:
        return None
    return queries.gdap_roles(scope.db, scope.world_id, principal.user.id, principal.tenant.id, customer_id, scope.now)


def _default_contact(principal: Principal) -> dict:
    user = principal.user
    return (
        {"firstName": user.given_name, "lastName": user.surname, "email": user.upn, "phoneNumber": user.phone}
        if user
        else {}
    )


def _view(scope: Scope, ticket, notes: list) -> RequestView:
    partner = queries.tenant(scope.db, scope.world_id, ticket.partner_id) if ticket.partner_id else None
    return RequestView(ticket, notes, partner)


def _create(
    scope: Scope,
    principal: Principal,
    customer_id: str | None,
    topic: SupportTopic,
    form: dict,
    locale: str,
    plan: str,
    subscription=None,
) -> RequestView:
    contact = {k: v for k, v in (form.get("primaryContact") or {}).items() if v} or _default_contact(principal)
    ticket = tickets.create_ticket(
        scope.db,
        scope.world_id,
        scope.now,
        origin="partnercenter",
        tenant_id=customer_id or principal.tenant.id,
        customer_id=customer_id,
        partner_id=principal.tenant.id,
        subscription_id=subscription.id if subscription else None,
        workload=topic.workload,
        title=form["title"],
        description=form["description"],
        severity=form["severity"],
        topic_id=str(topic.id),
        topic_name=topic.name,
        service_id=None,
        support_plan=plan,
        support_plan_id=None,
        contact=contact,
        product_id=subscription.id if subscription else None,
        created_by=principal.name,
        country=(form.get("countryCode") or principal.tenant.profile["address"]["country"])[:3],
        locale=locale,
        details={},
    )
    return _view(scope, ticket, [])  # a new request has no notes yet


def _retried(scope: Scope, principal: Principal, key: str | None, customer_id: str | None) -> RequestView | None:
    """The request a create with this retry key (``MS-RequestId``) already made within the window, if one did."""
    if not key:
        return None
    made = store.request_key(scope.db, scope.world_id, principal.tenant.id, key)
    if made is None or scope.now - made.created_at > REQUEST_KEY_WINDOW:
        return None
    if made.customer_id != customer_id:
        raise Conflict(
            f"MS-RequestId {key} already made service request {made.ticket_id} "
            f"{'for customer ' + made.customer_id if made.customer_id else 'for the partner'}: use a new one"
        )
    t = store.ticket(scope.db, scope.world_id, made.ticket_id)
    return _view(scope, t, tickets.notes(scope.db, t)) if t is not None else None


def _remember(scope: Scope, principal: Principal, key: str | None, view: RequestView) -> RequestView:
    if key:
        store.remember_request_key(
            scope.db, scope.world_id, principal.tenant.id, key, view.ticket.id, view.ticket.customer_id, scope.now
        )
    return view


def file_partner_request(
    scope: Scope, principal: Principal, locale: str, form: dict, request_key: str | None = None
) -> RequestView:
    """A request about the partner's own Partner Center account (a 'Partner Center' topic): R3 (AdminAgent).
    ``request_key`` (MS-RequestId): sent again within the window, the first request comes back, none is made."""
    retried = _retried(scope, principal, request_key, None)
    if retried is not None:
        return retried
    topic = _topic(form["supportTopicId"])
    if topic.workload != "partnercenter":
        raise Invalid(
            f"Support topic '{topic.name}' is about a customer's workload: file it for the customer "
            "with POST /v1/customers/{customer-id}/servicerequests/{locale} (pcsim) or through the "
            "workload's portal (GET /v1/customers/{customer-id}/servicerequests/newrequest/{workload})."
        )
    support.check_admin_agent(Decision("partnercenter.serviceRequest.create"), principal.caller(scope))
    return _remember(
        scope, principal, request_key, _create(scope, principal, None, topic, form, locale, "Partner Center")
    )


def file_customer_request(
    scope: Scope, principal: Principal, customer_id: str, locale: str, form: dict, request_key: str | None = None
) -> RequestView:
    """File on behalf of a customer with the CSP entitlement (:func:`support.check_file_on_behalf`, R3);
    ``request_key`` as :func:`file_partner_request`'s."""
    customer = _customer(scope, customer_id)
    retried = _retried(scope, principal, request_key, customer.id)
    if retried is not None:
        return retried
    topic = _topic(form["supportTopicId"])
    db, world = scope.db, scope.world_id
    about = functools.cache(lambda: queries.resolve_product(db, world, customer.id, form.get("productId")))
    contact = form.get("primaryContact") or _default_contact(principal)
    request = support.OnBehalf(
        customer.id,
        topic.workload,
        queries.relationship_types(db, world, principal.tenant.id, customer.id),
        _gdap(scope, principal, customer.id),
        product=lambda: about()[0],
        contact_emails=(contact.get("email", ""),),
        customer_domains=queries.tenant_domains(db, world, customer.id),
    )
    support.check_file_on_behalf(
        Decision("partnercenter.customerServiceRequest.create"),
        principal.caller(scope),
        request,
        authority="R3",
        refuse_azure=True,
    )
    view = _create(
        scope,
        principal,
        customer.id,
        topic,
        form | {"primaryContact": contact},
        locale,
        support.CSP_SUPPORT_PLAN,
        about()[1],
    )
    return _remember(scope, principal, request_key, view)


def list_requests(
    scope: Scope,
    principal: Principal,
    customer_id: str | None = None,
    status: str | None = None,
    offset: int = 0,
    size: int = 100,
) -> RequestPage:
    """The service requests the partner filed (for one customer, R1, when given), newest first."""
    if customer_id is not None:
        customer_id = visible_customer(scope, principal, customer_id)[0].id
    tickets.advance(scope.db, scope.world_id, scope.now)
    total, rows = store.partner_page(scope.db, scope.world_id, principal.tenant.id, customer_id, status, offset, size)
    notes = tickets.notes_by_ticket(scope.db, scope.world_id, [t.id for t in rows])
    return RequestPage(total, [_view(scope, t, notes[t.id]) for t in rows], customer_id)


def _ticket(scope: Scope, principal: Principal, request_id: str, customer_id: str | None):
    if customer_id is not None:
        customer_id = visible_customer(scope, principal, customer_id)[0].id
    tickets.advance(scope.db, scope.world_id, scope.now)
    t = store.ticket(scope.db, scope.world_id, request_id)
    if t is None or t.partner_id != principal.tenant.id or (customer_id and t.customer_id != customer_id):
        raise NotFound(f"Service request {request_id} not found.")
    return t


def get_request(scope: Scope, principal: Principal, request_id: str, customer_id: str | None = None) -> RequestView:
    t = _ticket(scope, principal, request_id, customer_id)
    return _view(scope, t, tickets.notes(scope.db, t))


def update_request(
    scope: Scope,
    principal: Principal,
    request_id: str,
    customer_id: str | None = None,
    note: str | None = None,
    severity: str | None = None,
    status: str | None = None,
) -> RequestView:
    """Add a note, change the severity, or change the status (close it)."""
    t = _ticket(scope, principal, request_id, customer_id)
    if note:
        author = principal.user.display_name if principal.user else principal.name
        tickets.add_note(scope.db, t, scope.now, author, "partner", note)
        # Partner Center's lastUpdatedBy names the user, with the address a note's author name lacks.
        t.details = {**(t.details or {}), "pcLastUpdatedBy": {"name": author, **_default_contact(principal)}}
    if severity:
        t.severity, t.modified_at = severity, scope.now
        tickets.reschedule(t)  # the next step of its life follows the new severity
    if status and status != t.status:
        tickets.set_status(t, ticket_rules.check_status_change(t.status, status), scope.now)
    if not (note or severity or status):
        raise Invalid("Nothing to update: send NewNote, Severity or Status")
    return _view(scope, t, tickets.notes(scope.db, t))


# --- R4: Service requests > New request ----------------------------------------------------------------------
def new_request(scope: Scope, principal: Principal, customer_id: str, workload: str) -> HandOff:
    """R4: the workload's portal for the customer, refused as filing would be (R1, R2, R3)."""
    customer = _customer(scope, customer_id)
    request = support.OnBehalf(
        customer.id,
        workload,
        queries.relationship_types(scope.db, scope.world_id, principal.tenant.id, customer.id),
        _gdap(scope, principal, customer.id),
        filing=False,
    )
    support.check_file_on_behalf(Decision("partnercenter.newRequest"), principal.caller(scope), request, authority="R3")
    portal, url = PORTALS[workload]
    return HandOff(
        workload,
        portal,
        url.format(domain=customer.default_domain, tenant_id=customer.id),
        customer,
        _next_call(scope, customer, workload),
    )


def _next_call(scope: Scope, customer, workload: str) -> dict:
    """The pcsim call that files the request on the workload's surface, and the sign-in it needs."""
    prefix, resources = catalog.CLOUD_PREFIX[scope.cloud], catalog.RESOURCES[scope.cloud]
    nxt: dict[str, Any]
    if workload == "azure":
        nxt = {
            "surface": "azure",
            "method": "PUT",
            "scope": resources["arm"] + ".default",
            "path": f"{prefix}/azure/subscriptions/{{subscriptionId}}/providers/Microsoft.Support/"
            "supportTickets/{supportTicketName}?api-version=2024-04-01",
            "subscriptions": pc_store.azure_subscription_ids(scope.db, scope.world_id, customer.id),
        }
    else:
        nxt = {
            "surface": "m365admin",
            "method": "POST",
            "scope": resources["m365admin"] + "/.default",
            "path": f"{prefix}/m365admin/v1.0/support/serviceRequests",
            "topicCategories": f"{prefix}/m365admin/v1.0/support/topicCategories?workload={workload}",
        }
    nxt["signIn"] = {
        "tenant": customer.default_domain,
        "path": f"{prefix}/login/{customer.default_domain}/oauth2/v2.0/token",
    }
    return nxt


# --- R5: service incidents --------------------------------------------------------------------------------------
def _check_health_access(scope: Scope, principal: Principal, customer) -> None:
    """R5: the user holds a role that may view the customer's service health through GDAP."""
    gdap = _gdap(scope, principal, customer.id)
    health.check_health_access(
        Decision("partnercenter.serviceIncidents"),
        principal.caller(scope),
        gdap.roles if gdap else frozenset(),
        via_gdap=True,
    )


def service_incidents(scope: Scope, principal: Principal, customer_id: str | None = None) -> tuple[list, list]:
    """(service health, issues) of one customer (R1, R5: refused without access), or of every customer of the
    partner in which the user has GDAP access (the others are left out)."""
    if customer_id is not None:
        customer, _ = visible_customer(scope, principal, customer_id)
        _check_health_access(scope, principal, customer)
        allowed = [customer]
    else:
        allowed = []
        for customer in pc_store.customers_of(scope.db, scope.world_id, principal.tenant.id):
            try:
                _check_health_access(scope, principal, customer)
            except Denied:
                continue
            allowed.append(customer)
    return pc_store.service_health(scope.db, scope.world_id, [c.id for c in allowed])
