"""Ticket lifecycle: statuses, severities, and how the world's clock moves a ticket along.

A new ticket is ``open``. A day later a Microsoft engineer asks for information: ``attention_needed``.
A note from the partner or customer puts it back to ``open``; left unanswered for seven days it is
``closed``. Closing by hand is always possible; a closed ticket takes no more notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import Conflict, Invalid

STATUSES = ("open", "attention_needed", "closed")
SEVERITIES = ("minimal", "moderate", "critical", "highestcriticalimpact")
PC_SEVERITIES = ("unknown", "critical", "moderate", "minimal")

ATTENTION_AFTER = timedelta(days=1)
CLOSE_AFTER = timedelta(days=7)
ENGINEER = "Microsoft Support"
ENGINEER_QUESTION = (
    "Thank you for contacting Microsoft Support. Could you share the exact time the issue "
    "started and the affected users or resources?"
)
AUTO_CLOSE_NOTE = "Closing this request: we did not hear back within seven days. Reply to reopen a new request."


def next_transition(status: str, since: datetime) -> datetime | None:
    if status == "open":
        return since + ATTENTION_AFTER
    if status == "attention_needed":
        return since + CLOSE_AFTER
    return None


def due_transitions(status: str, since: datetime, now: datetime) -> list[tuple[datetime, str, str]]:
    """The (time, new status, engineer's note) steps the clock has made due since ``since``."""
    steps = []
    while (at := next_transition(status, since)) is not None and at <= now:
        status, since = ("attention_needed", at) if status == "open" else ("closed", at)
        steps.append((at, status, ENGINEER_QUESTION if status == "attention_needed" else AUTO_CLOSE_NOTE))
    return steps


def status_after_note(status: str) -> str:
    """A note from the partner or customer answers the engineer: the ticket is open again."""
    if status == "closed":
        raise Conflict("The service request is closed: it takes no more notes. File a new request.")
    return "open"


def check_status_change(current: str, wanted: str) -> str:
    """The status a client may set by hand: ``closed`` (or ``open`` on an open ticket). A closed ticket stays
    closed, and ``attention_needed`` is Microsoft Support's to set."""
    if wanted not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}; got {wanted!r}")
    if current == "closed" and wanted != "closed":
        raise Conflict("A closed request cannot be reopened: file a new request.")
    if wanted == "attention_needed":
        raise Invalid("attention_needed is set by Microsoft Support, not by a client")
    return wanted


def pc_severity(severity: str) -> str:
    """Partner Center's severity for a stored one (Partner Center has no 'highest critical impact')."""
    return "critical" if severity == "highestcriticalimpact" else severity if severity in PC_SEVERITIES else "unknown"
