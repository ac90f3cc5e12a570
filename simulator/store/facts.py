"""A per-process cache of a world's slow-changing facts: tenants, users, groups, GDAP, RBAC, subscriptions.

Every request needs the same few facts (who the caller is, its groups, the partner's GDAP relationships and
the RBAC on a subscription) and they change only when the world is edited: through Graph's GDAP writes, the
control plane's edits, a reset or a restore. Each world row carries a ``facts_version`` that every such change
replaces, in the same transaction as the change itself, so the cache is keyed by (world, version) and a
worker never serves facts older than the version it read at the start of its request, whichever worker made
the change. Tickets, notes, the journal and fault rules are not facts: changing them keeps the version.

Cached values are shared by every request of the process: they are read-only views, never ORM rows.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

T = TypeVar("T")

# Tables whose changes do not change a world's facts (the world row itself included: its clock, ticket
# counter and last-used time move on every request).
NOT_FACTS = frozenset(
    {
        "worlds",
        "signing_keys",
        "tickets",
        "ticket_notes",
        "request_keys",
        "journal",
        "fault_rules",
        "azure_operations",
        "file_workspaces",
        "workspace_files",
        "chat_transcripts",
    }
)


def new_version() -> str:
    return uuid.uuid4().hex


class RowView:
    """A read-only copy of an ORM row's columns, safe to share between requests and threads."""

    __slots__ = ("_values", "_model")

    def __init__(self, model: str, values: dict):
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._model} has no attribute {name!r}") from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{self._model} {self._values.get('id')!r} is a cached, read-only view")

    def __repr__(self) -> str:
        return f"<{self._model} view {self._values.get('id')!r}>"


def view(row) -> RowView | None:
    """A read-only view of an ORM row (None stays None)."""
    if row is None:
        return None
    return RowView(type(row).__name__, {a.key: getattr(row, a.key) for a in type(row).__mapper__.column_attrs})


class FactsCache:
    """Facts per (world, facts version), least recently used worlds and entries dropped first."""

    def __init__(self, max_versions: int = 64, max_entries: int = 20_000):
        self._versions: OrderedDict[tuple[str, str], dict[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_versions, self.max_entries = max_versions, max_entries

    def get(self, world_id: str, version: str, key, load: Callable[[], T]) -> T:
        with self._lock:
            entries = self._versions.get((world_id, version))
            if entries is not None:
                self._versions.move_to_end((world_id, version))
                if key in entries:
                    return entries[key]
        value = load()  # outside the lock: loads of different requests run side by side
        with self._lock:
            entries = self._versions.setdefault((world_id, version), {})
            self._versions.move_to_end((world_id, version))
            if len(entries) >= self.max_entries:
                entries.clear()
            entries[key] = value
            while len(self._versions) > self.max_versions:
                self._versions.popitem(last=False)
        return value


def use_version(session: Session, world_id: str, version: str | None) -> None:
    """Let ``session`` read ``world_id``'s facts from the cache at ``version`` (the one its world row shows)."""
    if version:
        session.info.setdefault("facts_versions", {})[world_id] = version


def cached(session: Session, world_id: str, key, load: Callable[[], T]) -> T:
    """``load()``'s value for ``key`` in this world, from the cache when the session may use it: it read the
    world's version and has changed no fact itself (then it reads the database, which holds its changes)."""
    cache: FactsCache | None = session.info.get("facts_cache")
    version = session.info.get("facts_versions", {}).get(world_id)
    if cache is None or version is None or session.info.get("facts_changed"):
        return load()
    return cache.get(world_id, version, key, load)


def facts_changed(session: Session, world_ids=None) -> None:
    """Give each world (every world when None) a new facts version, in the session's transaction; the
    session stops using the cache."""
    from .models import World

    statement = update(World.__table__).values(facts_version=new_version())
    if world_ids is not None:
        world_ids = set(world_ids)
        if not world_ids:
            return
        statement = statement.where(World.__table__.c.id.in_(world_ids))
    session.info["facts_changed"] = True
    # Core, on the session's connection: this also runs inside a flush, where the ORM must not be re-entered.
    session.connection().execute(statement)


def do_orm_execute(state) -> None:
    """An UPDATE, DELETE or INSERT statement on a fact table run through a session: its worlds are not known
    here, so every world's facts change (statements that say ``facts_handled`` bump their world themselves)."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.execution_options.get("facts_handled"):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in NOT_FACTS:
        facts_changed(state.session)


def before_flush(session: Session, _context, _instances) -> None:
    """A flush that adds, edits or deletes a fact row changes its world's facts version."""
    worlds = {
        obj.world_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if getattr(obj, "__tablename__", "worlds") not in NOT_FACTS
    }
    if worlds:
        facts_changed(session, worlds)
