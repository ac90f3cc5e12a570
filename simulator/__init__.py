"""pcsim: the Partner Center Simulator."""
from .app import create_app
from .config import Config

__all__ = ["create_app", "Config"]
