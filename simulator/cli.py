"""``pcsim``: serve the simulator, validate fixtures, replay and record scenarios, generate fixtures."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .config import Config


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    """``pcsim --version``: the installed distribution's version, read from its metadata when asked (not at
    every start: looking it up costs milliseconds of the cold start)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        click.echo(f"pcsim {version('pcsim')}")
    except PackageNotFoundError:  # a source tree on PYTHONPATH, never installed
        click.echo("pcsim (not installed: no distribution metadata)")
    ctx.exit()


@click.group()
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the installed pcsim's version and exit.",
)
def main():
    """Partner Center Simulator."""


def _example(base: str, upn: str) -> str:
    """A sign-in and a Partner Center call as ``upn`` (a partner user of the served world)."""
    domain = upn.rpartition("@")[2]
    return (
        f"  TOKEN=$(curl -s {base}/login/{domain}/oauth2/v2.0/token \\\n"
        "      -d grant_type=password -d client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46 \\\n"
        f"      -d username={upn} -d 'password=Pcsim-Passw0rd!' \\\n"
        "      -d scope=https://api.partnercenter.microsoft.com/.default | python3 -c 'import json,sys; "
        'print(json.load(sys.stdin)["access_token"])\')\n'
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{base}/partnercenter/v1/customers?size=5'"
    )


@main.command()
@click.option("--host", default=None, help="Interface to listen on (PCSIM_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Plain HTTP port (PCSIM_PORT, default 8080).")
@click.option("--database-url", default=None, help="SQLAlchemy URL (PCSIM_DATABASE_URL, default in-memory SQLite).")
@click.option(
    "--scenario", default=None, help="Fixture name in fixtures/ or a path (PCSIM_SCENARIO, default 'default')."
)
@click.option(
    "--frozen-clock/--running-clock", default=None, help="Freeze the world clock (default: as the scenario says)."
)
@click.option("--tls", is_flag=True, help="Also serve HTTPS (local CA) on --tls-port, for the official Azure clients.")
@click.option("--tls-port", type=int, default=None, help="HTTPS port (default: port + 363, i.e. 8443).")
@click.option("--workers", type=int, default=None, help="Production mode: gunicorn with N worker processes.")
@click.option(
    "--control-secret",
    default=None,
    help="Off loopback, the secret the control plane and the UI ask for (PCSIM_CONTROL_SECRET; default: a new one).",
)
@click.option(
    "--journal-retention",
    type=click.IntRange(min=0),
    default=None,
    help="Journal entries kept per world, the newest (PCSIM_JOURNAL_RETENTION, default 1000; 0: every entry).",
)
def serve(host, port, database_url, scenario, frozen_clock, tls, tls_port, workers, control_secret, journal_retention):
    """Start the simulator, loaded with the scenario."""
    started = time.perf_counter()
    # Importing pcsim and building the app allocate ~190k objects that live as long as the process: collecting
    # garbage meanwhile only scans them again and again (~0.15 s of the cold start). Frozen once built, they are
    # never scanned again (and gunicorn's workers share their pages).
    gc.disable()
    from .auth.keys import generate_in_background

    generate_in_background()  # the signing key, on another core while this one imports and builds the rest
    from . import create_app
    from .config import Config
    from .store.db import _is_memory_sqlite

    config = Config.from_env(
        host=host,
        port=port,
        database_url=database_url,
        scenario=scenario,
        frozen_clock=frozen_clock,
        control_secret=control_secret,
        journal_retention=journal_retention,
    )
    tls_port = tls_port or config.port + 363
    tls_files = None
    if tls:
        from .tls import ensure_certificates

        tls_files = ensure_certificates()
        config.tls = tls_files  # worlds' own roots (simulator/roots.py) serve HTTPS when asked over HTTPS
    if workers:
        if _is_memory_sqlite(config.database_url):
            # Workers are processes: they share state only through a database file or server.
            path = Path(tempfile.gettempdir()) / f"pcsim-{config.port}.db"
            path.unlink(missing_ok=True)
            config.database_url = f"sqlite:///{path}"
        os.environ["PCSIM_DATABASE_URL"] = config.database_url
        app = _create(create_app, config)  # loads the scenario once; the workers (forked) start with this app
        gc.freeze()
        gc.enable()
        _banner(app, config, tls_files, tls_port, started)
        from .server import run_gunicorn

        bind = [f"{config.host}:{config.port}"]
        if tls_files:
            click.echo("--workers with --tls serves HTTPS only, on --port", err=True)
        run_gunicorn(
            lambda: _in_worker(app),
            bind,
            workers,
            str(tls_files.cert) if tls_files else None,
            str(tls_files.key) if tls_files else None,
        )
        return

    from .server import start_server

    app = _create(create_app, config)
    gc.freeze()
    gc.enable()
    banner = _banner_lines(app, config, tls_files, tls_port)  # first: out as soon as the server answers
    servers = [_listen(start_server, "--port", app, config.host, config.port)]
    if tls_files:
        servers.append(_listen(start_server, "--tls-port", app, config.host, tls_port, tls=tls_files))
    _announce(banner, config, started)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        app.extensions["pcsim"].roots.close_all()
        for s in servers:
            s.stop()


def _fail(message: str) -> None:
    """A user's mistake: a few lines saying what is wrong and what to do, exit 2 (no traceback)."""
    click.echo(f"pcsim serve: {message}", err=True)
    sys.exit(2)


def _create(create_app, config: Config):
    """The app, or a short account of why the scenario cannot be served."""
    from .worlds.fixtures import FixtureInvalid

    try:
        return create_app(config)
    except FixtureInvalid as exc:
        _fail(_fixture_problem(config.scenario, exc))


def _fixture_problem(scenario: str, exc) -> str:
    from .data import fixtures_dir
    from .worlds.manager import resolve_scenario

    path = resolve_scenario(scenario)
    shipped = ", ".join(sorted(p.stem for p in fixtures_dir().glob("*.yaml")))
    if [e.reason for e in exc.errors] == ["file not found"] and exc.errors[0].file == str(path):
        return (
            f"no fixture {scenario!r} (looked for {path}).\n  --scenario (or PCSIM_SCENARIO) takes the name of a "
            f"shipped fixture ({shipped}) or the path of a fixture file."
        )
    if _is_replay_scenario(path):
        return (
            f"{scenario} is a replay scenario (a test script): run it with `pcsim replay {scenario}`.\n"
            f"  --scenario (or PCSIM_SCENARIO) takes a fixture, the world to serve: {shipped}, or a path."
        )
    shown = "\n".join(f"  {e}" for e in exc.errors[:10])
    more = f"\n  ... and {len(exc.errors) - 10} more" if len(exc.errors) > 10 else ""
    return (
        f"the fixture {scenario!r} is invalid ({len(exc.errors)} error(s)):\n{shown}{more}\n"
        f"  Check it with `pcsim validate {path}`."
    )


def _is_replay_scenario(path: Path) -> bool:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(document, dict) and "steps" in document


def _listen(start_server, option: str, app, host: str, port: int, **kwargs):
    """A server on ``port``, or a short account of why not (the port taken, the address not this machine's)."""
    import socket

    try:  # the server would answer a taken port with a traceback: try the address first
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        _fail(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): another program (a pcsim already "
            f"running?) holds it, or the address is not this machine's; choose another port with {option}."
        )
    return start_server(app, host, port, **kwargs)


def _in_worker(app):
    """The app built before the workers started, in a worker: with database connections of its own (the pooled
    connections of the parent process must not be used by two processes)."""
    app.extensions["pcsim"].store.engine.dispose(close=False)
    return app


def _example_user(app) -> str | None:
    """A partner AdminAgent of the served world, of the partner with the most customers (Northwind, in the
    default world), for the banner's example."""
    from .services import control

    services = app.extensions["pcsim"]
    with services.store.session() as session:
        return control.example_partner_user(session, services.config.default_world)


def _banner(app, config: Config, tls_files, tls_port: int, started: float) -> None:
    _announce(_banner_lines(app, config, tls_files, tls_port), config, started)


def _announce(lines: list[str], config: Config, started: float) -> None:
    """The banner: its first line says how long the start took."""
    from .store.db import _is_memory_sqlite

    database = config.database_url
    if _is_memory_sqlite(database):
        database = "an embedded SQLite database (a temporary file, removed at exit)"
    click.echo(
        f"pcsim is serving scenario '{config.scenario}' on {database} (ready in {time.perf_counter() - started:.2f}s)"
    )
    click.echo("\n".join(lines))
    sys.stdout.flush()


def _banner_lines(app, config: Config, tls_files, tls_port: int) -> list[str]:
    """The banner after its first line: where to open, the control secret if asked for, an example."""
    from .surfaces import exposure

    hosts = _addresses(config.host)
    base = f"http://{hosts[0]}:{config.port}"
    lines = [f"  HTTP   http://{host}:{config.port}" for host in hosts]
    if tls_files:
        lines.append(
            f"  HTTPS  https://localhost:{tls_port}   (CA: {tls_files.ca_cert}; "
            f"export REQUESTS_CA_BUNDLE={tls_files.ca_cert})"
        )
    lines.append(f"  docs   {base}/docs")
    secret = config.control_secret if exposure.secret_required(config) else None
    link = f"?{exposure.LINK_PARAMETER}={secret}" if secret else ""
    lines.append(
        f"  UI     {base}/ui/{link}   (training: personas, Partner Center, Azure portal, Microsoft 365 admin, trainer)"
    )
    if secret:
        lines.append(
            f"Listening beyond this machine: the control plane (/sim) and the UI ask for the control secret {secret}\n"
            f"  (header {exposure.HEADER}; the SDK and the pytest plugin send {exposure.ENVIRONMENT}; the UI's "
            "link above sets it in a browser). The surfaces keep their own sign-in."
        )
    upn = _example_user(app)
    if upn:
        lines.append(f"Try it (as {upn}):")
        lines.append(_example(base, upn))
    return lines


def _addresses(host: str) -> list[str]:
    """Hosts of the URLs a user can open for a server bound to ``host``: for any address (``0.0.0.0``, ``::``)
    the loopback one, then this machine's name and its own addresses; else ``host`` itself."""
    import socket

    from .server import url_host

    if host not in ("0.0.0.0", "::", ""):
        return [url_host(host)]
    found = [url_host(host), socket.gethostname()]
    try:
        found += [a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)]
    except OSError:  # a name this machine cannot resolve
        pass
    try:  # the address of the interface a packet to the outside would leave by (nothing is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            found.append(probe.getsockname()[0])
    except OSError:  # no route out
        pass
    shown = found[:1]
    for address in found[1:]:
        if ":" in address and host != "::":
            continue  # an IPv6 address: not served on 0.0.0.0
        value = f"[{address}]" if ":" in address else address
        if value not in shown and not _is_loopback_address(address):
            shown.append(value)
    return shown


def _is_loopback_address(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a name
        return False


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files):
    """Check fixture FILES; print every error and exit non-zero if any."""
    from .worlds.fixtures import FixtureInvalid, load_fixture

    failed = False
    for file in files:
        try:
            fixture = load_fixture(file)
        except FixtureInvalid as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
            click.echo(f"{file}: {len(exc.errors)} error(s)", err=True)
        else:
            click.echo(f"{file}: ok ({len(fixture.partners)} partners, {len(fixture.customers)} customers)")
    sys.exit(1 if failed else 0)


# --- scenarios: replay, record, generate (simulator/scenarios/) -------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--url", default=None, help="A running pcsim (default: an in-process server on a free port).")
@click.option("--junit-xml", type=click.Path(dir_okay=False), default=None, help="Write a JUnit XML report.")
@click.option(
    "-k",
    "keyword",
    default=None,
    help="Only scenarios whose name, file or rules match (pytest-like: 'R6', 'gdap and not expired').",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, help="Run N scenarios at a time.")
def replay(paths, url, junit_xml, keyword, jobs):
    """Run scenario files (PATHS: files or directories of *.yaml), each in a fresh world. Without PATHS: the
    scenarios shipped with pcsim (every rule allowed and denied, and more; their folder is printed first).

    Exit 0 when all pass, 1 when any fails, 2 when a file is invalid or no pcsim answers at --url (nothing is run
    then)."""
    from .scenarios.replay import replay as run_replay

    if not paths:
        from .data import scenarios_dir

        paths = (str(scenarios_dir()),)
        click.echo(f"the scenarios shipped with pcsim: {paths[0]}")
    sys.exit(run_replay(list(paths), url=url, junit_xml=junit_xml, keyword=keyword, jobs=jobs))


@main.command()
@click.option("--url", required=True, help="The pcsim to record against, e.g. http://127.0.0.1:8080.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The scenario file to write.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the proxy listens on.")
@click.option("--port", type=int, default=8081, show_default=True, help="Port the proxy listens on (0: any free).")
@click.option("--world", "world_id", default=None, help="Record in this existing world (default: a new one).")
@click.option("--scenario", default=None, help="Fixture of the new world (default: the server's).")
@click.option("--name", default=None, help="The scenario's name (default: from the output file's name).")
@click.option("--max-requests", type=click.IntRange(min=1), default=None, help="Stop after N proxied requests.")
@click.option("--keep-world", is_flag=True, help="Do not delete the world the proxy created.")
def record(url, output, host, port, world_id, scenario, name, max_requests, keep_world):
    """A recording proxy: point a partner tool at it, use the tool, and get a scenario that replays the session.

    Stops on Ctrl-C (or after --max-requests); the scenario file is rewritten after every request."""
    from .scenarios.recorder import record_session

    sys.exit(
        record_session(
            url,
            output,
            host=host,
            port=port,
            world_id=world_id,
            scenario=scenario,
            name=name,
            max_requests=max_requests,
            keep_world=keep_world,
            echo=click.echo,
        )
    )


@main.command()
@click.option("--customers", type=click.IntRange(min=1), required=True, help="How many customers.")
@click.option(
    "--tickets",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="How many support tickets, spread over the customers and the three surfaces.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Faker seed: the same seed, the same bytes.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The fixture file to write.")
@click.option("--name", default=None, help="Scenario name (default: the output file's name).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml"]),
    default="json",
    show_default=True,
    help="json (which is YAML too) reads about fifty times faster; yaml is block-style YAML.",
)
def generate(customers, tickets, seed, output, name, fmt):
    """Write a valid fixture with N customers (every relationship type, every GDAP status, in proportion) and
    optionally T tickets."""
    from .scenarios.generate import write_fixture

    started = time.perf_counter()
    stats = write_fixture(output, customers=customers, seed=seed, name=name, tickets=tickets, fmt=fmt)
    click.echo(
        f"{output}: {stats['partners']} partners, {stats['customers']} customers, "
        f"{stats['subscriptions']} subscriptions, {stats['gdap']} GDAP relationships, "
        f"{stats['tickets']} tickets ({time.perf_counter() - started:.2f}s); check it with "
        f"`pcsim validate {output}`"
    )


if __name__ == "__main__":
    main()
