"""Errors of the Microsoft 365 admin support API: Graph's body ``{"error": {"code", "message", "innerError"}}``.

A denial names its rule in ``error.innerError.rule``; R11 adds the ISV's support ``contact`` (with the
``product`` and its ``publisher``), R10 the CSP partner's support ``contact`` (and every one in ``partners``).
Everything else (401, schema errors, unknown routes) is rendered exactly as the Graph surface does.
"""

from __future__ import annotations

from ...domain.errors import DomainError
from ..graph import exceptions as graph
from ..graph.exceptions import add_headers, domain_error_code, error_response

__all__ = ["add_headers", "error_response", "render"]

_CONTACT_KEYS = ("name", "url", "email", "phone")


def _extras(exc: DomainError) -> dict:
    facts = exc.facts or {}
    extra: dict = {}
    if isinstance(facts.get("contact"), dict):  # R11: the ISV's support contact
        extra["contact"] = dict(facts["contact"])
        for key in ("product", "publisher"):
            if facts.get(key):
                extra[key] = facts[key]
    partners = facts.get("partners")
    if isinstance(partners, list) and partners:  # R10: the CSP partner(s) to contact instead
        extra["partners"] = partners
        first = partners[0]
        extra.setdefault(
            "contact",
            {"partnerTenantId": first.get("id"), "partnerName": first.get("name")}
            | {k: v for k, v in (first.get("contact") or {}).items() if k in _CONTACT_KEYS and v},
        )
    return extra


def render(exc):
    if isinstance(exc, DomainError):
        return error_response(exc.status, domain_error_code(exc), exc.reason, exc.rule, _extras(exc))
    return graph.render(exc)
