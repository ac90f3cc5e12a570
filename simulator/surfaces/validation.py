"""The field errors flask-smorest (webargs) attaches to a refused request, for every surface's error body."""

from __future__ import annotations

import functools

from ..validation import describe as describe_pairs


@functools.cache
def schema(schema_cls):
    """One shared instance of a body schema: building one copies every field, and loading keeps no state."""
    return schema_cls()


def webargs_errors(exc) -> list[tuple[str, str]] | None:
    """(``location.field``, reason) pairs of a webargs 400/422, or None when the error is not one."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not messages:
        return None
    pairs = []
    if "json" in messages and _sent_but_not_json():
        pairs.append(("json", json_problem()))  # the fields are "missing" only because the body was not read
    for location, fields in messages.items():
        items = fields.items() if isinstance(fields, dict) else [("", fields)]
        for field, errors in items:
            reason = "; ".join(map(str, errors)) if isinstance(errors, list) else str(errors)
            pairs.append((f"{location}.{field}" if field else location, reason))
    return pairs


def describe(pairs: list[tuple[str, str]]) -> str:
    return describe_pairs(pairs)


def json_object() -> dict | None:
    """The request's body if it is a JSON object sent as JSON, else None (see :func:`json_problem`)."""
    from flask import request

    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def json_problem() -> str:
    """Why the body is not a JSON object, in words a user can act on (the Content-Type first)."""
    from flask import request

    if not request.get_data(cache=True):
        return "the body is empty: send a JSON object"
    if not request.is_json:
        return (
            f"the body must be a JSON object sent with Content-Type: application/json; this request's "
            f"Content-Type is {request.mimetype or 'missing'}"
        )
    return "the body must be a JSON object (it is not valid JSON, or not an object)"


def _sent_but_not_json() -> bool:
    from flask import request

    return bool(request.get_data(cache=True)) and not request.is_json
