"""The Azure Resource Manager surface's queries: Azure subscriptions, and support tickets by ARM scope (a
subscription's, or a tenant's tenant-level ones), filtered and paged in the database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, false, func, not_, select
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from .models import (
    AzureOperation,
    ChatTranscript,
    FileWorkspace,
    Subscription,
    Ticket,
    TicketNote,
    WorkspaceFile,
    World,
)
from .tickets import azure_scope

_COMPARE = {
    "eq": lambda c, v: c == v,
    "ge": lambda c, v: c >= v,
    "gt": lambda c, v: c > v,
    "le": lambda c, v: c <= v,
    "lt": lambda c, v: c < v,
}


def azure_subscriptions(session: Session, world: str, tenant_id: str) -> list[Subscription]:
    """A tenant's Azure subscriptions, by display name."""
    return list(
        session.scalars(
            select(Subscription)
            .where(
                Subscription.world_id == world, Subscription.tenant_id == tenant_id, Subscription.workload == "azure"
            )
            .order_by(Subscription.display_name, Subscription.id)
        )
    )


def subscription(session: Session, world: str, subscription_id: str) -> Subscription | None:
    return session.get(Subscription, (world, subscription_id))


def first_support_plan(session: Session, world: str, tenant_id: str) -> dict | None:
    """The support plan recorded on the tenant's first subscription that has one (``{"type", "id"}``)."""
    own = session.scalars(
        select(Subscription)
        .where(
            Subscription.world_id == world, Subscription.tenant_id == tenant_id, Subscription.support_plan.is_not(None)
        )
        .order_by(Subscription.created_at, Subscription.id)
    ).first()
    return own.support_plan if own else None


def find_ticket(session: Session, world: str, name: str, subscription_id: str | None, tenant_id: str) -> Ticket | None:
    """An ARM scope's ticket by name (names are case-insensitive)."""
    return session.scalars(
        select(Ticket).where(
            Ticket.world_id == world, func.lower(Ticket.name) == name.lower(), *azure_scope(subscription_id, tenant_id)
        )
    ).first()


def ticket_page(
    session: Session,
    world: str,
    subscription_id: str | None,
    tenant_id: str,
    filters: list[tuple[str, str, object]],
    start: int,
    top: int,
) -> tuple[list, bool]:
    """One page of an ARM scope's tickets, newest first, as Core rows (a page of 100 is read without building
    ORM objects), and whether there is a next page (one more row is read to tell). ``filters``: (field, operator,
    value) with fields ``status`` (``open``, ``updating`` or ``closed``), ``serviceid`` and
    ``problemclassificationid`` (the id's last segment, lower case) and ``createddate`` (a datetime)."""
    query = select(Ticket.__table__).where(Ticket.world_id == world, *azure_scope(subscription_id, tenant_id))
    for field, op, value in filters:
        query = query.where(_ticket_clause(field, op, value))
    rows = session.execute(
        query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset(start).limit(top + 1)
    ).all()
    return rows[:top], len(rows) > top


def _ticket_clause(field: str, op: str, value):
    if field == "status":  # Azure's status (simulator.domain.tickets.azure_status)
        updating = and_(Ticket.status == "open", Ticket.details[rules.ANSWERED].as_boolean().is_(True))
        if value == "closed":
            return Ticket.status == "closed"
        if value == "updating":
            return updating
        return and_(Ticket.status != "closed", not_(updating)) if value == "open" else false()
    if field == "serviceid":
        return func.lower(Ticket.service_id).endswith("/" + value, autoescape=True)
    if field == "problemclassificationid":
        return func.lower(Ticket.topic_id).endswith("/" + value, autoescape=True)
    return _COMPARE[op](Ticket.created_at, value)  # createddate


def save_ticket(session: Session, ticket: Ticket, now: datetime, **changes) -> None:
    """Write changed columns of a ticket and mark it modified now."""
    for column, value in changes.items():
        setattr(ticket, column, value)
    ticket.modified_at = now
    session.flush()


# --- long-running creates (ARM's operationsStatus / operationResults) ----------------------------------------
def long_running_creates(session: Session, world: str) -> bool:
    """Whether the world asks the Azure surface to answer creates the long-running way."""
    return bool(session.scalar(select(World.azure_long_running_creates).where(World.id == world)))


def start_operation(
    session: Session,
    world: str,
    now: datetime,
    tenant_id: str,
    subscription_id: str | None,
    ticket_id: str,
    note_seq: int | None = None,
) -> AzureOperation:
    op = AzureOperation(
        world_id=world,
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        subscription_id=subscription_id,
        ticket_id=ticket_id,
        note_seq=note_seq,
        started_at=now,
        ended_at=None,
        polls=0,
    )
    session.add(op)
    session.flush()
    return op


def find_operation(
    session: Session, world: str, operation_id: str, subscription_id: str | None, tenant_id: str
) -> AzureOperation | None:
    """An ARM scope's operation (a subscription's, or the tenant's tenant-level ones)."""
    scope = (
        (AzureOperation.subscription_id == subscription_id,)
        if subscription_id is not None
        else (AzureOperation.tenant_id == tenant_id, AzureOperation.subscription_id.is_(None))
    )
    return session.scalars(
        select(AzureOperation).where(
            AzureOperation.world_id == world, func.lower(AzureOperation.id) == operation_id.lower(), *scope
        )
    ).first()


def ticket_by_id(session: Session, world: str, ticket_id: str) -> Ticket | None:
    return session.get(Ticket, (world, ticket_id))


def note_by_seq(session: Session, world: str, ticket_id: str, seq: int) -> TicketNote | None:
    return session.get(TicketNote, (world, ticket_id, seq))


# --- file workspaces and their files --------------------------------------------------------------------------
def file_workspace(session: Session, world: str, tenant_id: str, scope: str, name: str) -> FileWorkspace | None:
    return session.get(FileWorkspace, (world, tenant_id, scope, name.lower()))


def add_file_workspace(session: Session, world: str, **fields) -> FileWorkspace:
    row = FileWorkspace(world_id=world, **fields)
    session.add(row)
    session.flush()
    return row


def workspace_files(session: Session, world: str, ws: FileWorkspace) -> list[WorkspaceFile]:
    return list(
        session.scalars(
            select(WorkspaceFile)
            .where(
                WorkspaceFile.world_id == world,
                WorkspaceFile.tenant_id == ws.tenant_id,
                WorkspaceFile.scope == ws.scope,
                WorkspaceFile.workspace == ws.name,
            )
            .order_by(WorkspaceFile.created_at, WorkspaceFile.name)
        )
    )


def workspace_file(session: Session, world: str, ws: FileWorkspace, name: str) -> WorkspaceFile | None:
    return session.get(WorkspaceFile, (world, ws.tenant_id, ws.scope, ws.name, name.lower()))


def add_workspace_file(session: Session, world: str, ws: FileWorkspace, **fields) -> WorkspaceFile:
    row = WorkspaceFile(world_id=world, tenant_id=ws.tenant_id, scope=ws.scope, workspace=ws.name, **fields)
    session.add(row)
    session.flush()
    return row


def save_chunk(session: Session, f: WorkspaceFile, index: int, content: str) -> None:
    f.chunks = {**(f.chunks or {}), str(index): content}
    session.flush()


# --- chat transcripts -----------------------------------------------------------------------------------------
def chat_transcripts(session: Session, world: str, ticket_id: str) -> list[ChatTranscript]:
    return list(
        session.scalars(
            select(ChatTranscript)
            .where(ChatTranscript.world_id == world, ChatTranscript.ticket_id == ticket_id)
            .order_by(ChatTranscript.started_at, ChatTranscript.name)
        )
    )


def add_chat_transcript(session: Session, world: str, **fields) -> ChatTranscript:
    row = ChatTranscript(world_id=world, **fields)
    session.add(row)
    session.flush()
    return row
