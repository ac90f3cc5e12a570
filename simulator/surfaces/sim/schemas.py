"""Control plane request and response shapes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain import catalog
from ...worlds.schemas import DateTimeText, DurationText, one_of

SQL_INT = validate.Range(min=-(2**63), max=2**63 - 1)  # what the store's INTEGER columns hold
WORLD_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", error="letters, digits, '.', '-', '_' (64 at most)")


AZURE_LRO = (
    "Azure support ticket and communication creates answer the long-running way: 202 with Location and "
    "Azure-AsyncOperation, the operation InProgress at its first poll and Succeeded from the second (default "
    "false: 200 with the resource)."
)


class WorldCreate(Schema):
    id = fields.String(validate=WORLD_ID, metadata={"description": "Default: a new uuid."})
    scenario = fields.String(metadata={"description": "A fixture name in fixtures/ or a path (default 'default')."})
    fixture = fields.Dict(metadata={"description": "An inline fixture (may include 'default')."})
    snapshot = fields.String(metadata={"description": "'<world>/<name>': start as a copy of that snapshot."})
    seed = fields.Integer(
        validate=SQL_INT, metadata={"description": "Faker seed for the details the fixture does not give."}
    )
    frozen = fields.Boolean(metadata={"description": "Freeze the world's clock (default: as the scenario says)."})
    ttl = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "Idle seconds before deletion."}
    )
    azureLongRunningCreates = fields.Boolean(metadata={"description": AZURE_LRO})

    @validates_schema
    def _one_source(self, data, **kwargs):
        if sum(k in data for k in ("scenario", "fixture", "snapshot")) > 1:
            raise ValidationError("give one of scenario, fixture, snapshot")


class World(Schema):
    id = fields.String()
    scenario = fields.String()
    createdDateTime = fields.String()
    clock = fields.Dict()
    ttl = fields.Integer(allow_none=True)
    url = fields.String(
        metadata={
            "description": "The world's own root: its surfaces at the default world's paths (<url>/login/<tenant>, "
            "<url>/<tenant>/oauth2/v2.0/token, <url>/partnercenter/v1...), for MSAL's authority <url>/<tenant>. "
            "A port of its own, closed when the world is deleted or expires (the default world: the server's root)."
        }
    )
    baseUrls = fields.Dict()
    azureLongRunningCreates = fields.Boolean(metadata={"description": AZURE_LRO})


class WorldEdit(Schema):
    azureLongRunningCreates = fields.Boolean(required=True, metadata={"description": AZURE_LRO})


class ChatMessage(Schema):
    sender = fields.String(required=True, validate=validate.Length(min=1, max=255))
    body = fields.String(required=True, validate=validate.Length(min=1))
    communicationDirection = fields.String(
        load_default="inbound",
        validate=validate.OneOf(["inbound", "outbound"]),
        metadata={"description": "As the spec's example: the customer's 'inbound', the engineer's 'outbound'."},
    )


class ChatTranscriptCreate(Schema):
    messages = fields.List(fields.Nested(ChatMessage), required=True, validate=validate.Length(min=1, max=500))


ChatTranscriptCreated = Schema.from_dict(
    {"name": fields.String(), "ticketId": fields.String(), "startTime": fields.String(), "messages": fields.Integer()},
    name="ChatTranscriptCreated",
)


WorldList = Schema.from_dict({"value": fields.List(fields.Nested(World))}, name="WorldList")


class SnapshotCreate(Schema):
    name = fields.String(required=True, validate=WORLD_ID)


class ClockChange(Schema):
    advance = DurationText(metadata={"description": "ISO 8601 duration, e.g. P30D or PT2H."})
    set = DateTimeText(metadata={"description": "An ISO 8601 date-time."})
    frozen = fields.Boolean()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("give advance, set or frozen")
        if "advance" in data and "set" in data:
            raise ValidationError("give advance or set, not both")


class FaultCreate(Schema):
    surface = fields.String(
        load_default="*", validate=validate.OneOf(["*", "login", "partnercenter", "graph", "azure", "m365admin"])
    )
    method = fields.String(load_default="*", validate=validate.OneOf(["*", "GET", "POST", "PUT", "PATCH", "DELETE"]))
    path = fields.String(
        load_default="*",
        metadata={
            "description": "A glob on the path inside the surface, e.g. /customers* or /subscriptions/*/providers/*"
        },
    )
    tenant = fields.String(metadata={"description": "Only requests whose token acts in this tenant id."})
    status = fields.Integer(validate=validate.OneOf([429, 500, 503]))
    retryAfter = fields.Integer(validate=validate.Range(min=0, max=3600))
    latencyMs = fields.Integer(validate=validate.Range(min=1, max=60000))
    drop = fields.Boolean()
    count = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "Fire this many times at most."}
    )
    probability = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=1))
    seed = fields.Integer(load_default=0, validate=SQL_INT)

    @validates_schema
    def _one_effect(self, data, **kwargs):
        effects = [k for k in ("status", "latencyMs", "drop") if data.get(k)]
        if len(effects) != 1:
            raise ValidationError("give exactly one effect: status, latencyMs or drop")
        if "retryAfter" in data and data.get("status") not in (429, 503):
            raise ValidationError("retryAfter goes with status 429 or 503")


class RelationshipEdit(Schema):
    status = fields.String(validate=one_of(catalog.GDAP_STATUSES))
    endDateTime = DateTimeText()
    autoExtendDuration = DurationText()


class AssignmentEdit(Schema):
    status = fields.String(validate=one_of(catalog.ACCESS_ASSIGNMENT_STATUSES))
    roles = fields.List(fields.String(), validate=validate.Length(min=1))


class SubscriptionEdit(Schema):
    trial = fields.Boolean()
    status = fields.String(validate=one_of(catalog.SUBSCRIPTION_STATUSES))


class RbacCreate(Schema):
    principal = fields.String(required=True, metadata={"description": "A group or user id of the world."})
    role = fields.String(required=True, validate=one_of(catalog.RBAC_ROLES))


class UserEdit(Schema):
    roles = fields.List(
        fields.String(),
        metadata={"description": "Partner Center roles (partner users) or Entra roles (customer users), by name."},
    )
    password = fields.String(validate=validate.Length(min=1))


class HealthEdit(Schema):
    status = fields.String(required=True, validate=one_of(catalog.SERVICE_HEALTH_STATUSES))


class SimErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.List(
        fields.Dict(),
        metadata={"description": "field errors ({path, reason}) or fixture errors ({file, path, reason})"},
    )


class SimError(Schema):
    """The control plane's error body (every non-2xx answer)."""

    error = fields.Nested(SimErrorDetail, required=True)


# --- responses the routes build themselves (documented here) ------------------------------------------------
class Clock(Schema):
    now = fields.String()
    frozen = fields.Boolean()


class Snapshot(Schema):
    name = fields.String()
    world = fields.String()
    createdDateTime = fields.String()
    clock = fields.String()


SnapshotList = Schema.from_dict({"value": fields.List(fields.Nested(Snapshot))}, name="SnapshotList")


class Fault(Schema):
    id = fields.String()
    surface = fields.String()
    method = fields.String()
    path = fields.String()
    tenant = fields.String(allow_none=True)
    status = fields.Integer()
    retryAfter = fields.Integer(allow_none=True)
    latencyMs = fields.Integer()
    drop = fields.Boolean()
    count = fields.Integer(allow_none=True)
    probability = fields.Float()
    seed = fields.Integer()
    seen = fields.Integer()
    fired = fields.Integer()


FaultList = Schema.from_dict({"value": fields.List(fields.Nested(Fault))}, name="FaultList")


class JournalEntry(Schema):
    requestId = fields.String()
    at = fields.String()
    surface = fields.String()
    method = fields.String()
    path = fields.String()
    status = fields.Integer()
    actor = fields.String(allow_none=True)
    tenantId = fields.String(allow_none=True)
    rule = fields.String(allow_none=True)
    fault = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": ["allowed", "denied", "fault", "error"]})
    decisions = fields.List(fields.Dict(), metadata={"description": "explain only: every rule looked at"})


JournalList = Schema.from_dict({"value": fields.List(fields.Nested(JournalEntry))}, name="JournalList")


class JournalArgs(Schema):
    status = fields.Integer(
        validate=validate.Range(min=100, max=599), metadata={"description": "Only entries with this HTTP status."}
    )
    rule = fields.String(metadata={"description": "Only entries denied by this rule (e.g. R7)."})
    surface = fields.String()
    top = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class RelationshipEdited(Schema):
    id = fields.String()
    status = fields.String()
    endDateTime = fields.String(allow_none=True)
    autoExtendDuration = fields.String(allow_none=True)


class AssignmentEdited(Schema):
    id = fields.String()
    status = fields.String()
    roles = fields.List(fields.String())


class SubscriptionEdited(Schema):
    id = fields.String()
    trial = fields.Boolean()
    status = fields.String()
    channel = fields.String(allow_none=True)


class RbacAssignment(Schema):
    id = fields.String()
    subscriptionId = fields.String()
    principal = fields.String()
    principalType = fields.String()
    role = fields.String()


class UserEdited(Schema):
    id = fields.String()
    upn = fields.String()
    roles = fields.List(fields.String())


class HealthEdited(Schema):
    tenantId = fields.String()
    service = fields.String()
    status = fields.String()
