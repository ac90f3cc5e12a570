"""Reads of service requests for Partner Center and the Microsoft 365 admin center: one ticket, a partner's page
of them, a tenant's list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import RequestKey, Ticket


def ticket(session: Session, world: str, ticket_id: str) -> Ticket | None:
    return session.get(Ticket, (world, ticket_id))


def partner_page(
    session: Session, world: str, partner_id: str, customer_id: str | None, status: str | None, offset: int, size: int
) -> tuple[int, list]:
    """(how many, one page newest first) of the tickets the partner filed (for one customer, when given). The
    rows are Core rows, read like tickets: they cost less than ORM objects."""
    query = select(Ticket.__table__).where(Ticket.world_id == world, Ticket.partner_id == partner_id)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    if status:
        query = query.where(Ticket.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset(offset).limit(size))
    return total, list(rows.all())


def tenant_tickets(session: Session, world: str, tenant_id: str, equals: list[tuple[str, str]]) -> list[Ticket]:
    """The tenant's tickets of every origin but Azure, newest first; ``equals``: (column, value) conditions on
    status, workload or origin."""
    query = select(Ticket).where(Ticket.world_id == world, Ticket.tenant_id == tenant_id, Ticket.origin != "azure")
    for column, value in equals:
        query = query.where(getattr(Ticket, column) == value)
    return list(session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())))


def request_key(session: Session, world: str, partner_id: str, key: str) -> RequestKey | None:
    """The create the partner made with this retry key (``MS-RequestId``), if it made one."""
    return session.get(RequestKey, (world, partner_id, key))


def remember_request_key(
    session: Session, world: str, partner_id: str, key: str, ticket_id: str, customer_id: str | None, at
) -> None:
    """Record (or renew, once its window has passed) the create a retry key made."""
    row = session.get(RequestKey, (world, partner_id, key))
    if row is None:
        session.add(
            RequestKey(
                world_id=world,
                partner_id=partner_id,
                key=key,
                ticket_id=ticket_id,
                customer_id=customer_id,
                created_at=at,
            )
        )
    else:
        row.ticket_id, row.customer_id, row.created_at = ticket_id, customer_id, at
    session.flush()
