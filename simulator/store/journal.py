"""The journal's writes: one entry per request to a world, and its retention (the newest N entries per world)."""

from __future__ import annotations

import threading

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from .models import JournalEntry

DEFAULT_JOURNAL_RETENTION = 1000  # entries kept per world (0: every entry)
PRUNE_EVERY = 100  # inserts into a world between two prunes of it, at most (a tenth of the retention if less)
_TRACKED_WORLDS = 4096  # worlds whose insert counts this process keeps before it starts the counts again

_JOURNAL = JournalEntry.__table__
_INSERT = insert(_JOURNAL)
# The seq of the world's entry that is the oldest one kept; every entry older than it goes.
_OLDEST_KEPT = (
    select(_JOURNAL.c.seq)
    .where(_JOURNAL.c.world_id == bindparam("world"))
    .order_by(_JOURNAL.c.seq.desc())
    .limit(1)
    .offset(bindparam("keep_offset"))
    .scalar_subquery()
)
_PRUNE = delete(_JOURNAL).where(_JOURNAL.c.world_id == bindparam("world"), _JOURNAL.c.seq < _OLDEST_KEPT)


class Journal:
    """Adds journal entries, and every ``prune_every`` inserts into a world deletes all but its newest
    ``retention`` entries (one indexed DELETE): a world holds at most ``retention + prune_every - 1`` entries
    from this process (more only with several processes writing, each counting its own inserts)."""

    def __init__(self, retention: int = DEFAULT_JOURNAL_RETENTION):
        if retention < 0:
            raise ValueError("the journal retention is a number of entries, 0 or more (0: keep every entry)")
        self.retention = retention
        self.prune_every = max(1, min(PRUNE_EVERY, retention // 10))
        self._inserts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, session: Session, **values) -> None:
        session.connection().execute(_INSERT, [values])
        if self.retention and self._due(values["world_id"]):
            self.prune(session, values["world_id"])

    def prune(self, session: Session, world_id: str) -> None:
        """Delete all but the newest ``retention`` entries of ``world_id``."""
        session.connection().execute(_PRUNE, {"world": world_id, "keep_offset": self.retention - 1})

    def _due(self, world_id: str) -> bool:
        with self._lock:
            if len(self._inserts) >= _TRACKED_WORLDS and world_id not in self._inserts:
                self._inserts.clear()  # the memory this takes stays bounded however many worlds come and go
            count = self._inserts.get(world_id, 0) + 1
            self._inserts[world_id] = count % self.prune_every
            return count >= self.prune_every
