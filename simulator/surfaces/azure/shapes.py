"""ARM's resources as the surface answers them (serialized through :mod:`.schemas`): support tickets,
communications, services, problem classifications, subscriptions and Microsoft.Support's operations."""

from __future__ import annotations

from datetime import timedelta

from ...domain import support as rules
from ...domain import tickets as ticket_rules
from ...domain.clock import iso
from ...domain.support_catalog import SERVICES_BY_ID, AzureService
from ...services.azure import PROVIDER
from ...services.azure_support import COMMUNICATION_TYPE, READ_ACTION, TICKET_TYPE, WRITE_ACTION, guid_of

SLA_MINUTES = ticket_rules.RESPONSE_MINUTES
PLAN_TYPES = {
    "azuresupportplan": "Azure support plan",
    "premier": "Premier",
    "unified": "Unified",
    "partneragreement": "Partner agreement",
}
SUBSCRIPTION_STATES = {"active": "Enabled", "suspended": "Disabled", "deleted": "Deleted", "pending": "Warned"}

OPERATIONS = [
    ("Microsoft.Support/register/action", "Support Registration", "Registers Support Resource Provider"),
    (
        "Microsoft.Support/checkNameAvailability/action",
        "Support Ticket",
        "Checks that name is valid and not in use for resource type",
    ),
    ("Microsoft.Support/operationresults/read", "Operation Result", "Gets the result of the asynchronous operation"),
    ("Microsoft.Support/operationsstatus/read", "Operation Status", "Gets the status of the asynchronous operation"),
    ("Microsoft.Support/operations/read", "Operation", "Lists all operations available on Microsoft.Support"),
    ("Microsoft.Support/services/read", "Service", "Lists one or all Azure services available for support"),
    (
        "Microsoft.Support/services/problemClassifications/read",
        "Problem Classification",
        "Lists one or all problem classifications for an Azure service",
    ),
    (READ_ACTION, "Support Ticket", "Lists one or all support tickets"),
    (WRITE_ACTION, "Support Ticket", "Creates or Updates a support ticket"),
    ("Microsoft.Support/supportTickets/communications/read", "Communication", "Lists one or all communications"),
    ("Microsoft.Support/supportTickets/communications/write", "Communication", "Adds a new communication"),
    ("Microsoft.Support/fileWorkspaces/read", "File Workspace", "Gets a file workspace and its files"),
    ("Microsoft.Support/fileWorkspaces/write", "File Workspace", "Creates a file workspace, its files and uploads"),
]


def operations_json() -> dict:
    return {
        "value": [
            {
                "name": name,
                "display": {
                    "provider": "Microsoft Support",
                    "resource": resource,
                    "operation": description,
                    "description": description,
                },
            }
            for name, resource, description in OPERATIONS
        ]
    }


def service_json(s: AzureService) -> dict:
    return {
        "id": f"{PROVIDER}/services/{s.id}",
        "name": s.id,
        "type": "Microsoft.Support/services",
        "properties": {"displayName": s.display_name, "resourceTypes": list(s.resource_types)},
    }


def classification_json(s: AzureService, pc_id: str, name: str) -> dict:
    return {
        "id": f"{PROVIDER}/services/{s.id}/problemClassifications/{pc_id}",
        "name": pc_id,
        "type": "Microsoft.Support/problemClassifications",
        "properties": {"displayName": name, "secondaryConsentEnabled": []},
    }


def plan_names(plan: str) -> tuple[str, str]:
    """(supportPlanType, supportPlanDisplayName) for a stored plan."""
    if plan == rules.CSP_SUPPORT_PLAN:
        return plan, plan
    kind, _, ident = plan.partition(":")
    label = PLAN_TYPES.get(kind.lower())
    if label and ident:
        return label, f"{label} ({ident})"
    return plan, plan


def ticket_path(t) -> str:
    scope = f"/subscriptions/{t.subscription_id}" if t.subscription_id else ""
    return f"{scope}{PROVIDER}/supportTickets/{t.name}"


def ticket_json(t) -> dict:
    """A ticket (a Ticket, or a row of the tickets table)."""
    details = t.details or {}
    service = SERVICES_BY_ID.get(guid_of(t.service_id))
    minutes = SLA_MINUTES.get(t.severity, 480)
    plan_type, plan_display = plan_names(t.support_plan)
    created = iso(t.created_at)
    props = {
        "supportTicketId": t.id,
        "description": t.description,
        "problemClassificationId": t.topic_id,
        "problemClassificationDisplayName": t.topic_name,
        "severity": t.severity,
        "enrollmentId": details.get("enrollmentId"),
        "require24X7Response": details.get("require24X7Response", False),
        "advancedDiagnosticConsent": details.get("advancedDiagnosticConsent") or "No",
        "problemScopingQuestions": details.get("problemScopingQuestions"),
        "supportPlanId": t.support_plan_id,
        "contactDetails": t.contact,
        "serviceLevelAgreement": {
            "startTime": created,
            "expirationTime": iso(t.created_at + timedelta(minutes=minutes)),
            "slaMinutes": minutes,
        },
        "supportEngineer": {
            "emailAddress": ticket_rules.engineer_for(t.id).email if ticket_rules.engineer_assigned(t) else None
        },
        "supportPlanType": plan_type,
        "supportPlanDisplayName": plan_display,
        "title": t.title,
        "problemStartTime": details.get("problemStartTime"),
        "serviceId": t.service_id,
        "serviceDisplayName": service.display_name if service else details.get("serviceDisplayName"),
        "status": ticket_rules.azure_status(t.status, ticket_rules.awaiting_microsoft(t)),
        "createdDate": created,
        "modifiedDate": iso(t.modified_at),
        "fileWorkspaceName": details.get("fileWorkspaceName"),
        "technicalTicketDetails": details.get("technicalTicketDetails"),
        "quotaTicketDetails": details.get("quotaTicketDetails"),
        "secondaryConsent": details.get("secondaryConsent"),
    }
    return {
        "id": ticket_path(t),
        "name": t.name,
        "type": TICKET_TYPE,
        "properties": {k: v for k, v in props.items() if v is not None or k == "supportEngineer"},
    }


def communication_json(t, n) -> dict:
    """A ticket's note as a communication: Microsoft Support's are inbound, the filer's outbound."""
    microsoft = n.author_kind == "microsoft"
    return {
        "id": f"{ticket_path(t)}/communications/{n.name}",
        "name": n.name,
        "type": COMMUNICATION_TYPE,
        "properties": {
            "communicationType": "web",
            "communicationDirection": "inbound" if microsoft else "outbound",
            "sender": ticket_rules.engineer_for(t.id).email if microsoft else n.author,
            "subject": n.subject or f"RE: {t.title} - TrackingID#{t.id}",
            "body": n.text,
            "createdDate": iso(n.created_at),
        },
    }


def subscription_json(s, cloud: str) -> dict:
    return {
        "id": f"/subscriptions/{s.id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [{"tenantId": s.provider_id}] if s.provider_id else [],
        "subscriptionId": s.id,
        "tenantId": s.tenant_id,
        "displayName": s.display_name,
        "state": SUBSCRIPTION_STATES.get(s.status, "Enabled"),
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01" if cloud == "public" else "USGov_2014-09-01",
            "quotaId": "CSP_2015-05-01" if s.channel == "csp" else "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def tenant_json(view) -> dict:
    """ARM's TenantIdDescription (Microsoft.Resources 2022-12-01); an app's token gets the ids and category only."""
    t = view.tenant
    body = {"id": f"/tenants/{t.id}", "tenantId": t.id, "tenantCategory": view.category}
    if view.details:
        country = ((t.profile or {}).get("address") or {}).get("country") or "US"
        body |= {
            "countryCode": country,
            "displayName": t.name,
            "domains": list(view.domains),
            "defaultDomain": t.default_domain,
            "tenantType": "AAD",
        }
    return body


def location_json(subscription_id: str, region) -> dict:
    """ARM's Location (Microsoft.Resources 2022-12-01), a physical region."""
    base = f"/subscriptions/{subscription_id}/locations"
    return {
        "id": f"{base}/{region.name}",
        "name": region.name,
        "type": "Region",
        "displayName": region.display_name,
        "regionalDisplayName": f"({region.geography_group}) {region.display_name}",
        "metadata": {
            "regionType": "Physical",
            "regionCategory": region.category,
            "geography": region.geography,
            "geographyGroup": region.geography_group,
            "longitude": region.longitude,
            "latitude": region.latitude,
            "physicalLocation": region.physical_location,
            "pairedRegion": [{"name": region.paired_region, "id": f"{base}/{region.paired_region}"}]
            if region.paired_region
            else [],
        },
    }


def name_availability(available: bool) -> dict:
    if available:
        return {"nameAvailable": True}
    return {"nameAvailable": False, "reason": "Name is already in use", "message": "Name not available"}


# --- long-running creates, file workspaces, files, chat transcripts --------------------------------------------
def scope_path(subscription_id: str | None) -> str:
    return f"/subscriptions/{subscription_id}" if subscription_id else ""


def operation_status_json(subscription_id: str | None, op) -> dict:
    """ARM's asynchronous operation status (the ``Azure-AsyncOperation`` resource)."""
    body = {
        "id": f"{scope_path(subscription_id)}{PROVIDER}/operationsStatus/{op.id}",
        "name": op.id,
        "status": op.status,
        "startTime": iso(op.started_at),
    }
    if op.ended_at is not None:
        body["endTime"] = iso(op.ended_at)
    return body


def file_workspace_json(ws) -> dict:
    return {
        "id": f"{scope_path(ws.scope)}{PROVIDER}/fileWorkspaces/{ws.display_name}",
        "name": ws.display_name,
        "type": "Microsoft.Support/fileWorkspaces",
        "properties": {"createdOn": iso(ws.created_at), "expirationTime": iso(ws.expires_at)},
    }


def file_json(ws, f) -> dict:
    return {
        "id": f"{scope_path(ws.scope)}{PROVIDER}/fileWorkspaces/{ws.display_name}/files/{f.display_name}",
        "name": f.display_name,
        "type": "Microsoft.Support/files",
        "properties": {
            "createdOn": iso(f.created_at),
            "chunkSize": f.chunk_size,
            "fileSize": f.file_size,
            "numberOfChunks": f.number_of_chunks,
        },
    }


def chat_transcript_json(t, chat) -> dict:
    return {
        "id": f"{ticket_path(t)}/chatTranscripts/{chat.name}",
        "name": chat.name,
        "type": "Microsoft.Support/chatTranscripts",
        "properties": {
            "messages": [
                {
                    "contentType": "text",
                    "communicationDirection": m["communicationDirection"],
                    "sender": m["sender"],
                    "body": m["body"],
                    "createdDate": m["createdDate"],
                }
                for m in chat.messages
            ],
            "startTime": iso(chat.started_at),
        },
    }
