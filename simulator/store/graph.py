"""What Microsoft Graph reads and writes: GDAP relationships and their access assignments, the partner's GDAP
customers, and a tenant's service health and issues."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    GdapAccessAssignment,
    GdapOperation,
    GdapRelationship,
    GdapRequest,
    Group,
    ServiceHealth,
    ServiceIssue,
    Tenant,
)


# --- GDAP relationships -------------------------------------------------------------------------------------
def relationship(session: Session, world: str, rel_id: str) -> GdapRelationship | None:
    return session.get(GdapRelationship, (world, rel_id))


def partner_relationships(session: Session, world: str, partner_id: str) -> list[GdapRelationship]:
    """The partner's relationships, oldest first."""
    return list(
        session.scalars(
            select(GdapRelationship)
            .where(GdapRelationship.world_id == world, GdapRelationship.partner_id == partner_id)
            .order_by(GdapRelationship.created_at, GdapRelationship.id)
        )
    )


def relationship_named(session: Session, world: str, partner_id: str, name: str) -> str | None:
    """The id of the partner's relationship of this display name, if there is one."""
    return session.scalars(
        select(GdapRelationship.id).where(
            GdapRelationship.world_id == world,
            GdapRelationship.partner_id == partner_id,
            GdapRelationship.display_name == name,
        )
    ).first()


def add_relationship(session: Session, **values) -> GdapRelationship:
    row = GdapRelationship(**values)
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row) -> None:
    session.delete(row)


def tenant_names(session: Session, world: str, tenant_ids: set[str]) -> dict[str, str]:
    """Tenant id -> name, for the ids that exist."""
    return {
        t.id: t.name for t in session.scalars(select(Tenant).where(Tenant.world_id == world, Tenant.id.in_(tenant_ids)))
    }


def gdap_customers(session: Session, world: str, partner_id: str) -> list[Tenant]:
    """The customers with which the partner has a GDAP relationship, by name."""
    ids = select(GdapRelationship.customer_id).where(
        GdapRelationship.world_id == world, GdapRelationship.partner_id == partner_id
    )
    return list(
        session.scalars(select(Tenant).where(Tenant.world_id == world, Tenant.id.in_(ids)).order_by(Tenant.name))
    )


# --- relationship requests and operations --------------------------------------------------------------------
def add_request(session: Session, **values) -> GdapRequest:
    row = GdapRequest(**values)
    session.add(row)
    session.flush()
    return row


def requests(session: Session, world: str, rel_id: str) -> list[GdapRequest]:
    """A relationship's requests, oldest first."""
    return list(
        session.scalars(
            select(GdapRequest)
            .where(GdapRequest.world_id == world, GdapRequest.relationship_id == rel_id)
            .order_by(GdapRequest.created_at, GdapRequest.id)
        )
    )


def request(session: Session, world: str, request_id: str) -> GdapRequest | None:
    return session.get(GdapRequest, (world, request_id))


def add_operation(session: Session, **values) -> GdapOperation:
    row = GdapOperation(**values)
    session.add(row)
    session.flush()
    return row


def operations(session: Session, world: str, rel_id: str) -> list[GdapOperation]:
    """A relationship's long-running operations, oldest first."""
    return list(
        session.scalars(
            select(GdapOperation)
            .where(GdapOperation.world_id == world, GdapOperation.relationship_id == rel_id)
            .order_by(GdapOperation.created_at, GdapOperation.id)
        )
    )


def operation(session: Session, world: str, operation_id: str) -> GdapOperation | None:
    return session.get(GdapOperation, (world, operation_id))


# --- access assignments -------------------------------------------------------------------------------------
def assignment(session: Session, world: str, assignment_id: str) -> GdapAccessAssignment | None:
    return session.get(GdapAccessAssignment, (world, assignment_id))


def assignments(session: Session, world: str, rel_id: str) -> list[GdapAccessAssignment]:
    """A relationship's access assignments (deleted ones too), oldest first."""
    return list(
        session.scalars(
            select(GdapAccessAssignment)
            .where(GdapAccessAssignment.world_id == world, GdapAccessAssignment.relationship_id == rel_id)
            .order_by(GdapAccessAssignment.created_at, GdapAccessAssignment.id)
        )
    )


def active_assignment(session: Session, world: str, rel_id: str, group_id: str) -> GdapAccessAssignment | None:
    """The group's active access assignment on the relationship, if it has one."""
    return session.scalars(
        select(GdapAccessAssignment).where(
            GdapAccessAssignment.world_id == world,
            GdapAccessAssignment.relationship_id == rel_id,
            GdapAccessAssignment.group_id == group_id,
            GdapAccessAssignment.status == "active",
        )
    ).first()


def add_assignment(session: Session, **values) -> GdapAccessAssignment:
    row = GdapAccessAssignment(**values)
    session.add(row)
    session.flush()
    return row


def group(session: Session, world: str, group_id: str) -> Group | None:
    return session.get(Group, (world, group_id))


# --- service health ----------------------------------------------------------------------------------------
def services(session: Session, world: str, tenant_id: str) -> list[ServiceHealth]:
    """The tenant's service health, one row per service, by service id."""
    return services_of(session, world, [tenant_id])


def services_of(session: Session, world: str, tenant_ids: list[str]) -> list[ServiceHealth]:
    """These tenants' service health, one row per tenant and service, by service id."""
    return list(
        session.scalars(
            select(ServiceHealth)
            .where(ServiceHealth.world_id == world, ServiceHealth.tenant_id.in_(tenant_ids))
            .order_by(ServiceHealth.service_id)
        )
    )


def issues(session: Session, world: str, tenant_id: str, service_id: str | None = None) -> list[ServiceIssue]:
    """The tenant's service issues (of one service, if given), newest first."""
    query = select(ServiceIssue).where(ServiceIssue.world_id == world, ServiceIssue.tenant_id == tenant_id)
    if service_id:
        query = query.where(ServiceIssue.service_id == service_id)
    return list(session.scalars(query.order_by(ServiceIssue.start_at.desc())))
