"""Partner Center service requests, support topics, the "New request" hand-off (R4) and service incidents (R5).

The real API files service requests only at the partner level (``POST /servicerequests/{locale}``, for
the partner's own Partner Center issues). Filing *for a customer* is pcsim's own route,
``POST /customers/{id}/servicerequests/{locale}``, marked as such in the OpenAPI document.
"""
from __future__ import annotations

import re

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from ...domain import catalog, health
from ...domain import support as rules
from ...domain import tickets as ticket_rules
from ...domain.clock import iso
from ...domain.decision import Decision
from ...domain.errors import Invalid, NotFound
from ...domain.support_catalog import CSP_SUPPORT_WORKLOADS, PORTALS, SUPPORT_TOPICS, TOPICS_BY_ID
from ...store import queries, tickets
from ...store.models import ServiceHealth, ServiceIssue, Subscription, Tenant, Ticket
from .. import context as ctx, validation
from . import schemas

NEVER = "0001-01-01T00:00:00"
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
PCSIM_ONLY = {"x-pcsim": "pcsim's own route: the real Partner Center API has no equivalent."}


def _camel(value):
    """Partner Center accepts PascalCase bodies (the .NET SDK's): read them as camelCase."""
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


class ContactIn(Schema):
    class Meta:
        unknown = EXCLUDE

    firstName = fields.String(allow_none=True)
    lastName = fields.String(allow_none=True)
    email = fields.Email(allow_none=True)
    phoneNumber = fields.String(allow_none=True)


class ServiceRequestCreate(Schema):
    """A new service request. Unknown and null fields (the .NET SDK sends them all) are ignored."""

    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(required=True, validate=validate.Length(min=1))
    severity = fields.String(required=True, validate=validate.OneOf(["critical", "moderate", "minimal"]))
    supportTopicId = fields.Raw(required=True)
    productId = fields.String(allow_none=True)
    primaryContact = fields.Nested(ContactIn, allow_none=True)
    countryCode = fields.String(allow_none=True)


class ServiceRequestUpdate(Schema):
    class Meta:
        unknown = EXCLUDE

    newNote = fields.Dict(allow_none=True)
    status = fields.String(allow_none=True)
    severity = fields.String(allow_none=True, validate=validate.OneOf(["critical", "moderate", "minimal"]))


def request_body(schema: type[Schema]) -> dict:
    """The OpenAPI requestBody of a route that reads its JSON itself (PascalCase or camelCase, see _camel)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


class ServiceRequestListArgs(Schema):
    status = fields.String(validate=validate.OneOf(list(ticket_rules.STATUSES)))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def _load(schema: type[Schema]) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("Invalid request input: the body must be a JSON object")
    data = {k: v for k, v in _camel(data).items() if v is not None}
    try:
        return validation.schema(schema).load(data)
    except ValidationError as exc:
        raise Invalid("Invalid request input: " + "; ".join(f"{k}: {v}" for k, v in exc.messages.items())) from None


def contact_view(contact: dict) -> dict:
    """One contact shape for Partner Center, whatever surface the ticket came from."""
    first = contact.get("firstName") or (contact.get("name") or "").partition(" ")[0]
    last = contact.get("lastName") or (contact.get("name") or "").partition(" ")[2]
    return {"firstName": first, "lastName": last,
            "email": contact.get("email") or contact.get("primaryEmailAddress") or "",
            "phoneNumber": contact.get("phoneNumber") or contact.get("phone") or ""}


def service_request_json(t: Ticket, notes: list | None = None) -> dict:
    """``notes``: the ticket's notes when already loaded (a list page loads them all in one query)."""
    db, world = ctx.session(), ctx.world().id
    partner = queries.tenant(db, world, t.partner_id) if t.partner_id else None
    organization = ({"id": partner.id, "name": partner.name,
                     "phoneNumber": partner.profile["address"]["phoneNumber"]} if partner else None)
    contact = contact_view(t.contact)
    if notes is None:
        notes = tickets.notes(db, t)
    last_update = notes[-1] if notes else None
    return {
        "title": t.title, "description": t.description, "severity": ticket_rules.pc_severity(t.severity),
        "supportTopicId": t.topic_id, "supportTopicName": t.topic_name, "id": t.id, "status": t.status,
        "organization": organization, "primaryContact": contact,
        "lastUpdatedBy": {"firstName": last_update.author, "lastName": "", "email": "", "phoneNumber": ""}
        if last_update else contact,
        "productName": CSP_SUPPORT_WORKLOADS.get(t.workload, "Partner Center" if t.workload == "partnercenter"
                                                 else t.workload),
        "productId": t.product_id, "createdDate": iso(t.created_at), "lastModifiedDate": iso(t.modified_at),
        "lastClosedDate": iso(t.closed_at) if t.closed_at else NEVER,
        "fileLinks": [], "notes": [{"createdByName": n.author, "createdDate": iso(n.created_at), "text": n.text}
                                   for n in notes],
        "countryCode": t.country, "attributes": {"objectType": "ServiceRequest"},
    }


def add_routes(bp, cloud: str, partner_caller, visible_customer) -> None:
    """Mount the service request routes on a Partner Center blueprint."""

    def caller_and_partner():
        principal = partner_caller()
        return principal, principal.caller(ctx.scope())

    def check_locale(locale: str) -> str:
        if not LOCALE.match(locale):
            raise Invalid(f"Invalid agent locale '{locale}': use a culture name such as en-US")
        return locale

    def topic_of(raw) -> object:
        try:
            topic = TOPICS_BY_ID.get(int(str(raw)))
        except ValueError:
            topic = None
        if topic is None:
            raise Invalid(f"Unknown supportTopicId '{raw}': see GET /v1/servicerequests/supporttopics")
        return topic

    def default_contact(principal) -> dict:
        user = principal.user
        return {"firstName": user.given_name, "lastName": user.surname, "email": user.upn,
                "phoneNumber": user.phone} if user else {}

    @bp.get("/servicerequests/supporttopics")
    @bp.alt_response(200, schema=schemas.SupportTopicCollection, success=True)
    def support_topics():
        """The support topics a service request is filed under (Azure, Office 365, Dynamics CRM Online,
        Enterprise Mobility Suite, Partner Center)."""
        partner_caller()
        items = [{"name": t.name, "description": t.description, "id": t.id,
                  "attributes": {"objectType": "SupportTopic"}} for t in SUPPORT_TOPICS]
        return {"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"}}

    @bp.post("/servicerequests/<locale>")
    @bp.alt_response(201, schema=schemas.ServiceRequest, success=True)
    @bp.doc(**request_body(ServiceRequestCreate))
    def create_partner_request(locale):
        """File a service request about the partner's own Partner Center account (a 'Partner Center' topic)."""
        principal, caller = caller_and_partner()
        check_locale(locale)
        data = _load(ServiceRequestCreate)
        topic = topic_of(data["supportTopicId"])
        if topic.workload != "partnercenter":
            raise Invalid(f"Support topic '{topic.name}' is about a customer's workload: file it for the customer "
                          "with POST /v1/customers/{customer-id}/servicerequests/{locale} (pcsim) or through the "
                          "workload's portal (GET /v1/customers/{customer-id}/servicerequests/newrequest/{workload}).")
        d = Decision("partnercenter.serviceRequest.create")
        d.require("R3", caller.is_user and "AdminAgent" in caller.partner_roles,
                  f"{caller.name} lacks the Partner Center AdminAgent role needed to file service requests.",
                  f"{caller.name} is an AdminAgent", partnerRoles=sorted(caller.partner_roles))
        return _create(principal, principal.tenant.id, None, topic, data, locale, "Partner Center"), 201

    def _create(principal, tenant_id: str, customer_id: str | None, topic, data: dict, locale: str, plan: str,
                subscription=None):
        contact = {k: v for k, v in (data.get("primaryContact") or {}).items() if v} or default_contact(principal)
        ticket = tickets.create_ticket(
            ctx.session(), ctx.world().id, ctx.now(), origin="partnercenter", tenant_id=tenant_id,
            customer_id=customer_id, partner_id=principal.tenant.id,
            subscription_id=subscription.id if subscription else None, workload=topic.workload,
            title=data["title"], description=data["description"], severity=data["severity"],
            topic_id=str(topic.id), topic_name=topic.name, service_id=None, support_plan=plan,
            support_plan_id=None, contact=contact, product_id=subscription.id if subscription else None,
            created_by=principal.name,
            country=(data.get("countryCode") or principal.tenant.profile["address"]["country"])[:3],
            locale=locale, details={})
        return service_request_json(ticket, notes=[])  # a new request has no notes yet

    @bp.post("/customers/<customer_id>/servicerequests/<locale>")
    @bp.alt_response(201, schema=schemas.ServiceRequest, success=True)
    @bp.doc(summary="File a service request on behalf of a customer (pcsim's own route)", **PCSIM_ONLY,
            **request_body(ServiceRequestCreate))
    def create_customer_request(customer_id, locale):
        """pcsim's own route (the real API has none): file for a customer. Checks R1 (relationship), R2
        (workload), R11 (marketplace product), R3 (AdminAgent + a GDAP support role), R9 (partner's contact)."""
        principal, caller = caller_and_partner()
        check_locale(locale)
        data = _load(ServiceRequestCreate)
        topic = topic_of(data["supportTopicId"])
        customer = queries.tenant(ctx.session(), ctx.world().id, customer_id.lower())
        if customer is None or customer.kind != "customer":
            raise NotFound(f"Tenant not found: {customer_id}")
        d = Decision("partnercenter.customerServiceRequest.create")
        db, world = ctx.session(), ctx.world().id
        rules.check_relationship(d, caller.partner_name, queries.relationship_types(db, world, principal.tenant.id,
                                                                                   customer.id))
        rules.check_workload(d, topic.workload)
        d.require("R4", topic.workload != "azure",
                  "Azure service requests are filed in the Azure portal in the customer's context: get the hand-off "
                  f"with GET /v1/customers/{customer.id}/servicerequests/newrequest/azure and file on the Azure "
                  "support API.", "not an Azure request", status=400)
        product, subscription = queries.resolve_product(db, world, customer.id, data.get("productId"))
        rules.check_marketplace(d, product)
        gdap = queries.gdap_roles(db, world, principal.user.id, principal.tenant.id, customer.id, ctx.now()) \
            if principal.user else None
        rules.check_admin_agent_and_gdap(d, caller, gdap)
        contact = data.get("primaryContact") or default_contact(principal)
        rules.check_contact_is_partners(d, "R9", [contact.get("email", "")],
                                        queries.tenant_domains(db, world, customer.id))
        return _create(principal, customer.id, customer.id, topic, data | {"primaryContact": contact}, locale,
                       rules.CSP_SUPPORT_PLAN, subscription), 201

    def _page(query, args: dict, base: str) -> dict:
        tickets.advance(ctx.session(), ctx.world().id, ctx.now())
        if args.get("status"):
            query = query.where(Ticket.status == args["status"])
        total = ctx.session().scalar(select(func.count()).select_from(query.subquery()))
        # ``query`` selects the table's columns: Core rows, read like tickets, cost less than ORM objects.
        rows = ctx.session().execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                     .offset(args["offset"]).limit(args["size"])).all()
        notes = tickets.notes_by_ticket(ctx.session(), ctx.world().id, [t.id for t in rows])
        body = {"totalCount": total, "items": [service_request_json(t, notes[t.id]) for t in rows],
                "links": {"self": {"uri": base, "method": "GET", "headers": []}},
                "attributes": {"objectType": "Collection"}}
        if args["offset"] + args["size"] < total:
            status = f"&status={args['status']}" if args.get("status") else ""
            body["links"]["next"] = {"uri": f"{base}?offset={args['offset'] + args['size']}&size={args['size']}"
                                            f"{status}", "method": "GET", "headers": []}
        return body

    @bp.get("/servicerequests")
    @bp.arguments(ServiceRequestListArgs, location="query")
    @bp.alt_response(200, schema=schemas.ServiceRequestCollection, success=True)
    def list_partner_requests(args):
        """Every service request the partner filed (its own and its customers'), newest first."""
        principal = partner_caller()
        query = select(Ticket.__table__).where(Ticket.world_id == ctx.world().id,
                                               Ticket.partner_id == principal.tenant.id)
        return _page(query, args, "/v1/servicerequests")

    @bp.get("/customers/<customer_id>/servicerequests")
    @bp.arguments(ServiceRequestListArgs, location="query")
    @bp.alt_response(200, schema=schemas.ServiceRequestCollection, success=True)
    def list_customer_requests(args, customer_id):
        """The customer's service requests this partner filed, on every surface (Partner Center, Azure, Microsoft
        365 admin center)."""
        principal = partner_caller()
        customer, _ = visible_customer(principal, customer_id)
        query = select(Ticket.__table__).where(Ticket.world_id == ctx.world().id, Ticket.customer_id == customer.id,
                                     Ticket.partner_id == principal.tenant.id)
        return _page(query, args, f"/v1/customers/{customer.id}/servicerequests")

    def _ticket(principal, request_id: str, customer_id: str | None = None) -> Ticket:
        tickets.advance(ctx.session(), ctx.world().id, ctx.now())
        t = ctx.session().get(Ticket, (ctx.world().id, request_id))
        if t is None or t.partner_id != principal.tenant.id or (customer_id and t.customer_id != customer_id):
            raise NotFound(f"Service request {request_id} not found.")
        return t

    def _update(principal, t: Ticket) -> dict:
        data = _load(ServiceRequestUpdate)
        now = ctx.now()
        note = (data.get("newNote") or {}).get("text")
        if note:
            tickets.add_note(ctx.session(), t, now, principal.user.display_name if principal.user else principal.name,
                             "partner", note)
        if data.get("severity"):
            t.severity, t.modified_at = data["severity"], now
        if data.get("status") and data["status"] != t.status:
            tickets.set_status(t, ticket_rules.check_status_change(t.status, data["status"]), now)
        if not (note or data.get("severity") or data.get("status")):
            raise Invalid("Nothing to update: send NewNote, Severity or Status")
        return service_request_json(t)

    @bp.get("/servicerequests/<request_id>")
    @bp.alt_response(200, schema=schemas.ServiceRequest, success=True)
    def get_partner_request(request_id):
        return service_request_json(_ticket(partner_caller(), request_id))

    @bp.patch("/servicerequests/<request_id>")
    @bp.alt_response(200, schema=schemas.ServiceRequest, success=True)
    @bp.doc(**request_body(ServiceRequestUpdate))
    def update_partner_request(request_id):
        """Add a note (``NewNote``), change severity, or close (``Status: closed``)."""
        principal = partner_caller()
        return _update(principal, _ticket(principal, request_id))

    @bp.get("/customers/<customer_id>/servicerequests/<request_id>")
    @bp.alt_response(200, schema=schemas.ServiceRequest, success=True)
    def get_customer_request(customer_id, request_id):
        principal = partner_caller()
        customer, _ = visible_customer(principal, customer_id)
        return service_request_json(_ticket(principal, request_id, customer.id))

    @bp.patch("/customers/<customer_id>/servicerequests/<request_id>")
    @bp.alt_response(200, schema=schemas.ServiceRequest, success=True)
    @bp.doc(**request_body(ServiceRequestUpdate))
    def update_customer_request(customer_id, request_id):
        principal = partner_caller()
        customer, _ = visible_customer(principal, customer_id)
        return _update(principal, _ticket(principal, request_id, customer.id))

    # --- R4: Service requests > New request ------------------------------------------------------------
    @bp.get("/customers/<customer_id>/servicerequests/newrequest/<workload>")
    @bp.alt_response(200, schema=schemas.ServiceRequestHandOff, success=True)
    @bp.doc(summary="Service requests > New request: the workload's portal for the customer (pcsim's own route)",
            **PCSIM_ONLY)
    def new_request(customer_id, workload):
        """R4: the workload's own portal opened in the partner's context for the customer, and the pcsim call
        that files the request there. Refused like filing (R1, R2, R3)."""
        principal, caller = caller_and_partner()
        customer = queries.tenant(ctx.session(), ctx.world().id, customer_id.lower())
        if customer is None or customer.kind != "customer":
            raise NotFound(f"Tenant not found: {customer_id}")
        db, world = ctx.session(), ctx.world().id
        d = Decision("partnercenter.newRequest")
        rules.check_relationship(d, caller.partner_name, queries.relationship_types(db, world, principal.tenant.id,
                                                                                   customer.id))
        rules.check_workload(d, workload)
        gdap = queries.gdap_roles(db, world, principal.user.id, principal.tenant.id, customer.id, ctx.now()) \
            if principal.user else None
        rules.check_admin_agent_and_gdap(d, caller, gdap)
        portal, url = PORTALS[workload]
        prefix = catalog.CLOUD_PREFIX[cloud]
        resources = catalog.RESOURCES[cloud]
        if workload == "azure":
            subs = db.scalars(select(Subscription.id).where(
                Subscription.world_id == world, Subscription.tenant_id == customer.id,
                Subscription.workload == "azure")).all()
            nxt = {"surface": "azure", "method": "PUT", "scope": resources["arm"] + ".default",
                   "path": f"{prefix}/azure/subscriptions/{{subscriptionId}}/providers/Microsoft.Support/"
                           "supportTickets/{supportTicketName}?api-version=2024-04-01",
                   "subscriptions": list(subs)}
        else:
            nxt = {"surface": "m365admin", "method": "POST", "scope": resources["m365admin"] + "/.default",
                   "path": f"{prefix}/m365admin/v1.0/support/serviceRequests",
                   "topicCategories": f"{prefix}/m365admin/v1.0/support/topicCategories?workload={workload}"}
        nxt["signIn"] = {"tenant": customer.default_domain, "path": f"{prefix}/login/{customer.default_domain}"
                                                                    "/oauth2/v2.0/token"}
        return {"workload": workload, "portal": portal,
                "url": url.format(domain=customer.default_domain, tenant_id=customer.id),
                "customerTenantId": customer.id, "domain": customer.default_domain, "companyName": customer.name,
                "next": nxt, "attributes": {"objectType": "ServiceRequestHandOff"}}

    # --- R5: service incidents ------------------------------------------------------------------------------
    def incidents_body(customers: list[Tenant]) -> dict:
        db, world = ctx.session(), ctx.world().id
        ids = [c.id for c in customers]
        services = db.scalars(select(ServiceHealth).where(ServiceHealth.world_id == world,
                                                          ServiceHealth.tenant_id.in_(ids))
                               .order_by(ServiceHealth.service_id)).all()
        issues = db.scalars(select(ServiceIssue).where(ServiceIssue.world_id == world,
                                                       ServiceIssue.tenant_id.in_(ids))
                            .order_by(ServiceIssue.start_at)).all()
        by_service: dict[str, dict] = {}
        for s in services:
            entry = by_service.setdefault(s.service_id, {"workload": s.service_name, "status": "normal",
                                                         "incidents": [], "messageCenterMessages": []})
            status = health.PC_INCIDENT_STATUS.get(s.status, "information")
            order = ["normal", "information", "warning", "critical"]
            entry["status"] = max(entry["status"], status, key=order.index)
        seen: dict[str, dict] = {}
        for i in issues:
            if i.id in seen:
                seen[i.id]["impactedCustomers"] += 1
                continue
            detail = {"id": i.id, "workload": by_service.get(i.service_id, {}).get("workload", i.service_id),
                      "affectedWorkloadNames": [by_service.get(i.service_id, {}).get("workload", i.service_id)],
                      "category": i.classification, "impactedArea": i.feature, "impactedCustomers": 1,
                      "messageType": "incident" if i.classification == "incident" else "messageCenter",
                      "title": i.title, "impactDescription": i.impact_description,
                      "messages": [{"publishedTime": p["createdDateTime"], "messageText": p["description"]["content"]}
                                   for p in i.posts],
                      "startTime": iso(i.start_at), "endTime": iso(i.end_at), "requiredBy": None,
                      "severity": health.PC_INCIDENT_STATUS.get(i.status, "information"),
                      "status": health.PC_INCIDENT_STATUS.get(i.status, "information"), "resolved": i.is_resolved,
                      "actionType": None}
            seen[i.id] = detail
            if i.service_id in by_service:
                key = "incidents" if i.classification == "incident" else "messageCenterMessages"
                by_service[i.service_id][key].append(detail)
        items = list(by_service.values())
        return {"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"}}

    def health_customers(principal, caller, only: Tenant | None = None) -> list[Tenant]:
        """The customers in which this partner user holds a role that may view service health (R5)."""
        db, world = ctx.session(), ctx.world().id
        if only is not None:
            customers = [only]
        else:
            ids = select(queries.PartnerRelationship.customer_id).where(
                queries.PartnerRelationship.world_id == world,
                queries.PartnerRelationship.partner_id == principal.tenant.id)
            customers = list(db.scalars(select(Tenant).where(Tenant.world_id == world, Tenant.id.in_(ids))))
        allowed = []
        for customer in customers:
            gdap = queries.gdap_roles(db, world, principal.user.id, principal.tenant.id, customer.id, ctx.now()) \
                if principal.user else None
            d = Decision("partnercenter.serviceIncidents")
            try:
                health.check_health_access(d, caller, gdap.roles if gdap else frozenset(), via_gdap=True)
            except Exception:
                if only is not None:
                    raise
                continue
            allowed.append(customer)
        return allowed

    @bp.get("/serviceincidents/office")
    @bp.alt_response(200, schema=schemas.ServiceIncidentCollection, success=True)
    def service_incidents():
        """Microsoft 365 service incidents across the customers in which the signed-in user has GDAP access (R5)."""
        principal, caller = caller_and_partner()
        return incidents_body(health_customers(principal, caller))

    @bp.get("/customers/<customer_id>/serviceincidents")
    @bp.alt_response(200, schema=schemas.ServiceIncidentCollection, success=True)
    @bp.doc(summary="One customer's service incidents (pcsim's own route)", **PCSIM_ONLY)
    def customer_service_incidents(customer_id):
        """One customer's service health and incidents (R1 relationship, R5 GDAP access)."""
        principal, caller = caller_and_partner()
        customer, _ = visible_customer(principal, customer_id)
        return incidents_body(health_customers(principal, caller, only=customer))
