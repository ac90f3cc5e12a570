"""Fixed vocabularies: Entra role templates, Partner Center roles, clouds, workloads, enums."""

from __future__ import annotations

# Entra ID built-in role template ids (the roleDefinitionId GDAP grants).
ENTRA_ROLES: dict[str, str] = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Global Reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "Service Support Administrator": "f023fd81-a637-4b56-95fd-791ac0226033",
    "Directory Readers": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Billing Administrator": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "Intune Administrator": "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "Dynamics 365 Administrator": "44367163-eba1-44c3-98af-f5787879f96a",
    "License Administrator": "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "Partner Tier1 Support": "4ba39ca4-527c-499a-b93d-d9b492c50246",
    "Partner Tier2 Support": "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
}
ENTRA_ROLE_NAMES: dict[str, str] = {v: k for k, v in ENTRA_ROLES.items()}

# GDAP roles that allow a partner to file support tickets for a customer (R3, R7, R9).
SUPPORT_ROLE_IDS: frozenset[str] = frozenset(
    ENTRA_ROLES[name] for name in ("Global Administrator", "Service Support Administrator", "Helpdesk Administrator")
)
GLOBAL_ADMINISTRATOR = ENTRA_ROLES["Global Administrator"]

PARTNER_CENTER_ROLES = ("AdminAgent", "HelpdeskAgent", "SalesAgent", "BillingAdmin", "GlobalAdmin")

RELATIONSHIP_TYPES = ("directProvider", "indirectProvider", "indirectReseller", "advisor")
PROVIDER_TYPES = ("directProvider", "indirectProvider")

WORKLOADS = ("azure", "microsoft365", "dynamics", "ems", "marketplace")
CHANNELS = ("csp", "direct")
SUBSCRIPTION_STATUSES = ("active", "suspended", "deleted", "pending", "none")

RBAC_ROLES = ("Owner", "Contributor", "Support Request Contributor", "Reader")

GDAP_STATUSES = (
    "activating",
    "active",
    "approvalPending",
    "approved",
    "created",
    "expired",
    "expiring",
    "terminated",
    "terminating",
    "terminationRequested",
)
ACCESS_ASSIGNMENT_STATUSES = ("pending", "active", "deleting", "deleted", "error")

SUPPORT_PLAN_TYPES = ("partnerAgreement", "premier", "unified", "azureSupportPlan")

SERVICE_HEALTH_STATUSES = (
    "serviceOperational",
    "investigating",
    "restoringService",
    "verifyingService",
    "serviceRestored",
    "postIncidentReviewPublished",
    "serviceDegradation",
    "serviceInterruption",
    "extendedRecovery",
    "falsePositive",
    "investigationSuspended",
    "resolved",
    "mitigatedExternal",
    "mitigated",
    "resolvedExternal",
    "confirmed",
    "reported",
)
ISSUE_CLASSIFICATIONS = ("advisory", "incident")

# Service ids as Graph's service health names them, with their display names.
SERVICES: dict[str, str] = {
    "Exchange": "Exchange Online",
    "SharePoint": "SharePoint Online",
    "microsoftteams": "Microsoft Teams",
    "OrgLiveID": "Identity Service",
    "Intune": "Microsoft Intune",
    "DynamicsCRM": "Dynamics 365 Apps",
    "OSDPPlatform": "Microsoft 365 suite",
}

CLOUDS = ("public", "usgov")

# Token audiences per cloud and surface. The token's `aud` is the value here.
RESOURCES: dict[str, dict[str, str]] = {
    "public": {
        "partnercenter": "https://api.partnercenter.microsoft.com",
        "arm": "https://management.azure.com/",
        "graph": "https://graph.microsoft.com",
        "m365admin": "https://admin.microsoft.com",
    },
    "usgov": {
        "partnercenter": "https://api.partnercenter.microsoft.us",
        "arm": "https://management.usgovcloudapi.net/",
        "graph": "https://graph.microsoft.us",
        "m365admin": "https://admin.microsoft.us",
    },
}
# Older names clients still ask for, mapped to the canonical audience above.
RESOURCE_ALIASES = {
    "https://management.core.windows.net": "https://management.azure.com/",
    "https://management.core.usgovcloudapi.net": "https://management.usgovcloudapi.net/",
}

# Path prefix of each cloud's surfaces on a pcsim server (R14).
CLOUD_PREFIX = {"public": "", "usgov": "/usgov"}

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def role_id(name_or_id: str) -> str | None:
    """The role template id for a role name or id; None when the role is unknown."""
    if name_or_id in ENTRA_ROLE_NAMES:
        return name_or_id
    return ENTRA_ROLES.get(name_or_id)


def resource_for(audience: str) -> tuple[str, str, str] | None:
    """(cloud, surface, canonical audience) for a token resource, or None when unknown."""
    wanted = audience.rstrip("/")
    wanted = RESOURCE_ALIASES.get(wanted, wanted).rstrip("/")
    for cloud, surfaces in RESOURCES.items():
        for surface, aud in surfaces.items():
            if aud.rstrip("/") == wanted:
                return cloud, surface, aud
    return None


def check_same_cloud(tenant_ref: str, tenant_cloud: str, served_cloud: str) -> None:
    """R14: a tenant is served (signs in, is found) only at its own cloud's endpoints."""
    from .errors import NotFound

    if tenant_cloud != served_cloud:
        raise NotFound(
            f"Tenant '{tenant_ref}' belongs to the {tenant_cloud} cloud, not to the {served_cloud} cloud's "
            "endpoints (R14).",
            rule="R14",
        )
