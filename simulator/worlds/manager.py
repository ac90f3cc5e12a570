"""Worlds: load a scenario once into a template world, then make worlds by copying it."""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from ..domain.clock import parse_datetime, utcnow
from ..store import Store
from ..store.models import World
from .builder import DEFAULT_CLOCK_START, build_rows
from .fixtures import Fixture, load_fixture

DEFAULT_WORLD = "default"
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"

# Parsed and built fixtures per root file, with the (mtime, size) of every file they read.
_built: dict[str, tuple[list[tuple[Path, int, int]], Fixture, dict]] = {}
_built_lock = threading.Lock()


def resolve_scenario(name_or_path: str) -> Path:
    """A scenario given as a path, or as a name of a file in ``fixtures/``."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return FIXTURES_DIR / f"{name_or_path}.yaml"


def _stamp(path: Path) -> tuple[Path, int, int]:
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


def _unchanged(stamps: list[tuple[Path, int, int]]) -> bool:
    try:
        return all(_stamp(path) == (path, mtime, size) for path, mtime, size in stamps)
    except OSError:
        return False


def _fixture_and_rows(path: Path) -> tuple[Fixture, dict]:
    """Parse, validate and build a fixture; cached until one of its files changes."""
    key = str(path.resolve())
    with _built_lock:
        cached = _built.get(key)
        if cached and _unchanged(cached[0]):
            return cached[1], cached[2]
        fixture = load_fixture(path)
        rows = build_rows(fixture)
        _built[key] = ([_stamp(p) for p in fixture.files], fixture, rows)
        return fixture, rows


class Worlds:
    """Create, copy and delete worlds in a store."""

    def __init__(self, store: Store):
        self.store = store

    def load_template(self, scenario: str) -> str:
        """Load a scenario into its template world (once per content) and return the template's id."""
        path = resolve_scenario(scenario)
        fixture, rows = _fixture_and_rows(path)
        template_id = f"scenario:{fixture.name}:{fixture.digest}"
        with self.store.session() as session:
            if session.get(World, template_id) is not None:
                return template_id
            clock = fixture.header.get("clock") or {}
            now = utcnow()
            session.add(World(
                id=template_id, scenario=str(path), template=True, seed=fixture.header.get("seed", 0),
                clock_anchor=parse_datetime(clock.get("start", DEFAULT_CLOCK_START)), clock_wall_anchor=now,
                clock_frozen=bool(clock.get("frozen", False)), created_at=now))
            session.flush()
            for model, model_rows in rows.items():
                if model_rows:
                    session.execute(insert(model), [dict(r, world_id=template_id) for r in model_rows])
        return template_id

    def create(self, world_id: str, template_id: str, *, frozen: bool | None = None,
               clock_start: datetime | None = None) -> World:
        """A new world as a copy of a template; its clock starts at the scenario's start, now."""
        with self.store.session() as session:
            template = session.get(World, template_id)
            now = utcnow()
            world = World(
                id=world_id, scenario=template.scenario, template=False, source_world_id=template_id,
                seed=template.seed, clock_anchor=clock_start or template.clock_anchor, clock_wall_anchor=now,
                clock_frozen=template.clock_frozen if frozen is None else frozen, created_at=now)
            session.add(world)
            session.flush()
            self.store.clone_world(session, template_id, world_id)
        return world

    def reset(self, world_id: str) -> World:
        """Put a world back as it was created: its template's rows, its clock at the scenario's start."""
        with self.store.session() as session:
            world = session.get(World, world_id)
            template_id, frozen = world.source_world_id, world.clock_frozen
            self.store.delete_world_rows(session, world_id)
            session.delete(world)
        return self.create(world_id, template_id, frozen=frozen)

    def ensure(self, world_id: str, scenario: str, *, frozen: bool | None = None) -> str:
        """Make sure ``world_id`` exists, creating it from ``scenario`` if it does not."""
        template_id = self.load_template(scenario)
        with self.store.session() as session:
            if session.get(World, world_id) is not None:
                return world_id
        self.create(world_id, template_id, frozen=frozen)
        return world_id
