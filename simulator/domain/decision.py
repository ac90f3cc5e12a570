"""A decision: the rules evaluated for one action, in order, each passed or failed with the facts it used.

A denial raises :class:`Denied` carrying the decision, so a surface can show which rule refused and a
trace can show every rule that was looked at.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NoReturn

from .errors import Denied

# The decisions made while serving one request, in order (the journal and explain read them).
_trace: ContextVar[list | None] = ContextVar("pcsim_decisions", default=None)


def start_trace() -> list:
    """Begin collecting the decisions made from here on (in this context); returns the list they go to."""
    decisions: list = []
    _trace.set(decisions)
    return decisions


@dataclass
class Check:
    rule: str
    passed: bool
    reason: str
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "passed": self.passed, "reason": self.reason, "facts": self.facts}


@dataclass
class Decision:
    action: str
    checks: list[Check] = field(default_factory=list)

    def __post_init__(self):
        trace = _trace.get()
        if trace is not None:
            trace.append(self)

    def require(self, rule: str, ok: bool, denied: str, passed: str = "", status: int = 403, **facts) -> None:
        """Record a rule; raise Denied (with this decision) when it fails."""
        self.checks.append(Check(rule, bool(ok), passed if ok else denied, facts))
        if not ok:
            error = Denied(denied, rule=rule, facts=facts)
            error.status = status
            error.decision = self
            raise error

    def deny(self, rule: str, denied: str, status: int = 403, **facts) -> NoReturn:
        """Record a rule that fails whatever the facts, and raise Denied."""
        self.require(rule, False, denied, status=status, **facts)
        raise AssertionError("unreachable: require raised")

    def note(self, rule: str, reason: str, **facts) -> None:
        """Record a rule that passed (or does not apply) without a test."""
        self.checks.append(Check(rule, True, reason, facts))

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "allowed": all(c.passed for c in self.checks),
            "checks": [c.as_dict() for c in self.checks],
        }
