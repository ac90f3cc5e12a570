"""Partner Center service requests, support topics, the "New request" hand-off (R4) and service incidents (R5).

The real API files service requests only at the partner level (``POST /servicerequests/{locale}``, for
the partner's own Partner Center issues). Filing *for a customer* is pcsim's own route,
``POST /customers/{id}/servicerequests/{locale}``, marked as such in the OpenAPI document.
"""

from __future__ import annotations

import re
import uuid

from flask import request
from marshmallow import Schema, ValidationError

from ...domain import tickets as ticket_rules
from ...domain.clock import iso
from ...domain.errors import Invalid
from ...domain.health import PC_INCIDENT_STATUS
from ...domain.support_catalog import CSP_SUPPORT_WORKLOADS
from ...services import service_requests as service
from ...validation import describe, error_pairs
from .. import context as ctx
from .. import validation
from . import schemas
from .blueprint import bp, partner
from .schemas import ServiceRequestCreate, ServiceRequestListArgs, ServiceRequestUpdate

NEVER = "0001-01-01T00:00:00"
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
PCSIM_ONLY = {"x-pcsim": "pcsim's own route: the real Partner Center API has no equivalent."}
COLLECTION = {"objectType": "Collection"}
STATUS_ORDER = ["normal", "information", "warning", "critical"]


# --- reading the request ------------------------------------------------------------------------------------
def _camel(value):
    """Partner Center accepts PascalCase bodies (the .NET SDK's): read them as camelCase."""
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def request_body(schema: type[Schema]) -> dict:
    """The OpenAPI requestBody of a route that reads its JSON itself (PascalCase or camelCase, see _camel)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _load(schema: type[Schema]) -> dict:
    data = validation.json_object()
    if data is None:
        raise Invalid(f"Invalid request input: {validation.json_problem()}")
    data = {k: v for k, v in _camel(data).items() if v is not None}
    try:
        return validation.schema(schema).load(data)
    except ValidationError as exc:
        raise Invalid("Invalid request input: " + describe(error_pairs(exc.messages))) from None


def _locale(locale: str) -> str:
    if not LOCALE.match(locale):
        raise Invalid(f"Invalid agent locale '{locale}': use a culture name such as en-US")
    return locale


# A contact's contactId: stable per address (Partner Center's are GUIDs; pcsim derives them from the address).
CONTACT_IDS = uuid.UUID("a3d5c2e1-7b4f-4c8e-9f60-2d1e8b7a5c34")


# --- rendering ----------------------------------------------------------------------------------------------
def contact_view(contact: dict, organization: dict | None = None) -> dict:
    """One contact shape for Partner Center (ServiceRequestContact), whatever surface the ticket came from."""
    first = contact.get("firstName") or (contact.get("name") or "").partition(" ")[0]
    last = contact.get("lastName") or (contact.get("name") or "").partition(" ")[2]
    email = contact.get("email") or contact.get("primaryEmailAddress") or ""
    return {
        "contactId": str(uuid.uuid5(CONTACT_IDS, email.lower())) if email else "",
        "firstName": first,
        "lastName": last,
        "email": email,
        "phoneNumber": contact.get("phoneNumber") or contact.get("phone") or "",
        "organization": organization,
    }


def service_request_json(view: service.RequestView) -> dict:
    t, partner_row, notes = view.ticket, view.partner, view.notes
    organization = (
        {"id": partner_row.id, "name": partner_row.name, "phoneNumber": partner_row.profile["address"]["phoneNumber"]}
        if partner_row
        else None
    )
    # The contacts of a request a partner filed are the partner's people (the organization that filed it).
    contact = contact_view(t.contact, organization)
    updater = view.last_updated_by
    return {
        "title": t.title,
        "description": t.description,
        "severity": ticket_rules.pc_severity(t.severity),
        "supportTopicId": t.topic_id,
        "supportTopicName": t.topic_name,
        "id": t.id,
        "status": t.status,
        "organization": organization,
        "primaryContact": contact,
        "lastUpdatedBy": contact if updater is None else contact_view(updater[0], organization if updater[1] else None),
        "productName": CSP_SUPPORT_WORKLOADS.get(
            t.workload, "Partner Center" if t.workload == "partnercenter" else t.workload
        ),
        "productId": t.product_id,
        "createdDate": iso(t.created_at),
        "lastModifiedDate": iso(t.modified_at),
        "lastClosedDate": iso(t.closed_at) if t.closed_at else NEVER,
        "fileLinks": [],
        "notes": [{"createdByName": n.author, "createdDate": iso(n.created_at), "text": n.text} for n in notes],
        "countryCode": t.country,
        "attributes": {"objectType": "ServiceRequest"},
    }


def page_json(page: service.RequestPage, args: dict, base: str) -> dict:
    items = [service_request_json(v) for v in page.items]
    body = {
        "totalCount": len(items),  # this page's (the SDK's ResourceCollection counts what it holds)
        "items": items,
        "links": {"self": {"uri": base, "method": "GET", "headers": []}},
        "attributes": COLLECTION,
    }
    if args["offset"] + args["size"] < page.total:
        status = f"&status={args['status']}" if args.get("status") else ""
        body["links"]["next"] = {
            "uri": f"{base}?offset={args['offset'] + args['size']}&size={args['size']}{status}",
            "method": "GET",
            "headers": [],
        }
    return body


def hand_off_json(h: service.HandOff) -> dict:
    return {
        "workload": h.workload,
        "portal": h.portal,
        "url": h.url,
        "customerTenantId": h.customer.id,
        "domain": h.customer.default_domain,
        "companyName": h.customer.name,
        "next": h.next,
        "attributes": {"objectType": "ServiceRequestHandOff"},
    }


def _incident_json(i, workload: str) -> dict:
    """ServiceIncidentDetail (.NET SDK ServiceIncidents/ServiceIncidentDetail.cs): its times are non-nullable
    DateTimes (an open incident's end and an incident's requiredBy are .NET's default, 0001-01-01); the title and
    impact are its first message when it has no posts."""
    status = PC_INCIDENT_STATUS.get(i.status, "information")
    messages = [
        {"publishedTime": p["createdDateTime"], "messageText": p["description"]["content"]} for p in i.posts
    ] or [{"publishedTime": iso(i.start_at), "messageText": f"{i.title}. {i.impact_description or ''}".strip()}]
    return {
        "id": i.id,
        "workload": workload,
        "affectedWorkloadNames": [workload],
        "category": i.classification,
        "impactedArea": i.feature,
        "impactedCustomers": 1,
        "messageType": "incident" if i.classification == "incident" else "message_center",
        "messages": messages,
        "startTime": iso(i.start_at),
        "endTime": iso(i.end_at) if i.end_at else NEVER,
        "requiredBy": NEVER,
        "severity": status,
        "status": status,
        "resolved": i.is_resolved,
        "actionType": None,
    }


def incidents_json(services: list, issues: list) -> dict:
    """Partner Center's view: per service, its worst status over the customers, and each incident once (with
    how many customers it touches)."""
    by_service: dict[str, dict] = {}
    for s in services:
        entry = by_service.setdefault(
            s.service_id, {"workload": s.service_name, "status": "normal", "incidents": [], "messageCenterMessages": []}
        )
        entry["status"] = max(entry["status"], PC_INCIDENT_STATUS.get(s.status, "information"), key=STATUS_ORDER.index)
    seen: dict[str, dict] = {}
    for i in issues:
        if i.id in seen:
            seen[i.id]["impactedCustomers"] += 1
            continue
        seen[i.id] = detail = _incident_json(i, by_service.get(i.service_id, {}).get("workload", i.service_id))
        if i.service_id in by_service:
            key = "incidents" if i.classification == "incident" else "messageCenterMessages"
            by_service[i.service_id][key].append(detail)
    items = list(by_service.values())
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


# --- support topics, filing --------------------------------------------------------------------------------
@bp.get("/servicerequests/supporttopics")
@bp.response(200, schemas.SupportTopicCollection)
def support_topics():
    """The support topics a service request is filed under (Azure, Office 365, Dynamics CRM Online,
    Enterprise Mobility Suite, Partner Center)."""
    items = [
        {"name": t.name, "description": t.description, "id": t.id, "attributes": {"objectType": "SupportTopic"}}
        for t in service.support_topics(ctx.scope(), partner())
    ]
    return {"totalCount": len(items), "items": items, "attributes": COLLECTION}


@bp.post("/servicerequests/<locale>")
@bp.response(201, schemas.ServiceRequest)
@bp.doc(**request_body(ServiceRequestCreate))
def create_partner_request(locale):
    """File a service request about the partner's own Partner Center account (a 'Partner Center' topic)."""
    principal = partner()
    _locale(locale)
    return service_request_json(
        service.file_partner_request(
            ctx.scope(), principal, locale, _load(ServiceRequestCreate), request.headers.get("MS-RequestId")
        )
    )


@bp.post("/customers/<customer_id>/servicerequests/<locale>")
@bp.response(201, schemas.ServiceRequest)
@bp.doc(
    summary="File a service request on behalf of a customer (pcsim's own route)",
    **PCSIM_ONLY,
    **request_body(ServiceRequestCreate),
)
def create_customer_request(customer_id, locale):
    """pcsim's own route (the real API has none): file for a customer. Checks R1 (relationship), R2
    (workload), R11 (marketplace product), R3 (AdminAgent + a GDAP support role), R9 (partner's contact)."""
    principal = partner()
    _locale(locale)
    return service_request_json(
        service.file_customer_request(
            ctx.scope(),
            principal,
            customer_id,
            locale,
            _load(ServiceRequestCreate),
            request.headers.get("MS-RequestId"),
        )
    )


# --- listing, reading, updating ----------------------------------------------------------------------------
@bp.get("/servicerequests")
@bp.arguments(ServiceRequestListArgs, location="query")
@bp.response(200, schemas.ServiceRequestCollection)
def list_partner_requests(args):
    """Every service request the partner filed (its own and its customers'), newest first."""
    page = service.list_requests(ctx.scope(), partner(), None, args.get("status"), args["offset"], args["size"])
    return page_json(page, args, "/v1/servicerequests")


@bp.get("/customers/<customer_id>/servicerequests")
@bp.arguments(ServiceRequestListArgs, location="query")
@bp.response(200, schemas.ServiceRequestCollection)
def list_customer_requests(args, customer_id):
    """The customer's service requests this partner filed, on every surface (Partner Center, Azure, Microsoft
    365 admin center)."""
    page = service.list_requests(ctx.scope(), partner(), customer_id, args.get("status"), args["offset"], args["size"])
    return page_json(page, args, f"/v1/customers/{page.customer_id}/servicerequests")


def _update(customer_id: str | None, request_id: str) -> dict:
    principal = partner()
    data = _load(ServiceRequestUpdate)
    view = service.update_request(
        ctx.scope(),
        principal,
        request_id,
        customer_id,
        note=(data.get("newNote") or {}).get("text"),
        severity=data.get("severity"),
        status=data.get("status"),
    )
    return service_request_json(view)


@bp.get("/servicerequests/<request_id>")
@bp.response(200, schemas.ServiceRequest)
def get_partner_request(request_id):
    return service_request_json(service.get_request(ctx.scope(), partner(), request_id))


@bp.patch("/servicerequests/<request_id>")
@bp.response(200, schemas.ServiceRequest)
@bp.doc(**request_body(ServiceRequestUpdate))
def update_partner_request(request_id):
    """Add a note (``NewNote``), change severity, or close (``Status: closed``)."""
    return _update(None, request_id)


@bp.get("/customers/<customer_id>/servicerequests/<request_id>")
@bp.response(200, schemas.ServiceRequest)
def get_customer_request(customer_id, request_id):
    return service_request_json(service.get_request(ctx.scope(), partner(), request_id, customer_id))


@bp.patch("/customers/<customer_id>/servicerequests/<request_id>")
@bp.response(200, schemas.ServiceRequest)
@bp.doc(**request_body(ServiceRequestUpdate))
def update_customer_request(customer_id, request_id):
    return _update(customer_id, request_id)


# --- R4: Service requests > New request ------------------------------------------------------------------------
@bp.get("/customers/<customer_id>/servicerequests/newrequest/<workload>")
@bp.response(200, schemas.ServiceRequestHandOff)
@bp.doc(
    summary="Service requests > New request: the workload's portal for the customer (pcsim's own route)", **PCSIM_ONLY
)
def new_request(customer_id, workload):
    """R4: the workload's own portal opened in the partner's context for the customer, and the pcsim call
    that files the request there. Refused like filing (R1, R2, R3)."""
    return hand_off_json(service.new_request(ctx.scope(), partner(), customer_id, workload))


# --- R5: service incidents --------------------------------------------------------------------------------------
@bp.get("/serviceincidents/office")
@bp.response(200, schemas.ServiceIncidentCollection)
def service_incidents():
    """Microsoft 365 service incidents across the customers in which the signed-in user has GDAP access (R5)."""
    return incidents_json(*service.service_incidents(ctx.scope(), partner()))


@bp.get("/customers/<customer_id>/serviceincidents/office")
@bp.response(200, schemas.ServiceIncidentCollection)
def customer_service_incidents(customer_id):
    """One customer's service health and incidents (R1 relationship, R5 GDAP access)."""
    return incidents_json(*service.service_incidents(ctx.scope(), partner(), customer_id))


@bp.get("/customers/<customer_id>/serviceincidents")
@bp.response(200, schemas.ServiceIncidentCollection)
@bp.doc(summary="Deprecated: GET /customers/{customer_id}/serviceincidents/office", deprecated=True, **PCSIM_ONLY)
def customer_service_incidents_old_path(customer_id):
    """pcsim's earlier path of ``/customers/{customer_id}/serviceincidents/office``: kept for earlier tools."""
    return incidents_json(*service.service_incidents(ctx.scope(), partner(), customer_id))
