"""Service health (R5): who may see a customer's service health, and how Partner Center words it."""

from __future__ import annotations

from .catalog import ENTRA_ROLES, SUPPORT_ROLE_IDS
from .decision import Decision
from .support import Caller, _names

# Entra roles that may read service health in Microsoft 365 (the support roles and the readers/admins).
HEALTH_ROLE_IDS = SUPPORT_ROLE_IDS | {
    ENTRA_ROLES[n]
    for n in (
        "Global Reader",
        "Exchange Administrator",
        "SharePoint Administrator",
        "Teams Administrator",
        "Intune Administrator",
        "Dynamics 365 Administrator",
        "Security Administrator",
        "User Administrator",
    )
}

# The application permission an app needs to read service health on Graph.
HEALTH_READ = "ServiceHealth.Read.All"

# Graph serviceHealthStatus -> Partner Center's ServiceIncidentStatus (normal, information, warning, critical).
PC_INCIDENT_STATUS = {
    "serviceOperational": "normal",
    "serviceRestored": "normal",
    "resolved": "normal",
    "falsePositive": "normal",
    "postIncidentReviewPublished": "information",
    "mitigated": "information",
    "mitigatedExternal": "information",
    "resolvedExternal": "normal",
    "investigating": "warning",
    "restoringService": "warning",
    "verifyingService": "warning",
    "serviceDegradation": "warning",
    "extendedRecovery": "warning",
    "investigationSuspended": "information",
    "confirmed": "warning",
    "reported": "information",
    "serviceInterruption": "critical",
}


def check_health_access(d: Decision, caller: Caller, roles: frozenset[str], via_gdap: bool | None = None) -> None:
    """R5: with GDAP access (a partner user) or as one of the tenant's admins, service health is visible.
    ``via_gdap``: the roles come from GDAP (default: when the caller acts in a tenant not its own)."""
    held = roles & HEALTH_ROLE_IDS
    how = "through GDAP" if (caller.is_guest if via_gdap is None else via_gdap) else "in its own tenant"
    d.require(
        "R5",
        bool(held),
        f"{caller.name} holds no role that may view service health {how} (has: {_names(roles)}); one of "
        f"{_names(HEALTH_ROLE_IDS)} is needed.",
        f"{caller.name} holds {_names(held)} {how}",
        roles=sorted(roles),
    )


def check_app_health_access(d: Decision, app_roles: frozenset[str]) -> None:
    """R5 for an app (client credentials): it holds the ServiceHealth.Read.All application permission."""
    d.require(
        "R5",
        HEALTH_READ in app_roles,
        f"the app lacks the {HEALTH_READ} application permission",
        "the app may read service health",
    )
