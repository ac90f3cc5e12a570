"""Microsoft Graph (``/graph/v1.0``)."""

from . import health  # noqa: F401  (its routes join the Graph blueprint)
from .responses import register

__all__ = ["register"]
