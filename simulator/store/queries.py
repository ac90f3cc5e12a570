"""Queries the surfaces share. Each takes a session and a world id and returns rows or domain facts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.access import AccessAssignmentFacts, GdapRelationshipFacts
from .models import (App, Domain, GdapAccessAssignment, GdapRelationship, Group, GroupMember, PartnerRelationship,
                     Tenant, User)


def tenant_by_ref(session: Session, world: str, ref: str) -> Tenant | None:
    """A tenant named by id or by any of its domains, as Entra ID accepts."""
    ref = ref.lower()
    tenant = session.get(Tenant, (world, ref))
    if tenant is not None:
        return tenant
    domain = session.get(Domain, (world, ref))
    return session.get(Tenant, (world, domain.tenant_id)) if domain else None


def user_by_upn(session: Session, world: str, upn: str) -> User | None:
    return session.scalars(select(User).where(User.world_id == world, User.upn == upn.lower())).first()


def user_groups(session: Session, world: str, user_id: str) -> dict[str, str]:
    """The user's security groups, id -> display name."""
    rows = session.execute(
        select(Group.id, Group.display_name).join(
            GroupMember, (GroupMember.world_id == Group.world_id) & (GroupMember.group_id == Group.id))
        .where(Group.world_id == world, GroupMember.user_id == user_id))
    return dict(rows.all())


def gdap_facts(session: Session, world: str, partner_id: str, customer_id: str) -> list[GdapRelationshipFacts]:
    """The partner's GDAP relationships with one customer, with their access assignments."""
    rels = session.scalars(select(GdapRelationship).where(
        GdapRelationship.world_id == world, GdapRelationship.partner_id == partner_id,
        GdapRelationship.customer_id == customer_id).order_by(GdapRelationship.created_at, GdapRelationship.id)).all()
    if not rels:
        return []
    assignments = session.execute(
        select(GdapAccessAssignment, Group.display_name).outerjoin(
            Group, (Group.world_id == GdapAccessAssignment.world_id) & (Group.id == GdapAccessAssignment.group_id))
        .where(GdapAccessAssignment.world_id == world,
               GdapAccessAssignment.relationship_id.in_([r.id for r in rels]))).all()
    by_rel: dict[str, list[AccessAssignmentFacts]] = {}
    for a, group_name in assignments:
        by_rel.setdefault(a.relationship_id, []).append(AccessAssignmentFacts(
            a.id, a.group_id, group_name or a.group_id, frozenset(a.roles), a.status))
    return [GdapRelationshipFacts(
        r.id, r.display_name, r.partner_id, r.customer_id, r.status, r.end_at, r.auto_extend_duration,
        frozenset(r.roles), tuple(by_rel.get(r.id, ()))) for r in rels]


def partner_relationships(session: Session, world: str, partner_id: str, customer_id: str) -> list[PartnerRelationship]:
    return list(session.scalars(select(PartnerRelationship).where(
        PartnerRelationship.world_id == world, PartnerRelationship.partner_id == partner_id,
        PartnerRelationship.customer_id == customer_id)))


def app_by_client_id(session: Session, world: str, client_id: str) -> App | None:
    return session.get(App, (world, client_id.lower()))
