"""Entra ID sign-in (``/login``)."""

from .responses import register

__all__ = ["register"]
