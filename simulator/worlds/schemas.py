"""Marshmallow schemas of a scenario fixture: the shape of each entity, before references are checked.

:func:`fast_loader` loads valid entities much faster than ``Schema.load`` (a 10,000-customer fixture has
hundreds of thousands of fields) and hands anything doubtful back to marshmallow, whose errors are the ones
reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from ..domain import catalog
from ..domain import tickets as ticket_rules
from ..domain.clock import parse_datetime, parse_duration

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Key(fields.String):
    def __init__(self, **kwargs):
        super().__init__(
            required=True,
            validate=validate.Regexp(
                KEY_PATTERN, error="a key is letters, digits, '-', '_' or '.', starting with a letter or digit"
            ),
            **kwargs,
        )


class DateTimeText(fields.Field):
    """An ISO 8601 date-time kept as text; the loader parses it once it is known to be valid."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parse_datetime(str(value))
        except (TypeError, ValueError):
            raise ValidationError(f"not an ISO 8601 date-time: {value!r}") from None
        return str(value)

    @staticmethod
    def fast_deserialize(value: str) -> str:
        """For :func:`fast_loader`: a text value as ``_deserialize`` returns it, or a ValueError."""
        parse_datetime(value)
        return value


class DurationText(fields.Field):
    """An ISO 8601 duration (``P730D``, ``PT0S``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parse_duration(str(value))
        except Exception:
            raise ValidationError(f"not an ISO 8601 duration: {value!r}") from None
        return str(value)

    @staticmethod
    def fast_deserialize(value: str) -> str:
        parse_duration(value)
        return value


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="must be one of: {choices}; got {input!r}")


TICKET_ORIGINS = ("partnercenter", "azure", "m365admin")
TICKET_WORKLOADS = ("azure", "microsoft365", "dynamics", "ems", "partnercenter")
TICKET_NUMBER_MAX = 99_999_999  # the eight digits of a ticket id after "2" and the date


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


class TopicText(fields.Field):
    """A ticket's topic: a Partner Center support topic id (a number), an Azure problem classification id or a
    Microsoft 365 admin topic category id; kept as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise ValidationError(
                f"a topic is a support topic id, a problem classification id or a topic category id; got {value!r}"
            )
        return str(value).strip()


class TicketContactSchema(Schema):
    name = fields.String()
    email = fields.Email()
    phone = fields.String()


class TicketNoteSchema(Schema):
    at = DateTimeText(required=True)
    author = fields.String(required=True, validate=validate.Length(min=1))
    by = fields.String(load_default="partner", validate=one_of(("partner", "customer", "microsoft")))
    text = fields.String(required=True)


class TicketSchema(Schema):
    key = Key()
    number = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=TICKET_NUMBER_MAX))
    origin = fields.String(required=True, validate=one_of(TICKET_ORIGINS))
    workload = fields.String(validate=one_of(TICKET_WORKLOADS))
    partner = fields.String()
    subscription = fields.String()
    title = fields.String(required=True, validate=validate.Length(min=1))
    description = fields.String()
    severity = fields.String(load_default="moderate", validate=one_of(ticket_rules.SEVERITIES))
    status = fields.String(load_default="open", validate=one_of(ticket_rules.STATUSES))
    topic = TopicText()
    created = DateTimeText()
    closed = DateTimeText()
    contact = fields.Nested(TicketContactSchema)
    createdBy = fields.String()
    notes = fields.List(fields.Nested(TicketNoteSchema), load_default=list)


class TenantSchema(Schema):
    key = Key()
    name = fields.String(required=True)
    domains = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", error="not a domain name")),
        required=True,
        validate=validate.Length(min=1),
    )
    country = fields.String(load_default="US", validate=validate.Length(equal=2))
    users = fields.List(fields.Nested(UserSchema), load_default=list)
    subscriptions = fields.List(fields.Nested(SubscriptionSchema), load_default=list)
    tickets = fields.List(fields.Nested(TicketSchema), load_default=list)


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
    fast_load = False  # its schema-level validator runs only in marshmallow's own load

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


# --- the fast path ------------------------------------------------------------------------------------------------
_FAIL = object()  # "marshmallow must judge this value"
_loaders: dict[type, Callable[[Any], Any]] = {}


def fast_loader(schema_cls: type[Schema], in_place: bool = False) -> Callable[[Any], dict | None]:
    """``load(data)``: what ``schema_cls().load(data)`` returns, or None when the data may be invalid (then call
    marshmallow for its errors). Strings, integers, booleans, lists and nested schemas are checked inline with
    the fields' own validators; every other field kind goes through the field's ``deserialize``.

    ``in_place``: the result is ``data`` itself, completed with the defaults (and any converted value), instead
    of a copy: half the memory for a large fixture read from JSON, whose objects nothing else shares. A value
    that fails leaves the defaults added so far, which marshmallow accepts as they are.

    A schema with a hook (``pre_load``, ``post_load``, ``validates_schema``...) says ``fast_load = False``: its
    entities always go through marshmallow."""
    load = _schema_loader(schema_cls, in_place)

    def checked(data):
        out = load(data)
        return None if out is _FAIL else out

    return checked


def _schema_loader(schema_cls: type[Schema], in_place: bool) -> Callable[[Any], Any]:
    if (schema_cls, in_place) in _loaders:
        return _loaders[(schema_cls, in_place)]
    schema = schema_cls()
    if (
        not getattr(schema_cls, "fast_load", True)
        or schema.unknown != "raise"
        or any(f.data_key not in (None, name) or f.attribute not in (None, name) for name, f in schema.fields.items())
    ):

        def by_marshmallow(data, schema=schema):
            try:
                return schema.load(data)
            except ValidationError:
                return _FAIL

        _loaders[(schema_cls, in_place)] = by_marshmallow
        return by_marshmallow
    converters = {name: _field_loader(name, f, in_place) for name, f in schema.load_fields.items()}
    required = frozenset(name for name, f in schema.load_fields.items() if f.required)
    defaults = [
        (name, f.load_default)
        for name, f in schema.load_fields.items()
        if not f.required and f.load_default is not missing
    ]

    def load(data):
        if type(data) is not dict:
            return _FAIL
        out = data if in_place else {}
        for name, value in data.items():
            convert = converters.get(name)
            if convert is None:  # an unknown field
                return _FAIL
            loaded = convert(value)
            if loaded is _FAIL:
                return _FAIL
            if loaded is not value or not in_place:
                out[name] = loaded  # (in place: same keys, so iterating on is safe)
        if not required.issubset(out):
            return _FAIL
        for name, default in defaults:
            if name not in out:
                out[name] = default() if callable(default) else default
        return out

    _loaders[(schema_cls, in_place)] = load
    return load


# Fields whose loading is "a str, then the field's validators" (Email and URL add theirs as validators).
PLAIN_TEXT_FIELDS = (fields.String, fields.Email, fields.URL, Key)


def _field_loader(name: str, field: fields.Field, in_place: bool) -> Callable[[Any], Any]:
    valid = _predicate(field.validators)

    def generic(value):
        try:
            return field.deserialize(value, name, None)
        except ValidationError:
            return _FAIL

    if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return generic
    kind = type(field)
    if kind in PLAIN_TEXT_FIELDS:  # a text checked by its validators alone
        accept = str
    elif kind is fields.Integer:
        accept = int
    elif kind is fields.Boolean:
        accept = bool
    elif hasattr(field, "fast_deserialize"):
        convert = field.fast_deserialize

        def load_text(value):
            if type(value) is not str:
                return generic(value)
            try:
                value = convert(value)
            except Exception:  # whatever the parser raises: marshmallow says what is wrong
                return _FAIL
            return value if valid(value) else _FAIL

        return load_text
    elif kind is fields.List:
        inner = _field_loader(name, field.inner, in_place)

        def load_list(value):
            if type(value) is not list:
                return generic(value)
            out = [inner(v) for v in value]
            if any(v is _FAIL for v in out):
                return _FAIL
            if in_place and all(a is b for a, b in zip(out, value, strict=False)):
                out = value
            return out if valid(out) else _FAIL

        return load_list
    elif kind is fields.Nested and not field.many and isinstance(field.nested, type):
        nested = _schema_loader(field.nested, in_place)

        def load_nested(value):
            out = nested(value)
            return out if out is _FAIL or valid(out) else _FAIL

        return load_nested
    else:
        return generic

    def load_scalar(value):
        if type(value) is not accept:  # bool is not int here, as for marshmallow's Integer
            return generic(value)
        return value if valid(value) else _FAIL

    return load_scalar


def _predicate(validators) -> Callable[[Any], bool]:
    """One check for a field's validators: the usual ones inline, any other by calling it."""
    checks: list[Callable[[Any], bool]] = []
    for v in validators:
        if type(v) is validate.OneOf:
            checks.append(frozenset(v.choices).__contains__)
        elif type(v) is validate.Regexp:
            checks.append(lambda value, match=v.regex.match: match(value) is not None)
        elif type(v) is validate.Length and v.equal is None:
            low, high = v.min, v.max
            checks.append(
                lambda value, low=low, high=high: (
                    (low is None or len(value) >= low) and (high is None or len(value) <= high)
                )
            )
        elif type(v) is validate.Range and v.min_inclusive and v.max_inclusive:
            low, high = v.min, v.max
            checks.append(
                lambda value, low=low, high=high: (low is None or value >= low) and (high is None or value <= high)
            )
        else:
            checks.append(lambda value, v=v: _passes(v, value))
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _passes(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True
