"""Reading an ARM request: ``api-version``, the auxiliary token, the JSON body, ``$filter`` and paging
(``$top``, ``$skiptoken``, and the ``nextLink`` to the next page). Each refusal is an :class:`ArmError`."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlencode

from flask import request
from marshmallow import ValidationError

from ...auth.tokens import TokenRejected
from ...domain.clock import parse_datetime
from ...services import Principal
from ...services.azure_support import ListQuery, Page
from ...validation import error_pairs
from .. import context as ctx
from .. import validation
from ..openapi import cloud
from .exceptions import ArmError

DATE_FIELDS = ("createddate",)


def check_api_version(allowed: tuple[str, ...], resource_type: str | None = None) -> str:
    """The request's ``api-version``, one of ``allowed``. A resource provider's type (``resource_type``, e.g.
    ``supportTickets``) refuses an unknown one as ARM does for a provider (``NoRegisteredProviderFound``, naming
    the type and its versions); Microsoft.Resources (``resource_type`` None) with ``InvalidApiVersionParameter``."""
    version = request.args.get("api-version")
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in allowed:
        if resource_type is not None:
            raise ArmError(
                400,
                "NoRegisteredProviderFound",
                f"No registered resource provider found for location 'global' and API version '{version}' for "
                f"type '{resource_type}'. The supported api-versions are '{', '.join(sorted(allowed))}'. The "
                "supported locations are 'global'.",
            )
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are '{','.join(allowed)}'.",
            "api-version",
        )
    return version


def check_auxiliary(principal: Principal, audience: str) -> None:
    """``x-ms-authorization-auxiliary``, when sent: each ``Bearer <token>`` a valid ARM token of this world for
    the caller's home (partner) tenant."""
    header = request.headers.get("x-ms-authorization-auxiliary")
    if header is None:
        return
    parts = [x.strip() for x in re.split(r"[;,]", header) if x.strip()]
    if not parts:
        raise ArmError(
            401,
            "InvalidAuxiliaryAuthenticationToken",
            "The x-ms-authorization-auxiliary header is empty: send 'Bearer <token>'.",
        )
    for part in parts:
        scheme, _, token = part.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ArmError(
                401,
                "InvalidAuxiliaryAuthenticationToken",
                "The x-ms-authorization-auxiliary header must hold 'Bearer <token>' entries.",
            )
        try:
            claims = ctx.pcsim().tokens.verify(
                token.strip(), ctx.world().id, audience, ctx.now(), origin=ctx.origin(), cloud=cloud()
            )
        except TokenRejected as exc:
            raise ArmError(
                401,
                "InvalidAuxiliaryAuthenticationToken",
                f"The auxiliary token in x-ms-authorization-auxiliary is invalid: {exc.reason}.",
            ) from None
        if claims.get("tid") != principal.home_tenant_id:
            raise ArmError(
                401,
                "InvalidAuxiliaryAuthenticationToken",
                f"The auxiliary token is for tenant {claims.get('tid')}; it must be for the caller's home "
                f"(partner) tenant {principal.home_tenant_id}, whose user acts in tenant "
                f"{principal.tenant.id}.",
                facts={"auxiliaryTenant": claims.get("tid"), "homeTenant": principal.home_tenant_id},
            )


# --- the body ------------------------------------------------------------------------------------------------
def json_body(schema_cls) -> dict:
    """The body, loaded with ``schema_cls``; refused naming each property at fault (its first message)."""
    data = validation.json_object()
    if data is None:
        raise ArmError(
            400,
            "InvalidRequestContent",
            f"The request content was invalid and could not be deserialized: {validation.json_problem()}.",
        )
    try:
        return validation.schema(schema_cls).load(data)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for path, reason in error_pairs(exc.messages):
            problems.setdefault(path, reason)
        texts = [
            f"The property '{path}' is required."
            if reason.startswith("Missing data")
            else f"The value of property '{path}' is invalid: {reason}"
            for path, reason in problems.items()
        ]
        raise ArmError(400, "InvalidParameter", " ".join(texts), next(iter(problems), None)) from None


def body_reader(schema_cls) -> Callable[[], dict]:
    """The body as a use case reads it: once it has checked the caller's access."""
    return lambda: json_body(schema_cls)


# --- lists ---------------------------------------------------------------------------------------------------
# One clause: a field, an operator, and a value: 'quoted' (a quote doubled inside) or a bare token (a date-time).
FILTER_CLAUSE_STRICT = re.compile(r"\s*([A-Za-z]+)\s+([A-Za-z]+)\s+('(?:[^']|'')*'|[^\s'()]+)\s*", re.I)
FILTER_JOIN = re.compile(r"\s*(and|or)\b", re.I)


def _filter_refusal(text: str, reason: str, fields: dict[str, tuple[str, ...]]) -> ArmError:
    supported = "; ".join(f"{f} {'/'.join(ops)}" for f, ops in fields.items())
    return ArmError(
        400,
        "InvalidParameter",
        f"The $filter '{text}' is not supported: {reason}. Microsoft.Support takes clauses '<field> <operator> "
        f"<value>' joined by 'and' (no 'or', 'not' or parentheses); supported: {supported}.",
        "$filter",
    )


def parse_filter(text: str | None, fields: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str]]:
    """``$filter`` as (field, operator, value) clauses joined by ``and`` (the spec: "combine them using the
    logical 'AND'"); ``fields`` maps each field (lower case) to the operators it takes. Anything else (``or``,
    ``not``, parentheses, an unknown field or operator, a value that is neither quoted nor one token) is refused
    with 400, never read as a filter that matches nothing."""
    if not text or not text.strip():
        return []
    clauses, pos = [], 0
    while True:
        m = FILTER_CLAUSE_STRICT.match(text, pos)
        if m is None:
            rest = text[pos:].strip()
            reason = f"'{rest}' is not a clause '<field> <operator> <value>'" if rest else "it ends after 'and'"
            raise _filter_refusal(text, reason, fields)
        field, op, value = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if field not in fields:
            raise _filter_refusal(text, f"the field '{m.group(1)}' cannot be filtered on", fields)
        if op not in fields[field]:
            raise _filter_refusal(text, f"'{m.group(1)}' takes {'/'.join(fields[field])}, not '{m.group(2)}'", fields)
        if value.startswith("'"):
            value = value[1:-1].replace("''", "'")
        clauses.append((field, op, value))
        pos = m.end()
        if pos >= len(text):
            return clauses
        join = FILTER_JOIN.match(text, pos)
        if join is None:
            raise _filter_refusal(text, f"'{text[pos:].strip()}' does not join two clauses", fields)
        if join.group(1).lower() == "or":
            raise _filter_refusal(text, "'or' is not supported", fields)
        pos = join.end()


def _filter_date(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError:
        raise ArmError(400, "InvalidParameter", f"'{text}' is not a date-time (ISO 8601).", "$filter") from None


def _top(limits: tuple[int, int]) -> int:
    default, most = limits
    raw = request.args.get("$top")
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        top = 0
    if not 1 <= top <= most:
        raise ArmError(400, "InvalidParameter", f"$top must be an integer from 1 to {most}; got '{raw}'.", "$top")
    return top


def _start() -> int:
    if not request.args.get("$skiptoken"):
        return 0
    try:
        start = int(base64.urlsafe_b64decode(request.args["$skiptoken"] + "==").decode())
    except ValueError:
        raise ArmError(400, "InvalidParameter", "The $skiptoken is invalid.", "$skiptoken") from None
    if start < 0:
        raise ArmError(400, "InvalidParameter", "The $skiptoken is invalid.", "$skiptoken")
    return start


def query_reader(fields: dict[str, tuple[str, ...]], limits: tuple[int, int]) -> Callable[[], ListQuery]:
    """A list's ``$filter`` (``fields``: each field's operators) and page (``limits``: the default and largest
    ``$top``), as a use case reads them once it has checked the caller's access."""

    def read() -> ListQuery:
        filters = [
            (f, op, _filter_date(v) if f in DATE_FIELDS else v)
            for f, op, v in parse_filter(request.args.get("$filter"), fields)
        ]
        top = _top(limits)
        return ListQuery(filters, _start(), top)

    return read


def page_json(page: Page, to_json: Callable) -> dict:
    """One page in ARM's shape: ``value``, and ``nextLink`` when there is a next page."""
    body: dict = {"value": [to_json(item) for item in page.items]}
    if page.more:
        query = {k: v for k, v in request.args.items() if k not in ("$skiptoken", "$top")}
        query["$top"] = str(page.top)
        query["$skiptoken"] = base64.urlsafe_b64encode(str(page.start + page.top).encode()).decode().rstrip("=")
        body["nextLink"] = request.base_url + "?" + urlencode(query, quote_via=quote)
    return body
