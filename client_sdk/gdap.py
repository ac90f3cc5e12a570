"""GDAP through Microsoft Graph (``/graph/v1.0/tenantRelationships``): relationships, their approval,
access assignments, delegated admin customers.

Methods return the JSON as plain dicts; list methods are generators that follow ``@odata.nextLink`` to the
last page. Roles may be given as Entra role names ("Helpdesk Administrator") or role template ids.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

from .errors import graph_error
from .roles import unified_roles

BASE = "/graph/v1.0/tenantRelationships"
RELATIONSHIPS = BASE + "/delegatedAdminRelationships"


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class GraphApi:
    """A Graph-shaped API (OData pages, Graph's error body) whose tokens are for ``RESOURCE``."""

    RESOURCE = "graph"

    def __init__(self, client):
        self._client = client

    def _call(self, method: str, url: str, *, json=None, params=None, headers=None):
        if not url.startswith(("http://", "https://")):
            url = self._client.url(url)
        sent = {"client-request-id": str(uuid.uuid4()), **(headers or {})}
        return self._client.request(
            method, url, resource=self.RESOURCE, error=graph_error, json=json, params=params, headers=sent
        )

    def _pages(self, path: str, params: dict):
        url = path
        while url:
            page = self._call("GET", url, params=params)
            yield from page.get("value") or []
            url, params = page.get("@odata.nextLink"), None  # the next link carries the query


def list_params(filter: str | None, top: int | None) -> dict:
    """OData's ``$filter`` and ``$top`` query parameters, for those given."""
    params = {}
    if filter:
        params["$filter"] = filter
    if top:
        params["$top"] = top
    return params


class Gdap(GraphApi):
    """``client.gdap``: a partner manages its relationships with a token for its own tenant; a customer's
    Global Administrator approves them."""

    # --- relationships -------------------------------------------------------------------------
    def relationships(self, filter: str | None = None, top: int | None = None):
        """Every relationship of the partner (``filter``: OData such as ``"status eq 'active'"``; ``top``:
        page size)."""
        return self._pages(RELATIONSHIPS, list_params(filter, top))

    def relationship(self, relationship_id: str) -> dict:
        return self._call("GET", f"{RELATIONSHIPS}/{_seg(relationship_id)}")

    def create_relationship(
        self, display_name: str, customer_tenant_id: str, roles, duration: str = "P730D", auto_extend: str = "PT0S"
    ) -> dict:
        """A new relationship (status ``created``) asking ``roles`` in the customer's tenant for ``duration``."""
        body = {
            "displayName": display_name,
            "duration": duration,
            "customer": {"tenantId": customer_tenant_id},
            "accessDetails": {"unifiedRoles": unified_roles(roles)},
            "autoExtendDuration": auto_extend,
        }
        return self._call("POST", RELATIONSHIPS, json=body)

    def _request(self, relationship_id: str, action: str) -> dict:
        return self._call("POST", f"{RELATIONSHIPS}/{_seg(relationship_id)}/requests", json={"action": action})

    def lock_for_approval(self, relationship_id: str) -> dict:
        """The partner locks a ``created`` relationship: it becomes ``approvalPending`` once the request (returned,
        status ``created``) has succeeded. Requests settle by the world's clock, about ten seconds after they
        are made (a frozen clock must be advanced: ``pcsim_world.advance("PT10S")``)."""
        return self._request(relationship_id, "lockForApproval")

    def approve(self, relationship_id: str) -> dict:
        """Approve a pending relationship: call this on a client signed in as the customer's Global
        Administrator (pcsim's stand-in for the Microsoft 365 admin center's approval page). The relationship
        is ``approved``, ``activating``, then ``active`` once the request has succeeded."""
        return self._request(relationship_id, "approve")

    def terminate(self, relationship_id: str) -> dict:
        """End an active relationship (the partner, or the customer's Global Administrator): it is
        ``terminationRequested``, ``terminating``, then ``terminated`` once the request has succeeded."""
        return self._request(relationship_id, "terminate")

    def requests(self, relationship_id: str, top: int | None = None):
        """The relationship's requests (``created``, ``pending``, ``succeeded``), oldest first."""
        return self._pages(f"{RELATIONSHIPS}/{_seg(relationship_id)}/requests", list_params(None, top))

    def request(self, relationship_id: str, request_id: str) -> dict:
        return self._call("GET", f"{RELATIONSHIPS}/{_seg(relationship_id)}/requests/{_seg(request_id)}")

    def wait_for_request(self, relationship_id: str, request_id: str, timeout: float = 30.0, interval: float = 1.0):
        """Poll the request until it has ``succeeded`` (or ``failed``); returns it, or raises ``TimeoutError``.
        Requests settle by the world's clock: with a frozen clock, advance it instead of waiting."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.request(relationship_id, request_id)
            if answer["status"] in ("succeeded", "failed"):
                return answer
            if time.monotonic() >= deadline:
                raise TimeoutError(f"request {request_id} is still {answer['status']} after {timeout} s")
            time.sleep(interval)

    def operations(self, relationship_id: str, top: int | None = None):
        """The relationship's long-running operations (access assignment updates), oldest first."""
        return self._pages(f"{RELATIONSHIPS}/{_seg(relationship_id)}/operations", list_params(None, top))

    def operation(self, relationship_id: str, operation_id: str) -> dict:
        return self._call("GET", f"{RELATIONSHIPS}/{_seg(relationship_id)}/operations/{_seg(operation_id)}")

    # --- access assignments --------------------------------------------------------------------
    def access_assignments(self, relationship_id: str, filter: str | None = None, top: int | None = None):
        """The relationship's access assignments (which security group holds which of its roles)."""
        return self._pages(f"{RELATIONSHIPS}/{_seg(relationship_id)}/accessAssignments", list_params(filter, top))

    def access_assignment(self, relationship_id: str, assignment_id: str) -> dict:
        return self._call("GET", f"{RELATIONSHIPS}/{_seg(relationship_id)}/accessAssignments/{_seg(assignment_id)}")

    def create_access_assignment(self, relationship_id: str, group_id: str, roles) -> dict:
        """Give the partner's security group ``group_id`` some of the (active) relationship's roles: the
        assignment is ``pending``, then ``active`` (by the world's clock, as a request)."""
        body = {
            "accessContainer": {"accessContainerId": group_id, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": unified_roles(roles)},
        }
        return self._call("POST", f"{RELATIONSHIPS}/{_seg(relationship_id)}/accessAssignments", json=body)

    def _etag(self, relationship_id: str, assignment_id: str, etag: str | None) -> str:
        # Graph wants If-Match on change; without one given, the assignment's current etag is used.
        return etag or self.access_assignment(relationship_id, assignment_id)["@odata.etag"]

    def update_access_assignment(
        self, relationship_id: str, assignment_id: str, roles, etag: str | None = None
    ) -> dict:
        """Replace the assignment's roles; returns the assignment as it then is. Graph answers a change with
        202 and a long-running operation (see ``operations``). ``etag`` (the ``@odata.etag`` you read) makes the
        change fail with 412 if someone changed it since."""
        url = f"{RELATIONSHIPS}/{_seg(relationship_id)}/accessAssignments/{_seg(assignment_id)}"
        answer = self._call(
            "PATCH",
            url,
            json={"accessDetails": {"unifiedRoles": unified_roles(roles)}},
            headers={"If-Match": self._etag(relationship_id, assignment_id, etag)},
        )
        return answer if answer else self.access_assignment(relationship_id, assignment_id)

    def delete_access_assignment(self, relationship_id: str, assignment_id: str, etag: str | None = None) -> None:
        """Remove the assignment: it is ``deleting``, then ``deleted``; the group's users lose its roles at once."""
        url = f"{RELATIONSHIPS}/{_seg(relationship_id)}/accessAssignments/{_seg(assignment_id)}"
        self._call("DELETE", url, headers={"If-Match": self._etag(relationship_id, assignment_id, etag)})

    # --- customers -----------------------------------------------------------------------------
    def customers(self, top: int | None = None):
        """The customers the partner has a GDAP relationship with."""
        return self._pages(BASE + "/delegatedAdminCustomers", list_params(None, top))

    def customer(self, customer_id: str) -> dict:
        return self._call("GET", f"{BASE}/delegatedAdminCustomers/{_seg(customer_id)}")

    def service_management_details(self, customer_id: str):
        """The admin portals (name, URL) where the partner manages the customer's services."""
        return self._pages(f"{BASE}/delegatedAdminCustomers/{_seg(customer_id)}/serviceManagementDetails", {})
