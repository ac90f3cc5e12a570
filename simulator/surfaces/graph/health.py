"""Graph service communications (R5): ``/admin/serviceAnnouncement`` health overviews and issues of the
token's tenant, for its admins, or for a partner user there through GDAP with a health role."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from ...domain import health
from ...domain.clock import iso
from ...domain.decision import Decision
from ...domain.errors import Invalid, NotFound
from ...store.models import ServiceHealth, ServiceIssue
from .. import context as ctx
from . import schemas

ROOT = "/admin/serviceAnnouncement"
HEALTH_READ = "ServiceHealth.Read.All"


def issue_json(i: ServiceIssue, service_name: str) -> dict:
    return {
        "startDateTime": iso(i.start_at), "endDateTime": iso(i.end_at), "lastModifiedDateTime": iso(i.last_modified_at),
        "title": i.title, "id": i.id, "impactDescription": i.impact_description, "classification": i.classification,
        "origin": "microsoft", "status": i.status, "service": service_name, "feature": i.feature,
        "featureGroup": i.feature_group, "isResolved": i.is_resolved, "details": [],
        "posts": i.posts,
    }


def add_routes(bp, caller_of, context_url) -> None:
    def tenant_with_access():
        principal = caller_of()
        d = Decision("graph.serviceHealth.read")
        if principal.kind == "app":
            d.require("R5", HEALTH_READ in principal.app_roles,
                      f"the app lacks the {HEALTH_READ} application permission", "the app may read service health")
        else:
            caller = principal.caller(ctx.scope())
            roles = principal.roles if caller.is_guest else frozenset(principal.user.directory_roles or [])
            health.check_health_access(d, caller, roles)
        return principal.tenant

    def services(tenant_id: str) -> list[ServiceHealth]:
        return list(ctx.session().scalars(select(ServiceHealth).where(
            ServiceHealth.world_id == ctx.world().id, ServiceHealth.tenant_id == tenant_id)
            .order_by(ServiceHealth.service_id)))

    def issues(tenant_id: str, service_id: str | None = None) -> list[ServiceIssue]:
        query = select(ServiceIssue).where(ServiceIssue.world_id == ctx.world().id,
                                           ServiceIssue.tenant_id == tenant_id)
        if service_id:
            query = query.where(ServiceIssue.service_id == service_id)
        return list(ctx.session().scalars(query.order_by(ServiceIssue.start_at.desc())))

    def expand_issues() -> bool:
        expand = request.args.get("$expand", "")
        if expand and expand != "issues":
            raise Invalid(f"Unsupported $expand '{expand}': only 'issues'")
        return expand == "issues"

    def overview_json(s: ServiceHealth, tenant_id: str, with_issues: bool) -> dict:
        body = {"service": s.service_name, "status": s.status, "id": s.service_id}
        if with_issues:
            body["issues"] = [issue_json(i, s.service_name) for i in issues(tenant_id, s.service_id)]
        return body

    @bp.get(f"{ROOT}/healthOverviews")
    @bp.alt_response(200, schema=schemas.ServiceHealthPage, success=True)
    def health_overviews():
        """The tenant's service health per service (``$expand=issues`` adds each service's issues)."""
        tenant = tenant_with_access()
        with_issues = expand_issues()
        return {"@odata.context": context_url("admin/serviceAnnouncement/healthOverviews"),
                "value": [overview_json(s, tenant.id, with_issues) for s in services(tenant.id)]}

    @bp.get(f"{ROOT}/healthOverviews/<service_id>")
    @bp.alt_response(200, schema=schemas.ServiceHealthEntity, success=True)
    def health_overview(service_id):
        tenant = tenant_with_access()
        with_issues = expand_issues()
        for s in services(tenant.id):
            if s.service_id.lower() == service_id.lower():
                return {"@odata.context": context_url("admin/serviceAnnouncement/healthOverviews/$entity"),
                        **overview_json(s, tenant.id, with_issues)}
        raise NotFound(f"Service '{service_id}' was not found.")

    @bp.get(f"{ROOT}/issues")
    @bp.alt_response(200, schema=schemas.ServiceHealthIssuePage, success=True)
    def list_issues():
        """The tenant's service issues, newest first (``$top``, ``$skip``)."""
        tenant = tenant_with_access()
        names = {s.service_id: s.service_name for s in services(tenant.id)}
        try:
            top = int(request.args.get("$top", 100))
            skip = int(request.args.get("$skip", 0))
        except ValueError:
            raise Invalid("$top and $skip are integers") from None
        if not 1 <= top <= 1000 or skip < 0:
            raise Invalid("$top is between 1 and 1000; $skip is not negative")
        rows = issues(tenant.id)
        body = {"@odata.context": context_url("admin/serviceAnnouncement/issues"),
                "value": [issue_json(i, names.get(i.service_id, i.service_id)) for i in rows[skip:skip + top]]}
        if skip + top < len(rows):
            body["@odata.nextLink"] = f"{request.base_url}?$top={top}&$skip={skip + top}"
        return body

    @bp.get(f"{ROOT}/issues/<issue_id>")
    @bp.alt_response(200, schema=schemas.ServiceHealthIssueEntity, success=True)
    def get_issue(issue_id):
        tenant = tenant_with_access()
        names = {s.service_id: s.service_name for s in services(tenant.id)}
        for i in issues(tenant.id):
            if i.id == issue_id:
                return {"@odata.context": context_url("admin/serviceAnnouncement/issues/$entity"),
                        **issue_json(i, names.get(i.service_id, i.service_id))}
        raise NotFound(f"Issue '{issue_id}' was not found.")
