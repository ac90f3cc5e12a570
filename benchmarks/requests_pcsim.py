"""The pcsim requests measured: who signs in, where they go, with what body (shared by the load run and the profile)."""

from __future__ import annotations

import json

from simulator.domain.support_catalog import AZURE_SERVICES
from simulator.worlds import ids

PASSWORD = "Pcsim-Passw0rd!"
CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
USER = "admin@northwindcloud.onmicrosoft.com"
ARM_SCOPE = "https://management.azure.com/.default"
PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
API = "api-version=2024-04-01"
PROVIDER = "/providers/Microsoft.Support"
EXCHANGE_TOPIC = 32444671

CONTOSO = ids.tenant_id("contoso")
TICKETS = f"/azure/subscriptions/{ids.subscription_id('contoso-prod')}{PROVIDER}/supportTickets"
SERVICE_REQUESTS = f"/partnercenter/v1/customers/{CONTOSO}/servicerequests/en-US"
CUSTOMERS = "/partnercenter/v1/customers?size=100"
ALL_SERVICE_REQUESTS = "/partnercenter/v1/servicerequests?size=100"
TICKET_LIST = f"{TICKETS}?{API}&$top=100"


def token_request(tenant: str, scope: str) -> tuple[str, dict]:
    """(path, form) of the password grant for USER in ``tenant``."""
    return (
        f"/login/{tenant}/oauth2/v2.0/token",
        {"grant_type": "password", "client_id": CLI_CLIENT_ID, "username": USER, "password": PASSWORD, "scope": scope},
    )


ARM_TOKEN = token_request("contoso.onmicrosoft.com", ARM_SCOPE)  # Northwind acting in Contoso (GDAP)
PC_TOKEN = token_request("northwindcloud.onmicrosoft.com", PC_SCOPE)


def azure_ticket_body() -> str:
    service = next(s for s in AZURE_SERVICES if s.display_name == "Virtual Machine running Windows")
    return json.dumps(
        {
            "properties": {
                "serviceId": f"{PROVIDER}/services/{service.id}",
                "problemClassificationId": f"{PROVIDER}/services/{service.id}/problemClassifications/"
                f"{service.classifications[0][0]}",
                "title": "Virtual machine does not start",
                "description": "Something is not working.",
                "severity": "moderate",
                "advancedDiagnosticConsent": "Yes",
                "contactDetails": {
                    "firstName": "Nadia",
                    "lastName": "Partner",
                    "preferredContactMethod": "email",
                    "primaryEmailAddress": "support@northwindcloud.onmicrosoft.com",
                    "preferredTimeZone": "Pacific Standard Time",
                    "country": "usa",
                    "preferredSupportLanguage": "en-US",
                },
            }
        }
    )


def service_request_body() -> str:
    return json.dumps(
        {
            "Title": "Mail is delayed",
            "Description": "Users see delays of 30 minutes.",
            "Severity": "critical",
            "SupportTopicId": str(EXCHANGE_TOPIC),
        }
    )
