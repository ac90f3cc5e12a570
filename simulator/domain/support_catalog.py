"""What one can file a ticket about, per surface: Partner Center support topics, Azure support services
and problem classifications, Microsoft 365 admin topic categories, and each workload's portal (R4).

Azure's service ids are Microsoft's own, and so are the problem classification ids given (see the comment on
AZURE_SERVICES and docs/fidelity.md, "Catalogue"); the other problem classifications are pcsim's, stable (uuid5).
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
# Every service id below is Microsoft's own: the services list recorded from management.azure.com in
# Azure/azure-cli-extensions, src/support/azext_support/tests/latest/recordings/test_support_services.yaml
# (2024-05-01). A problem classification given with its id is Microsoft's too: the support topic ids of the
# service in the Azure portal's self-help content (articles/supportTopicDescriptions/supporttopics_<service>.md,
# a public copy of Azure/SelfHelpContent: TheresaLui/SelfHelpContent_v2) or the support extension's own tests
# (test_support_scenario.py). Their display names ("<category> / <topic>") are pcsim's wording of those topics,
# except where a source shows one (docs/fidelity.md, "Catalogue"). Classifications given without an id are pcsim's,
# stable (uuid5 of their names).
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
    sid: str, name: str, resource_types: tuple[str, ...], problems: tuple[tuple[str | None, str], ...]
) -> AzureService:
    """A service and its problem classifications, (Microsoft's id, or None for a pcsim one, display name)."""
    return AzureService(sid, name, resource_types, tuple((pid or _id("problem", name, p), p) for pid, p in problems))


_VM_TYPES = ("MICROSOFT.CLASSICCOMPUTE/VIRTUALMACHINES", "MICROSOFT.COMPUTE/VIRTUALMACHINES")
_STORAGE_TYPES = ("MICROSOFT.CLASSICSTORAGE/STORAGEACCOUNTS", "MICROSOFT.STORAGE/STORAGEACCOUNTS")

AZURE_SERVICES: tuple[AzureService, ...] = (
    # Non-technical (billing, subscription management, quota): filed by the customer's provider (R6).
    _service(
        BILLING_SERVICE,
        "Billing",
        (),
        (
            ("3ec1a070-f242-9ecf-5a7c-e1a88ce029ef", "Add or update VAT, tax id, PO number or profile information"),
            ("8b6c2e08-cd75-c2d1-7a12-e4daf1e16f2e", "Refund request"),
            ("13317528-9ad5-fa15-c5c7-898cfaddd700", "Assistance with bill / A particular charge on my invoice"),
            ("4a14667a-3ed2-6e78-ebea-d0de58e4b708", "Payment / Making, updating or switching payments"),
            ("057f6615-3650-5370-57b2-e1a64af3b037", "Reserved Instance / Cancellations, exchanges or refunds"),
            ("44114011-6a66-e902-c00f-e419b6b4509f", "Cost Management / Access related errors"),
        ),
    ),
    _service(
        SUBSCRIPTION_MANAGEMENT_SERVICE,
        "Subscription management",
        (),
        (
            ("b2907485-9054-e2c8-f427-a9f42103345b", "Cancel my subscription"),
            ("eefb3e6a-0243-9fc2-9197-d2798d71a74c", "Transfer ownership of my subscription to another account"),
            ("baa92bb0-7a54-773e-4924-b89c3e11826c", "Update my subscription"),
            ("7e95cb4a-9d5a-8cee-13c2-e4ee1c713e2f", "Access to or moving subscriptions or resources"),
            ("6ee98f39-39f2-5e8f-40ee-98df2895951e", "Increase the subscription limit"),
        ),
    ),
    _service(
        QUOTA_SERVICE,
        "Service and subscription limits (quotas)",
        (),
        (
            ("e12e3d1d-7fa0-af33-c6d0-3c50df9658a3", "Compute-VM (cores-vCPUs) subscription limit increases"),
            (None, "Storage: Azure Storage"),
            (None, "Networking"),
        ),
    ),
    # Technical: the first is a subscription's default ticket in scenario fixtures.
    _service(
        "6f16735c-b0ae-b275-ad3a-03479cfa1396",
        "Virtual Machine running Windows",
        _VM_TYPES,
        (
            ("92c2396d-b703-973f-1bca-2eea9425b21a", "Connectivity / Cannot connect to my VM by using RDP or SSH"),
            ("c330d1a5-2f80-c72f-9bf5-df862a6629c3", "Deployment / VM unresponsive to start or stop"),
            ("8b618100-f5cd-7ad5-1c69-72aaf37d801d", "Performance / CPU usage higher than expected"),
            ("5aed3921-4198-0d81-c999-f9c878ac00c8", "Connectivity / Guest OS crashing or failing to boot"),
        ),
    ),
    _service(
        "cddd3eb5-1830-b494-44fd-782f691479dc",
        "Virtual Machine running Linux",
        _VM_TYPES,
        (
            ("1c2f964e-9219-e8fe-f027-95330b445941", "Connectivity / Cannot connect to my VM by using RDP or SSH"),
            ("24950ba1-1ada-26d3-eec4-1dedb62ebb00", "Deployment / VM unresponsive to start or stop"),
            ("5a5377ad-0f05-a3ba-d25e-98346a3f74df", "Performance / CPU usage higher than expected"),
            ("6fb3a706-abe9-0693-1544-72e848334a9f", "Connectivity / Guest OS crashing or failing to boot"),
        ),
    ),
    _service(
        "1890289e-747c-7ef6-b4f5-b1dbb0bead28",
        "Web App (Windows)",
        ("MICROSOFT.WEB/SITES",),
        (
            (None, "Availability and Performance / Web app down or reporting errors"),
            (None, "Deployment / Deploying code"),
        ),
    ),
    _service(
        "b452a42b-3779-64de-532c-8a32738357a6",
        "Web App (Linux)",
        ("MICROSOFT.WEB/SITES",),
        (
            (None, "Availability and Performance / Web app down or reporting errors"),
            (None, "Deployment / Deploying code"),
        ),
    ),
    _service(
        "5ce8de69-abba-65a0-e0e4-a684bcbc7931",
        "Function App",
        ("MICROSOFT.WEB/SITES",),
        ((None, "Function app down or reporting errors"), (None, "Deployment")),
    ),
    _service(
        "95412dd5-f222-a91f-98a6-144a84418c66",
        "SQL Database",
        ("MICROSOFT.SQL/SERVERS", "MICROSOFT.SQL/SERVERS/DATABASES", "MICROSOFT.SQL/SERVERS/ELASTICPOOLS"),
        (
            ("335d323d-8d46-ab58-29e9-80e70c5c1680", "Connectivity / Firewall or connectivity issues"),
            ("54d2f756-6820-2463-1f0e-3f6dadff5eef", "Performance / Slow query or query timeouts"),
            ("7f71174d-98d7-2891-60a5-333df57f0400", "Performance / Unexpected DTU, CPU, IO or memory usage"),
            ("056f6558-603f-1491-25c4-30dcfb13cb18", "Backup and restore / Restore a database to the same server"),
        ),
    ),
    _service(
        "9b629e89-4ea0-53ec-9409-1579b8c41453",
        "SQL Managed Instance",
        ("MICROSOFT.SQL/MANAGEDINSTANCES",),
        (
            ("4d4a39b7-62a6-df9c-babc-76c9d15f3a84", "Connectivity / Cannot connect to the managed instance"),
            ("4c5146aa-237d-bb54-fa21-24125ba0e21f", "Connectivity / Login or connection timeouts"),
            ("08e59b08-baa9-5f8e-41da-c09428a3d2ca", "Performance / A query times out"),
            (
                "27571440-3e3b-9c19-5bf9-fc6f96c9e571",
                "Backup and restore / Automated backups and point-in-time restore",
            ),
        ),
    ),
    _service(
        "d9516a10-74b5-45f4-943d-a5281d7cf1bb",
        "Cosmos DB",
        ("MICROSOFT.DOCUMENTDB/DATABASEACCOUNTS",),
        (
            ("2fdf930b-f7dc-6287-b5a3-3e5ae7d10532", "Core (SQL) / Availability issues including request timeouts"),
            ("60b66433-ec86-5384-7fba-0dd318b554bf", "Core (SQL) / High latency"),
            ("7d91ee0e-0c06-d5c8-c1b1-4c1eac14f382", "Throughput / Request rate too large"),
            (
                "3009d4df-08f1-a526-d857-bfe9c9ed97da",
                "Backup and Restore / Restore a deleted account, database or container",
            ),
        ),
    ),
    _service(
        "5a3a423f-8667-9095-1770-0a554a934512",
        "Kubernetes Service (AKS)",
        ("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS",),
        (
            ("b251f092-8408-ba6b-dcdd-451076810f37", "Cluster Create Upgrade or Delete / Cluster creation failed"),
            ("6c8a0b29-eccf-6edc-c269-f9f169d7c5d5", "Cluster Create Upgrade or Delete / Cluster upgrade failed"),
            ("3125f2ee-a294-0ca1-f1f3-747fdd35e62a", "Cluster Management / Node state is NotReady"),
            ("5b6b5120-9090-9fdf-bbbd-e9cabf4befa3", "Cluster Management / High CPU or memory"),
            ("6e9c6169-581f-1484-56da-95875b0bb445", "Networking and Connectivity / Pods cannot communicate"),
        ),
    ),
    _service(
        "f100a6d5-17df-c517-a2bc-ecc2a5bfb975",
        "Container Registry",
        ("MICROSOFT.CONTAINERREGISTRY/REGISTRIES",),
        ((None, "Push or pull of images fails"),),
    ),
    _service(
        "6a9c20ed-85c7-c289-d5e2-560da8f2a7c8",
        "Storage Account Management",
        _STORAGE_TYPES,
        (
            ("8e968b67-a634-0dc0-e4e1-a2191ab8de38", "Authentication & Authorization / Storage keys denied"),
            ("6fffd022-f458-9d01-9a1b-5ede27506159", "Account Creation / Cannot create a storage account"),
            ("98689521-103e-7fa1-9c78-352761e0577d", "Deletion and Recovery Issues / Recover a deleted account"),
            ("9c788698-e7f0-caae-756b-852909fad61e", "Data Migration / Move a storage account to another region"),
        ),
    ),
    _service(
        "a2c69e6c-34b6-fc5d-0f35-b496a071c28d",
        "Blob Storage",
        _STORAGE_TYPES,
        (
            ("dc671d19-5630-5dec-3bba-c1164f3ef2c1", "Connectivity / Cannot connect to blob storage"),
            ("f13057aa-74d0-deb7-14eb-d45a0d810adb", "Authentication & Authorization / Storage keys denied"),
            ("dbeadbbe-6d56-ce28-bda7-f6b77f86193e", "Performance / Blob operations slower than expected"),
            ("f4b956a4-5a19-774a-343e-a2d729cf42cc", "Deletion and Recovery Issues / Recover deleted data"),
        ),
    ),
    _service(
        "30dfd88b-b455-1748-a4a0-e4c5aa795663",
        "Files Storage",
        (*_STORAGE_TYPES, "MICROSOFT.STORAGESYNC/STORAGESYNCSERVICES"),
        (
            ("c21dc4e5-bb8a-821e-7e4c-6843b5184d8c", "File Share Mount / Cannot mount a file share on Windows"),
            ("5a4b0c1d-8332-6b72-d882-145af8fcd551", "File Share Mount / Cannot mount a file share on Linux"),
            ("6cff0c87-2930-bd01-e513-9a36b116ce1d", "Performance / File share slower than expected"),
            ("20feac84-fe5e-37a4-c8b9-566bdbcfaaac", "Sync / Server endpoint in error"),
        ),
    ),
    _service(
        "1d311e9b-0852-2f19-07bf-22f48e57d71a",
        "Disk Storage",
        ("MICROSOFT.COMPUTE/Disks", "MICROSOFT.COMPUTE/diskEncryptionSets"),
        ((None, "Disk performance"), (None, "Resize, attach or detach a disk")),
    ),
    _service(
        "17d72dfc-8f48-94cb-05e6-5f88efdf72d7",
        "Azure Backup",
        ("Microsoft.RecoveryServices/vaults", "Microsoft.DataProtection/BackupVaults"),
        (
            ("4a1f9c16-395c-10d6-afb2-37477ac1c15a", "Backup / Protecting an Azure virtual machine"),
            ("79c28470-7917-6671-055d-668754e214e0", "Backup / Backing up a Linux virtual machine fails"),
            ("08b22f15-5b92-c873-e513-18e02aa112f0", "Restore / Restoring a Windows virtual machine fails"),
            ("141e378a-1466-bbca-cbf0-43c82f7982d7", "Backup / Backing up Azure Files shares fails"),
        ),
    ),
    _service(
        "b25271d3-6431-dfbc-5f12-5693326809b3",
        "Virtual Network",
        ("MICROSOFT.NETWORK/VIRTUALNETWORKS", "MICROSOFT.CLASSICNETWORK/VIRTUALNETWORKS"),
        (
            ("bb1e7df7-8fe1-1c7d-a556-b80b86a45fc2", "Connectivity / Cannot connect to a VM in the same VNet"),
            ("1cf9558a-158d-50ec-534a-9d5fc3b44139", "Connectivity / Cannot connect to the internet"),
            ("d6c35a64-c473-8023-6f62-4dff5d12ce78", "Configuration and Setup / VNet peering and NSGs"),
            ("06f6b848-021f-3ccf-6081-e67b34e31c30", "Performance / Latency and bandwidth"),
            ("7ec40873-6639-446f-2f8e-4e1062764bf9", "Management / Cannot delete a virtual network"),
        ),
    ),
    _service(
        "5a813df8-0060-7015-892d-9f17015a6706",
        "VPN Gateway",
        ("MICROSOFT.NETWORK/VIRTUALNETWORKGATEWAYS", "MICROSOFT.NETWORK/CONNECTIONS"),
        (
            ("8512ac34-796e-7c4b-0d37-6c5de3624e50", "Connectivity / Site-to-site connection"),
            ("c7eadd70-4663-be81-1aba-c89031cd3505", "Connectivity / Point-to-site connection"),
            ("59297240-0228-3915-8fae-553a01974f0b", "Performance / Latency or throughput"),
            ("caf1656c-c7d0-6086-16ca-5801f401bb7e", "Management / Reset, resize or manage a VPN gateway"),
        ),
    ),
    _service(
        "7b29574f-b855-9dec-9b08-fe4aeaa3bbc0",
        "Load Balancer",
        ("MICROSOFT.NETWORK/LOADBALANCERS",),
        ((None, "Connectivity through the load balancer"), (None, "Health probes")),
    ),
    _service(
        "101732bb-31af-ee61-7c16-d4ad77c86a50",
        "Application Gateway",
        ("MICROSOFT.NETWORK/APPLICATIONGATEWAYS",),
        (
            ("76c81c5d-800c-6121-bdf1-fd8ceb7aee1f", "Connectivity / 502 Bad Gateway"),
            ("5335313e-a524-8e68-de75-9080f933997b", "Connectivity / Backend health shows Unknown"),
            ("71ae3ae6-136d-7b24-2700-8a6ad2d6758f", "Configuration / Configuration and setup"),
            ("336e9c3c-4c03-0eff-0bbf-cc245bb845fb", "WAF / Web Application Firewall configuration"),
        ),
    ),
    _service(
        "759b4975-eee7-178d-6996-31047d078bf2",
        "ExpressRoute",
        ("MICROSOFT.NETWORK/EXPRESSROUTECIRCUITS",),
        (
            ("876b158c-28b8-3c55-eb25-84238e83e6ad", "Configuration / Configure ExpressRoute"),
            ("11a86cbf-d437-4662-76cd-c28fd138e201", "Connectivity / Private or Microsoft peering connectivity"),
            ("75a14790-c088-43b4-cbdd-79c642d06003", "Performance / ExpressRoute performance"),
            ("a83622d7-d94a-8811-f012-cc79a343a359", "Management / Delete an ExpressRoute circuit"),
        ),
    ),
    _service(
        "f0269138-eb6e-a81a-10e9-17965b5683d4",
        "Azure DNS",
        ("MICROSOFT.NETWORK/DNSZONES",),
        ((None, "Name resolution"),),
    ),
    _service(
        "0283d26b-bad8-f0e2-37f4-86dc0328c710",
        "Key Vault",
        ("MICROSOFT.KEYVAULT/VAULTS",),
        (
            ("fb4d84b4-6177-bd6b-3524-762f05d970c8", "Security / Access to a key vault"),
            ("a4a4a251-e238-7f62-0f64-b8542fae12f0", "Certificates / Create or export a certificate"),
            ("b477811e-451e-5943-b225-0af18b1c18fe", "Certificates / Import a certificate"),
        ),
    ),
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
