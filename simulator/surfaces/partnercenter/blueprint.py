"""Partner Center's one module-level blueprint (mounted once per cloud) and who calls it."""

from __future__ import annotations

from ...auth.tokens import TokenRejected
from ...domain.catalog import RESOURCES
from ...services import Principal
from .. import context as ctx
from ..openapi import Blueprint, cloud
from .headers import add_headers

# Named as the public cloud's copy always was: the OpenAPI document's tag.
bp = Blueprint(
    "partnercenter_public",
    __name__,
    description="Partner Center REST API v1 (customers, subscriptions, relationships, profiles).",
)
bp.after_request(add_headers)


def partner() -> Principal:
    """The calling partner: a token for a partner tenant of this cloud, with Partner Center's audience."""
    principal = ctx.authenticate(RESOURCES[cloud()]["partnercenter"])
    if principal.tenant.kind != "partner":
        raise TokenRejected(
            f"the token is for tenant {principal.tenant.name!r}, which is not a partner tenant: "
            "Partner Center takes a token for the partner's own tenant"
        )
    return principal
