"""Configuration: arguments win over environment variables, which win over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from .store.db import DEFAULT_DATABASE_URL
from .store.journal import DEFAULT_JOURNAL_RETENTION

if TYPE_CHECKING:
    from .tls import TlsFiles


@dataclass
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    scenario: str = "default"  # a fixture name in fixtures/ or a path
    # Off loopback, the control plane and the UI need it (simulator/surfaces/exposure.py); None: made up at start.
    control_secret: str | None = None
    default_world: str = "default"
    frozen_clock: bool | None = None  # None: as the scenario says
    host: str = "127.0.0.1"
    port: int = 8080
    journal_retention: int = DEFAULT_JOURNAL_RETENTION  # journal entries kept per world (0: every entry)
    tls: TlsFiles | None = None  # the server's certificate (pcsim serve --tls): worlds' roots serve HTTPS too

    ENV = {
        "database_url": "PCSIM_DATABASE_URL",
        "scenario": "PCSIM_SCENARIO",
        "control_secret": "PCSIM_CONTROL_SECRET",
        "host": "PCSIM_HOST",
        "port": "PCSIM_PORT",
        "frozen_clock": "PCSIM_FROZEN_CLOCK",
        "journal_retention": "PCSIM_JOURNAL_RETENTION",
    }

    @classmethod
    def from_env(cls, **overrides) -> Config:
        values = {}
        for f in fields(cls):
            env = cls.ENV.get(f.name)
            if env and os.environ.get(env) not in (None, ""):
                raw = os.environ[env]
                values[f.name] = (
                    int(raw)
                    if f.name in ("port", "journal_retention")
                    else (raw.lower() in ("1", "true", "yes") if f.name == "frozen_clock" else raw)
                )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
