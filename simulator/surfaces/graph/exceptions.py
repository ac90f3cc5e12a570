"""Microsoft Graph's error body: ``{"error": {"code", "message", "innerError": {...}}}``.

pcsim adds the rule id of a denial as ``error.innerError.rule``.
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from ...auth.tokens import TokenRejected
from ...domain.clock import utcnow
from ...domain.errors import DomainError
from .. import context as ctx
from ..hooks import explain_url
from ..validation import describe, webargs_errors

CODES = {
    "not_found": "Request_ResourceNotFound",
    "denied": "Authorization_RequestDenied",
    "invalid": "BadRequest",
    "conflict": "Conflict",
    "precondition_failed": "PreconditionFailed",
}


def _now():
    """The world's time when the request names a world that exists, else the wall clock."""
    try:
        return ctx.now()
    except Exception:
        return utcnow()


def add_headers(response):
    response.headers["request-id"] = ctx.request_id("client-request-id")
    if request.headers.get("client-request-id"):
        response.headers["client-request-id"] = request.headers["client-request-id"]
    return response


def error_response(status: int, code: str, message: str, rule: str | None = None, extra: dict | None = None):
    """Graph's error body; ``extra`` adds pcsim's details (a denial's contact...) to ``innerError``."""
    inner = {
        "date": _now().strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": ctx.request_id("client-request-id"),
        "client-request-id": request.headers.get("client-request-id") or ctx.request_id("client-request-id"),
    }
    if rule:
        inner["rule"] = rule
        inner["explain"] = explain_url()
    inner.update(extra or {})
    response = jsonify({"error": {"code": code, "message": message, "innerError": inner}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="", authorization_uri="{ctx.issuer_root()}/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"'
        )
    return add_headers(response)


STATUS_CODES = {429: "TooManyRequests", 500: "generalException", 503: "serviceNotAvailable"}


def domain_error_code(exc: DomainError) -> str:
    if exc.kind == "fault":
        return STATUS_CODES.get(exc.status, "generalException")
    return "BadRequest" if exc.status == 400 else CODES.get(exc.kind, "BadRequest")


def render(exc):
    if isinstance(exc, TokenRejected):
        return error_response(401, "InvalidAuthenticationToken", f"Access token validation failure: {exc.reason}.")
    if isinstance(exc, DomainError):
        return error_response(exc.status, domain_error_code(exc), exc.reason, exc.rule)
    if isinstance(exc, HTTPException):
        errors = webargs_errors(exc)
        if errors is not None:
            return error_response(400, "BadRequest", f"Invalid request: {describe(errors)}")
        code = {404: "Request_ResourceNotFound", 405: "Request_BadRequest", 400: "BadRequest"}.get(
            exc.code, "generalException"
        )
        return error_response(exc.code or 500, code, exc.description or exc.name)
    return error_response(500, "generalException", "An unexpected error occurred.")
