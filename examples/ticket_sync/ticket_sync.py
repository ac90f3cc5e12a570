"""ticket-sync: a small partner tool, as a CSP partner or an ISV would write one against Microsoft's APIs.

It signs in as a partner user (Entra ID, password grant), lists the partner's customers (Partner Center), files
an Azure support ticket on behalf of one of them (Azure Resource Manager, ``Microsoft.Support``, with a token
for the customer's tenant through GDAP) and reads it back. It knows nothing of pcsim: point its base URLs at
Microsoft, or at a pcsim world (see tests/test_ticket_sync.py).

    TICKET_SYNC_PASSWORD=... python ticket_sync.py --login https://login.microsoftonline.com \\
        --partner-center https://api.partnercenter.microsoft.com/v1 --arm https://management.azure.com \\
        --tenant contoso-partner.onmicrosoft.com --username ... --customer ... --subscription ...
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from dataclasses import dataclass, field

import requests

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # a public client Entra ID accepts for passwords
SUPPORT_API_VERSION = "2024-04-01"
SERVICE_NAME = "Virtual Machine running Windows"


class ToolError(Exception):
    """A refused call, with the service's own error body."""

    def __init__(self, response: requests.Response):
        self.status = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = {"text": response.text}
        super().__init__(f"{response.request.method} {response.url}: {self.status} {json.dumps(self.body)[:300]}")


@dataclass
class PartnerTool:
    """The tool's configuration: where the three services are, and whom it signs in as."""

    login: str  # Entra ID authority host, e.g. https://login.microsoftonline.com
    partner_center: str  # Partner Center REST base, e.g. https://api.partnercenter.microsoft.com/v1
    arm: str  # Azure Resource Manager, e.g. https://management.azure.com
    tenant: str  # the partner's tenant (domain or id)
    username: str
    password: str
    http: requests.Session = field(default_factory=requests.Session)

    def token(self, scope: str, tenant: str | None = None) -> str:
        """An access token for ``scope`` in ``tenant`` (the partner's own by default)."""
        response = self.http.post(
            f"{self.login}/{tenant or self.tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": AZURE_CLI_CLIENT_ID,
                "username": self.username,
                "password": self.password,
                "scope": scope,
            },
            timeout=30,
        )
        if not response.ok:
            raise ToolError(response)
        return response.json()["access_token"]

    def _call(self, method: str, url: str, token: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        response = self.http.request(method, url, headers=headers, timeout=30, **kwargs)
        if not response.ok:
            raise ToolError(response)
        return response.json()

    def customers(self) -> list[dict]:
        """Every customer of the partner (Partner Center pages through a continuation token)."""
        token = self.token("https://api.partnercenter.microsoft.com/.default")
        page = self._call("GET", f"{self.partner_center}/customers?size=100", token)
        items = list(page["items"])
        while page.get("continuationToken"):
            page = self._call(
                "GET",
                f"{self.partner_center}/customers",
                token,
                params={"seekOperation": "Next", "size": 100},
                headers={"MS-ContinuationToken": page["continuationToken"]},
            )
            items += page["items"]
        return items

    def file_azure_ticket(
        self,
        customer_domain: str,
        subscription_id: str,
        title: str,
        description: str,
        contact_email: str,
        service_name: str = SERVICE_NAME,
    ) -> dict:
        """An Azure technical support ticket on the customer's subscription, filed through GDAP: the service and
        its first problem classification are looked up by name, as the Azure portal's form does."""
        token = self.token("https://management.azure.com/.default", tenant=customer_domain)
        support = f"{self.arm}/providers/Microsoft.Support"
        version = {"api-version": SUPPORT_API_VERSION}
        services = self._call("GET", f"{support}/services", token, params=version)["value"]
        service = next(s for s in services if s["properties"]["displayName"] == service_name)
        problems = self._call("GET", f"{self.arm}{service['id']}/problemClassifications", token, params=version)
        body = {
            "properties": {
                "title": title,
                "description": description,
                "serviceId": service["id"],
                "problemClassificationId": problems["value"][0]["id"],
                "severity": "moderate",
                "advancedDiagnosticConsent": "Yes",
                "supportPlanId": "Cloud Solution Provider",
                "contactDetails": {
                    "firstName": "Ann",
                    "lastName": "Beebe",
                    "preferredContactMethod": "email",
                    "primaryEmailAddress": contact_email,
                    "preferredTimeZone": "UTC",
                    "country": "usa",
                    "preferredSupportLanguage": "en-US",
                },
            }
        }
        name = f"ticket-sync-{uuid.uuid4().hex[:12]}"
        return self._call("PUT", self._ticket_url(subscription_id, name), token, json=body)

    def subscriptions(self, customer_domain: str) -> list[dict]:
        """The Azure subscriptions the partner user sees in the customer's tenant (GDAP and Azure RBAC)."""
        token = self.token("https://management.azure.com/.default", tenant=customer_domain)
        return self._call("GET", f"{self.arm}/subscriptions", token, params={"api-version": "2022-12-01"})["value"]

    def ticket(self, customer_domain: str, subscription_id: str, name: str) -> dict:
        token = self.token("https://management.azure.com/.default", tenant=customer_domain)
        return self._call("GET", self._ticket_url(subscription_id, name), token)

    def _ticket_url(self, subscription_id: str, name: str) -> str:
        return (
            f"{self.arm}/subscriptions/{subscription_id}/providers/Microsoft.Support/supportTickets/{name}"
            f"?api-version={SUPPORT_API_VERSION}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("login", "partner-center", "arm", "tenant", "username", "customer", "subscription"):
        parser.add_argument(f"--{option}", required=True)
    args = parser.parse_args()
    tool = PartnerTool(
        args.login, args.partner_center, args.arm, args.tenant, args.username, os.environ["TICKET_SYNC_PASSWORD"]
    )
    print(f"{len(tool.customers())} customers")
    filed = tool.file_azure_ticket(
        args.customer, args.subscription, "ticket-sync check", "Filed by ticket-sync.", args.username
    )
    print(json.dumps(tool.ticket(args.customer, args.subscription, filed["name"])["properties"], indent=2))


if __name__ == "__main__":
    main()
