"""Microsoft Graph (``/graph/v1.0``)."""
from .responses import register

__all__ = ["register"]
