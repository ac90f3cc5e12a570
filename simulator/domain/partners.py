"""Partner-customer relationships (R1) and what a partner sees of a customer."""

from __future__ import annotations

from .catalog import PROVIDER_TYPES
from .decision import Decision

# Partner Center's PartnerRelationshipType names (the two indirect ones are the real API's; the other two are pcsim's).
PARTNER_RELATIONSHIP_TYPE = {
    "indirectReseller": "is_indirect_reseller_of",
    "indirectProvider": "is_indirect_cloud_solution_provider_of",
    "directProvider": "is_direct_cloud_solution_provider_of",
    "advisor": "is_advisor_of",
}


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
