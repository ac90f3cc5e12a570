"""The control plane's reads and writes: worlds, fault rules, the journal, and rows edited for test set-up."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import FaultRule, JournalEntry, World

Row = TypeVar("Row")


def live_worlds(session: Session) -> list[World]:
    """Every world that is not a template, oldest first."""
    return list(session.scalars(select(World).where(World.template.is_(False)).order_by(World.created_at)))


def row(session: Session, model: type[Row], key: tuple) -> Row | None:
    """One row by its primary key (every table's starts with the world id)."""
    return session.get(model, key)


def add(session: Session, new_row) -> None:
    session.add(new_row)
    session.flush()


def remove(session: Session, old_row) -> None:
    session.delete(old_row)


def next_fault_seq(session: Session, world_id: str) -> int:
    """The creation number of a world's next fault rule (rules apply in creation order)."""
    return (session.scalar(select(func.max(FaultRule.created_seq)).where(FaultRule.world_id == world_id)) or 0) + 1


def fault_rules(session: Session, world_id: str) -> list[FaultRule]:
    return list(
        session.scalars(select(FaultRule).where(FaultRule.world_id == world_id).order_by(FaultRule.created_seq))
    )


def journal(
    session: Session,
    world_id: str,
    top: int,
    status: int | None = None,
    rule: str | None = None,
    surface: str | None = None,
) -> list[JournalEntry]:
    """A world's journal, newest first, filtered by status, rule and surface when given."""
    query = select(JournalEntry).where(JournalEntry.world_id == world_id)
    for value, column in ((status, JournalEntry.status), (rule, JournalEntry.rule), (surface, JournalEntry.surface)):
        if value not in (None, ""):
            query = query.where(column == value)
    return list(session.scalars(query.order_by(JournalEntry.seq.desc()).limit(top)))
