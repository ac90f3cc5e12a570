"""Entra ID's OAuth2 error body: error, error_description with an AADSTS code, error_codes, ids, timestamp."""
from __future__ import annotations

import uuid

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from ...auth.tokens import OAuthError
from ...domain.clock import utcnow
from ...domain.errors import DomainError
from ..hooks import explain_url


def oauth_error(err: OAuthError):
    trace_id, correlation_id = str(uuid.uuid4()), request.headers.get("client-request-id") or str(uuid.uuid4())
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%SZ")
    code = f"AADSTS{err.aadsts}: " if err.aadsts else ""
    body = {
        "error": err.error,
        "error_description": f"{code}{err.description} Trace ID: {trace_id} Correlation ID: {correlation_id} "
                             f"Timestamp: {stamp}",
        "error_codes": [err.aadsts] if err.aadsts else [],
        "timestamp": stamp, "trace_id": trace_id, "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={err.aadsts}",
    }
    if err.aadsts == 50020:  # a GDAP refusal: pcsim's decision trace says which relationship and why
        body["pcsim_explain"] = explain_url()
    response = jsonify(body)
    response.status_code = err.status
    response.headers["Cache-Control"] = "no-store"
    return response


def render(exc):
    """Any error on the sign-in surface, in Entra's format."""
    if isinstance(exc, OAuthError):
        return oauth_error(exc)
    if isinstance(exc, DomainError):
        if exc.kind == "fault":  # an injected fault: Entra's answer when it is throttling or unavailable
            return oauth_error(OAuthError("temporarily_unavailable", 90035 if exc.status == 429 else 90033,
                                          exc.reason, exc.status))
        return oauth_error(OAuthError("invalid_request", 90002 if exc.status == 404 else 900144, exc.reason,
                                      exc.status))
    if isinstance(exc, HTTPException):
        return oauth_error(OAuthError("invalid_request", 900561 if exc.code == 405 else 90002,
                                      f"{exc.name}: {exc.description}", exc.code or 400))
    return oauth_error(OAuthError("server_error", 90033, str(exc), 500))
