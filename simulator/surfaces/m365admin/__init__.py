"""Microsoft 365 admin center support (``/m365admin/v1.0``): pcsim's own, documented API (no public one exists)."""

from .responses import register

__all__ = ["register"]
