"""Typed domain errors. Each surface maps them to its own error body."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .decision import Decision


class DomainError(Exception):
    """Base of every error a rule or a lookup raises."""

    status = 400
    kind = "invalid"
    decision: Decision | None = None  # the rules evaluated, when a rule refused
    # What a surface may name the error by, when its API has finer codes than the rule (ARM's): the kind of
    # fault (``parameter``, ``contact``...) and the request property at fault.
    problem: str | None = None
    target: str | None = None

    def __init__(self, reason: str, *, rule: str | None = None, facts: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.rule = rule
        self.facts = facts or {}


class Invalid(DomainError):
    """The request is malformed or breaks a constraint of the data."""


class NotFound(DomainError):
    status = 404
    kind = "not_found"


class Denied(DomainError):
    """A rule of the rule book refuses the action; ``rule`` names it (``R3``...)."""

    status = 403
    kind = "denied"


class Conflict(DomainError):
    status = 409
    kind = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    kind = "precondition_failed"
