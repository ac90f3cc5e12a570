"""A throwaway PostgreSQL cluster for the tests: Debian's ``postgresql`` package, run by ``initdb`` + ``pg_ctl``
in a temporary directory on 127.0.0.1 and a free port (no system service).

``make test`` installs the package first (``make system-deps``); pytest never installs anything: run alone on a
machine without it, the tests that need PostgreSQL are skipped, and say how to install it.
PostgreSQL refuses to run as root (CI runs as root): then the cluster belongs to the ``postgres`` system user
(created by the Debian package; created here if missing) and its commands run through ``runuser -u postgres``.
"""

from __future__ import annotations

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

OS_USER = "postgres"  # the Debian package's system user
DB_USER = "postgres"  # the cluster's superuser (trust authentication, local only)
HOW_TO_INSTALL = (
    "`make system-deps` (or `make test`) installs Debian's package (as root: apt-get install -y "
    "--no-install-recommends postgresql)"
)


def _bin_dir() -> Path | None:
    """The newest installed server's binaries: /usr/lib/postgresql/<version>/bin."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def _unavailable(reason: str, how: str = HOW_TO_INSTALL):
    pytest.skip(f"PostgreSQL tests skipped: {reason}; {how}")


def install() -> tuple[Path, float]:
    """The server binaries (/usr/lib/postgresql/<version>/bin), or skip. Returns the bin directory and the
    seconds spent installing (always 0 now: ``make system-deps`` installs it before pytest starts)."""
    bin_dir = _bin_dir()
    if not bin_dir:
        _unavailable("Debian's 'postgresql' is not installed (no /usr/lib/postgresql/<version>/bin/pg_ctl)")
    return bin_dir, 0.0


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
        done = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout, cwd=self.directory
        )
        if done.returncode != 0:
            log = self.directory / "server.log"
            raise RuntimeError(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                + (f"\nserver.log:\n{log.read_text()[-3000:]}" if log.exists() else "")
            )
        return done

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres", autocommit=True
        ) as connection:
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
            subprocess.run(
                ["useradd", "--system", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/bash", OS_USER],
                check=True,
                capture_output=True,
            )
            owner = pwd.getpwnam(OS_USER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", OS_USER, "--"]
    port = free_port()
    cluster = Cluster(bin_dir, directory, port, as_user, install_seconds)
    try:
        cluster.run(
            str(bin_dir / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            DB_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        # A test cluster: durability off for speed; local TCP and a socket in the cluster's own directory.
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        cluster.run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-l",
            str(directory / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    cluster.start_seconds = time.perf_counter() - started
    return cluster


def require_postgres() -> Cluster:
    """The running cluster, or skip (see the module's doc) when PostgreSQL is not installed."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the Python driver psycopg is not installed", "pip install 'psycopg[binary]'")
    return start_cluster()
