"""The training UI (``/ui/``)."""

from .views import register

__all__ = ["register"]
