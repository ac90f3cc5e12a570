"""Azure Resource Manager (``/azure``, ``/usgov/azure``): subscriptions and Microsoft.Support."""

from .responses import register

__all__ = ["register"]
