"""The one ticket store behind every surface: create, find, move along the world's clock, notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from .models import Ticket, TicketNote, World

# Built once: Core statements on the tables skip the ORM's per-statement work on the busiest path.
_WORLDS, _TICKETS = World.__table__, Ticket.__table__
_NEXT_TICKET_SEQ = (
    update(_WORLDS)
    .where(_WORLDS.c.id == bindparam("world"))
    .values(ticket_seq=_WORLDS.c.ticket_seq + 1)
    .returning(_WORLDS.c.ticket_seq)
)
_INSERT_TICKET = insert(_TICKETS)
_DEFAULTED = [c for c in _TICKETS.c if c.default is not None]  # contact, details, country, locale


def azure_scope(subscription_id, tenant_id) -> tuple:
    """The conditions on an Azure scope's tickets: a subscription's, or (``subscription_id`` None) the tenant's
    tenant-level ones. Values or bind parameters."""
    if subscription_id is not None:
        return (_TICKETS.c.subscription_id == subscription_id,)
    return _TICKETS.c.tenant_id == tenant_id, _TICKETS.c.subscription_id.is_(None), _TICKETS.c.workload == "azure"


_NAME_IS = (_TICKETS.c.world_id == bindparam("world"), func.lower(_TICKETS.c.name) == bindparam("name"))
_NAME_IN_SUBSCRIPTION = select(_TICKETS.c.id).where(*_NAME_IS, *azure_scope(bindparam("subscription"), None)).limit(1)
_NAME_IN_TENANT = select(_TICKETS.c.id).where(*_NAME_IS, *azure_scope(None, bindparam("tenant"))).limit(1)


def new_ticket_id(session: Session, world: str, now: datetime) -> str:
    """A 15-digit id like the real ones: '2', the date, then the world's ticket sequence. The counter is
    bumped in one UPDATE, which the database serializes: concurrent requests never share a number."""
    seq = session.connection().execute(_NEXT_TICKET_SEQ, {"world": world}).scalar_one()
    return f"2{now:%y%m%d}{seq:08d}"


def azure_name_taken(session: Session, world: str, name: str, subscription_id: str | None, tenant_id: str) -> bool:
    """Whether an Azure ticket of this name (names are case-insensitive) exists on the subscription, or at the
    tenant's level when there is none."""
    statement, params = (
        (_NAME_IN_SUBSCRIPTION, {"subscription": subscription_id})
        if subscription_id
        else (_NAME_IN_TENANT, {"tenant": tenant_id})
    )
    return session.connection().execute(statement, {"world": world, "name": name.lower(), **params}).first() is not None


def create_ticket(session: Session, world: str, now: datetime, **fields) -> Ticket:
    """Store a new ticket; the Ticket returned is not in the session (callers only read it)."""
    ticket_id = new_ticket_id(session, world, now)
    values = dict(
        world_id=world,
        id=ticket_id,
        name=fields.pop("name", None) or ticket_id,
        status="open",
        status_changed_at=now,
        next_transition_at=rules.next_due("open", now, fields["severity"], now, False),
        created_at=now,
        modified_at=now,
        closed_at=None,
        **fields,
    )
    for column in _DEFAULTED:  # the returned Ticket shows what the row holds
        if values.get(column.name) is None:
            values[column.name] = column.default.arg(None) if column.default.is_callable else column.default.arg
    session.connection().execute(_INSERT_TICKET, [values])
    return Ticket(**values)


ASSIGNED, ANSWERED = rules.ASSIGNED, rules.ANSWERED
engineer_assigned, awaiting_microsoft = rules.engineer_assigned, rules.awaiting_microsoft


def _set_details(ticket: Ticket, **values) -> None:
    ticket.details = {**(ticket.details or {}), **values}  # a new dict: the JSON column sees the change


def _schedule(ticket: Ticket) -> None:
    ticket.next_transition_at = rules.next_due(
        ticket.status, ticket.status_changed_at, ticket.severity, ticket.created_at, engineer_assigned(ticket)
    )


def advance(session: Session, world: str, now: datetime) -> None:
    """Apply every step of the tickets' life the world's clock has made due (one indexed query when there is
    none): the engineer's assignment, Microsoft's questions, the closing of unanswered tickets. Each step is
    stored at the time it was due, so every surface reads the same ticket."""
    due = session.scalars(select(Ticket).where(Ticket.world_id == world, Ticket.next_transition_at <= now)).all()
    for ticket in due:
        steps = rules.due_steps(
            ticket.status,
            ticket.status_changed_at,
            ticket.severity,
            ticket.created_at,
            engineer_assigned(ticket),
            now,
            awaiting_microsoft(ticket),
        )
        engineer = rules.engineer_for(ticket.id)
        for step in steps:
            if step.status is None:
                _set_details(ticket, **{ASSIGNED: True})
                ticket.modified_at = step.at
                continue
            add_note(session, ticket, step.at, engineer.name, "microsoft", step.text or "", status_follows=False)
            set_status(ticket, step.status, step.at)
        _schedule(ticket)


def set_status(ticket: Ticket, status: str, at: datetime) -> None:
    ticket.status, ticket.status_changed_at, ticket.modified_at = status, at, at
    if (ticket.details or {}).get(ANSWERED):
        _set_details(ticket, **{ANSWERED: False})
    _schedule(ticket)
    if status == "closed":
        ticket.closed_at = at


def reschedule(ticket: Ticket) -> None:
    """After a change of severity: the next step's time follows the new one."""
    _schedule(ticket)


def notes(session: Session, ticket: Ticket) -> list[TicketNote]:
    return list(
        session.scalars(
            select(TicketNote)
            .where(TicketNote.world_id == ticket.world_id, TicketNote.ticket_id == ticket.id)
            .order_by(TicketNote.seq)
        )
    )


def notes_by_ticket(session: Session, world: str, ticket_ids: list[str]) -> dict[str, list[TicketNote]]:
    """The notes of many tickets in one query (a page of a list), each ticket's in order."""
    out: dict[str, list[TicketNote]] = {i: [] for i in ticket_ids}
    if ticket_ids:
        for note in session.scalars(
            select(TicketNote)
            .where(TicketNote.world_id == world, TicketNote.ticket_id.in_(ticket_ids))
            .order_by(TicketNote.ticket_id, TicketNote.seq)
        ):
            out[note.ticket_id].append(note)
    return out


def add_note(
    session: Session,
    ticket: Ticket,
    at: datetime,
    author: str,
    author_kind: str,
    text: str,
    subject: str = "",
    name: str | None = None,
    status_follows: bool = True,
) -> TicketNote:
    """Add a note; a note from the partner or customer puts the ticket back to ``open``."""
    if status_follows:
        new_status = rules.status_after_note(ticket.status)
    # Lock the ticket's row first: two requests appending to one ticket would otherwise read the same
    # max(seq) and the second would fail on the primary key (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    # serializes every write). No-op on SQLite.
    session.execute(
        select(Ticket.id).where(Ticket.world_id == ticket.world_id, Ticket.id == ticket.id).with_for_update()
    )
    seq = (
        session.scalar(
            select(func.max(TicketNote.seq)).where(
                TicketNote.world_id == ticket.world_id, TicketNote.ticket_id == ticket.id
            )
        )
        or 0
    ) + 1
    note = TicketNote(
        world_id=ticket.world_id,
        ticket_id=ticket.id,
        seq=seq,
        name=name or f"note-{seq}",
        created_at=at,
        author=author,
        author_kind=author_kind,
        subject=subject,
        text=text,
    )
    session.add(note)
    if status_follows:
        set_status(ticket, new_status, at)
        _set_details(ticket, **{ANSWERED: True})  # the customer answered: Microsoft's turn
    ticket.modified_at = at
    session.flush()
    return note
