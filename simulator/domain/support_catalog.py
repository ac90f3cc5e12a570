"""What one can file a ticket about, per surface: Partner Center support topics, Azure support services
and problem classifications, Microsoft 365 admin topic categories, and each workload's portal (R4).

The three non-technical Azure service ids (billing, subscription management, quota) and two billing
problem classification ids are the real ones; the rest of the catalogue is pcsim's, real-looking and
stable (uuid5 of their names).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://pcsim.dev/support-catalog")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


# Workloads on which a partner files on behalf of a customer with the CSP entitlement (R2).
CSP_SUPPORT_WORKLOADS = {
    "azure": "Azure",
    "microsoft365": "Microsoft 365 (Office 365)",
    "dynamics": "Dynamics CRM Online",
    "ems": "Enterprise Mobility Suite",
}


# --- Partner Center support topics ---------------------------------------------------------------------
@dataclass(frozen=True)
class SupportTopic:
    id: int
    name: str
    description: str
    workload: str  # azure | microsoft365 | dynamics | ems | partnercenter


SUPPORT_TOPICS: tuple[SupportTopic, ...] = (
    SupportTopic(32444661, "Azure - Technical issue", "Azure services are not working as expected.", "azure"),
    SupportTopic(32444662, "Azure - Billing", "Questions about Azure charges and invoices.", "azure"),
    SupportTopic(32444663, "Azure - Quota increase", "Service and subscription limits.", "azure"),
    SupportTopic(32444671, "Office 365 - Exchange Online", "Mail flow, mailboxes, calendars.", "microsoft365"),
    SupportTopic(32444672, "Office 365 - SharePoint Online", "Sites, sharing, OneDrive.", "microsoft365"),
    SupportTopic(32444673, "Office 365 - Microsoft Teams", "Chat, meetings, calling.", "microsoft365"),
    SupportTopic(32444674, "Office 365 - Licensing and activation", "Licences, activation, sign-in.", "microsoft365"),
    SupportTopic(32444681, "Dynamics CRM Online - Technical issue", "Dynamics 365 apps and environments.", "dynamics"),
    SupportTopic(32444682, "Dynamics CRM Online - Administration", "Users, security roles, instances.", "dynamics"),
    SupportTopic(32444691, "Enterprise Mobility Suite - Intune", "Device enrolment, compliance, apps.", "ems"),
    SupportTopic(32444692, "Enterprise Mobility Suite - Entra ID P1/P2", "Conditional access, identity.", "ems"),
    SupportTopic(
        32444667,
        "Partner Center Issues",
        "Office 365 questions from the CSP partner about Partner Center itself (the partner's own account).",
        "partnercenter",
    ),
    SupportTopic(32444668, "Partner Center - Onboarding", "Enrolment, agreements, partner profile.", "partnercenter"),
    SupportTopic(32444669, "Partner Center - Incentives and billing", "The partner's own invoices.", "partnercenter"),
)
TOPICS_BY_ID = {t.id: t for t in SUPPORT_TOPICS}


# --- Azure support: services and problem classifications -------------------------------------------------
BILLING_SERVICE = "517f2da6-78fd-0498-4e22-ad26996b1dfc"
SUBSCRIPTION_MANAGEMENT_SERVICE = "f3dc5421-79ef-1efa-41a5-42bf3cbb52c6"
QUOTA_SERVICE = "06bfd9d3-516b-d5c6-5802-169c800dec89"
NON_TECHNICAL_SERVICES = {
    BILLING_SERVICE: "billing",
    SUBSCRIPTION_MANAGEMENT_SERVICE: "subscription management",
    QUOTA_SERVICE: "quota",
}


@dataclass(frozen=True)
class AzureService:
    id: str
    display_name: str
    resource_types: tuple[str, ...]
    classifications: tuple[tuple[str, str], ...]  # (id, display name)

    @property
    def technical(self) -> bool:
        return self.id not in NON_TECHNICAL_SERVICES


def _service(
    name: str,
    resource_types: tuple[str, ...],
    problems: tuple[str, ...],
    sid: str | None = None,
    fixed: dict[str, str] | None = None,
) -> AzureService:
    sid = sid or _id("service", name)
    fixed = fixed or {}
    return AzureService(
        sid, name, resource_types, tuple((fixed.get(p) or _id("problem", name, p), p) for p in problems)
    )


AZURE_SERVICES: tuple[AzureService, ...] = (
    _service(
        "Billing",
        (),
        (
            "Add or update VAT, tax id, PO number or profile information",
            "Refund request",
            "Understand my bill",
            "Payment issues",
        ),
        BILLING_SERVICE,
        {
            "Add or update VAT, tax id, PO number or profile information": "3ec1a070-f242-9ecf-5a7c-e1a88ce029ef",
            "Refund request": "d0f16bf7-e011-3f3b-1c26-3147f84e0896",
        },
    ),
    _service(
        "Subscription management",
        (),
        ("Cancel my subscription", "Transfer ownership", "Change subscription name"),
        SUBSCRIPTION_MANAGEMENT_SERVICE,
    ),
    _service(
        "Service and subscription limits (quotas)",
        (),
        ("Compute-VM (cores-vCPUs) subscription limit increases", "Storage: Azure Storage", "Networking"),
        QUOTA_SERVICE,
    ),
    _service(
        "Virtual Machine running Windows",
        ("MICROSOFT.COMPUTE/VIRTUALMACHINES",),
        ("Cannot connect to my VM", "VM start, stop or restart", "Performance"),
    ),
    _service(
        "Virtual Machine running Linux",
        ("MICROSOFT.COMPUTE/VIRTUALMACHINES",),
        ("Cannot connect to my VM", "VM start, stop or restart", "Performance"),
    ),
    _service("App Service - Web Apps", ("MICROSOFT.WEB/SITES",), ("Availability and performance", "Deployment")),
    _service("Azure SQL Database", ("MICROSOFT.SQL/SERVERS",), ("Connectivity", "Performance", "Backup and restore")),
    _service("Storage Account Management", ("MICROSOFT.STORAGE/STORAGEACCOUNTS",), ("Access keys", "Data loss")),
    _service("Virtual Network", ("MICROSOFT.NETWORK/VIRTUALNETWORKS",), ("Connectivity", "Configuration")),
)
SERVICES_BY_ID = {s.id: s for s in AZURE_SERVICES}


# --- Microsoft 365 admin center: topic categories ----------------------------------------------------------
@dataclass(frozen=True)
class TopicCategory:
    id: str
    display_name: str
    workload: str
    featured: bool  # in the short list; the others are behind "More..."


def _category(workload: str, name: str, featured: bool) -> TopicCategory:
    return TopicCategory(name.lower().replace(" ", "-").replace("/", "-").replace(",", ""), name, workload, featured)


TOPIC_CATEGORIES: tuple[TopicCategory, ...] = (
    _category("microsoft365", "Email and calendar", True),
    _category("microsoft365", "Microsoft Teams", True),
    _category("microsoft365", "SharePoint and OneDrive", True),
    _category("microsoft365", "Sign-in and licensing", True),
    _category("microsoft365", "Microsoft 365 Apps installation", False),
    _category("microsoft365", "Exchange Online mail flow", False),
    _category("microsoft365", "Users and groups", False),
    _category("microsoft365", "Domains and DNS", False),
    _category("microsoft365", "Data migration", False),
    _category("ems", "Intune device enrollment", True),
    _category("ems", "Conditional access", True),
    _category("ems", "App protection policies", False),
    _category("ems", "Identity protection", False),
    _category("dynamics", "Dynamics 365 environments", True),
    _category("dynamics", "Dynamics 365 Sales", True),
    _category("dynamics", "Data import and export", False),
    _category("dynamics", "Security roles", False),
)
CATEGORIES_BY_ID = {c.id: c for c in TOPIC_CATEGORIES}
MORE_CATEGORY_ID = "more"


# --- R4: each workload's own portal, opened in the partner's context for the customer tenant ------------------
PORTALS = {
    "azure": (
        "Azure portal",
        "https://portal.azure.com/#@{domain}/blade/Microsoft_Azure_Support/HelpAndSupportBlade/newsupportrequest",
    ),
    "microsoft365": (
        "Microsoft 365 admin center",
        "https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={tenant_id}&CSDEST=o365admincenter",
    ),
    "ems": ("Microsoft Intune admin center", "https://intune.microsoft.com/{domain}#home"),
    "dynamics": (
        "Power Platform admin center (Dynamics)",
        "https://admin.powerplatform.microsoft.com/support?tenant={tenant_id}",
    ),
}
