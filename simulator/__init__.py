"""pcsim: the Partner Center Simulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["create_app", "Config"]

if TYPE_CHECKING:
    from .app import create_app
    from .config import Config


def __getattr__(name: str):
    # Imported on first use, not with the package: ``pcsim serve`` pauses the garbage collector before it
    # imports the app (see simulator/cli.py), and the other commands need none of it.
    if name == "create_app":
        from .app import create_app as value
    elif name == "Config":
        from .config import Config as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
