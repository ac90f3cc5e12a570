"""Entra ID built-in role template ids, the ``roleDefinitionId`` values GDAP grants.

A copy of Microsoft's published ids (the same on every tenant), so the SDK needs nothing from the server.
"""

from __future__ import annotations

import re

ENTRA_ROLES: dict[str, str] = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Global Reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "Service Support Administrator": "f023fd81-a637-4b56-95fd-791ac0226033",
    "Directory Readers": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Billing Administrator": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "Intune Administrator": "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "Dynamics 365 Administrator": "44367163-eba1-44c3-98af-f5787879f96a",
    "License Administrator": "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "Partner Tier1 Support": "4ba39ca4-527c-499a-b93d-d9b492c50246",
    "Partner Tier2 Support": "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
}
ROLE_NAMES: dict[str, str] = {v: k for k, v in ENTRA_ROLES.items()}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BY_LOWER_NAME = {name.lower(): rid for name, rid in ENTRA_ROLES.items()}


def role_id(role: str) -> str:
    """The template id of ``role``, given by name ("Helpdesk Administrator", any case) or id.

    An id is passed through as is (the server judges it); an unknown name raises ``ValueError``.
    """
    if _GUID.match(role):
        return role.lower()
    try:
        return _BY_LOWER_NAME[role.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown Entra role {role!r}: give a role template id or one of " + ", ".join(sorted(ENTRA_ROLES))
        ) from None


def unified_roles(roles) -> list[dict]:
    """Graph's ``unifiedRoles`` list for role names or ids."""
    if isinstance(roles, str):
        roles = [roles]
    return [{"roleDefinitionId": role_id(r)} for r in roles]
