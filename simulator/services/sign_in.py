"""Sign-in's use case beside the token service (simulator/auth): which tenant a sign-in names."""

from __future__ import annotations

from ..domain import catalog
from ..domain.errors import NotFound
from ..store import queries
from ..store.facts import RowView
from .scope import Scope


def tenant(scope: Scope, ref: str) -> RowView:
    """The tenant a sign-in names by id or domain, in the cloud being served (R14); NotFound otherwise."""
    found = queries.tenant_by_ref(scope.db, scope.world_id, ref)
    if found is None:
        raise NotFound(f"Tenant '{ref}' not found.")
    catalog.check_same_cloud(ref, found.cloud, scope.cloud)
    return found
