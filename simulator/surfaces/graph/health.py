"""Graph service communications (R5): ``/admin/serviceAnnouncement`` health overviews and issues of the
token's tenant, for its admins, or for a partner user there through GDAP with a health role."""

from __future__ import annotations

from flask import request

from ...domain.clock import iso
from ...services import health
from .. import context as ctx
from . import schemas
from .responses import bp, context_url, principal

ROOT = "/admin/serviceAnnouncement"


def issue_json(issue: health.Issue) -> dict:
    i = issue.row
    return {
        "startDateTime": iso(i.start_at),
        "endDateTime": iso(i.end_at),
        "lastModifiedDateTime": iso(i.last_modified_at),
        "title": i.title,
        "id": i.id,
        "impactDescription": i.impact_description,
        "classification": i.classification,
        "origin": "microsoft",
        "status": i.status,
        "service": issue.service_name,
        "feature": i.feature,
        "featureGroup": i.feature_group,
        "isResolved": i.is_resolved,
        "details": [],
        "posts": i.posts,
    }


def overview_json(o: health.Overview) -> dict:
    body = {"service": o.row.service_name, "status": o.row.status, "id": o.row.service_id}
    if o.issues is not None:
        body["issues"] = [issue_json(i) for i in o.issues]
    return body


@bp.get(f"{ROOT}/healthOverviews")
@bp.response(200, schemas.ServiceHealthPage)
def health_overviews():
    """The tenant's service health per service (``$expand=issues`` adds each service's issues)."""
    overviews = health.health_overviews(ctx.scope(), principal(), request.args.get("$expand"))
    return {
        "odata_context": context_url("admin/serviceAnnouncement/healthOverviews"),
        "value": [overview_json(o) for o in overviews],
    }


@bp.get(f"{ROOT}/healthOverviews/<service_id>")
@bp.response(200, schemas.ServiceHealthEntity)
def health_overview(service_id):
    overview = health.health_overview(ctx.scope(), principal(), service_id, request.args.get("$expand"))
    return {
        "odata_context": context_url("admin/serviceAnnouncement/healthOverviews/$entity"),
        **overview_json(overview),
    }


@bp.get(f"{ROOT}/issues")
@bp.response(200, schemas.ServiceHealthIssuePage)
def list_issues():
    """The tenant's service issues, newest first (``$top``, ``$skip``)."""
    page = health.list_issues(ctx.scope(), principal(), request.args.get("$top"), request.args.get("$skip"))
    body = {
        "odata_context": context_url("admin/serviceAnnouncement/issues"),
        "value": [issue_json(i) for i in page.issues],
    }
    if page.more:
        body["odata_next_link"] = f"{request.base_url}?$top={page.top}&$skip={page.skip + page.top}"
    return body


@bp.get(f"{ROOT}/issues/<issue_id>")
@bp.response(200, schemas.ServiceHealthIssueEntity)
def get_issue(issue_id):
    issue = health.get_issue(ctx.scope(), principal(), issue_id)
    return {"odata_context": context_url("admin/serviceAnnouncement/issues/$entity"), **issue_json(issue)}
