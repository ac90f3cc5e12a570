"""The official ``azure-mgmt-support`` client against pcsim's ARM surface, over HTTPS (``tls_server``).

What a user configures: ``MicrosoftSupport(credential, subscription_id, base_url="https://localhost:PORT/azure",
connection_verify=<pcsim CA file>)`` and a credential that gets tokens from pcsim (here a few lines with requests
and the password grant; azure-identity works too, see test_official_clients.py). Nothing reaches the internet.
"""

from __future__ import annotations

import time

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.mgmt.support import MicrosoftSupport
from azure.mgmt.support.models import (
    CheckNameAvailabilityInput,
    CommunicationDetails,
    ContactProfile,
    SupportTicketDetails,
    UpdateSupportTicket,
)

from simulator.domain import tickets as ticket_rules
from simulator.domain.support_catalog import BILLING_SERVICE
from simulator.worlds import ids

from .offline import no_internet  # noqa: F401  (a fixture)
from .personas import CLI_CLIENT_ID, DOMAINS, PASSWORD, upn


class PcsimPasswordCredential:
    """A TokenCredential: a user's token from pcsim's token endpoint (password grant) in ``tenant``."""

    def __init__(self, base_url: str, tenant: str, username: str, ca_file: str):
        self.base_url, self.tenant, self.username, self.ca_file = base_url, tenant, username, ca_file

    def get_token(self, *scopes, claims=None, tenant_id=None, enable_cae=False, **kwargs) -> AccessToken:
        response = requests.post(
            f"{self.base_url}/login/{self.tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": CLI_CLIENT_ID,
                "username": self.username,
                "password": PASSWORD,
                "scope": " ".join(scopes),
            },
            verify=self.ca_file,
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))


@pytest.fixture(autouse=True)
def _offline(no_internet):
    """Every test here: ``no_internet`` (tests/offline.py)."""
    yield


@pytest.fixture
def support(tls_server, tls_files):
    """``support(user, customer_key, subscription_key)``: a MicrosoftSupport client acting in the customer."""

    def make(user: str, tenant_key: str, subscription_key: str) -> MicrosoftSupport:
        credential = PcsimPasswordCredential(tls_server.url, DOMAINS[tenant_key], user, str(tls_files.ca_cert))
        return MicrosoftSupport(
            credential,
            ids.subscription_id(subscription_key),
            base_url=f"{tls_server.url}/azure",
            connection_verify=str(tls_files.ca_cert),
            polling_interval=0,
        )

    return make


def contact(email: str) -> ContactProfile:
    return ContactProfile(
        first_name="Nadia",
        last_name="Partner",
        preferred_contact_method="email",
        primary_email_address=email,
        preferred_time_zone="Pacific Standard Time",
        country="usa",
        preferred_support_language="en-US",
    )


def ticket(
    client: MicrosoftSupport,
    service_name: str | None = None,
    email: str = "support@northwindcloud.onmicrosoft.com",
    title: str = "VM does not start",
) -> SupportTicketDetails:
    """A ticket body for the first service (or ``service_name``) and its first problem classification, both
    looked up through the client as a tool would."""
    services = list(client.services.list())
    service = next(
        s
        for s in services
        if (s.name == service_name if service_name else s.display_name == "Virtual Machine running Windows")
    )
    problem = next(iter(client.problem_classifications.list(service.name)))
    return SupportTicketDetails(
        service_id=service.id,
        problem_classification_id=problem.id,
        title=title,
        description="It fails after the last update.",
        severity="moderate",
        advanced_diagnostic_consent="Yes",
        contact_details=contact(email),
    )


def test_ticket_lifecycle_with_the_official_client(support):
    client = support(upn("northwind"), "contoso", "contoso-prod")
    name_check = client.support_tickets.check_name_availability(
        CheckNameAvailabilityInput(name="sdk-1", type="Microsoft.Support/supportTickets")
    )
    assert name_check.name_available is True

    created = client.support_tickets.begin_create("sdk-1", ticket(client)).result()
    assert created.name == "sdk-1" and created.status == "Open"
    assert created.support_plan_type == "Cloud Solution Provider"
    assert created.service_display_name == "Virtual Machine running Windows"
    assert created.contact_details.primary_email_address == "support@northwindcloud.onmicrosoft.com"
    client.support_tickets.begin_create("sdk-2", ticket(client, title="Second")).result()

    # list follows nextLink page by page
    assert [t.name for t in client.support_tickets.list(top=1)] == ["sdk-2", "sdk-1"]
    assert [t.name for t in client.support_tickets.list(filter="Status eq 'Open'")] == ["sdk-2", "sdk-1"]
    got = client.support_tickets.get("sdk-1")
    assert got.support_ticket_id == created.support_ticket_id and got.title == "VM does not start"

    updated = client.support_tickets.update("sdk-1", UpdateSupportTicket(severity="critical"))
    assert updated.severity == "critical"
    assert client.support_tickets.get("sdk-1").severity == "critical"

    comm = client.communications.begin_create(
        "sdk-1", "note-a", CommunicationDetails(subject="Boot log", body="Attached the serial console log.")
    ).result()
    assert comm.name == "note-a" and comm.communication_direction == "outbound"
    assert comm.sender == upn("northwind")
    listed = list(client.communications.list("sdk-1"))
    assert [(c.name, c.subject) for c in listed] == [("note-a", "Boot log")]
    assert client.communications.get("sdk-1", "note-a").body == "Attached the serial console log."
    assert (
        client.communications.check_name_availability(
            "sdk-1", CheckNameAvailabilityInput(name="note-a", type="Microsoft.Support/communications")
        ).name_available
        is False
    )

    closed = client.support_tickets.update("sdk-1", UpdateSupportTicket(status="closed"))
    assert closed.status == "Closed"


def test_a_tickets_life_through_the_official_client(support, tls_server, tls_files):
    """Microsoft's own ids (Virtual Machine running Linux, "guest OS crashing or failing to boot"), and the
    ticket's life by the world's clock (docs/tickets.md): the engineer, then the engineer's question."""
    client = support(upn("northwind"), "contoso", "contoso-prod")
    vm_linux = client.services.get("cddd3eb5-1830-b494-44fd-782f691479dc")
    assert vm_linux.display_name == "Virtual Machine running Linux"
    boot = client.problem_classifications.get(vm_linux.name, "6fb3a706-abe9-0693-1544-72e848334a9f")
    body = SupportTicketDetails(
        service_id=vm_linux.id,
        problem_classification_id=boot.id,
        title="VM does not boot",
        description="The guest OS stops at the boot loader.",
        severity="critical",
        advanced_diagnostic_consent="No",
        contact_details=contact("support@northwindcloud.onmicrosoft.com"),
    )
    created = client.support_tickets.begin_create("life", body).result()
    assert created.support_engineer.email_address is None and created.status == "Open"
    engineer = ticket_rules.engineer_for(created.support_ticket_id)

    def advance(duration: str) -> None:
        moved = requests.post(
            f"{tls_server.url}/sim/worlds/default/clock",
            json={"advance": duration},
            verify=str(tls_files.ca_cert),
            timeout=10,
        )
        assert moved.status_code == 200, moved.text

    advance("PT1H")  # critical: the engineer at 30 minutes, the question at an hour
    client = support(upn("northwind"), "contoso", "contoso-prod")  # a new token: the old one lived an hour
    got = client.support_tickets.get("life")
    assert got.support_engineer.email_address == engineer.email and got.status == "Open"
    (question,) = client.communications.list("life")
    assert question.communication_direction == "inbound" and question.sender == engineer.email
    client.communications.begin_create("life", "answer", CommunicationDetails(subject="RE", body="At 06:00.")).result()
    assert client.support_tickets.get("life").status == "Updating"
    assert [t.name for t in client.support_tickets.list(filter="status eq 'Updating'")] == ["life"]


def test_denials_reach_the_official_client_as_http_response_errors(support):
    # R6: an advisor cannot open a billing ticket for the customer.
    wingtip = support(upn("wingtip"), "contoso", "contoso-prod")
    body = ticket(wingtip, BILLING_SERVICE, email="help@wingtipadvisory.onmicrosoft.com")
    with pytest.raises(HttpResponseError) as r6:
        wingtip.support_tickets.begin_create("billing", body).result()
    assert r6.value.status_code == 403 and r6.value.error.code == "NonTechnicalTicketRequiresProvider"
    assert r6.value.error.additional_info[0].info["rule"] == "R6"
    assert "provider" in str(r6.value)

    # R7: no Azure RBAC on alpine-prod.
    alpine = support(upn("northwind"), "alpine", "alpine-prod")
    with pytest.raises(HttpResponseError) as r7:
        alpine.support_tickets.begin_create("x", ticket(alpine)).result()
    assert r7.value.status_code == 403 and r7.value.error.code == "AuthorizationFailed"
    assert r7.value.error.additional_info[0].info["rule"] == "R7"
    with pytest.raises(HttpResponseError) as r7_read:
        list(alpine.support_tickets.list())
    assert r7_read.value.status_code == 403

    # R12: a token for the partner's own tenant on the customer's subscription.
    own = support(upn("northwind"), "northwind", "contoso-prod")
    with pytest.raises(ClientAuthenticationError) as r12:
        own.support_tickets.get("anything")
    assert r12.value.status_code == 401 and r12.value.error.code == "InvalidAuthenticationTokenTenant"

    # Nothing was stored: the customer's subscription has no ticket.
    assert list(support(upn("northwind"), "contoso", "contoso-prod").support_tickets.list()) == []
