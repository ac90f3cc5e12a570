"""pcsim's Python SDK against a pcsim server: Partner Center (customers, service requests, the "New request"
hand-off, incidents), GDAP and service health (Microsoft Graph), Microsoft 365 admin support and Azure support
(ARM Microsoft.Support).

    from client_sdk import Client, PartnerCenterError

    client = Client("http://127.0.0.1:8080")
    client.sign_in_user("admin@northwindcloud.onmicrosoft.com", "Pcsim-Passw0rd!")
    for customer in client.partner_center.customers(size=50):       # every page
        print(customer["companyProfile"]["companyName"])

    rel = client.gdap.create_relationship("Tailwind support", tailwind_tenant_id,
                                          ["Service Support Administrator", "Helpdesk Administrator"])
    client.gdap.lock_for_approval(rel["id"])
    contoso = client.as_tenant("contoso.onmicrosoft.com")          # acting in a customer's tenant (GDAP)
    contoso.health.overviews()                                      # R5: its service health
    contoso.m365.file("Mail delayed", "Since 06:30 UTC", "email-and-calendar", partner_contact)

Errors raise :class:`PcsimError` subclasses with ``status``, ``code``, ``rule`` (R1..R14), ``request_id``.
See client_sdk/README.md.
"""

__version__ = "0.1.0"

from .client import AZURE_CLI_CLIENT_ID, Client  # noqa: E402
from .errors import (  # noqa: E402
    ArmError,
    ArmForbidden,
    ArmNotFound,
    AuthenticationError,
    Forbidden,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    NotFound,
    PartnerCenterError,
    PartnerCenterForbidden,
    PartnerCenterNotFound,
    PcsimError,
)
from .roles import ENTRA_ROLES, role_id  # noqa: E402
from .sim import Sim, SimError, World  # noqa: E402

__all__ = [
    "AZURE_CLI_CLIENT_ID",
    "Client",
    "ENTRA_ROLES",
    "role_id",
    "PcsimError",
    "AuthenticationError",
    "PartnerCenterError",
    "GraphError",
    "NotFound",
    "Forbidden",
    "PartnerCenterNotFound",
    "PartnerCenterForbidden",
    "GraphNotFound",
    "GraphForbidden",
    "ArmError",
    "ArmNotFound",
    "ArmForbidden",
    "Sim",
    "World",
    "SimError",
]
