"""The control plane's error body: plain JSON ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ...domain.errors import DomainError
from ...worlds.fixtures import FixtureInvalid
from ..validation import webargs_errors

CODES = {"not_found": "NotFound", "invalid": "BadRequest", "conflict": "Conflict", "denied": "Forbidden"}


def error_response(status: int, code: str, message: str, details: list | None = None):
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    response = jsonify(body)
    response.status_code = status
    return response


def render(exc):
    if isinstance(exc, FixtureInvalid):
        return error_response(
            400,
            "InvalidFixture",
            f"{len(exc.errors)} error(s) in the fixture",
            [{"file": e.file, "path": e.path, "reason": e.reason} for e in exc.errors],
        )
    if isinstance(exc, DomainError):
        return error_response(exc.status, CODES.get(exc.kind, "BadRequest"), exc.reason)
    if isinstance(exc, HTTPException):
        errors = webargs_errors(exc)
        if errors is not None:
            return error_response(
                400, "BadRequest", "Invalid request", [{"path": path, "reason": reason} for path, reason in errors]
            )
        return error_response(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name)
    return error_response(500, "InternalError", str(exc))
