"""Partner Center's reads: a partner's customers (a page at a time), their subscriptions and relationships, and
the service health of the customers a partner serves."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import graph
from .facts import cached
from .models import MarketplaceProduct, PartnerRelationship, ServiceIssue, Subscription, Tenant


def _customers_of(world: str, partner_id: str):
    return select(PartnerRelationship.customer_id).where(
        PartnerRelationship.world_id == world, PartnerRelationship.partner_id == partner_id
    )


def relationship_types(
    session: Session, world: str, partner_id: str, customer_ids: list[str]
) -> dict[str, frozenset[str]]:
    """The partner's relationship types with each of the customers (customers without one are left out). Read
    once per facts version for all of the partner's customers (store/facts.py), then picked for these."""

    def every() -> dict[str, frozenset[str]]:
        rows = session.execute(
            select(PartnerRelationship.customer_id, PartnerRelationship.type).where(
                PartnerRelationship.world_id == world, PartnerRelationship.partner_id == partner_id
            )
        )
        types: dict[str, set[str]] = {}
        for customer_id, kind in rows:
            types.setdefault(customer_id, set()).add(kind)
        return {customer_id: frozenset(kinds) for customer_id, kinds in types.items()}

    known = cached(session, world, ("relationship_types_of", partner_id), every)
    return {customer_id: known[customer_id] for customer_id in customer_ids if customer_id in known}


def customer_page(
    session: Session, world: str, partner_id: str, criteria: tuple[str, str, str] | None, after: str, limit: int
) -> tuple[int, tuple]:
    """(how many customers match, up to ``limit`` of them after id ``after``, by id). ``criteria``: (field,
    lower-cased value, operator) on CompanyName, Domain (starts_with or equals) or IndirectReseller (a reseller's
    tenant id). The rows are Core rows, read like tenants: a page costs no ORM objects. Tenants and relationships
    are facts: a page is read once per facts version (store/facts.py)."""
    return cached(
        session,
        world,
        ("customer_page", partner_id, criteria, after, limit),
        lambda: _customer_page(session, world, partner_id, criteria, after, limit),
    )


def _customer_page(
    session: Session, world: str, partner_id: str, criteria: tuple[str, str, str] | None, after: str, limit: int
) -> tuple[int, tuple]:
    query = select(Tenant.__table__).where(Tenant.world_id == world, Tenant.id.in_(_customers_of(world, partner_id)))
    if criteria:
        field, value, operator = criteria
        if field == "IndirectReseller":
            resold = select(PartnerRelationship.customer_id).where(
                PartnerRelationship.world_id == world,
                PartnerRelationship.partner_id == value,
                PartnerRelationship.type == "indirectReseller",
            )
            query = query.where(Tenant.id.in_(resold))
        else:
            column = Tenant.name if field == "CompanyName" else Tenant.default_domain
            query = query.where(column.ilike(value + "%") if operator == "starts_with" else column.ilike(value))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.execute(query.where(Tenant.id > after).order_by(Tenant.id).limit(limit)).all()
    return total, tuple(page)


def customers_of(session: Session, world: str, partner_id: str) -> list[Tenant]:
    """Every customer the partner has a relationship with."""
    return list(
        session.scalars(select(Tenant).where(Tenant.world_id == world, Tenant.id.in_(_customers_of(world, partner_id))))
    )


def csp_subscriptions(session: Session, world: str, customer_id: str) -> list[Subscription]:
    """The customer's CSP subscriptions, oldest first."""
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.world_id == world, Subscription.tenant_id == customer_id, Subscription.channel == "csp")
            .order_by(Subscription.created_at, Subscription.id)
        )
    )


def azure_subscription_ids(session: Session, world: str, customer_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Subscription.id).where(
                Subscription.world_id == world, Subscription.tenant_id == customer_id, Subscription.workload == "azure"
            )
        )
    )


def product_publisher(session: Session, world: str, product_id: str | None) -> str | None:
    product = session.get(MarketplaceProduct, (world, product_id)) if product_id else None
    return product.publisher if product else None


def partners_of(session: Session, world: str, customer_id: str) -> list[tuple[Tenant, str]]:
    """The customer's partners with the type of each relationship, by partner name."""
    rows = session.execute(
        select(Tenant, PartnerRelationship.type)
        .join(
            PartnerRelationship,
            (Tenant.world_id == PartnerRelationship.world_id) & (Tenant.id == PartnerRelationship.partner_id),
        )
        .where(PartnerRelationship.world_id == world, PartnerRelationship.customer_id == customer_id)
        .order_by(Tenant.name, PartnerRelationship.type)
    ).all()
    return [(tenant, kind) for tenant, kind in rows]


def indirect_resellers(session: Session, world: str, provider_id: str) -> list[Tenant]:
    """The resellers of an indirect provider (distributor), by name."""
    return list(
        session.scalars(
            select(Tenant)
            .where(Tenant.world_id == world, Tenant.indirect_provider_id == provider_id)
            .order_by(Tenant.name)
        )
    )


def service_health(session: Session, world: str, tenant_ids: list[str]) -> tuple[list, list]:
    """(the tenants' service health by service id, their issues by start)."""
    issues = session.scalars(
        select(ServiceIssue)
        .where(ServiceIssue.world_id == world, ServiceIssue.tenant_id.in_(tenant_ids))
        .order_by(ServiceIssue.start_at)
    )
    return graph.services_of(session, world, tenant_ids), list(issues)
