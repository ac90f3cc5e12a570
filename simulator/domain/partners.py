"""Partner-customer relationships (R1) and what a partner sees of a customer."""

from __future__ import annotations

import uuid

from .catalog import PROVIDER_TYPES
from .decision import Decision

# Partner Center's PartnerRelationshipType (.NET SDK Relationships/PartnerRelationshipType.cs): the query value
# (``relationship_type=``) and the JSON value (the SDK's EnumJsonConverter writes snake case). It is the calling
# partner's relationship to the partner listed; there are no others (direct providers and advisors have none).
PARTNER_RELATIONSHIP_TYPE = {
    "IsIndirectResellerOf": "is_indirect_reseller_of",
    "IsIndirectCloudSolutionProviderOf": "is_indirect_cloud_solution_provider_of",
}
# Partner Center's subscription ids of Azure plans (derived: stable across worlds, unlike the Azure id's).
_PC_SUBSCRIPTION_IDS = uuid.UUID("6f1c3e2a-8a55-4f7e-9d0a-3c1b5e7d9a21")
_ENTITLEMENT_IDS = uuid.UUID("0b7e4d1f-2c9a-4e36-8f15-a4d2c6b8e903")


def pc_subscription_id(subscription_id: str, workload: str) -> str:
    """A CSP subscription's id in Partner Center. An Azure plan's is its own, not the Azure subscription's (which
    is its ``entitlementId``); a license-based subscription's is the subscription's id (the one the other surfaces
    know)."""
    return str(uuid.uuid5(_PC_SUBSCRIPTION_IDS, subscription_id)) if workload == "azure" else subscription_id


def entitlement_id(subscription_id: str, workload: str) -> str:
    """A CSP subscription's ``entitlementId``: for an Azure plan, the Azure subscription's id; otherwise an id of
    its own."""
    return subscription_id if workload == "azure" else str(uuid.uuid5(_ENTITLEMENT_IDS, subscription_id))


def require_relationship(partner_name: str, partner_id: str, customer_id: str, types: set[str]) -> None:
    """R1: a partner acts for a customer only through a relationship (advisor, reseller, provider)."""
    Decision("partnercenter.customer.access").require(
        "R1",
        bool(types),
        f"The partner id {partner_id} has no commerce relationship with the customer id {customer_id}. "
        f"{partner_name} is neither advisor, indirect reseller, direct provider nor indirect provider of this "
        "customer.",
        f"{partner_name} is {' and '.join(sorted(types))} of the customer",
        partner=partner_id,
        customer=customer_id,
        relationships=sorted(types),
    )


def relationship_to_partner(types: set[str]) -> str:
    """Partner Center's ``relationshipToPartner``: 'advisor' only when the partner is nothing more."""
    return "advisor" if types == {"advisor"} else "reseller"


def sees_subscription(partner_id: str, provider_id: str | None, reseller_id: str | None) -> bool:
    """A partner sees the CSP subscriptions it sells: as their provider or as their reseller."""
    return partner_id in (provider_id, reseller_id)


def is_provider(types: set[str]) -> bool:
    return bool(types & set(PROVIDER_TYPES))
