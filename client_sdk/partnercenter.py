"""Partner Center REST (``/partnercenter/v1``): customers, subscriptions, relationships, profiles, service
requests, the "New request" hand-off (R4) and service incidents (R5).

Methods return the JSON as plain dicts. ``customers()``, ``service_requests()`` and
``customer_service_requests()`` are generators that walk every page; the other collections are small and come
back as lists of their ``items``.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

from .errors import partner_center_error

BASE = "/partnercenter/v1"


def _seg(value: str) -> str:
    """One path segment, quoted."""
    return quote(str(value), safe="")


class PartnerCenter:
    """``client.partner_center``: the calls of the signed-in partner (a token for the partner's own tenant)."""

    def __init__(self, client):
        self._client = client

    def _call(self, method: str, path: str, *, params: dict | None = None, headers: dict | None = None, json=None):
        url = path if path.startswith(("http://", "https://")) else self._client.url(BASE + path)
        sent = {
            "MS-RequestId": str(uuid.uuid4()),
            "MS-CorrelationId": self._client.correlation_id,
            "MS-Contract-Version": "v1",
            **(headers or {}),
        }
        return self._client.request(
            method, url, resource="partner_center", error=partner_center_error, params=params, headers=sent, json=json
        )

    def _get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self._call("GET", path, params=params, headers=headers)

    def _pages(self, path: str, params: dict | None = None):
        """The ``items`` of every page: the next page is ``links.next`` of the previous one, sent with its
        headers (``MS-ContinuationToken``)."""
        page = self._get(path, params=params)
        while True:
            yield from page.get("items") or []
            link = (page.get("links") or {}).get("next")
            if not link:
                return
            headers = {h["key"]: h["value"] for h in link.get("headers") or []}
            page = self._get(self._link_url(link["uri"]), headers=headers)

    # --- customers -----------------------------------------------------------------------------
    def customers(self, size: int | None = None, filter: dict | None = None):
        """Every customer of the partner, page after page (``size`` per page; ``filter`` like
        ``{"Field": "CompanyName", "Value": "Con", "Operator": "starts_with"}``).

        The next page is ``links.next`` of the previous one, sent with its ``MS-ContinuationToken`` header.
        """
        params = {}
        if size is not None:
            params["size"] = size
        if filter:
            params["filter"] = json.dumps(filter)
        return self._pages("/customers", params)

    def _link_url(self, uri: str) -> str:
        """A link's URL: links are relative to ``/v1`` (``/customers?...``) or to the root (``/v1/customers?...``)."""
        if "://" in uri:
            return uri
        uri = "/" + uri.lstrip("/")
        if uri.startswith("/v1/"):
            return self._client.url("/partnercenter" + uri)
        return self._client.url(BASE + uri)

    def customer(self, customer_id: str) -> dict:
        """One customer (R1: the partner needs a relationship with it)."""
        return self._get(f"/customers/{_seg(customer_id)}")

    def company_profile(self, customer_id: str) -> dict:
        return self._get(f"/customers/{_seg(customer_id)}/profiles/company")

    def billing_profile(self, customer_id: str) -> dict:
        return self._get(f"/customers/{_seg(customer_id)}/profiles/billing")

    # --- subscriptions -------------------------------------------------------------------------
    def subscriptions(self, customer_id: str) -> list[dict]:
        """The customer's CSP subscriptions that this partner sells."""
        return self._get(f"/customers/{_seg(customer_id)}/subscriptions").get("items") or []

    def subscription(self, customer_id: str, subscription_id: str) -> dict:
        return self._get(f"/customers/{_seg(customer_id)}/subscriptions/{_seg(subscription_id)}")

    # --- relationships -------------------------------------------------------------------------
    def customer_relationships(self, customer_id: str) -> list[dict]:
        """The customer's indirect partners related to the signed-in partner: to an indirect provider, the
        customer's indirect resellers (``relationshipType``: is_indirect_cloud_solution_provider_of); to one of
        those, its provider (is_indirect_reseller_of)."""
        return self._get(f"/customers/{_seg(customer_id)}/relationships").get("items") or []

    def indirect_resellers(self) -> list[dict]:
        """A distributor's (indirect provider's) indirect resellers (``IsIndirectCloudSolutionProviderOf``)."""
        return (
            self._get("/relationships", params={"relationship_type": "IsIndirectCloudSolutionProviderOf"}).get("items")
            or []
        )

    def indirect_providers(self) -> list[dict]:
        """An indirect reseller's indirect provider (distributor) (``IsIndirectResellerOf``)."""
        return self._get("/relationships", params={"relationship_type": "IsIndirectResellerOf"}).get("items") or []

    # --- the partner itself --------------------------------------------------------------------
    def profile(self, kind: str = "partner") -> dict:
        """The signed-in partner's profile: ``"partner"``, ``"mpn"`` or ``"organization"``."""
        if kind not in ("partner", "mpn", "organization"):
            raise ValueError("kind must be 'partner', 'mpn' or 'organization'")
        return self._get(f"/profiles/{kind}")

    # --- service requests ----------------------------------------------------------------------
    def support_topics(self) -> list[dict]:
        """The topics a service request is filed under (``{"id": 32444671, "name": "Office 365 - Exchange
        Online", ...}``): Azure, Office 365, Dynamics CRM Online, Enterprise Mobility Suite, Partner Center."""
        return self._get("/servicerequests/supporttopics").get("items") or []

    @staticmethod
    def _request_body(
        title: str, description: str, severity: str, support_topic_id, contact: dict | None, product_id: str | None
    ) -> dict:
        body = {
            "Title": title,
            "Description": description,
            "Severity": severity,
            "SupportTopicId": str(support_topic_id),
        }
        if contact:
            body["PrimaryContact"] = contact
        if product_id:
            body["ProductId"] = product_id
        return body

    def file_service_request(
        self,
        customer_id: str,
        title: str,
        description: str,
        severity: str,
        support_topic_id,
        contact: dict | None = None,
        product_id: str | None = None,
        locale: str = "en-US",
        request_id: str | None = None,
    ) -> dict:
        """File a service request on behalf of a customer (pcsim's own route: the real API has none).

        ``severity``: ``critical``, ``moderate`` or ``minimal``; ``support_topic_id`` from
        :meth:`support_topics` (not an Azure one: R4, use :meth:`new_request` and ``client.azure``);
        ``contact``: ``{"firstName", "lastName", "email", "phoneNumber"}``, the partner's (R9; default: the
        signed-in user); ``product_id``: a marketplace product or subscription (R11 refuses a marketplace
        product with the ISV's contact in ``e.contact``). Checks R1, R2, R3, R9, R11. ``request_id``: the
        ``MS-RequestId`` (Partner Center's retry key: sent again, the first request comes back, none is filed;
        default: a new one per call, kept by the client's own retries).
        """
        return self._call(
            "POST",
            f"/customers/{_seg(customer_id)}/servicerequests/{_seg(locale)}",
            headers={"MS-RequestId": request_id} if request_id else None,
            json=self._request_body(title, description, severity, support_topic_id, contact, product_id),
        )

    def file_partner_service_request(
        self,
        title: str,
        description: str,
        severity: str,
        support_topic_id,
        contact: dict | None = None,
        locale: str = "en-US",
        request_id: str | None = None,
    ) -> dict:
        """File a service request about the partner's own Partner Center account (a "Partner Center" topic);
        ``request_id`` as :meth:`file_service_request`'s."""
        return self._call(
            "POST",
            f"/servicerequests/{_seg(locale)}",
            headers={"MS-RequestId": request_id} if request_id else None,
            json=self._request_body(title, description, severity, support_topic_id, contact, None),
        )

    def service_requests(self, status: str | None = None, size: int | None = None):
        """Every service request of the partner (its own and its customers', from every surface), newest
        first, every page. ``status``: ``open``, ``attention_needed`` or ``closed``."""
        return self._pages("/servicerequests", self._list_params(status, size))

    def customer_service_requests(self, customer_id: str, status: str | None = None, size: int | None = None):
        """The customer's service requests this partner filed, on every surface, every page."""
        return self._pages(f"/customers/{_seg(customer_id)}/servicerequests", self._list_params(status, size))

    @staticmethod
    def _list_params(status: str | None, size: int | None) -> dict:
        params = {}
        if status:
            params["status"] = status
        if size is not None:
            params["size"] = size
        return params

    def _request_path(self, request_id: str, customer_id: str | None) -> str:
        prefix = f"/customers/{_seg(customer_id)}" if customer_id else ""
        return f"{prefix}/servicerequests/{_seg(request_id)}"

    def service_request(self, request_id: str, customer_id: str | None = None) -> dict:
        """One service request with its ``notes`` (through the customer's route when ``customer_id`` is given)."""
        return self._get(self._request_path(request_id, customer_id))

    def update_service_request(
        self,
        request_id: str,
        *,
        note: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        customer_id: str | None = None,
    ) -> dict:
        """Add a note, change the severity and/or the status (``closed``); returns the request. A closed request
        takes no change (409)."""
        body = {}
        if note is not None:
            body["NewNote"] = {"Text": note}
        if severity is not None:
            body["Severity"] = severity
        if status is not None:
            body["Status"] = status
        return self._call("PATCH", self._request_path(request_id, customer_id), json=body)

    def add_note(self, request_id: str, text: str, customer_id: str | None = None) -> dict:
        """Add a note (an ``attention_needed`` request is ``open`` again); returns the request."""
        return self.update_service_request(request_id, note=text, customer_id=customer_id)

    def close(self, request_id: str, customer_id: str | None = None) -> dict:
        """Close the request (it cannot be reopened); returns it."""
        return self.update_service_request(request_id, status="closed", customer_id=customer_id)

    def new_request(self, customer_id: str, workload: str) -> dict:
        """R4, "Service requests > New request": the workload's own portal opened for the customer (``portal``,
        ``url``, ``customerTenantId``, ``domain``) and ``next``: where the request is filed (``surface``:
        ``azure`` or ``m365admin``, ``path``, ``scope``, ``signIn.tenant``; for Azure the ``subscriptions``).
        ``workload``: ``azure``, ``microsoft365``, ``dynamics`` or ``ems``. Refused like filing (R1, R2, R3)."""
        return self._get(f"/customers/{_seg(customer_id)}/servicerequests/newrequest/{_seg(workload)}")

    def service_incidents(self, customer_id: str | None = None) -> list[dict]:
        """R5: service health and incidents per workload (``{"workload", "status", "incidents",
        "messageCenterMessages"}``), across the customers where the user has GDAP access, or of one customer."""
        path = f"/customers/{_seg(customer_id)}/serviceincidents/office" if customer_id else "/serviceincidents/office"
        return self._get(path).get("items") or []
