"""Partner Center REST (``/partnercenter/v1``): customers, subscriptions, relationships, profiles.

Methods return the JSON as plain dicts. ``customers()`` is a generator that walks every page; the other
collections are small and come back as lists of their ``items``.
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

    def _get(self, path: str, params: dict | None = None, headers: dict | None = None):
        url = path if path.startswith(("http://", "https://")) else self._client.url(BASE + path)
        sent = {"MS-RequestId": str(uuid.uuid4()), "MS-CorrelationId": self._client.correlation_id,
                "MS-Contract-Version": "v1", **(headers or {})}
        return self._client.request("GET", url, resource="partner_center", error=partner_center_error,
                                    params=params, headers=sent)

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
        page = self._get("/customers", params=params)
        while True:
            yield from page.get("items") or []
            link = (page.get("links") or {}).get("next")
            if not link:
                return
            headers = {h["key"]: h["value"] for h in link.get("headers") or []}
            page = self._get(self._link_url(link["uri"]), headers=headers)

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
        """The partners related to the customer (``relationshipType``: is_indirect_cloud_solution_provider_of...)."""
        return self._get(f"/customers/{_seg(customer_id)}/relationships").get("items") or []

    def indirect_resellers(self) -> list[dict]:
        """A distributor's (indirect provider's) indirect resellers."""
        return self._get("/relationships", params={"relationship_type": "IsIndirectResellerOf"}).get("items") or []

    def indirect_providers(self) -> list[dict]:
        """An indirect reseller's indirect provider (distributor)."""
        return self._get("/relationships",
                         params={"relationship_type": "IsIndirectCloudSolutionProviderOf"}).get("items") or []

    # --- the partner itself --------------------------------------------------------------------
    def profile(self, kind: str = "partner") -> dict:
        """The signed-in partner's profile: ``"partner"``, ``"mpn"`` or ``"organization"``."""
        if kind not in ("partner", "mpn", "organization"):
            raise ValueError("kind must be 'partner', 'mpn' or 'organization'")
        return self._get(f"/profiles/{kind}")
