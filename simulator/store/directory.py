"""Whole-world reads of the directory and its subscriptions, for views that show a world (the training UI)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Group, PartnerRelationship, ServiceHealth, Subscription, Tenant, User


def tenants(session: Session, world: str) -> list[Tenant]:
    return list(session.scalars(select(Tenant).where(Tenant.world_id == world)))


def users(session: Session, world: str) -> list[User]:
    return list(session.scalars(select(User).where(User.world_id == world).order_by(User.upn)))


def groups(session: Session, world: str, ids: set[str]) -> list[Group]:
    return list(session.scalars(select(Group).where(Group.world_id == world, Group.id.in_(ids))))


def subscriptions(
    session: Session,
    world: str,
    tenant_id: str | None = None,
    channel: str | None = None,
    not_workload: str | None = None,
) -> list[Subscription]:
    """A world's subscriptions, of one tenant, one channel, or not of one workload when given."""
    query = select(Subscription).where(Subscription.world_id == world)
    if tenant_id is not None:
        query = query.where(Subscription.tenant_id == tenant_id)
    if channel is not None:
        query = query.where(Subscription.channel == channel)
    if not_workload is not None:
        query = query.where(Subscription.workload != not_workload)
    return list(session.scalars(query.order_by(Subscription.tenant_id, Subscription.display_name)))


def service_health(session: Session, world: str) -> list[ServiceHealth]:
    return list(session.scalars(select(ServiceHealth).where(ServiceHealth.world_id == world)))


def customer_counts(session: Session, world: str) -> dict[str, int]:
    """How many customers each partner has a relationship with."""
    rows = session.execute(
        select(PartnerRelationship.partner_id, func.count(func.distinct(PartnerRelationship.customer_id)))
        .where(PartnerRelationship.world_id == world)
        .group_by(PartnerRelationship.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}
