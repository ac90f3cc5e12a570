"""Worlds: load a scenario once into a template world, then make worlds by copying it."""
from __future__ import annotations

import hashlib
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..domain.clock import WorldClock, parse_datetime, utcnow
from ..domain.errors import Conflict, NotFound
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


def _fixture_and_rows(path: Path, seed: int | None = None) -> tuple[Fixture, dict]:
    """Parse, validate and build a fixture (with ``seed`` for its Faker details if given); cached until one
    of its files changes."""
    key = f"{path.resolve()}#{seed}"
    with _built_lock:
        cached = _built.get(key)
        if cached and _unchanged(cached[0]):
            return cached[1], cached[2]
        fixture = load_fixture(path)
        if seed is not None:
            fixture.header["seed"] = seed
        rows = build_rows(fixture)
        _built[key] = ([_stamp(p) for p in fixture.files], fixture, rows)
        return fixture, rows


def write_inline_fixture(document: dict) -> Path:
    """An inline fixture (a mapping) as a file pcsim can load; bare include names refer to ``fixtures/``."""
    document = dict(document)
    includes = document.get("include")
    if includes is not None:
        names = [includes] if isinstance(includes, str) else includes
        resolved = []
        for name in names if isinstance(names, list) else []:
            candidate = resolve_scenario(name) if isinstance(name, str) and "/" not in name else None
            resolved.append(str(candidate.resolve()) if candidate is not None and candidate.exists() else name)
        document["include"] = resolved if isinstance(names, list) else includes
    text = yaml.safe_dump(document, sort_keys=False)
    directory = Path(tempfile.gettempdir()) / "pcsim-inline-fixtures"
    directory.mkdir(exist_ok=True)
    path = directory / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.yaml"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


class Worlds:
    """Create, copy, reset, snapshot and delete worlds in a store."""

    def __init__(self, store: Store):
        self.store = store

    def load_template(self, scenario: str | Path, seed: int | None = None) -> str:
        """Load a scenario into its template world (once per content and seed); return the template's id."""
        path = resolve_scenario(str(scenario))
        fixture, rows = _fixture_and_rows(path, seed)
        template_id = f"scenario:{fixture.name}:{fixture.digest}" + ("" if seed is None else f":{seed}")
        with self.store.session() as session:
            self.store.serialize(session, "template")  # two servers loading it at once: the second finds it
            if session.get(World, template_id) is not None:
                return template_id
            clock = fixture.header.get("clock") or {}
            now = utcnow()
            session.add(World(
                id=template_id, scenario=fixture.name, template=True, seed=fixture.header.get("seed", 0),
                clock_anchor=parse_datetime(clock.get("start", DEFAULT_CLOCK_START)), clock_wall_anchor=now,
                clock_frozen=bool(clock.get("frozen", False)), created_at=now))
            session.flush()
            for model, model_rows in rows.items():
                if model_rows:
                    session.execute(insert(model), [dict(r, world_id=template_id) for r in model_rows])
        return template_id

    def create(self, world_id: str, template_id: str, *, frozen: bool | None = None,
               clock_start: datetime | None = None, ttl_seconds: int | None = None) -> World:
        """A new world as a copy of a template; its clock starts at the template's time, now."""
        with self.store.session() as session:
            template = session.get(World, template_id)
            if template is None or not template.template:
                raise NotFound(f"no scenario template {template_id!r}")
            if session.get(World, world_id) is not None:
                raise Conflict(f"world {world_id!r} already exists")
            now = utcnow()
            world = World(
                id=world_id, scenario=template.scenario, template=False, source_world_id=template_id,
                seed=template.seed, clock_anchor=clock_start or template.clock_anchor, clock_wall_anchor=now,
                clock_frozen=template.clock_frozen if frozen is None else frozen, created_at=now,
                ticket_seq=template.ticket_seq, last_used_at=now, ttl_seconds=ttl_seconds)
            session.add(world)
            session.flush()
            self.store.clone_world(session, template_id, world_id)
        return world

    def _restore(self, session, world: World, source: World, clock_anchor: datetime) -> None:
        self.store.delete_world_rows(session, world.id, data_only=True)
        self.store.clone_world(session, source.id, world.id)
        world.clock_anchor, world.clock_wall_anchor = clock_anchor, utcnow()
        world.ticket_seq = source.ticket_seq

    def reset(self, world_id: str) -> World:
        """Put a world's data and clock back as they were when it was created (journal and faults stay)."""
        with self.store.session() as session:
            world = self._live(session, world_id)
            template = session.get(World, world.source_world_id)
            self._restore(session, world, template, template.clock_anchor)
            return world

    def snapshot(self, world_id: str, name: str) -> World:
        """Save a world's data and clock under ``name`` (replacing an older snapshot of that name)."""
        snapshot_id = snapshot_template_id(world_id, name)
        with self.store.session() as session:
            world = self._live(session, world_id)
            old = session.get(World, snapshot_id)
            if old is not None:
                self.store.delete_world_rows(session, snapshot_id)
                session.delete(old)
                session.flush()
            now = utcnow()
            snap = World(id=snapshot_id, scenario=world.scenario, template=True, source_world_id=world.id,
                         seed=world.seed, clock_anchor=WorldClock(world.clock_anchor, world.clock_wall_anchor,
                                                                  world.clock_frozen).now(now),
                         clock_wall_anchor=now, clock_frozen=world.clock_frozen, created_at=now,
                         ticket_seq=world.ticket_seq)
            session.add(snap)
            session.flush()
            self.store.clone_world(session, world.id, snapshot_id)
            return snap

    def restore(self, world_id: str, name: str) -> World:
        """Put a world back as it was when the snapshot ``name`` was taken."""
        with self.store.session() as session:
            world = self._live(session, world_id)
            snap = session.get(World, snapshot_template_id(world_id, name))
            if snap is None:
                raise NotFound(f"world {world_id!r} has no snapshot {name!r}")
            self._restore(session, world, snap, snap.clock_anchor)
            return world

    def snapshots(self, world_id: str) -> list[World]:
        prefix = snapshot_template_id(world_id, "")
        with self.store.session() as session:
            return list(session.scalars(select(World).where(World.id.startswith(prefix, autoescape=True))
                                        .order_by(World.created_at)))

    def delete(self, world_id: str) -> None:
        """Delete a world, its journal, faults and snapshots."""
        with self.store.session() as session:
            self._live(session, world_id)
            snaps = session.scalars(select(World.id).where(
                World.id.startswith(snapshot_template_id(world_id, ""), autoescape=True))).all()
            for wid in [world_id, *snaps]:
                self.store.delete_world_rows(session, wid)
                session.delete(session.get(World, wid))

    def expire_idle(self, now: datetime | None = None) -> list[str]:
        """Delete worlds idle for longer than their TTL; returns their ids."""
        now = now or utcnow()
        with self.store.session() as session:
            candidates = session.scalars(select(World).where(World.template.is_(False),
                                                             World.ttl_seconds.is_not(None))).all()
            idle = [w.id for w in candidates
                    if (now - (w.last_used_at or w.created_at)).total_seconds() > w.ttl_seconds]
        for world_id in idle:
            try:
                self.delete(world_id)
            except NotFound:
                pass  # another worker expired it first
        return idle

    @staticmethod
    def _live(session, world_id: str) -> World:
        world = session.get(World, world_id)
        if world is None or world.template:
            raise NotFound(f"pcsim world {world_id!r} does not exist")
        return world

    def ensure(self, world_id: str, scenario: str, *, frozen: bool | None = None) -> str:
        """Make sure ``world_id`` exists, creating it from ``scenario`` if it does not."""
        template_id = self.load_template(scenario)
        with self.store.session() as session:
            if session.get(World, world_id) is not None:
                return world_id
        try:
            self.create(world_id, template_id, frozen=frozen)
        except (Conflict, IntegrityError):  # another server (PostgreSQL) created it at the same moment
            with self.store.session() as session:
                if session.get(World, world_id) is None:
                    raise
        return world_id


def snapshot_template_id(world_id: str, name: str) -> str:
    return f"snapshot:{world_id}:{name}"
