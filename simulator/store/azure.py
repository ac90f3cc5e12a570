"""The Azure Resource Manager surface's queries: Azure subscriptions, and support tickets by ARM scope (a
subscription's, or a tenant's tenant-level ones), filtered and paged in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, false, func, not_, select
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from .models import Subscription, Ticket
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
