"""Azure Resource Manager (``/azure``): subscriptions and ``Microsoft.Support`` (api-version 2024-04-01).

Token audience ``https://management.azure.com/`` (US Government: ``https://management.usgovcloudapi.net/``).
A partner user files for a customer's subscription acting in the customer's tenant:
``client.as_tenant("contoso.onmicrosoft.com").azure.create_ticket(...)`` (R7: an active GDAP support role and
Azure RBAC on the subscription; R6: non-technical tickets only by the subscription's provider; R8: plan "Cloud
Solution Provider" and the partner's contact; R12: a subscription only with a token for its tenant; R13: the
partner's own subscription needs its own entitlement).

Methods return ARM's JSON as plain dicts; list methods are generators that follow ``nextLink``. Errors raise
:class:`ArmError` (``code`` such as ``AuthorizationFailed``; ``rule`` from ``error.additionalInfo``).
``subscription_id=None`` in the ticket calls means a tenant-level ticket (no subscription: billing, subscription
management and quota only).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from .errors import arm_error
from .gdap import list_params

SUPPORT_API_VERSION = "2024-04-01"
RESOURCES_API_VERSION = "2022-12-01"
PROVIDER = "/providers/Microsoft.Support"
# What the SDK fills in a ticket's contactDetails when not given.
CONTACT_DEFAULTS = {"preferredContactMethod": "email", "preferredTimeZone": "UTC", "preferredSupportLanguage": "en-US"}


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def _last(resource_id: str) -> str:
    """The last segment of a resource id (a service or problem classification given by id or by name)."""
    return str(resource_id).rstrip("/").rpartition("/")[2]


def service_resource_id(service_id: str) -> str:
    """``/providers/Microsoft.Support/services/<id>`` for a service given by name (GUID) or resource id."""
    return f"{PROVIDER}/services/{_last(service_id)}"


def problem_classification_resource_id(service_id: str, problem_classification_id: str) -> str:
    return f"{service_resource_id(service_id)}/problemClassifications/{_last(problem_classification_id)}"


class Azure:
    """``client.azure``: ARM subscriptions and Microsoft.Support tickets and communications."""

    def __init__(self, client):
        self._client = client

    def _call(
        self, method: str, path: str, *, api_version: str = SUPPORT_API_VERSION, params: dict | None = None, json=None
    ):
        if path.startswith(("http://", "https://")):
            url, params = path, None  # a nextLink carries its query (api-version included)
        else:
            url = self._client.url("/azure" + path)
            params = {"api-version": api_version, **(params or {})}
        headers = {
            "x-ms-client-request-id": str(uuid.uuid4()),
            "x-ms-correlation-request-id": self._client.correlation_id,
        }
        return self._client.request(
            method, url, resource="arm", error=arm_error, params=params, json=json, headers=headers
        )

    def _pages(self, path: str, *, api_version: str = SUPPORT_API_VERSION, params: dict | None = None):
        page = self._call("GET", path, api_version=api_version, params=params)
        while True:
            yield from page.get("value") or []
            link = page.get("nextLink")
            if not link:
                return
            page = self._call("GET", link)

    @staticmethod
    def _tickets_path(subscription_id: str | None) -> str:
        scope = f"/subscriptions/{_seg(subscription_id)}" if subscription_id else ""
        return f"{scope}{PROVIDER}/supportTickets"

    def _ticket_path(self, subscription_id: str | None, name: str) -> str:
        return f"{self._tickets_path(subscription_id)}/{_seg(name)}"

    # --- subscriptions -------------------------------------------------------------------------
    def subscriptions(self):
        """The Azure subscriptions the token can see: the acting tenant's, where the user holds an RBAC role."""
        return self._pages("/subscriptions", api_version=RESOURCES_API_VERSION)

    def subscription(self, subscription_id: str) -> dict:
        return self._call("GET", f"/subscriptions/{_seg(subscription_id)}", api_version=RESOURCES_API_VERSION)

    # --- the support catalogue -----------------------------------------------------------------
    def services(self) -> list[dict]:
        """The Azure services a ticket is about (``name`` is the service id; billing, subscription management
        and quota are the non-technical ones, R6)."""
        return self._call("GET", f"{PROVIDER}/services").get("value") or []

    def problem_classifications(self, service_id: str) -> list[dict]:
        """The problem classifications of a service (given by id or resource id)."""
        return (
            self._call("GET", f"{PROVIDER}/services/{_seg(_last(service_id))}/problemClassifications").get("value")
            or []
        )

    # --- tickets -------------------------------------------------------------------------------
    def create_ticket(
        self,
        subscription_id: str | None,
        name: str,
        title: str,
        description: str,
        service_id: str,
        problem_classification_id: str,
        severity: str,
        contact: dict,
        support_plan_id: str | None = None,
        **extra,
    ) -> dict:
        """File a ticket named ``name`` (unique on the subscription; e.g. a GUID) with a PUT; returns it.

        ``service_id`` and ``problem_classification_id``: ids (``name`` in :meth:`services`) or resource ids.
        ``severity``: ``minimal``, ``moderate``, ``critical`` or ``highestcriticalimpact``. ``contact``: ARM's
        ``contactDetails`` (``firstName``, ``lastName``, ``primaryEmailAddress``, ``country``...; the SDK fills
        ``preferredContactMethod``, ``preferredTimeZone`` and ``preferredSupportLanguage`` when missing): on
        behalf of a customer, the partner's (R8). ``support_plan_id``: omit or "Cloud Solution Provider" for a
        customer (R8), the partner's own entitlement for its own subscription (R13). ``extra``: more ticket
        properties as ARM names them (``advancedDiagnosticConsent`` defaults to ``"No"``,
        ``require24X7Response``, ``technicalTicketDetails``, ``quotaTicketDetails``, ``problemStartTime``...).
        """
        props = {
            "serviceId": service_resource_id(service_id),
            "problemClassificationId": problem_classification_resource_id(service_id, problem_classification_id),
            "title": title,
            "description": description,
            "severity": severity,
            "contactDetails": {**CONTACT_DEFAULTS, **contact},
            "advancedDiagnosticConsent": "No",
            **extra,
        }
        if support_plan_id is not None:
            props["supportPlanId"] = support_plan_id
        return self._call("PUT", self._ticket_path(subscription_id, name), json={"properties": props})

    def tickets(self, subscription_id: str | None, filter: str | None = None, top: int | None = None):
        """ "Manage support requests": the subscription's tickets, newest first, every page (``filter``:
        ``"Status eq 'Open'"`` (``'Updating'``: the customer answered, Microsoft has not yet; ``'Closed'``),
        ``"ServiceId eq '...'"``, ``"CreatedDate ge 2026-01-01T00:00:00Z"``...)."""
        return self._pages(self._tickets_path(subscription_id), params=list_params(filter, top))

    def ticket(self, subscription_id: str | None, name: str) -> dict:
        return self._call("GET", self._ticket_path(subscription_id, name))

    def update_ticket(
        self,
        subscription_id: str | None,
        name: str,
        *,
        severity: str | None = None,
        status: str | None = None,
        contact: dict | None = None,
        **extra,
    ) -> dict:
        """Change the severity, the contact details (merged into the ticket's; R8 still applies) or close
        (``status="closed"``; a closed ticket is not reopened). Returns the ticket."""
        body = dict(extra)
        if severity is not None:
            body["severity"] = severity
        if status is not None:
            body["status"] = status
        if contact is not None:
            body["contactDetails"] = contact
        return self._call("PATCH", self._ticket_path(subscription_id, name), json=body)

    def close_ticket(self, subscription_id: str | None, name: str) -> dict:
        return self.update_ticket(subscription_id, name, status="closed")

    # --- communications ------------------------------------------------------------------------
    def communications(self, subscription_id: str | None, name: str, filter: str | None = None, top: int | None = None):
        """The ticket's communications, newest first, every page (Microsoft's ``inbound``, the filer's
        ``outbound``)."""
        return self._pages(
            f"{self._ticket_path(subscription_id, name)}/communications", params=list_params(filter, top)
        )

    def add_communication(
        self,
        subscription_id: str | None,
        name: str,
        subject: str,
        body: str,
        communication_name: str | None = None,
        sender: str | None = None,
    ) -> dict:
        """Add a communication (a note; an app must give ``sender``); the ticket is open again. Returns it."""
        props = {"subject": subject, "body": body}
        if sender is not None:
            props["sender"] = sender
        cname = communication_name or str(uuid.uuid4())
        return self._call(
            "PUT",
            f"{self._ticket_path(subscription_id, name)}/communications/{_seg(cname)}",
            json={"properties": props},
        )
