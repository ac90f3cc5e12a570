"""Microsoft Graph's judge (``graph_public``): msgraph-sdk's models parse every Graph response the suite sees.

Each response body is parsed with kiota's public parse API (``JsonParseNodeFactory``, the model's
``create_from_discriminator_value`` and ``get_field_deserializers``) and walked against the model, field by field:

- every property pcsim returns is a property of the msgraph-sdk model (``msgraph.generated.models.*``, msgraph-sdk
  1.65), or one of the OData annotations Graph's documentation shows on that response (``@odata.context`` at the
  top, ``@odata.etag`` on GDAP entities); kiota would otherwise put an unknown name in ``additional_data`` silently;
- an enum's value is a member of the SDK's enum, spelt as Graph spells it (kiota turns an unknown value into None
  silently); dates, durations, numbers, booleans and strings are of the model's type and parse;
- ``@odata.context`` is the one the Graph documentation shows for that call
  (microsoftgraph/microsoft-graph-docs-contrib, ``api-reference/v1.0/api/*.md``: each route below names its page);
- a 201 carries ``Location`` and a 202 ``Location`` and ``Retry-After``, as the docs' create and update pages show;
- an error is Graph's ``ODataError`` (``{"error": MainError}``); pcsim's documented additions to ``innerError``
  (``rule``, ``explain``: docs/rules.md) are the only names allowed beyond the model's.

The type a field holds is read by calling its deserializer with a recording parse node: which getter it calls,
with which model or enum. Models are walked once per class and cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Request, Response
from kiota_serialization_json.json_parse_node import JsonParseNode
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from msgraph.generated.models.delegated_admin_access_assignment import DelegatedAdminAccessAssignment
from msgraph.generated.models.delegated_admin_access_assignment_collection_response import (
    DelegatedAdminAccessAssignmentCollectionResponse,
)
from msgraph.generated.models.delegated_admin_customer import DelegatedAdminCustomer
from msgraph.generated.models.delegated_admin_customer_collection_response import (
    DelegatedAdminCustomerCollectionResponse,
)
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_collection_response import (
    DelegatedAdminRelationshipCollectionResponse,
)
from msgraph.generated.models.delegated_admin_relationship_operation import DelegatedAdminRelationshipOperation
from msgraph.generated.models.delegated_admin_relationship_operation_collection_response import (
    DelegatedAdminRelationshipOperationCollectionResponse,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_collection_response import (
    DelegatedAdminRelationshipRequestCollectionResponse,
)
from msgraph.generated.models.delegated_admin_service_management_detail_collection_response import (
    DelegatedAdminServiceManagementDetailCollectionResponse,
)
from msgraph.generated.models.o_data_errors.inner_error import InnerError
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.service_health import ServiceHealth
from msgraph.generated.models.service_health_collection_response import ServiceHealthCollectionResponse
from msgraph.generated.models.service_health_issue import ServiceHealthIssue
from msgraph.generated.models.service_health_issue_collection_response import ServiceHealthIssueCollectionResponse

from . import register

ROOTS = ("https://graph.microsoft.com/v1.0", "https://graph.microsoft.us/v1.0")
TR = "/tenantRelationships"
REL = rf"{TR}/delegatedAdminRelationships/[^/]+"
SA = "/admin/serviceAnnouncement"

# (method, path pattern after /graph/v1.0, status) -> (model, the @odata.context after the root, or None: none
# shown). The docs' pages: api-reference/v1.0/api/<page>.md.
Route = tuple[type, str | None]
ROUTES: list[tuple[str, str, Route]] = [
    # tenantrelationship-list-delegatedadminrelationships, tenantrelationship-post-delegatedadminrelationships
    (
        "GET",
        rf"{TR}/delegatedAdminRelationships",
        (DelegatedAdminRelationshipCollectionResponse, "/tenantRelationships/$metadata#delegatedAdminRelationships"),
    ),
    (
        "POST",
        rf"{TR}/delegatedAdminRelationships",
        (DelegatedAdminRelationship, "/tenantRelationships/$metadata#delegatedAdminRelationships"),
    ),
    # delegatedadminrelationship-get, delegatedadminrelationship-update
    ("GET", REL, (DelegatedAdminRelationship, "/tenantRelationships/$metadata#delegatedAdminRelationships/$entity")),
    ("PATCH", REL, (DelegatedAdminRelationship, "/tenantRelationships/$metadata#delegatedAdminRelationships/$entity")),
    # delegatedadminrelationship-list-accessassignments, -post-accessassignments, delegatedadminaccessassignment-get
    (
        "GET",
        rf"{REL}/accessAssignments",
        (DelegatedAdminAccessAssignmentCollectionResponse, "/tenantRelationships/$metadata#accessAssignments"),
    ),
    (
        "POST",
        rf"{REL}/accessAssignments",
        (DelegatedAdminAccessAssignment, "/tenantRelationships/$metadata#accessAssignments"),
    ),
    (
        "GET",
        rf"{REL}/accessAssignments/[^/]+",
        (DelegatedAdminAccessAssignment, "/tenantRelationships/$metadata#accessAssignments/$entity"),
    ),
    (
        "PATCH",
        rf"{REL}/accessAssignments/[^/]+",
        (DelegatedAdminAccessAssignment, "/tenantRelationships/$metadata#accessAssignments/$entity"),
    ),
    # delegatedadminrelationship-list-requests, -post-requests, delegatedadminrelationshiprequest-get
    (
        "GET",
        rf"{REL}/requests",
        (DelegatedAdminRelationshipRequestCollectionResponse, "/tenantRelationships/$metadata#requests"),
    ),
    ("POST", rf"{REL}/requests", (DelegatedAdminRelationshipRequest, "/tenantRelationships/$metadata#requests")),
    (
        "GET",
        rf"{REL}/requests/[^/]+",
        (DelegatedAdminRelationshipRequest, "/tenantRelationships/$metadata#requests/$entity"),
    ),
    # delegatedadminrelationship-list-operations, delegatedadminrelationshipoperation-get
    (
        "GET",
        rf"{REL}/operations",
        (DelegatedAdminRelationshipOperationCollectionResponse, "/tenantRelationships/$metadata#operations"),
    ),
    (
        "GET",
        rf"{REL}/operations/[^/]+",
        (DelegatedAdminRelationshipOperation, "/tenantRelationships/$metadata#operations/$entity"),
    ),
    # tenantrelationship-list-delegatedadmincustomers, delegatedadmincustomer-get,
    # delegatedadmincustomer-list-servicemanagementdetails
    (
        "GET",
        rf"{TR}/delegatedAdminCustomers",
        (DelegatedAdminCustomerCollectionResponse, "/tenantRelationships/$metadata#delegatedAdminCustomers"),
    ),
    (
        "GET",
        rf"{TR}/delegatedAdminCustomers/[^/]+",
        (DelegatedAdminCustomer, "/tenantRelationships/$metadata#delegatedAdminCustomers/$entity"),
    ),
    (
        "GET",
        rf"{TR}/delegatedAdminCustomers/(?P<customer>[^/]+)/serviceManagementDetails",
        (
            DelegatedAdminServiceManagementDetailCollectionResponse,
            "/tenantRelationships/$metadata#delegatedAdminCustomers/{customer}/serviceManagementDetails",
        ),
    ),
    # serviceannouncement-list-healthoverviews, servicehealth-get, serviceannouncement-list-issues,
    # servicehealthissue-get
    (
        "GET",
        rf"{SA}/healthOverviews",
        (ServiceHealthCollectionResponse, "/$metadata#admin/serviceAnnouncement/healthOverviews"),
    ),
    (
        "GET",
        rf"{SA}/healthOverviews/[^/]+",
        (ServiceHealth, "/$metadata#admin/serviceAnnouncement/healthOverviews/$entity"),
    ),
    ("GET", rf"{SA}/issues", (ServiceHealthIssueCollectionResponse, "/$metadata#admin/serviceAnnouncement/issues")),
    ("GET", rf"{SA}/issues/[^/]+", (ServiceHealthIssue, "/$metadata#admin/serviceAnnouncement/issues/$entity")),
]
COMPILED = [(method, re.compile(pattern + "$"), route) for method, pattern, route in ROUTES]
# /graph/v1.0, after a world's root (/worlds/<id>) and a cloud's prefix (/usgov), if any.
GRAPH_PREFIX = re.compile(r"^(?:/worlds/[^/]+)?(?:/[a-z]+)?/graph/v1\.0(?P<rest>/.*)$")

# pcsim's additions to Graph's error body (docs/rules.md: the rule id and the explain URL of a denial).
PCSIM_INNER_ERROR = frozenset({"rule", "explain"})
# OData annotations the Graph docs show on GDAP entities (never a model property).
ENTITY_ANNOTATIONS = frozenset({"@odata.etag"})


class _Recorder:
    """A parse node that records which getter a field deserializer calls, and with what."""

    def __init__(self) -> None:
        self.call: tuple[str, Any] = ("unknown", None)

    def __getattr__(self, name: str) -> Callable[..., None]:
        if not name.startswith("get_"):
            raise AttributeError(name)

        def record(*args: Any) -> None:
            self.call = (name, args[0] if args else None)

        return record


@cache
def fields_of(model: type) -> dict[str, tuple[str, Any]]:
    """The model's JSON property names -> (the kiota getter, its model or enum), from its field deserializers."""
    found = {}
    for name, deserialize in model().get_field_deserializers().items():
        recorder = _Recorder()
        deserialize(recorder)
        found[name] = recorder.call
    return found


def concrete(model: type, value: dict) -> type:
    """The class kiota builds for ``value`` (its ``@odata.type`` may name a derived model)."""
    return type(model.create_from_discriminator_value(JsonParseNode(value)))


def check_value(getter: str, arg: Any, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    node = JsonParseNode(value)
    if getter == "get_str_value":
        return [] if isinstance(value, str) else [f"{where}: {value!r} is not a string"]
    if getter == "get_bool_value":
        return [] if isinstance(value, bool) else [f"{where}: {value!r} is not a boolean"]
    if getter in ("get_int_value", "get_float_value"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not a number"]
    if getter in ("get_datetime_value", "get_timedelta_value", "get_date_value", "get_time_value", "get_uuid_value"):
        if not isinstance(value, str):
            return [f"{where}: {value!r} is not a string"]
        try:
            parsed = getattr(node, getter)()
        except Exception as exc:  # the SDK's own parser refuses it
            return [f"{where}: {value!r} does not parse ({getter}: {exc})"]
        return [] if parsed is not None else [f"{where}: {value!r} does not parse ({getter})"]
    if getter == "get_enum_value":
        members = {m.value for m in arg}
        return [] if value in members else [f"{where}: {value!r} is not one of {arg.__name__} {sorted(members)}"]
    if getter == "get_collection_of_enum_values":
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        return [p for i, v in enumerate(value) for p in check_value("get_enum_value", arg, v, f"{where}[{i}]")]
    if getter == "get_object_value":
        return check_object(arg, value, where)
    if getter == "get_collection_of_object_values":
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        return [p for i, v in enumerate(value) for p in check_object(arg, v, f"{where}[{i}]")]
    if getter == "get_collection_of_primitive_values":
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        wanted = {str: "get_str_value", bool: "get_bool_value", int: "get_int_value", float: "get_float_value"}
        inner = wanted.get(arg, "get_str_value")
        return [p for i, v in enumerate(value) for p in check_value(inner, None, v, f"{where}[{i}]")]
    return [f"{where}: the judge does not know kiota's {getter}"]


def check_object(model: type, value: Any, where: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: {value!r} is not an object ({model.__name__})"]
    model = concrete(model, value)
    fields = fields_of(model)
    if model is InnerError:
        allowed = allowed | PCSIM_INNER_ERROR
    if "id" in fields:  # an entity
        allowed = allowed | ENTITY_ANNOTATIONS
    problems = []
    for name, item in value.items():
        path = f"{where}.{name}" if where else name
        if name in fields:
            problems += check_value(*fields[name], item, path)
        elif name not in allowed:
            problems.append(f"{path}: not a property of msgraph-sdk's {model.__name__}")
    return problems


def route_of(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    match = GRAPH_PREFIX.match(path)
    if match is None:
        return None
    for route_method, pattern, route in COMPILED:
        found = pattern.match(match["rest"]) if route_method == method else None
        if found:
            return route, found.groupdict()
    return None


def check_context(value: Any, expected: str) -> list[str]:
    if any(value == root + expected for root in ROOTS):
        return []
    return [f"@odata.context {value!r} is not Graph's {ROOTS[0] + expected!r}"]


def validate(request: Request, response: Response) -> list[str]:
    status = response.status_code
    raw = response.get_data()
    if status == 204 or status == 304 or (not raw and status < 400):
        return [] if not raw else [f"a {status} has a body"]
    if not response.mimetype or "json" not in response.mimetype:
        return [f"the body is {response.mimetype or 'untyped'}, not JSON"]
    try:
        body = json.loads(raw)
        parsed = JsonParseNodeFactory().get_root_parse_node("application/json", raw)
    except Exception as exc:
        return [f"the body is not JSON: {exc}"]
    if status >= 400:
        parsed.get_object_value(ODataError)  # the SDK's parse must not raise
        problems = check_object(ODataError, body, "")
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
            problems.append("an error without error.code and error.message")
        return problems
    found = route_of(request.method, request.path)
    if found is None:
        return [f"the judge has no msgraph-sdk model for {request.method} {request.path}"]
    (model, context), groups = found
    if status == 202:  # an accepted long-running change (delegatedadminaccessassignment-update)
        missing = [h for h in ("Location", "Retry-After") if not response.headers.get(h)]
        return ([f"a 202 without {', '.join(missing)}"] if missing else []) + ([] if body == {} else ["a 202 body"])
    parsed.get_object_value(model)  # the SDK's parse must not raise
    problems = check_object(model, body, "", frozenset({"@odata.context"}))
    if status == 201 and not response.headers.get("Location"):  # the docs' create pages show one
        problems.append("a 201 without Location")
    if context is not None:
        problems += check_context(body.get("@odata.context"), context.format(**groups))
    return problems


register("graph_public", validate)
