"""The data pcsim ships: the fixtures (``fixtures/`` of the repository) and the scenarios (``scenarios/``).

In the repository they stay at the top level, where people look for them; ``simulator/data/fixtures`` and
``simulator/data/scenarios`` are links to them, and a built wheel holds them as this package's data (see
``[tool.setuptools.package-data]`` in pyproject.toml). Every reader finds them through :mod:`importlib.resources`,
so a source checkout, an editable install and an installed wheel all read them the same way.
"""

from __future__ import annotations

import atexit
import contextlib
from functools import cache
from importlib import resources
from pathlib import Path

_extracted = contextlib.ExitStack()  # a package served from an archive: its data, unpacked once per process
atexit.register(_extracted.close)


@cache
def _directory(name: str) -> Path:
    # The loaders want real paths (a fixture's includes are found next to it; cached files are checked by their
    # modification time): a package on the file system gives its own folder, an archive an unpacked copy.
    return _extracted.enter_context(resources.as_file(resources.files(__name__) / name)).resolve()


def fixtures_dir() -> Path:
    """The shipped fixtures: ``<name>.yaml`` is the scenario a server or a world names ``<name>``."""
    return _directory("fixtures")


def scenarios_dir() -> Path:
    """The shipped scenario files (``**/*.yaml``): ``pcsim replay`` with no path, and the trainer's tours."""
    return _directory("scenarios")
