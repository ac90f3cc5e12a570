"""The UI's pages, one module per portal; importing this module registers them all."""

from . import (  # noqa: F401  (Azure portal, Microsoft 365 admin center; trainer controls, tours)
    partnercenter,  # noqa: F401  (Partner Center: customers, GDAP, health, service requests)
    portals,
    trainer,
)
