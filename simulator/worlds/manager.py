"""Worlds: load a scenario once into a template world, then make worlds by copying it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import operator
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ..data import fixtures_dir
from ..domain.clock import WorldClock, parse_datetime, utcnow
from ..domain.errors import Conflict, NotFound
from ..store import Store
from ..store.db import indexes_deferred, page_cache
from ..store.models import World
from .builder import DEFAULT_CLOCK_START, TICKET_COLUMNS, LazyRows, build_rows, ticket_seq
from .fixtures import Fixture, load_fixture

DEFAULT_WORLD = "default"
FIXTURES_DIR = fixtures_dir()  # the shipped fixtures (simulator/data: importlib.resources)

# Parsed and built fixtures per root file, with the (mtime, size) of every file they read. A large fixture's rows
# are not kept (hundreds of megabytes for 100,000 tickets): only what names its template, whose rows are then
# built again only if a store does not have that template yet.
_built: dict[str, tuple[list[tuple[Path, int, int]], Fixture, dict | None]] = {}
_built_lock = threading.Lock()
KEEP_ROWS_UP_TO = 20_000  # a fixture with more tenants, users, subscriptions and tickets is cached as a summary
INSERT_BATCH = 5_000  # rows per Core executemany: bounded memory for the parameter lists
DEFER_INDEXES_FROM = 10_000  # rows in one load; fewer go as fast into the indexes as they are


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


def _size(fixture: Fixture) -> int:
    return sum(
        1 + len(t["users"]) + len(t["subscriptions"]) + len(t["tickets"]) for t in fixture.partners + fixture.customers
    )


def _fixture(path: Path, seed: int | None = None) -> tuple[Fixture, dict | None]:
    """Parse and validate a fixture (with ``seed`` for its generated details if given), and its rows if they
    were kept; cached until one of its files changes. A large fixture's cached form is a summary (its name,
    digest and header, no entities): enough to name its template, which is all a loaded store needs."""
    key = f"{path.resolve()}#{seed}"
    with _built_lock:
        cached = _built.get(key)
        if cached and _unchanged(cached[0]):
            return cached[1], cached[2]
        fixture = load_fixture(path)
        if seed is not None:
            fixture.header["seed"] = seed
        kept = (
            fixture
            if _size(fixture) <= KEEP_ROWS_UP_TO
            else dataclasses.replace(fixture, partners=[], customers=[], marketplaceProducts=[], complete=False)
        )
        _built[key] = ([_stamp(p) for p in fixture.files], kept, None)
        return fixture, None


def _complete(path: Path, seed: int | None, fixture: Fixture) -> Fixture:
    """The fixture with its entities (read again if the cache kept a summary)."""
    if fixture.complete:
        return fixture
    fixture = load_fixture(path)
    if seed is not None:
        fixture.header["seed"] = seed
    return fixture


def _kept_rows(path: Path, seed: int | None, fixture: Fixture) -> dict:
    """A small fixture's rows, built and kept in the cache (so they must not be consumed)."""
    rows = {model: list(model_rows) for model, model_rows in build_rows(fixture, lazy=True).items()}
    with _built_lock:
        cached = _built.get(f"{path.resolve()}#{seed}")
        if cached and cached[1] is fixture:
            _built[f"{path.resolve()}#{seed}"] = (cached[0], fixture, rows)
    return rows


def _bulk_insert(session, table, rows, world_id: str) -> None:
    """Insert rows (dicts without ``world_id``), as they come. On SQLite with the DB-API's ``executemany``, each
    value through the column type's own SQLAlchemy bind processor and each missing value from the column's
    default: what ``session.execute(insert(table), rows)`` does, about five times faster (Core spends ~60 us a
    ticket row in Python); the tickets' :class:`LazyRows` make those values themselves, straight from the
    fixture's text. Elsewhere Core's executemany, in batches."""
    connection = session.connection()
    dialect = connection.dialect
    # SQLite only: elsewhere Core's executemany is quick already (PostgreSQL: multi-row VALUES), and the engine's
    # statement hooks (PostgreSQL's NUL replacement) must see every statement.
    marker = "?" if dialect.name == "sqlite" and dialect.paramstyle == "qmark" else None
    columns = [c for c in table.c if c.name != "world_id"]
    defaults = {c.name: None for c in columns}  # as Core: a column no row gives is NULL
    for c in columns:
        if c.default is not None:
            if c.default.is_scalar:
                defaults[c.name] = c.default.arg
            elif c.default.is_callable:  # list, dict: serialized at once, so one shared value will do
                try:
                    defaults[c.name] = c.default.arg(None)
                except Exception:  # a default that needs the statement's context
                    marker = None
            else:
                marker = None
    if marker is None or any(c.server_default is not None for c in columns):  # Core knows what to do
        # A new template's rows: no world serves them, so no world's cached facts change.
        handled = {"facts_handled": True}
        batch = []
        for r in rows:
            batch.append({**r, "world_id": world_id})
            if len(batch) == INSERT_BATCH:
                session.execute(insert(table), batch, execution_options=handled)
                batch = []
        if batch:
            session.execute(insert(table), batch, execution_options=handled)
        return
    names = [c.name for c in columns]
    quote = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {quote.format_table(table)} ({quote.quote('world_id')}, "
        f"{', '.join(quote.quote(n) for n in names)}) VALUES ({', '.join([marker] * (len(names) + 1))})"
    )
    if isinstance(rows, LazyRows) and tuple(names) == TICKET_COLUMNS:  # the tickets make their DB-API values
        _executemany(connection, sql, ((world_id, *values) for values in rows.stored(dialect)))
        return
    processors = [
        (i + 1, p, {}) for i, p in enumerate(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns) if p
    ]
    values = operator.itemgetter(*names)
    count = len(names)

    def converted():
        for r in rows:
            if len(r) != count:
                r = {**defaults, **r}
            row = [world_id, *values(r)]
            for i, process, memo in processors:
                v = row[i]
                if v is None:
                    continue
                # The same instants (the clock's start) and the same shared dicts (a partner's contact on each of
                # its tickets) recur: convert each once. A dict is remembered by identity, kept alive by the memo.
                kind = type(v)
                if kind is list and all(type(x) is str for x in v):
                    key, kind = ("list", *v), tuple  # role lists: a few distinct values, each in its own list
                else:
                    key = v if kind is datetime else id(v) if kind is dict or kind is list else None
                if key is None:
                    row[i] = process(v)
                    continue
                hit = memo.get(key)
                if hit is None or hit[0] is not v and kind is not datetime and kind is not tuple:
                    if len(memo) > 50_000:
                        memo.clear()
                    hit = memo[key] = (v, process(v))
                row[i] = hit[1]
            yield row

    _executemany(connection, sql, converted())


def _executemany(connection, sql: str, rows: Iterator) -> None:
    """DB-API parameters through the DB-API ``executemany`` of the session's transaction, as they are made:
    never all of them in memory at once."""
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _defer_indexes(connection, table, count: int) -> bool:
    """Whether a load of ``count`` rows (or fixture entities) goes faster into ``table`` with its indexes made
    after it: SQLite, a large load, and a table not larger than the load (rebuilding reads every world's rows)."""
    if count < DEFER_INDEXES_FROM or connection.dialect.name != "sqlite":
        return False
    return count >= connection.execute(select(func.count()).select_from(table)).scalar_one()


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
        return self._load_template(resolve_scenario(str(scenario)), seed)

    def _load_template(self, path: Path, seed: int | None) -> str:
        fixture, rows = _fixture(path, seed)
        template_id = f"scenario:{fixture.name}:{fixture.digest}" + ("" if seed is None else f":{seed}")
        with self.store.session() as session:
            if session.get(World, template_id) is not None:
                return template_id
        if rows is None and fixture.complete and _size(fixture) <= KEEP_ROWS_UP_TO:
            rows = _kept_rows(path, seed, fixture)
        with self.store.session() as session:
            self.store.serialize(session, "template")  # two servers loading it at once: the second finds it
            if session.get(World, template_id) is not None:
                return template_id
            clock = fixture.header.get("clock") or {}
            now = utcnow()
            world = World(
                id=template_id,
                scenario=fixture.name,
                template=True,
                seed=fixture.header.get("seed", 0),
                clock_anchor=parse_datetime(clock.get("start", DEFAULT_CLOCK_START)),
                clock_wall_anchor=now,
                clock_frozen=bool(clock.get("frozen", False)),
                created_at=now,
            )
            session.add(world)
            session.flush()
            connection = session.connection()
            with contextlib.ExitStack() as deferred:  # indexes made again as it closes, if all went well
                tables = set()

                def write(part: dict, consume: bool) -> None:
                    for model in list(part):
                        model_rows = part.pop(model) if consume else part[model]
                        table = model.__table__
                        if table not in tables:
                            tables.add(table)
                            if _defer_indexes(connection, table, size):
                                deferred.enter_context(indexes_deferred(connection, table))
                        if len(model_rows):
                            _bulk_insert(session, table, model_rows, template_id)
                        del model_rows

                if rows is not None:
                    size = sum(map(len, rows.values()))
                    world.ticket_seq = ticket_seq(rows)  # new tickets are numbered after the fixture's
                    write(rows, consume=False)
                else:
                    # A large fixture's rows are written as they are built, a thousand customers at a time, and
                    # released: never all of them in memory with the fixture (in the write transaction, though).
                    full = _complete(path, seed, fixture)
                    size = _size(full)
                    rows = build_rows(full, lazy=True, flush=lambda part: write(part, consume=True))
                    del full
                    world.ticket_seq = ticket_seq(rows)
                    write(rows, consume=True)
        return template_id

    def create(
        self,
        world_id: str,
        template_id: str,
        *,
        frozen: bool | None = None,
        clock_start: datetime | None = None,
        ttl_seconds: int | None = None,
        azure_long_running_creates: bool = False,
    ) -> World:
        """A new world as a copy of a template; its clock starts at the template's time, now."""
        with self.store.session() as session:
            template = session.get(World, template_id)
            if template is None or not template.template:
                raise NotFound(f"no scenario template {template_id!r}")
            if session.get(World, world_id) is not None:
                raise Conflict(f"world {world_id!r} already exists")
            now = utcnow()
            world = World(
                id=world_id,
                scenario=template.scenario,
                template=False,
                source_world_id=template_id,
                seed=template.seed,
                clock_anchor=clock_start or template.clock_anchor,
                clock_wall_anchor=now,
                clock_frozen=template.clock_frozen if frozen is None else frozen,
                created_at=now,
                ticket_seq=template.ticket_seq,
                last_used_at=now,
                ttl_seconds=ttl_seconds,
                azure_long_running_creates=azure_long_running_creates,
            )
            session.add(world)
            session.flush()
            with page_cache(session.connection()):
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
            snap = World(
                id=snapshot_id,
                scenario=world.scenario,
                template=True,
                source_world_id=world.id,
                seed=world.seed,
                clock_anchor=WorldClock(world.clock_anchor, world.clock_wall_anchor, world.clock_frozen).now(now),
                clock_wall_anchor=now,
                clock_frozen=world.clock_frozen,
                created_at=now,
                ticket_seq=world.ticket_seq,
            )
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
            return list(
                session.scalars(
                    select(World).where(World.id.startswith(prefix, autoescape=True)).order_by(World.created_at)
                )
            )

    def delete(self, world_id: str) -> None:
        """Delete a world, its journal, faults and snapshots."""
        with self.store.session() as session:
            self._live(session, world_id)
            snaps = session.scalars(
                select(World.id).where(World.id.startswith(snapshot_template_id(world_id, ""), autoescape=True))
            ).all()
            for wid in [world_id, *snaps]:
                self.store.delete_world_rows(session, wid)
                session.delete(session.get(World, wid))

    def expire_idle(self, now: datetime | None = None) -> list[str]:
        """Delete worlds idle for longer than their TTL; returns their ids."""
        now = now or utcnow()
        with self.store.session() as session:
            candidates = session.scalars(
                select(World).where(World.template.is_(False), World.ttl_seconds.is_not(None))
            ).all()
            idle = [
                w.id for w in candidates if (now - (w.last_used_at or w.created_at)).total_seconds() > w.ttl_seconds
            ]
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
