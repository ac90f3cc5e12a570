"""A throwaway PostgreSQL cluster for the tests: Debian's ``postgresql`` package, installed when missing, run by
``initdb`` + ``pg_ctl`` in a temporary directory on 127.0.0.1 and a free port (no system service).

PostgreSQL refuses to run as root (CI runs as root): then the cluster belongs to the ``postgres`` system user
(created by the Debian package; created here if missing) and its commands run through ``runuser -u postgres``.
When PostgreSQL is neither installed nor installable, :func:`require_postgres` fails with the reason, or skips
when the environment says ``PCSIM_SKIP_POSTGRES=1``.
"""
from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .ports import free_port

SKIP_ENV = "PCSIM_SKIP_POSTGRES"
INSTALL_LOCK = Path(tempfile.gettempdir()) / "pcsim-postgres-install.lock"
OS_USER = "postgres"  # the Debian package's system user
DB_USER = "postgres"  # the cluster's superuser (trust authentication, local only)


def _bin_dir() -> Path | None:
    """The newest installed server's binaries: /usr/lib/postgresql/<version>/bin."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def _unavailable(reason: str):
    """Skip when the environment allows it, otherwise fail loudly: the PostgreSQL run is part of ``make test``."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"PostgreSQL tests skipped ({SKIP_ENV}=1): {reason}")
    pytest.fail(f"PostgreSQL is needed by the tests marked 'postgres' and {reason}. Install Debian's "
                f"'postgresql' package (apt-get install -y postgresql), or set {SKIP_ENV}=1 to skip them "
                f"(or deselect them: -m 'not postgres').", pytrace=False)


def install() -> tuple[Path, float]:
    """The server binaries, installing Debian's ``postgresql`` first if needed (as root, once: pytest-xdist
    workers wait on a file lock). Returns the bin directory and the seconds spent installing (0 if none)."""
    bin_dir = _bin_dir()
    if bin_dir:
        return bin_dir, 0.0
    if os.geteuid() != 0:
        _unavailable("it is not installed, and only root can install it")
    if not shutil.which("apt-get"):
        _unavailable("it is not installed, and there is no apt-get to install it with")
    started = time.perf_counter()
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait here, then find it installed
        try:
            if not _bin_dir():
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends",
                                                          "postgresql"]):
                    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
                    if done.returncode != 0:
                        _unavailable(f"installing it failed ({' '.join(command)}: exit {done.returncode}):\n"
                                     f"{(done.stdout + done.stderr)[-2000:]}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    bin_dir = _bin_dir()
    if not bin_dir:
        _unavailable("apt-get installed 'postgresql' but no /usr/lib/postgresql/<version>/bin/pg_ctl exists")
    return bin_dir, time.perf_counter() - started


@dataclass
class Cluster:
    bin_dir: Path
    directory: Path
    port: int
    as_user: list[str]  # the command prefix that runs as the cluster's owner
    install_seconds: float = 0.0
    start_seconds: float = 0.0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.directory)
        if done.returncode != 0:
            log = self.directory / "server.log"
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                               + (f"\nserver.log:\n{log.read_text()[-3000:]}" if log.exists() else ""))
        return done

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb + pg_ctl start in a new temporary directory; returns the running cluster (call ``stop()``)."""
    bin_dir, install_seconds = install()
    started = time.perf_counter()
    directory = Path(tempfile.mkdtemp(prefix="pcsim-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(OS_USER)
        except KeyError:  # the package normally creates it
            subprocess.run(["useradd", "--system", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/bash",
                            OS_USER], check=True, capture_output=True)
            owner = pwd.getpwnam(OS_USER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", OS_USER, "--"]
    port = free_port()
    cluster = Cluster(bin_dir, directory, port, as_user, install_seconds)
    try:
        cluster.run(str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", DB_USER, "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        # A test cluster: durability off for speed; local TCP and a socket in the cluster's own directory.
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        cluster.run(str(bin_dir / "pg_ctl"), "-D", str(cluster.data), "-l", str(directory / "server.log"),
                    "-o", options, "-w", "-t", "60", "start", timeout=90)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    cluster.start_seconds = time.perf_counter() - started
    return cluster


def require_postgres() -> Cluster:
    """The running cluster, or skip/fail (see the module's doc) when PostgreSQL cannot be had."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the Python driver psycopg is not installed (pip install 'psycopg[binary]')")
    return start_cluster()
