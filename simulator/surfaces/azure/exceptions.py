"""Azure Resource Manager's error body: ``{"error": {"code", "message", "target", "additionalInfo"}}``
(ARM common types v5 ``ErrorResponse``), and ARM's tracing headers.

pcsim puts the rule of a denial in ``error.additionalInfo``: ``{"type": "PcsimRule", "info": {"rule": "R7",
...the facts the rule used, "explain": <URL of the request's explanation>}}``, followed by ``{"type":
"PcsimDecision", "info": {...every rule looked at}}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException

from ...auth.tokens import TokenRejected
from ...domain.errors import DomainError
from .. import context as ctx
from ..hooks import explain_url

# ARM error code per problem a use case names (simulator.services.azure), more precise than its rule or kind.
PROBLEM_CODES = {
    "parameter": "InvalidParameter",
    "subscription_id": "InvalidSubscriptionId",
    "subscription": "SubscriptionNotFound",
    "resource_name": "InvalidResourceName",
    "support_plan": "CspSupportPlanRequired",
    "contact": "PartnerContactRequired",
}
# ARM error code per rule, when the use case named no problem.
RULE_CODES = {
    "R6": "NonTechnicalTicketRequiresProvider",
    "R7": "AuthorizationFailed",
    "R8": "InvalidSupportTicketForCustomer",
    "R12": "InvalidAuthenticationTokenTenant",
    "R13": "InvalidSupportPlanEntitlement",
    "R14": "SubscriptionNotFound",
}
KIND_CODES = {
    "not_found": "ResourceNotFound",
    "denied": "AuthorizationFailed",
    "invalid": "BadRequest",
    "conflict": "Conflict",
    "precondition_failed": "PreconditionFailed",
}
# Injected faults (pcsim's fault rules) by status, as ARM names them.
STATUS_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class ArmError(DomainError):
    """An error with ARM's own code (and optionally a ``target``, the property it is about)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        target: str | None = None,
        *,
        rule: str | None = None,
        facts: dict | None = None,
    ):
        super().__init__(message, rule=rule, facts=facts)
        self.status, self.code, self.target = status, code, target
        self.kind = {400: "invalid", 401: "denied", 403: "denied", 404: "not_found", 409: "conflict"}.get(
            status, "invalid"
        )


def add_headers(response):
    """x-ms-request-id (pcsim's), x-ms-correlation-request-id (the client's, or a new one), and the client's
    x-ms-client-request-id echoed."""
    if "arm_request_id" not in g:
        g.arm_request_id = str(uuid.uuid4())
        g.arm_correlation_id = request.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4())
    response.headers["x-ms-request-id"] = g.arm_request_id
    response.headers["x-ms-correlation-request-id"] = g.arm_correlation_id
    response.headers["x-ms-routing-request-id"] = f"PCSIM:{g.arm_request_id}"
    if request.headers.get("x-ms-client-request-id"):
        response.headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
    return response


def error_response(
    status: int, code: str, message: str, target: str | None = None, additional_info: list | None = None
):
    error = {"code": code, "message": message}
    if target:
        error["target"] = target
    if additional_info:
        error["additionalInfo"] = additional_info
    response = jsonify({"error": error})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer authorization_uri="{ctx.issuer_root()}/common", error="invalid_token", error_description="{code}"'
        )
    return add_headers(response)


def dotnet_time(value: datetime) -> str:
    """A UTC time as ARM's messages print it (.NET's en-US general format): ``6/15/2026 8:22:51 AM``."""
    value = value.astimezone(UTC)
    hour = value.hour % 12 or 12
    return f"{value.month}/{value.day}/{value.year} {hour}:{value:%M:%S} {'AM' if value.hour < 12 else 'PM'}"


def _additional_info(exc: DomainError) -> list:
    info = []
    if exc.rule:
        info.append({"type": "PcsimRule", "info": {"rule": exc.rule, **exc.facts, "explain": explain_url()}})
    decision = getattr(exc, "decision", None)
    if decision is not None:
        info.append({"type": "PcsimDecision", "info": decision.as_dict()})
    return info


def render(exc):
    if isinstance(exc, TokenRejected):
        if exc.reason.startswith("no bearer token"):
            return error_response(
                401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
            )
        if exc.expired_at is not None and exc.at is not None:
            return error_response(
                401,
                "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{dotnet_time(exc.expired_at)}' is earlier than current UTC "
                f"time '{dotnet_time(exc.at)}'.",
                additional_info=[{"type": "PcsimTokenExpiry", "info": {"reason": exc.reason}}],
            )
        return error_response(401, "InvalidAuthenticationToken", f"The access token is invalid: {exc.reason}.")
    if isinstance(exc, ArmError):
        return error_response(exc.status, exc.code, exc.reason, exc.target, _additional_info(exc))
    if isinstance(exc, DomainError):
        code = (
            PROBLEM_CODES.get(getattr(exc, "problem", None) or "")
            or RULE_CODES.get(exc.rule or "")
            or (STATUS_CODES.get(exc.status) if exc.kind == "fault" else None)
            or KIND_CODES.get(exc.kind, "BadRequest")
        )
        return error_response(exc.status, code, exc.reason, getattr(exc, "target", None), _additional_info(exc))
    if isinstance(exc, HTTPException):
        if exc.code == 404:
            return error_response(
                404,
                "NotFound",
                f"The requested resource path '{request.path}' was not found. "
                "pcsim serves ARM's subscriptions and Microsoft.Support (see /docs/azure/).",
            )
        if exc.code == 405:
            return error_response(
                405, "HttpMethodNotAllowed", f"The HTTP method '{request.method}' is not supported on '{request.path}'."
            )
        if exc.code == 400:
            return error_response(
                400,
                "InvalidRequestContent",
                f"The request content was invalid and could not be deserialized: {exc.description}",
            )
        return error_response(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name)
    return error_response(500, "InternalServerError", "An unexpected error occurred.")
