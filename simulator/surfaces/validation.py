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
    for location, fields in messages.items():
        items = fields.items() if isinstance(fields, dict) else [("", fields)]
        for field, errors in items:
            reason = "; ".join(map(str, errors)) if isinstance(errors, list) else str(errors)
            pairs.append((f"{location}.{field}" if field else location, reason))
    return pairs


def describe(pairs: list[tuple[str, str]]) -> str:
    return describe_pairs(pairs)
