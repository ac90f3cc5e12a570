"""Microsoft Graph service health (``/graph/v1.0/admin/serviceAnnouncement``), R5: the service health and
issues of the acting tenant. A partner user reads a customer's through GDAP:
``client.as_tenant("contoso.onmicrosoft.com").health.overviews()``.
"""

from __future__ import annotations

from urllib.parse import quote

from .gdap import GraphApi

BASE = "/graph/v1.0/admin/serviceAnnouncement"


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class Health(GraphApi):
    """``client.health``: needs an admin role that may read service health in the acting tenant (R5; through
    GDAP for a partner user), or the ``ServiceHealth.Read.All`` application permission for an app."""

    @staticmethod
    def _expand(expand_issues: bool) -> dict | None:
        return {"$expand": "issues"} if expand_issues else None

    def overviews(self, expand_issues: bool = False) -> list[dict]:
        """The tenant's health per service (``{"id": "Exchange", "service": "Exchange Online", "status":
        "serviceDegradation"}``); ``expand_issues`` adds each service's ``issues``."""
        return list(self._pages(BASE + "/healthOverviews", self._expand(expand_issues)))

    def overview(self, service: str, expand_issues: bool = False) -> dict:
        """One service's health, by its id (``"Exchange"``, any case)."""
        return self._call("GET", f"{BASE}/healthOverviews/{_seg(service)}", params=self._expand(expand_issues))

    def issues(self, top: int | None = None):
        """Every service issue of the tenant, newest first (``top``: page size; follows ``@odata.nextLink``)."""
        return self._pages(BASE + "/issues", {"$top": top} if top else None)

    def issue(self, issue_id: str) -> dict:
        """One issue (``"EX1001"``) with its ``posts``."""
        return self._call("GET", f"{BASE}/issues/{_seg(issue_id)}")
