"""Marshmallow schemas of a scenario fixture: the shape of each entity, before references are checked."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import catalog
from ..domain.clock import parse_datetime, parse_duration

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Key(fields.String):
    def __init__(self, **kwargs):
        super().__init__(required=True, validate=validate.Regexp(
            KEY_PATTERN, error="a key is letters, digits, '-', '_' or '.', starting with a letter or digit"), **kwargs)


class DateTimeText(fields.Field):
    """An ISO 8601 date-time kept as text; the loader parses it once it is known to be valid."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parse_datetime(str(value))
        except (TypeError, ValueError):
            raise ValidationError(f"not an ISO 8601 date-time: {value!r}") from None
        return str(value)


class DurationText(fields.Field):
    """An ISO 8601 duration (``P730D``, ``PT0S``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parse_duration(str(value))
        except Exception:
            raise ValidationError(f"not an ISO 8601 duration: {value!r}") from None
        return str(value)


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="must be one of: {choices}; got {input!r}")


class UserSchema(Schema):
    key = Key()
    upn = fields.Email()
    password = fields.String(validate=validate.Length(min=1))
    displayName = fields.String()
    givenName = fields.String()
    surname = fields.String()
    phone = fields.String()
    roles = fields.List(fields.String(), load_default=list)


class GroupSchema(Schema):
    key = Key()
    name = fields.String(required=True)
    members = fields.List(fields.String(), load_default=list)


class AppSchema(Schema):
    key = Key()
    name = fields.String(required=True)
    clientId = fields.UUID()
    secret = fields.String(required=True, validate=validate.Length(min=8))
    roles = fields.List(fields.String(), load_default=list)


class ContactSchema(Schema):
    name = fields.String()
    email = fields.Email()
    phone = fields.String()
    url = fields.URL()


class SupportPlanSchema(Schema):
    type = fields.String(required=True, validate=one_of(catalog.SUPPORT_PLAN_TYPES))
    id = fields.String(required=True, validate=validate.Length(min=1))


class RbacSchema(Schema):
    principal = fields.String(required=True)
    role = fields.String(required=True, validate=one_of(catalog.RBAC_ROLES))


class SubscriptionSchema(Schema):
    key = Key()
    name = fields.String()
    workload = fields.String(required=True, validate=one_of(catalog.WORKLOADS))
    channel = fields.String(load_default="csp", validate=one_of(catalog.CHANNELS))
    trial = fields.Boolean(load_default=False)
    status = fields.String(load_default="active", validate=one_of(catalog.SUBSCRIPTION_STATUSES))
    provider = fields.String()
    reseller = fields.String()
    offer = fields.String()
    offerId = fields.String()
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1))
    billingCycle = fields.String(validate=one_of(("monthly", "annual", "none")))
    termDuration = fields.String(validate=one_of(("P1M", "P1Y", "P3Y")))
    product = fields.String()
    created = DateTimeText()
    rbac = fields.List(fields.Nested(RbacSchema), load_default=list)
    supportPlan = fields.Nested(SupportPlanSchema)


class AccessAssignmentSchema(Schema):
    key = fields.String(validate=validate.Regexp(KEY_PATTERN))
    group = fields.String(required=True)
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    status = fields.String(load_default="active", validate=one_of(catalog.ACCESS_ASSIGNMENT_STATUSES))


class GdapSchema(Schema):
    key = Key()
    partner = fields.String(required=True)
    displayName = fields.String()
    status = fields.String(required=True, validate=one_of(catalog.GDAP_STATUSES))
    start = DateTimeText()
    duration = DurationText(load_default="P730D")
    end = DateTimeText()
    autoExtend = DurationText(load_default="PT0S")
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    accessAssignments = fields.List(fields.Nested(AccessAssignmentSchema), load_default=list)


class PostSchema(Schema):
    at = DateTimeText(required=True)
    text = fields.String(required=True)


class IssueSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]+$"))
    title = fields.String(required=True)
    classification = fields.String(load_default="incident", validate=one_of(catalog.ISSUE_CLASSIFICATIONS))
    status = fields.String(load_default="investigating", validate=one_of(catalog.SERVICE_HEALTH_STATUSES))
    feature = fields.String(load_default="")
    featureGroup = fields.String(load_default="")
    impact = fields.String(load_default="")
    start = DateTimeText(required=True)
    end = DateTimeText()
    resolved = fields.Boolean(load_default=False)
    posts = fields.List(fields.Nested(PostSchema), load_default=list)


class ServiceHealthSchema(Schema):
    service = fields.String(required=True, validate=one_of(tuple(catalog.SERVICES)))
    status = fields.String(load_default="serviceOperational", validate=one_of(catalog.SERVICE_HEALTH_STATUSES))
    issues = fields.List(fields.Nested(IssueSchema), load_default=list)


class RelationshipSchema(Schema):
    partner = fields.String(required=True)
    type = fields.String(required=True, validate=one_of(catalog.RELATIONSHIP_TYPES))


class TenantSchema(Schema):
    key = Key()
    name = fields.String(required=True)
    domains = fields.List(fields.String(validate=validate.Regexp(
        r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", error="not a domain name")), required=True, validate=validate.Length(min=1))
    country = fields.String(load_default="US", validate=validate.Length(equal=2))
    users = fields.List(fields.Nested(UserSchema), load_default=list)
    subscriptions = fields.List(fields.Nested(SubscriptionSchema), load_default=list)


class PartnerSchema(TenantSchema):
    cloud = fields.String(load_default="public", validate=one_of(catalog.CLOUDS))
    mpnId = fields.String(validate=validate.Regexp(r"^\d{5,10}$"))
    indirectProvider = fields.String()
    groups = fields.List(fields.Nested(GroupSchema), load_default=list)
    apps = fields.List(fields.Nested(AppSchema), load_default=list)
    supportContact = fields.Nested(ContactSchema)


class CustomerSchema(TenantSchema):
    relationships = fields.List(fields.Nested(RelationshipSchema), load_default=list)
    gdap = fields.List(fields.Nested(GdapSchema), load_default=list)
    serviceHealth = fields.List(fields.Nested(ServiceHealthSchema), load_default=list)


class ProductSupportSchema(Schema):
    url = fields.URL()
    email = fields.Email()
    phone = fields.String()

    @validates_schema
    def _at_least_one(self, data, **kwargs):
        if not data:
            raise ValidationError("give at least one of url, email, phone")


class ProductSchema(Schema):
    key = Key()
    name = fields.String(required=True)
    publisher = fields.String(required=True)
    support = fields.Nested(ProductSupportSchema, required=True)


class ClockSchema(Schema):
    start = DateTimeText(required=True)
    frozen = fields.Boolean(load_default=False)


class WorldHeaderSchema(Schema):
    """The scalar part of a fixture (the entity lists are checked one entity at a time)."""

    name = fields.String()
    description = fields.String()
    seed = fields.Integer(load_default=0)
    clock = fields.Nested(ClockSchema)
