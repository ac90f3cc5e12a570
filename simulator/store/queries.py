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


# --- facts for the support rules ----------------------------------------------------------------------------
def relationship_types(session: Session, world: str, partner_id: str, customer_id: str) -> set[str]:
    return {r.type for r in partner_relationships(session, world, partner_id, customer_id)}


def gdap_roles(session: Session, world: str, user_id: str, partner_id: str, customer_id: str, now):
    """A partner user's effective GDAP roles in a customer, with the grants behind them."""
    from ..domain.access import effective_roles
    groups = user_groups(session, world, user_id)
    return effective_roles(gdap_facts(session, world, partner_id, customer_id), set(groups), now)


def azure_subscription(session: Session, world: str, subscription_id: str):
    """An Azure subscription's facts, or None when there is no such Azure subscription."""
    from ..domain.support import AzureSubscriptionFacts
    from .models import Subscription
    sub = session.get(Subscription, (world, subscription_id.lower()))
    if sub is None or sub.workload != "azure":
        return None
    owner = session.get(Tenant, (world, sub.tenant_id))
    return AzureSubscriptionFacts(sub.id, sub.display_name, sub.tenant_id, owner.kind, sub.channel, sub.provider_id,
                                  sub.reseller_id, sub.support_plan)


def rbac_assignments_for(session: Session, world: str, subscription_id: str, user_id: str) -> list[dict]:
    """The RBAC assignments on a subscription that apply to a user: directly or through its groups."""
    from .models import RbacAssignment
    groups = user_groups(session, world, user_id)
    rows = session.scalars(select(RbacAssignment).where(
        RbacAssignment.world_id == world, RbacAssignment.subscription_id == subscription_id,
        RbacAssignment.principal_id.in_(set(groups) | {user_id}))).all()
    return [{"role": r.role, "principalId": r.principal_id, "principalType": r.principal_type,
             "via": groups.get(r.principal_id, "the user itself"), "assignmentId": r.id} for r in rows]


def marketplace_product(session: Session, world: str, product_id: str | None):
    from ..domain.support import Contact, Product
    from .models import MarketplaceProduct
    row = session.get(MarketplaceProduct, (world, product_id)) if product_id else None
    if row is None:
        return None
    return Product(row.id, row.name, row.publisher,
                   Contact(row.publisher, row.support_url, row.support_email, row.support_phone))


def customer_support_facts(session: Session, world: str, customer_id: str):
    """R10's facts: the customer's CSP partners (with their support contact) and its Direct subscriptions."""
    from ..domain.support import CustomerSubscriptionsFacts
    from .models import Subscription
    subs = session.scalars(select(Subscription).where(
        Subscription.world_id == world, Subscription.tenant_id == customer_id,
        Subscription.status == "active")).all()
    facts = CustomerSubscriptionsFacts()
    seen = set()
    for s in subs:
        if s.channel == "direct":
            facts.direct_trial |= s.is_trial
            facts.direct_paid |= not s.is_trial
            continue
        for pid in (s.reseller_id, s.provider_id):  # the reseller is the customer's first contact
            if pid and pid not in seen:
                seen.add(pid)
                partner = session.get(Tenant, (world, pid))
                facts.csp_partners.append((pid, partner.name, dict(partner.profile.get("supportContact", {}))))
                break
    return facts


def tenant_domains(session: Session, world: str, tenant_id: str) -> set[str]:
    return set(session.scalars(select(Domain.name).where(Domain.world_id == world, Domain.tenant_id == tenant_id)))


def resolve_product(session: Session, world: str, tenant_id: str, ref: str | None):
    """What a request's ``productId`` names: a marketplace product (by id or key), or one of the tenant's
    subscriptions (by id or key; a marketplace subscription brings its product). (product, subscription)."""
    from ..domain.errors import Invalid
    from .models import MarketplaceProduct, Subscription
    if not ref:
        return None, None
    product = marketplace_product(session, world, ref.lower()) or marketplace_product(
        session, world, session.scalars(select(MarketplaceProduct.id).where(
            MarketplaceProduct.world_id == world, MarketplaceProduct.key == ref)).first())
    if product is not None:
        return product, None
    sub = session.get(Subscription, (world, ref.lower()))
    if sub is None or sub.tenant_id != tenant_id:
        sub = session.scalars(select(Subscription).where(
            Subscription.world_id == world, Subscription.tenant_id == tenant_id, Subscription.key == ref)).first()
    if sub is None:
        raise Invalid(f"productId '{ref}' is neither a marketplace product nor a subscription of this tenant.")
    if sub.workload == "azure":
        raise Invalid(f"Subscription '{sub.display_name}' is an Azure subscription: Azure support requests are "
                      "filed in the Azure portal (the /azure surface, Microsoft.Support).")
    if sub.workload == "marketplace":
        return marketplace_product(session, world, sub.product_id), sub
    return None, sub
