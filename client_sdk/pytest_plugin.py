"""pcsim's pytest plugin (entry point ``pcsim`` in the ``pytest11`` group: active once pcsim is installed).

Fixtures:

- ``pcsim_server`` (session): the base URL of a pcsim server: ``--pcsim-url`` if given, else an in-process
  server (``simulator.create_app(frozen_clock=True)``, in-memory database, on a free port) started once per
  test process (each pytest-xdist worker has its own).
- ``pcsim`` (session): a :class:`client_sdk.sim.Sim` on that server (sending ``--pcsim-secret``, else
  ``PCSIM_CONTROL_SECRET``: the control secret of a server listening beyond loopback).
- ``pcsim_world`` (function): a fresh :class:`client_sdk.sim.World` per test, clock frozen, deleted after the
  test. ``@pytest.mark.pcsim_scenario("name-or-path")`` picks its scenario (a relative path is looked up
  next to the test file, then in the rootdir); ``@pytest.mark.pcsim_world(seed=..., frozen=..., fixture=...,
  snapshot=..., ttl=..., id=...)`` gives the other options of ``Sim.create_world``. Markers on a class or
  module apply to each test; the closest one wins. ``pcsim_world.url`` is the world's own root (a port of its
  own on the server's host, closed when the world is deleted): the authority for MSAL
  (``f"{pcsim_world.url}/{tenant}"``) or a base URL for ``client_sdk.Client(pcsim_world.url)``.
- ``pcsim_client`` (function): a :class:`client_sdk.Client` bound to ``pcsim_world``, not signed in.

When a test that used ``pcsim_world`` fails, its report gets a "pcsim journal" section: the world's last
requests, with the rule that denied each refused one.

Nothing is imported from ``client_sdk`` or ``simulator`` until a fixture is used, so the plugin costs nothing
to test runs that do not use it, and the server package is needed only without ``--pcsim-url``.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

JOURNAL_LINES = 20


def pytest_addoption(parser):
    group = parser.getgroup("pcsim", "pcsim (Partner Center simulator)")
    group.addoption(
        "--pcsim-url",
        dest="pcsim_url",
        default=None,
        metavar="URL",
        help="base URL of a running pcsim server to create the tests' worlds on (default: start an "
        "in-process server per test process)",
    )
    group.addoption(
        "--pcsim-secret",
        dest="pcsim_secret",
        default=None,
        metavar="SECRET",
        help="the control secret of the --pcsim-url server, if it listens beyond loopback (default: "
        "PCSIM_CONTROL_SECRET)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "pcsim_scenario(name_or_path): the scenario of the test's pcsim_world (a fixture name of the "
        "server's fixtures/ or a YAML path; a relative path is looked up next to the test file)",
    )
    config.addinivalue_line(
        "markers",
        "pcsim_world(**options): options of the test's pcsim_world: seed, frozen (default True), "
        "fixture, snapshot, ttl, id",
    )


@pytest.fixture(scope="session")
def pcsim_server(request):
    """The base URL of the pcsim server the tests' worlds live on."""
    url = request.config.getoption("pcsim_url")
    if url:
        yield url.rstrip("/")
        return
    try:
        from simulator import create_app
        from simulator.server import start_server
    except ImportError as exc:  # only the SDK is installed: a server must be given
        raise pytest.UsageError(f"pcsim: cannot start an in-process server ({exc}); pass --pcsim-url") from exc
    # An in-memory database: a test server never writes into the database PCSIM_DATABASE_URL names.
    app = create_app(database_url="sqlite://", frozen_clock=True, host="127.0.0.1")  # loopback: no secret
    server = start_server(app)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pcsim(request, pcsim_server):
    """The control plane of the pcsim server: a :class:`client_sdk.sim.Sim` (with ``--pcsim-secret``, else
    ``PCSIM_CONTROL_SECRET``, as the control secret of a server listening beyond loopback)."""
    from .sim import Sim

    sim = Sim(pcsim_server, secret=request.config.getoption("pcsim_secret"))
    yield sim
    sim.close()


@pytest.fixture
def pcsim_world(request, pcsim):
    """A fresh world for this test (markers ``pcsim_scenario`` and ``pcsim_world``), deleted afterwards."""
    from .sim import SimError

    options = world_options(request)
    world = pcsim.create_world(**options)
    request.node.stash[_WORLD] = world
    yield world
    try:
        world.delete()
    except SimError as exc:
        if exc.status != 404:  # the test deleted it itself
            raise


@pytest.fixture
def pcsim_client(pcsim_world):
    """A :class:`client_sdk.Client` bound to ``pcsim_world``, not signed in."""
    client = pcsim_world.client()
    yield client
    client.close()


_WORLD = pytest.StashKey()


def world_options(request) -> dict:
    """``Sim.create_world`` keyword arguments from the test's markers: ``frozen=True`` unless a marker says
    otherwise, the closest ``pcsim_world`` marker's options winning, the closest ``pcsim_scenario``."""
    options: dict = {"frozen": True}
    for marker in reversed(list(request.node.iter_markers("pcsim_world"))):  # farthest first
        if marker.args:
            raise pytest.UsageError("pcsim_world marker: give keyword arguments (seed=..., frozen=...)")
        options.update(marker.kwargs)
    scenario = request.node.get_closest_marker("pcsim_scenario")
    if scenario is not None:
        values = list(scenario.args) + [scenario.kwargs[k] for k in ("name", "scenario") if k in scenario.kwargs]
        if len(values) != 1 or not isinstance(values[0], (str, Path)):
            raise pytest.UsageError("pcsim_scenario marker: give one scenario name or path")
        options.pop("fixture", None)
        options.pop("snapshot", None)
        options["scenario"] = _resolve_scenario(str(values[0]), request)
    if "id" not in options:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-.")[:48] or "test"
        options["id"] = f"{name}-{uuid.uuid4().hex[:8]}"
    return options


def _resolve_scenario(value: str, request) -> str:
    """A scenario path relative to the test file (else the rootdir) as an absolute path, if it exists here;
    anything else (a fixture name, a path on the server) as given."""
    path = Path(value)
    if path.is_absolute() or not (path.suffix in (".yaml", ".yml") or len(path.parts) > 1):
        return value
    for base in (Path(str(request.node.path)).parent, Path(str(request.config.rootpath))):
        candidate = base / path
        if candidate.is_file():
            return str(candidate.resolve())
    return value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    world = item.stash.get(_WORLD, None)
    if world is None or not report.failed or report.when not in ("setup", "call"):
        return
    try:
        entries = world.journal(top=JOURNAL_LINES)
    except Exception as exc:  # the server went away, the test deleted the world...: no section, no harm
        report.sections.append(("pcsim journal", f"world {world.id}: journal unavailable ({exc})"))
        return
    lines = [f"world {world.id} on {world.sim.base_url}: last {len(entries)} request(s), newest first"]
    for e in entries:
        why = f" rule {e['rule']}" if e.get("rule") else f" fault {e['fault']}" if e.get("fault") else ""
        lines.append(
            f"  {e['at']} {e['status']} {e['method']} {e['path']} as {e.get('actor') or '-'}"
            f"{why}  requestId={e['requestId']}"
        )
    report.sections.append(("pcsim journal", "\n".join(lines)))
