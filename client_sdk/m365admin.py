"""Microsoft 365 admin center support (``/m365admin/v1.0/support``): pcsim's own, documented API (no public
one exists). Token audience ``https://admin.microsoft.com`` (US Government: ``https://admin.microsoft.us``).

Who acts decides the rules: a partner user through GDAP (``client.as_tenant(customer_domain).m365``) files on
behalf of the customer (R1, R2, R9, R11); a customer's own admin files with Microsoft when its support options
allow it (R10, R11); a partner user in its own tenant files under its own entitlement (R12, R13).

Errors are Graph's body: :class:`GraphError` with the rule in ``.rule`` and, for R11 (the ISV) and R10 (the CSP
partner), whom to contact instead in ``.contact``.
"""

from __future__ import annotations

from urllib.parse import quote

from .gdap import GraphApi, list_params

BASE = "/m365admin/v1.0/support"
STATUSES = ("open", "attentionNeeded", "closed")


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class M365Admin(GraphApi):
    """``client.m365``: support options, topic categories, service requests and their notes."""

    RESOURCE = "m365admin"

    def support_options(self) -> list[dict]:
        """The acting tenant's support options (R10): ``[{"kind": "partner", "displayName", "email", "phone",
        "url", "partnerTenantId"}, {"kind": "microsoft"}]``."""
        return self._call("GET", BASE + "/options").get("value") or []

    def topic_categories(self, workload: str = "microsoft365", more: bool = False) -> list[dict]:
        """The workload's (``microsoft365``, ``ems``, ``dynamics``) short list of categories, ending with
        ``{"id": "more", "displayName": "More..."}``; ``more=True``: every category of the workload."""
        path = BASE + "/topicCategories" + ("/more" if more else "")
        return self._call("GET", path, params={"workload": workload}).get("value") or []

    def file(
        self,
        title: str,
        description: str,
        topic_category_id: str,
        contact: dict,
        severity: str = "moderate",
        product_id: str | None = None,
        workload: str | None = None,
        support_plan_id: str | None = None,
    ) -> dict:
        """Open a service request; returns it (``id``, ``status``, ``supportPlan``...).

        ``contact`` is ``{"name", "email", "phone"}`` (phone optional): on behalf of a customer, the partner's
        (R9). ``product_id``: a marketplace product or one of the tenant's subscriptions (id or key); a
        marketplace product is refused with the ISV's contact (R11). ``support_plan_id`` only for a partner's
        own tenant (R13: ``partnerAgreement:<MPN id>``, ``premier:...``, ``unified:...``,
        ``azureSupportPlan:...``).
        """
        body = {
            "title": title,
            "description": description,
            "topicCategoryId": topic_category_id,
            "severity": severity,
            "contact": contact,
        }
        if product_id is not None:
            body["productId"] = product_id
        if workload is not None:
            body["workload"] = workload
        if support_plan_id is not None:
            body["supportPlanId"] = support_plan_id
        return self._call("POST", BASE + "/serviceRequests", json=body)

    def service_requests(self, status: str | None = None, filter: str | None = None, top: int | None = None):
        """ "View all support tickets": the tenant's service requests (every surface but Azure), newest first,
        every page. ``status``: ``open``, ``attentionNeeded`` or ``closed``; ``filter``: OData ``eq`` clauses
        on status, workload, origin joined with ``and``."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        clauses = [f"status eq '{status}'"] if status else []
        if filter:
            clauses.append(filter)
        return self._pages(BASE + "/serviceRequests", list_params(" and ".join(clauses) or None, top))

    def service_request(self, request_id: str) -> dict:
        """One service request with its ``notes`` (Microsoft's, the partner's and the customer's)."""
        return self._call("GET", f"{BASE}/serviceRequests/{_seg(request_id)}")

    def add_note(self, request_id: str, text: str) -> dict:
        """Add a note (an ``attentionNeeded`` request is ``open`` again); returns the note. A closed request
        takes none (409)."""
        return self._call("POST", f"{BASE}/serviceRequests/{_seg(request_id)}/notes", json={"text": text})

    def close(self, request_id: str) -> dict:
        """Close the request (it cannot be reopened); returns it."""
        return self._call("PATCH", f"{BASE}/serviceRequests/{_seg(request_id)}", json={"status": "closed"})
