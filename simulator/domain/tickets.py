"""A ticket's life by the world's clock: statuses, severities, the support engineer and Microsoft's questions.

One life for every surface (Partner Center, Azure support, Microsoft 365 admin): it is applied lazily, when a
surface next reads tickets (``simulator.store.tickets.advance``), at the times the steps were due, and stored
once applied, so a ticket reads the same on every surface and on every read.

The steps, with times derived from the severity (:data:`RESPONSE_MINUTES`, the first-response time that Azure
shows as ``serviceLevelAgreement.slaMinutes``; pcsim's guess of when things happen, documented in
docs/tickets.md):

1. A new ticket is ``open``. Half its response time after it was filed, a support engineer is assigned
   (:func:`engineer_for`: always the same one for a ticket).
2. At its response time, the engineer asks for information: a note from Microsoft (an inbound communication on
   Azure) and ``attention_needed`` (waiting for the customer).
3. A note from the partner or customer answers it: the ticket is ``open`` again, waiting for Microsoft, and the
   engineer's next question follows one response time later.
4. Left unanswered for seven days, it is ``closed`` with a closing note. Closing by hand is always possible; a
   closed ticket takes no more notes and is never reopened.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import Conflict, Invalid

STATUSES = ("open", "attention_needed", "closed")
SEVERITIES = ("minimal", "moderate", "critical", "highestcriticalimpact")
PC_SEVERITIES = ("unknown", "critical", "moderate", "minimal")

# First-response time per severity, in minutes (Azure's serviceLevelAgreement.slaMinutes; the spec's examples
# show 240 for a moderate ticket).
RESPONSE_MINUTES = {"highestcriticalimpact": 60, "critical": 60, "moderate": 240, "minimal": 480}
CLOSE_AFTER = timedelta(days=7)
ENGINEER = "Microsoft Support"  # the author of Microsoft's notes when no engineer is named (fixtures' notes)
ENGINEER_QUESTION = (
    "Thank you for contacting Microsoft Support. Could you share the exact time the issue "
    "started and the affected users or resources?"
)
FOLLOW_UP_QUESTION = (
    "Thank you for the details. Could you confirm whether the issue still occurs, and share any error message "
    "you see now?"
)
AUTO_CLOSE_NOTE = "Closing this request: we did not hear back within seven days. Reply to reopen a new request."

# Support engineers (fictional), one per ticket: (name, email).
ENGINEERS = (
    ("Alex Rivera", "alrivera@microsoft.com"),
    ("Priya Natarajan", "prnataraj@microsoft.com"),
    ("Tomás Herrera", "toherrera@microsoft.com"),
    ("Mei Lin Chen", "meilchen@microsoft.com"),
    ("Jonas Becker", "jobecker@microsoft.com"),
    ("Amara Okafor", "amokafor@microsoft.com"),
    ("Sven Lindqvist", "svlindqv@microsoft.com"),
    ("Hana Sato", "hasato@microsoft.com"),
)


@dataclass(frozen=True)
class Engineer:
    name: str
    email: str


@dataclass(frozen=True)
class Step:
    """One step of a ticket's life: at ``at``, assign the engineer (``status`` None) or move to ``status`` with
    Microsoft's note ``text``."""

    at: datetime
    status: str | None
    text: str | None


# The two facts of a ticket's life kept in its ``details`` (stored once the step happened).
ASSIGNED = "engineerAssigned"  # its support engineer is assigned
ANSWERED = "awaitingMicrosoft"  # the customer answered the engineer; Microsoft has not replied yet


def engineer_assigned(ticket) -> bool:
    """Whether the ticket (a stored Ticket, or a row of the tickets table) has its support engineer."""
    return bool((ticket.details or {}).get(ASSIGNED))


def awaiting_microsoft(ticket) -> bool:
    """Whether the ticket is open because the customer answered, and Microsoft has not replied yet."""
    return ticket.status == "open" and bool((ticket.details or {}).get(ANSWERED))


def response_time(severity: str) -> timedelta:
    return timedelta(minutes=RESPONSE_MINUTES.get(severity, RESPONSE_MINUTES["minimal"]))


def assign_after(severity: str) -> timedelta:
    """When the engineer is assigned, after the ticket was filed: half its response time."""
    return response_time(severity) / 2


def engineer_for(ticket_id: str) -> Engineer:
    """The ticket's support engineer: always the same one for a ticket id."""
    name, email = ENGINEERS[int(hashlib.sha256(ticket_id.encode()).hexdigest(), 16) % len(ENGINEERS)]
    return Engineer(name, email)


def next_transition(status: str, since: datetime, severity: str = "minimal") -> datetime | None:
    """When a ticket in ``status`` since ``since`` moves on by itself (None: never)."""
    if status == "open":
        return since + response_time(severity)
    if status == "attention_needed":
        return since + CLOSE_AFTER
    return None


def next_due(status: str, since: datetime, severity: str, created: datetime, assigned: bool) -> datetime | None:
    """The time of the ticket's next step: its engineer's assignment, or its next status change."""
    transition = next_transition(status, since, severity)
    if assigned or status == "closed":
        return transition
    assign = created + assign_after(severity)
    return assign if transition is None else min(assign, transition)


def due_steps(
    status: str,
    since: datetime,
    severity: str,
    created: datetime,
    assigned: bool,
    now: datetime,
    answered: bool = False,
) -> list[Step]:
    """The steps the clock has made due by ``now``, in order. ``answered``: the ticket is open because the
    customer answered the engineer (the next question is a follow-up)."""
    steps: list[Step] = []
    assign_at = None if assigned else created + assign_after(severity)
    while True:
        at = next_transition(status, since, severity)
        if assign_at is not None and assign_at <= now and (at is None or assign_at <= at):
            steps.append(Step(assign_at, None, None))
            assign_at = None
            continue
        if at is None or at > now:
            return steps
        if assign_at is not None:  # an engineer asks: one is assigned by then
            steps.append(Step(at, None, None))
            assign_at = None
        if status == "open":
            status = "attention_needed"
            steps.append(Step(at, status, FOLLOW_UP_QUESTION if answered else ENGINEER_QUESTION))
        else:
            status = "closed"
            steps.append(Step(at, status, AUTO_CLOSE_NOTE))
        since = at


def due_transitions(
    status: str, since: datetime, now: datetime, severity: str = "minimal"
) -> list[tuple[datetime, str, str]]:
    """The (time, new status, Microsoft's note) status changes the clock has made due since ``since``."""
    return [
        (s.at, s.status, s.text or "")
        for s in due_steps(status, since, severity, since, True, now)
        if s.status is not None
    ]


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


def azure_status(status: str, waiting_for_microsoft: bool) -> str:
    """Azure's ``status`` (the spec's values: Open, Updating, Closed) for a stored one. ``Updating``: the customer
    has answered and the engineer has not replied yet (pcsim's reading of the spec's ``Updating``)."""
    if status == "closed":
        return "Closed"
    return "Updating" if status == "open" and waiting_for_microsoft else "Open"


def pc_severity(severity: str) -> str:
    """Partner Center's severity for a stored one (Partner Center has no 'highest critical impact')."""
    return "critical" if severity == "highestcriticalimpact" else severity if severity in PC_SEVERITIES else "unknown"
