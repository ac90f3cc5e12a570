"""Stable ids: uuid5 of a fixed namespace and an entity's fixture key, so tests can write ids down once."""

from __future__ import annotations

import hashlib
import uuid

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pcsim.dev/ids")
_NAMESPACE_BYTES = NAMESPACE.bytes


def stable_id(kind: str, *parts: str) -> str:
    """``stable_id("tenant", "contoso")`` is Contoso's tenant id in every world loaded from any fixture."""
    # uuid.uuid5, without building a UUID object (a large fixture computes hundreds of thousands of ids)
    h = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{'/'.join(parts)}".encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def tenant_id(key: str) -> str:
    return stable_id("tenant", key)


def user_id(tenant_key: str, user_key: str) -> str:
    return stable_id("user", tenant_key, user_key)


def group_id(partner_key: str, group_key: str) -> str:
    return stable_id("group", partner_key, group_key)


def app_id(partner_key: str, app_key: str) -> str:
    return stable_id("app", partner_key, app_key)


def subscription_id(key: str) -> str:
    return stable_id("subscription", key)


def gdap_relationship_id(customer_key: str, gdap_key: str) -> str:
    """Graph's format: a relationship GUID, a dash, then the customer's tenant id."""
    return f"{stable_id('gdap', customer_key, gdap_key)}-{tenant_id(customer_key)}"


def access_assignment_id(customer_key: str, gdap_key: str, assignment_key: str) -> str:
    return stable_id("accessAssignment", customer_key, gdap_key, assignment_key)


def product_id(key: str) -> str:
    return stable_id("product", key)
