"""Partner Center REST (``/partnercenter/v1``)."""

from .responses import register

__all__ = ["register"]
