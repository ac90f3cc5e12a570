"""Shapes of pcsim's Microsoft 365 admin support API: Graph-like (camelCase, OData collections)."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

SEVERITIES = ("minimal", "moderate", "critical")
# Stored status -> the API's camelCase enum value (as msgraph-style clients read enums).
STATUS_OUT = {"open": "open", "attention_needed": "attentionNeeded", "closed": "closed"}
STATUS_IN = {v: k for k, v in STATUS_OUT.items()}


class _Body(Schema):
    """A request body: unknown properties are refused, OData annotations are ignored."""

    @pre_load
    def _drop_annotations(self, data, **kwargs):
        return {k: v for k, v in data.items() if not k.startswith("@odata.")} if isinstance(data, dict) else data


# --- requests ------------------------------------------------------------------------------------------
class ContactIn(_Body):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    phone = fields.String(validate=validate.Length(max=40))


class ServiceRequestCreate(_Body):
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    topicCategoryId = fields.String(
        required=True,
        metadata={
            "description": "A category id from /support/topicCategories (or "
            ".../topicCategories/more); 'more' is not one."
        },
    )
    severity = fields.String(load_default="moderate", validate=validate.OneOf(SEVERITIES))
    contact = fields.Nested(
        ContactIn,
        required=True,
        metadata={
            "description": "Whom Microsoft calls back. Filed by a partner through GDAP: the partner's, never the "
            "customer's (R9)."
        },
    )
    workload = fields.String(
        metadata={
            "description": "Optional: microsoft365, ems or dynamics; defaults to the "
            "category's workload and must match "
            "it. A partner naming a workload without CSP support is refused (R2)."
        }
    )
    productId = fields.String(
        metadata={
            "description": "Optional: what the request is about: a marketplace product id or key, or one of the "
            "customer's subscriptions (id or key). A commercial marketplace product is refused with the "
            "ISV's support contact (R11)."
        }
    )
    supportPlanId = fields.String(
        metadata={
            "description": "Only for a partner in its own tenant (R13): <type>:<id> "
            "with type partnerAgreement, premier, "
            "unified or azureSupportPlan; default partnerAgreement:<the partner's MPN id>."
        }
    )


class NoteCreate(_Body):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class ServiceRequestUpdate(_Body):
    status = fields.String(
        required=True,
        validate=validate.OneOf(["closed", "open"]),
        metadata={"description": "'closed' closes the request (a closed request cannot be reopened)."},
    )


class CategoryArgs(Schema):
    workload = fields.String(
        load_default="microsoft365", metadata={"description": "microsoft365 (default), ems or dynamics"}
    )


class ListArgs(Schema):
    top = fields.Integer(data_key="$top", validate=validate.Range(min=1, max=999))
    filter = fields.String(
        data_key="$filter",
        metadata={
            "description": "status eq 'open'|'attentionNeeded'|'closed', workload eq '...', origin eq '...'; "
            "clauses combined with 'and'"
        },
    )
    skiptoken = fields.String(data_key="$skiptoken")
    count = fields.Boolean(data_key="$count")


# --- responses -----------------------------------------------------------------------------------------
def _odata(name: str, extra: dict) -> type[Schema]:
    return Schema.from_dict({"odata_context": fields.String(data_key="@odata.context")} | extra, name=name)


SupportOption = Schema.from_dict(
    {
        "kind": fields.String(metadata={"description": "partner | microsoft"}),
        "displayName": fields.String(),
        "partnerTenantId": fields.String(),
        "name": fields.String(),
        "email": fields.String(),
        "phone": fields.String(),
        "url": fields.String(),
    },
    name="SupportOption",
)

SupportOptions = _odata("SupportOptionCollection", {"value": fields.List(fields.Nested(SupportOption))})

TopicCategory = Schema.from_dict(
    {
        "id": fields.String(),
        "displayName": fields.String(),
        "workload": fields.String(),
        "featured": fields.Boolean(),
    },
    name="TopicCategory",
)

TopicCategories = _odata("TopicCategoryCollection", {"value": fields.List(fields.Nested(TopicCategory))})

Note = Schema.from_dict(
    {
        "odata_context": fields.String(data_key="@odata.context"),
        "id": fields.String(),
        "createdDateTime": fields.String(),
        "author": fields.String(),
        "authorType": fields.String(metadata={"description": "partner | customer | microsoft"}),
        "text": fields.String(),
    },
    name="ServiceRequestNote",
)

Contact = Schema.from_dict(
    {"name": fields.String(), "email": fields.String(), "phone": fields.String()}, name="ServiceRequestContact"
)

ServiceRequest = Schema.from_dict(
    {
        "odata_context": fields.String(data_key="@odata.context"),
        "id": fields.String(),
        "title": fields.String(),
        "description": fields.String(),
        "status": fields.String(metadata={"description": "open | attentionNeeded | closed"}),
        "severity": fields.String(),
        "workload": fields.String(),
        "origin": fields.String(metadata={"description": "where it was filed: m365admin or partnercenter"}),
        "topicCategoryId": fields.String(allow_none=True),
        "topicCategoryDisplayName": fields.String(allow_none=True),
        "supportPlan": fields.String(),
        "supportPlanId": fields.String(allow_none=True),
        "customerTenantId": fields.String(allow_none=True),
        "partnerTenantId": fields.String(allow_none=True),
        "productId": fields.String(allow_none=True),
        "subscriptionId": fields.String(allow_none=True),
        "contact": fields.Nested(Contact),
        "createdBy": fields.String(),
        "createdDateTime": fields.String(),
        "lastModifiedDateTime": fields.String(),
        "closedDateTime": fields.String(allow_none=True),
        "notes": fields.List(fields.Nested(Note), metadata={"description": "on a single request only"}),
    },
    name="ServiceRequest",
)

ServiceRequestPage = Schema.from_dict(
    {
        "odata_context": fields.String(data_key="@odata.context"),
        "odata_next_link": fields.String(data_key="@odata.nextLink"),
        "odata_count": fields.Integer(data_key="@odata.count"),
        "value": fields.List(fields.Nested(ServiceRequest)),
    },
    name="ServiceRequestCollection",
)
