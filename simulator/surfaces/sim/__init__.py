"""pcsim's control plane (``/sim``)."""

from .responses import register

__all__ = ["register"]
