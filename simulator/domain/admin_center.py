"""The Microsoft 365 admin center's support: in which context a signed-in user acts, and who may read or write
the tenant's service requests there (R9 for a partner through GDAP, R12 for a partner at home)."""

from __future__ import annotations

from .access import EffectiveRoles
from .catalog import ENTRA_ROLES, SUPPORT_ROLE_IDS
from .decision import Decision
from .errors import Denied, Invalid
from .support import Caller, check_gdap_support_role
from .support_catalog import CATEGORIES_BY_ID, MORE_CATEGORY_ID, TopicCategory

GLOBAL_READER = ENTRA_ROLES["Global Reader"]
READ_ROLE_IDS = SUPPORT_ROLE_IDS | {GLOBAL_READER}
ADMIN_ROLE_NAMES = "Global Administrator, Service Support Administrator or Helpdesk Administrator"

PARTNER, CUSTOMER, OWN = "partner", "customer", "own"


def acting_kind(tenant_kind: str, home_tenant_id: str, tenant_id: str) -> str:
    """``partner``: a partner user in a customer tenant through GDAP; ``customer``: a customer's own user;
    ``own``: a partner user signed in to its own tenant (R12: its own context)."""
    if tenant_kind == "customer":
        return CUSTOMER if home_tenant_id == tenant_id else PARTNER
    return OWN


def require_user(is_user: bool) -> None:
    if not is_user:
        raise Denied("The Microsoft 365 admin center's support needs a signed-in user: app-only tokens cannot use it.")


def category(category_id: str) -> TopicCategory:
    """The topic category a request picks ("More..." only expands the list)."""
    if category_id == MORE_CATEGORY_ID:
        raise Invalid(
            "'more' is not a topic category: it expands the list (GET "
            "/support/topicCategories/more?workload=...). Pick one of the categories it lists."
        )
    found = CATEGORIES_BY_ID.get(category_id)
    if found is None:
        raise Invalid(f"Unknown topicCategoryId '{category_id}': see /support/topicCategories.")
    return found


def check_read(
    kind: str, caller: Caller, tenant_name: str, gdap: EffectiveRoles | None, directory_roles: frozenset[str]
) -> None:
    """Viewing the tenant's tickets: an admin role (Global Reader may view), through GDAP for a partner (R9)."""
    if kind == PARTNER:
        roles = gdap.roles if gdap else frozenset()
        names = ", ".join(gdap.role_names if gdap else []) or "none"
        Decision("m365admin.serviceRequests.read").require(
            "R9",
            bool(roles & READ_ROLE_IDS),
            f"{caller.name}'s GDAP roles in {tenant_name} ({names}) do not allow viewing its support tickets: one "
            f"of {ADMIN_ROLE_NAMES} or Global Reader is needed.",
            f"{caller.name} may view the customer's support tickets through GDAP",
            roles=sorted(roles),
        )
    elif kind == CUSTOMER:
        if not directory_roles & READ_ROLE_IDS:
            raise Denied(
                f"{caller.name} holds no admin role in {tenant_name}: the Microsoft 365 admin center's "
                f"support tickets are for {ADMIN_ROLE_NAMES} (Global Reader may view them)."
            )
    elif not ({"AdminAgent", "HelpdeskAgent"} & caller.partner_roles or directory_roles & READ_ROLE_IDS):
        raise Denied(f"{caller.name} holds neither the AdminAgent nor the HelpdeskAgent role in {tenant_name}.")


def check_write(
    d: Decision,
    kind: str,
    caller: Caller,
    tenant_name: str,
    gdap: EffectiveRoles | None,
    directory_roles: frozenset[str],
) -> None:
    """Filing, adding notes, closing: a support role (through GDAP for a partner: R9)."""
    if kind == PARTNER:
        check_gdap_support_role(d, "R9", caller, gdap)
    elif kind == CUSTOMER:
        if not directory_roles & SUPPORT_ROLE_IDS:
            raise Denied(
                f"{caller.name} holds no admin role in {tenant_name}: only a {ADMIN_ROLE_NAMES} can open "
                "or update a service request in the Microsoft 365 admin center. Ask your admin."
            )
    elif not ("AdminAgent" in caller.partner_roles or directory_roles & SUPPORT_ROLE_IDS):
        raise Denied(
            f"{caller.name} lacks the AdminAgent role needed to open or update the partner's own service requests."
        )
