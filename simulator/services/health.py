"""Service health (R5): a tenant's health overviews and service issues, for its admins, for a partner user there
through GDAP with a health role, or for an app holding ServiceHealth.Read.All."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import health as rules
from ..domain.decision import Decision
from ..domain.errors import Invalid, NotFound
from ..store import graph as store
from ..store.models import ServiceHealth, ServiceIssue
from .scope import Principal, Scope


@dataclass(frozen=True)
class Issue:
    row: ServiceIssue
    service_name: str


@dataclass(frozen=True)
class Overview:
    """A service's health, with its issues when they were asked for (else None)."""

    row: ServiceHealth
    issues: list[Issue] | None


@dataclass(frozen=True)
class IssuePage:
    issues: list[Issue]
    top: int
    skip: int
    more: bool  # issues follow this page


def _tenant_with_access(s: Scope, p: Principal) -> str:
    """R5: the id of the token's tenant, whose service health the caller may read."""
    d = Decision("graph.serviceHealth.read")
    if p.kind == "app":
        rules.check_app_health_access(d, p.app_roles)
    else:
        assert p.user is not None  # not an app: a user
        caller = p.caller(s)
        roles = p.roles if caller.is_guest else frozenset(p.user.directory_roles or [])
        rules.check_health_access(d, caller, roles)
    return p.tenant.id


def _expand_issues(expand: str | None) -> bool:
    if expand and expand != "issues":
        raise Invalid(f"Unsupported $expand '{expand}': only 'issues'")
    return expand == "issues"


def _overview(s: Scope, tenant_id: str, row: ServiceHealth, with_issues: bool) -> Overview:
    if not with_issues:
        return Overview(row, None)
    rows = store.issues(s.db, s.world_id, tenant_id, row.service_id)
    return Overview(row, [Issue(i, row.service_name) for i in rows])


def _issues(s: Scope, tenant_id: str) -> list[Issue]:
    """The tenant's issues, newest first, each with its service's name."""
    names = {h.service_id: h.service_name for h in store.services(s.db, s.world_id, tenant_id)}
    return [Issue(i, names.get(i.service_id, i.service_id)) for i in store.issues(s.db, s.world_id, tenant_id)]


def health_overviews(s: Scope, p: Principal, expand: str | None) -> list[Overview]:
    """The tenant's service health per service (``expand='issues'`` adds each service's issues)."""
    tenant_id = _tenant_with_access(s, p)
    with_issues = _expand_issues(expand)
    return [_overview(s, tenant_id, h, with_issues) for h in store.services(s.db, s.world_id, tenant_id)]


def health_overview(s: Scope, p: Principal, service_id: str, expand: str | None) -> Overview:
    tenant_id = _tenant_with_access(s, p)
    with_issues = _expand_issues(expand)
    for h in store.services(s.db, s.world_id, tenant_id):
        if h.service_id.lower() == service_id.lower():
            return _overview(s, tenant_id, h, with_issues)
    raise NotFound(f"Service '{service_id}' was not found.")


def list_issues(s: Scope, p: Principal, top: str | None, skip: str | None) -> IssuePage:
    """A page of the tenant's service issues, newest first (``top`` 1 to 1000, default 100; ``skip``)."""
    tenant_id = _tenant_with_access(s, p)
    try:
        first, count = int(skip if skip is not None else 0), int(top if top is not None else 100)
    except ValueError:
        raise Invalid("$top and $skip are integers") from None
    if not 1 <= count <= 1000 or first < 0:
        raise Invalid("$top is between 1 and 1000; $skip is not negative")
    issues = _issues(s, tenant_id)
    return IssuePage(issues[first : first + count], count, first, first + count < len(issues))


def get_issue(s: Scope, p: Principal, issue_id: str) -> Issue:
    tenant_id = _tenant_with_access(s, p)
    for issue in _issues(s, tenant_id):
        if issue.row.id == issue_id:
            return issue
    raise NotFound(f"Issue '{issue_id}' was not found.")
