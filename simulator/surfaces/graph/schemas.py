"""Graph GDAP resource shapes and request bodies."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from ...domain.catalog import ENTRA_ROLE_NAMES


class _Body(Schema):
    """A request body: unknown properties are refused, OData annotations are ignored."""

    @pre_load
    def _drop_annotations(self, data, **kwargs):
        return {k: v for k, v in data.items() if not k.startswith("@odata.")} if isinstance(data, dict) else data


class UnifiedRole(_Body):
    roleDefinitionId = fields.String(
        required=True, validate=validate.OneOf(list(ENTRA_ROLE_NAMES), error="unknown role definition id {input}")
    )


class AccessDetails(_Body):
    unifiedRoles = fields.List(fields.Nested(UnifiedRole), required=True, validate=validate.Length(min=1))


class CustomerRef(_Body):
    tenantId = fields.String(required=True)
    displayName = fields.String()


class RelationshipCreate(_Body):
    displayName = fields.String(required=True, validate=validate.Length(min=1, max=50))
    duration = fields.String(required=True)
    customer = fields.Nested(CustomerRef)
    accessDetails = fields.Nested(AccessDetails, required=True)
    autoExtendDuration = fields.String(validate=validate.OneOf(["PT0S", "P0D", "P180D"]))


class RelationshipUpdate(_Body):
    displayName = fields.String(validate=validate.Length(min=1, max=50))
    duration = fields.String()
    customer = fields.Nested(CustomerRef)
    accessDetails = fields.Nested(AccessDetails)
    autoExtendDuration = fields.String(validate=validate.OneOf(["PT0S", "P0D", "P180D"]))


class RelationshipRequestCreate(_Body):
    action = fields.String(required=True, validate=validate.OneOf(["lockForApproval", "approve", "terminate"]))


class AccessContainer(_Body):
    accessContainerId = fields.String(required=True)
    accessContainerType = fields.String(load_default="securityGroup", validate=validate.OneOf(["securityGroup"]))


class AssignmentCreate(_Body):
    accessContainer = fields.Nested(AccessContainer, required=True)
    accessDetails = fields.Nested(AccessDetails, required=True)


class AssignmentUpdate(_Body):
    accessDetails = fields.Nested(AccessDetails, required=True)


class ListArgs(Schema):
    top = fields.Integer(data_key="$top", validate=validate.Range(min=1, max=300))
    filter = fields.String(data_key="$filter")
    skiptoken = fields.String(data_key="$skiptoken")
    count = fields.Boolean(data_key="$count")


_Role = Schema.from_dict({"roleDefinitionId": fields.String()}, name="UnifiedRoleRef")
_Access = Schema.from_dict({"unifiedRoles": fields.List(fields.Nested(_Role))}, name="DelegatedAdminAccessDetails")

_CONTEXT = {"odata_context": fields.String(data_key="@odata.context")}

Relationship = Schema.from_dict(
    {
        **_CONTEXT,
        "odata_type": fields.String(data_key="@odata.type"),
        "odata_etag": fields.String(data_key="@odata.etag"),
        "id": fields.String(),
        "displayName": fields.String(),
        "duration": fields.String(),
        "customer": fields.Nested(
            Schema.from_dict(
                {"tenantId": fields.String(), "displayName": fields.String()},
                name="DelegatedAdminRelationshipCustomerParticipant",
            ),
            allow_none=True,
        ),
        "accessDetails": fields.Nested(_Access),
        "status": fields.String(),
        "autoExtendDuration": fields.String(),
        "createdDateTime": fields.String(),
        "lastModifiedDateTime": fields.String(),
        "activatedDateTime": fields.String(allow_none=True),
        "endDateTime": fields.String(allow_none=True),
    },
    name="DelegatedAdminRelationship",
)

AccessAssignment = Schema.from_dict(
    {
        **_CONTEXT,
        "odata_type": fields.String(data_key="@odata.type"),
        "odata_etag": fields.String(data_key="@odata.etag"),
        "id": fields.String(),
        "status": fields.String(),
        "createdDateTime": fields.String(),
        "lastModifiedDateTime": fields.String(),
        "accessContainer": fields.Nested(
            Schema.from_dict(
                {"accessContainerId": fields.String(), "accessContainerType": fields.String()},
                name="DelegatedAdminAccessContainer",
            )
        ),
        "accessDetails": fields.Nested(_Access),
    },
    name="DelegatedAdminAccessAssignment",
)

DelegatedAdminCustomer = Schema.from_dict(
    {
        **_CONTEXT,
        "odata_type": fields.String(data_key="@odata.type"),
        "id": fields.String(),
        "tenantId": fields.String(),
        "displayName": fields.String(),
    },
    name="DelegatedAdminCustomer",
)

RelationshipRequest = Schema.from_dict(
    {
        **_CONTEXT,
        "odata_type": fields.String(data_key="@odata.type"),
        "id": fields.String(),
        "action": fields.String(metadata={"enum": ["lockForApproval", "approve", "terminate"]}),
        "status": fields.String(metadata={"enum": ["created", "pending", "succeeded", "failed"]}),
        "createdDateTime": fields.String(),
        "lastModifiedDateTime": fields.String(),
    },
    name="DelegatedAdminRelationshipRequest",
)

Operation = Schema.from_dict(
    {
        **_CONTEXT,
        "odata_type": fields.String(data_key="@odata.type"),
        "id": fields.String(),
        "operationType": fields.String(metadata={"enum": ["delegatedAdminAccessAssignmentUpdate"]}),
        "data": fields.String(metadata={"description": "the access assignment as the operation leaves it (JSON)"}),
        "status": fields.String(metadata={"enum": ["notStarted", "running", "succeeded", "failed"]}),
        "createdDateTime": fields.String(),
        "lastModifiedDateTime": fields.String(),
    },
    name="DelegatedAdminRelationshipOperation",
)

Accepted = Schema.from_dict({}, name="Accepted")


def page_of(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "odata_context": fields.String(data_key="@odata.context"),
            "odata_next_link": fields.String(data_key="@odata.nextLink"),
            "odata_count": fields.Integer(data_key="@odata.count"),
            "value": fields.List(fields.Nested(item)),
        },
        name=name,
    )


RelationshipPage = page_of(Relationship, "DelegatedAdminRelationshipCollection")
AccessAssignmentPage = page_of(AccessAssignment, "DelegatedAdminAccessAssignmentCollection")
CustomerPage = page_of(DelegatedAdminCustomer, "DelegatedAdminCustomerCollection")
ServiceManagementDetailPage = page_of(
    Schema.from_dict(
        {
            "odata_type": fields.String(data_key="@odata.type"),
            "id": fields.String(),
            "serviceName": fields.String(),
            "serviceManagementUrl": fields.String(),
        },
        name="DelegatedAdminServiceManagementDetail",
    ),
    "DelegatedAdminServiceManagementDetailCollection",
)
RelationshipRequestPage = page_of(RelationshipRequest, "DelegatedAdminRelationshipRequestCollection")
OperationPage = page_of(Operation, "DelegatedAdminRelationshipOperationCollection")


class GraphErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    innerError = fields.Dict(
        required=True,
        metadata={
            "description": "date, request-id, client-request-id; a denial adds rule and explain (and, on the "
            "Microsoft 365 admin surface, the contact to turn to)"
        },
    )


class GraphError(Schema):
    """Graph's error body (every non-2xx answer)."""

    error = fields.Nested(GraphErrorDetail, required=True)


# --- service communications ------------------------------------------------------------------------------------
_ISSUE_FIELDS = {
    "startDateTime": fields.String(allow_none=True),
    "endDateTime": fields.String(allow_none=True),
    "lastModifiedDateTime": fields.String(allow_none=True),
    "title": fields.String(),
    "id": fields.String(),
    "impactDescription": fields.String(allow_none=True),
    "classification": fields.String(),
    "origin": fields.String(),
    "status": fields.String(),
    "service": fields.String(),
    "feature": fields.String(allow_none=True),
    "featureGroup": fields.String(allow_none=True),
    "isResolved": fields.Boolean(),
    "details": fields.List(fields.Dict()),
    "posts": fields.List(fields.Dict()),
}
ServiceHealthIssue = Schema.from_dict(_ISSUE_FIELDS, name="ServiceHealthIssue")
ServiceHealthIssueEntity = Schema.from_dict(
    {"odata_context": fields.String(data_key="@odata.context"), **_ISSUE_FIELDS}, name="ServiceHealthIssueEntity"
)
_OVERVIEW_FIELDS = {
    "service": fields.String(),
    "status": fields.String(),
    "id": fields.String(),
    "issues": fields.List(fields.Nested(ServiceHealthIssue)),
}
ServiceHealth = Schema.from_dict(_OVERVIEW_FIELDS, name="ServiceHealth")
ServiceHealthEntity = Schema.from_dict(
    {"odata_context": fields.String(data_key="@odata.context"), **_OVERVIEW_FIELDS}, name="ServiceHealthEntity"
)
ServiceHealthPage = page_of(ServiceHealth, "ServiceHealthCollection")
ServiceHealthIssuePage = page_of(ServiceHealthIssue, "ServiceHealthIssueCollection")
