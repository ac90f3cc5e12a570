"""Partner Center's JSON error body: ``{"code", "description", "data", "source"}``.

pcsim puts the rule id of a denial in ``data`` (``[{"rule": "R1"}]``), the body's free-form array.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ...auth.tokens import TokenRejected
from ...domain.errors import DomainError
from ..hooks import explain_url
from ..validation import describe, webargs_errors
from .headers import add_headers

# Partner Center's own error codes (its "Partner Center REST error codes" page), per pcsim error kind, per
# thing not found (the domain error's ``problem``), and for injected faults per status.
CODES = {"not_found": 1000, "denied": 20002, "invalid": 800002, "conflict": 3000, "precondition_failed": 412}
NOT_FOUND_CODES = {"tenant": 60003, "subscription": 20003}  # "Tenant not found", "Subscription with ID {0} not found."
STATUS_CODES = {429: 429, 500: 800003, 503: 800003}


def error_response(status: int, code: int, description: str, data: list | None = None):
    response = jsonify({"code": code, "description": description[:1024], "data": data or [], "source": "PartnerFD"})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pcsim", error="invalid_token"'
    return add_headers(response)


def render(exc):
    if isinstance(exc, TokenRejected):
        return error_response(401, 401, f"Unauthorized: {exc.reason}")
    if isinstance(exc, DomainError):
        data = (
            [
                {
                    "rule": exc.rule,
                    **({"contact": exc.facts["contact"]} if "contact" in exc.facts else {}),
                    "explain": explain_url(),
                }
            ]
            if exc.rule
            else []
        )
        code = (
            STATUS_CODES.get(exc.status)
            if exc.kind == "fault"
            else NOT_FOUND_CODES.get(exc.problem or "") or CODES.get(exc.kind, 800002)
        )
        return error_response(exc.status, code or 800003, exc.reason, data)
    if isinstance(exc, HTTPException):
        errors = webargs_errors(exc)
        if errors is not None:
            return error_response(400, 800002, f"Invalid request input: {describe(errors)}")
        code = {404: 1000, 405: 800002}.get(exc.code, exc.code or 500)
        return error_response(exc.code or 500, code, f"{exc.name}: {exc.description}")
    return error_response(500, 800003, "Unexpected service error")
