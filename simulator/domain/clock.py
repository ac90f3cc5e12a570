"""World time: every time-based rule reads a world's clock, never the wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import isodate


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration (``P730D``, ``PT0S``, ``P2Y``) as a timedelta; years count 365 days."""
    value = isodate.parse_duration(text)
    if isinstance(value, isodate.Duration):
        value = value.totimedelta(start=datetime(2000, 1, 1))
    if value < timedelta(0):
        raise ValueError(f"negative duration {text!r}")
    return value


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date or date-time; naive values are UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """Graph/ARM style timestamp: UTC with a Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class WorldClock:
    """``now`` = anchor + wall time elapsed since the anchor was set, unless frozen."""

    anchor: datetime
    wall_anchor: datetime
    frozen: bool = False

    def now(self, wall: datetime | None = None) -> datetime:
        if self.frozen:
            return self.anchor
        return self.anchor + ((wall or utcnow()) - self.wall_anchor)
