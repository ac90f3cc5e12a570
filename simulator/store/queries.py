"""Queries the surfaces share. Each takes a session and a world id and returns rows or domain facts.

The lookups every request makes (the caller, its groups, GDAP, RBAC, subscriptions, relationships) go through
the world's facts cache (:mod:`simulator.store.facts`): they return read-only views and frozen facts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..domain.access import AccessAssignmentFacts, GdapRelationshipFacts
from .facts import RowView, cached, view
from .models import (
    App,
    Domain,
    FaultRule,
    GdapAccessAssignment,
    GdapRelationship,
    GdapRequest,
    Group,
    GroupMember,
    PartnerRelationship,
    Subscription,
    Tenant,
    User,
    World,
)

_WORLD_ROW = select(World.__table__).where(World.__table__.c.id == bindparam("id"))


def world(session: Session, world_id: str) -> RowView | None:
    """A world's row as it is now (a read-only view; one Core statement, as every request reads it)."""
    row = session.connection().execute(_WORLD_ROW, {"id": world_id}).mappings().first()
    return None if row is None else RowView("World", dict(row))


# Every request reads the fault rules: Core statements built once (the journal's writes: store/journal.py).
_FAULTS = FaultRule.__table__
_FAULT_RULES = select(_FAULTS).where(_FAULTS.c.world_id == bindparam("world")).order_by(_FAULTS.c.created_seq)
_FAULT_COUNTS = (
    update(_FAULTS)
    .where(_FAULTS.c.world_id == bindparam("world"), _FAULTS.c.id == bindparam("rule"))
    .values(seen=_FAULTS.c.seen + 1, fired=_FAULTS.c.fired + bindparam("fired"))
)
# Takes one of a limited rule's remaining firings, if one is left (two requests at once cannot both take the last).
_FAULT_CLAIM = (
    update(_FAULTS)
    .where(_FAULTS.c.world_id == bindparam("world"), _FAULTS.c.id == bindparam("rule"), _FAULTS.c.remaining > 0)
    .values(remaining=_FAULTS.c.remaining - 1)
)


def fault_rules(session: Session, world: str) -> list:
    """A world's fault rules in the order they were added (read-only rows)."""
    return session.connection().execute(_FAULT_RULES, {"world": world}).mappings().all()


def count_fault(session: Session, world: str, rule_id: str, fired: bool) -> None:
    """One more request matched the rule (and it fired, or not): counted in place, whoever counts at once."""
    session.connection().execute(_FAULT_COUNTS, {"world": world, "rule": rule_id, "fired": int(fired)})


def claim_fault(session: Session, world: str, rule_id: str) -> bool:
    """Take one of a limited rule's remaining firings; False when none is left."""
    return session.connection().execute(_FAULT_CLAIM, {"world": world, "rule": rule_id}).rowcount == 1


def touch_world(session: Session, world: str, wall_time) -> None:
    """Note that the world was used (its idle time-to-live starts again)."""
    session.execute(update(World).where(World.id == world).values(last_used_at=wall_time))


def tenant(session: Session, world: str, tenant_id: str):
    """A tenant by id (a read-only view), or None."""
    return cached(session, world, ("tenant", tenant_id), lambda: view(session.get(Tenant, (world, tenant_id))))


def user(session: Session, world: str, user_id: str):
    """A user by object id (a read-only view), or None."""
    return cached(session, world, ("user", user_id), lambda: view(session.get(User, (world, user_id))))


def tenant_by_ref(session: Session, world: str, ref: str):
    """A tenant named by id or by any of its domains, as Entra ID accepts (a read-only view)."""
    ref = ref.lower()

    def load():
        found = session.get(Tenant, (world, ref))
        if found is None:
            domain = session.get(Domain, (world, ref))
            found = session.get(Tenant, (world, domain.tenant_id)) if domain else None
        return view(found)

    return cached(session, world, ("tenant_by_ref", ref), load)


def user_by_upn(session: Session, world: str, upn: str):
    upn = upn.lower()
    return cached(
        session,
        world,
        ("user_by_upn", upn),
        lambda: view(session.scalars(select(User).where(User.world_id == world, User.upn == upn)).first()),
    )


def user_groups(session: Session, world: str, user_id: str) -> dict[str, str]:
    """The user's security groups, id -> display name (shared: read, never change it)."""
    return cached(
        session,
        world,
        ("groups", user_id),
        lambda: dict(
            session.execute(
                select(Group.id, Group.display_name)
                .join(GroupMember, (GroupMember.world_id == Group.world_id) & (GroupMember.group_id == Group.id))
                .where(Group.world_id == world, GroupMember.user_id == user_id)
            ).all()
        ),
    )


def gdap_facts(session: Session, world: str, partner_id: str, customer_id: str) -> tuple[GdapRelationshipFacts, ...]:
    """The partner's GDAP relationships with one customer, with their access assignments."""
    return cached(
        session,
        world,
        ("gdap", partner_id, customer_id),
        lambda: _load_gdap_facts(session, world, partner_id, customer_id),
    )


def _load_gdap_facts(session: Session, world: str, partner_id: str, customer_id: str):
    rels = session.scalars(
        select(GdapRelationship)
        .where(
            GdapRelationship.world_id == world,
            GdapRelationship.partner_id == partner_id,
            GdapRelationship.customer_id == customer_id,
        )
        .order_by(GdapRelationship.created_at, GdapRelationship.id)
    ).all()
    if not rels:
        return ()
    assignments = session.execute(
        select(GdapAccessAssignment, Group.display_name)
        .outerjoin(
            Group, (Group.world_id == GdapAccessAssignment.world_id) & (Group.id == GdapAccessAssignment.group_id)
        )
        .where(GdapAccessAssignment.world_id == world, GdapAccessAssignment.relationship_id.in_([r.id for r in rels]))
    ).all()
    by_rel: dict[str, list[AccessAssignmentFacts]] = {}
    for a, group_name in assignments:
        by_rel.setdefault(a.relationship_id, []).append(
            AccessAssignmentFacts(
                a.id,
                a.group_id,
                group_name or a.group_id,
                frozenset(a.roles),
                a.status,
                a.created_at,
                a.last_modified_at,
            )
        )
    requests = last_requests(session, world, [r.id for r in rels])
    return tuple(relationship_facts(r, tuple(by_rel.get(r.id, ())), requests.get(r.id)) for r in rels)


def last_requests(session: Session, world: str, rel_ids: list[str]) -> dict[str, tuple[str, datetime]]:
    """Each relationship's last request: relationship id -> (action, when it was made)."""
    if not rel_ids:
        return {}
    rows = session.execute(
        select(GdapRequest.relationship_id, GdapRequest.action, GdapRequest.created_at)
        .where(GdapRequest.world_id == world, GdapRequest.relationship_id.in_(rel_ids))
        .order_by(GdapRequest.created_at, GdapRequest.id)
    ).all()
    return {rel_id: (action, created_at) for rel_id, action, created_at in rows}


def relationship_facts(
    r, assignments: tuple[AccessAssignmentFacts, ...] = (), request: tuple[str, datetime] | None = None
) -> GdapRelationshipFacts:
    """A GDAP relationship row (or view) as the domain's facts, with its last request."""
    return GdapRelationshipFacts(
        r.id,
        r.display_name,
        r.partner_id,
        r.customer_id,
        r.status,
        r.end_at,
        r.auto_extend_duration,
        frozenset(r.roles),
        assignments,
        request,
    )


def app_by_client_id(session: Session, world: str, client_id: str):
    client_id = client_id.lower()
    return cached(session, world, ("app", client_id), lambda: view(session.get(App, (world, client_id))))


# --- facts for the support rules ----------------------------------------------------------------------------
def relationship_types(session: Session, world: str, partner_id: str, customer_id: str) -> frozenset[str]:
    """The partner's relationship types with a customer (direct provider, indirect reseller, ...)."""
    return cached(
        session,
        world,
        ("relationship_types", partner_id, customer_id),
        lambda: frozenset(
            session.scalars(
                select(PartnerRelationship.type).where(
                    PartnerRelationship.world_id == world,
                    PartnerRelationship.partner_id == partner_id,
                    PartnerRelationship.customer_id == customer_id,
                )
            )
        ),
    )


def gdap_roles(session: Session, world: str, user_id: str, partner_id: str, customer_id: str, now):
    """A partner user's effective GDAP roles in a customer, with the grants behind them."""
    from ..domain.access import effective_roles

    groups = user_groups(session, world, user_id)
    return effective_roles(gdap_facts(session, world, partner_id, customer_id), set(groups), now)


def azure_subscription(session: Session, world: str, subscription_id: str):
    """An Azure subscription's facts, or None when there is no such Azure subscription."""
    from ..domain.support import AzureSubscriptionFacts
    from .models import Subscription

    subscription_id = subscription_id.lower()

    def load():
        sub = session.get(Subscription, (world, subscription_id))
        if sub is None or sub.workload != "azure":
            return None
        owner = tenant(session, world, sub.tenant_id)
        return AzureSubscriptionFacts(
            sub.id,
            sub.display_name,
            sub.tenant_id,
            owner.kind,
            sub.channel,
            sub.provider_id,
            sub.reseller_id,
            sub.support_plan,
        )

    return cached(session, world, ("azure_subscription", subscription_id), load)


def rbac_assignments_for(session: Session, world: str, subscription_id: str, user_id: str) -> tuple[dict, ...]:
    """The RBAC assignments on a subscription that apply to a user: directly or through its groups."""
    from .models import RbacAssignment

    def load():
        groups = user_groups(session, world, user_id)
        rows = session.scalars(
            select(RbacAssignment).where(
                RbacAssignment.world_id == world,
                RbacAssignment.subscription_id == subscription_id,
                RbacAssignment.principal_id.in_(set(groups) | {user_id}),
            )
        ).all()
        return tuple(
            {
                "role": r.role,
                "principalId": r.principal_id,
                "principalType": r.principal_type,
                "via": groups.get(r.principal_id, "the user itself"),
                "assignmentId": r.id,
            }
            for r in rows
        )

    return cached(session, world, ("rbac", subscription_id, user_id), load)


def marketplace_product(session: Session, world: str, product_id: str | None):
    from ..domain.support import Contact, Product
    from .models import MarketplaceProduct

    if not product_id:
        return None

    def load():
        row = session.get(MarketplaceProduct, (world, product_id))
        return (
            None
            if row is None
            else Product(
                row.id,
                row.name,
                row.publisher,
                Contact(row.publisher, row.support_url, row.support_email, row.support_phone),
            )
        )

    return cached(session, world, ("product", product_id), load)


def customer_support_facts(session: Session, world: str, customer_id: str):
    """R10's facts: the customer's CSP partners (with their support contact) and its Direct subscriptions."""
    from ..domain.support import CustomerSubscriptionsFacts
    from .models import Subscription

    subs = session.scalars(
        select(Subscription).where(
            Subscription.world_id == world, Subscription.tenant_id == customer_id, Subscription.status == "active"
        )
    ).all()
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


def tenant_domains(session: Session, world: str, tenant_id: str) -> frozenset[str]:
    return cached(
        session,
        world,
        ("domains", tenant_id),
        lambda: frozenset(
            session.scalars(select(Domain.name).where(Domain.world_id == world, Domain.tenant_id == tenant_id))
        ),
    )


def resolve_product(session: Session, world: str, tenant_id: str, ref: str | None):
    """What a request's ``productId`` names: a marketplace product (by id or key), or one of the tenant's
    subscriptions (by id or key; a marketplace subscription brings its product). (product, subscription)."""
    from ..domain.errors import Invalid
    from .models import MarketplaceProduct, Subscription

    if not ref:
        return None, None
    product = marketplace_product(session, world, ref.lower()) or marketplace_product(
        session,
        world,
        session.scalars(
            select(MarketplaceProduct.id).where(MarketplaceProduct.world_id == world, MarketplaceProduct.key == ref)
        ).first(),
    )
    if product is not None:
        return product, None
    sub = session.get(Subscription, (world, ref.lower()))
    if sub is None or sub.tenant_id != tenant_id:
        sub = session.scalars(
            select(Subscription).where(
                Subscription.world_id == world, Subscription.tenant_id == tenant_id, Subscription.key == ref
            )
        ).first()
    if sub is None:
        raise Invalid(f"productId '{ref}' is neither a marketplace product nor a subscription of this tenant.")
    if sub.workload == "azure":
        raise Invalid(
            f"Subscription '{sub.display_name}' is an Azure subscription: Azure support requests are "
            "filed in the Azure portal (the /azure surface, Microsoft.Support)."
        )
    if sub.workload == "marketplace":
        return marketplace_product(session, world, sub.product_id), sub
    return None, sub


def support_plans(session: Session, world: str, tenant_id: str) -> list[dict]:
    """The support plans recorded on a tenant's subscriptions (``{"type", "id"}`` each)."""
    return [
        p
        for p in session.scalars(
            select(Subscription.support_plan).where(Subscription.world_id == world, Subscription.tenant_id == tenant_id)
        )
        if p
    ]
