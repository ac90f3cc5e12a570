"""Fixture loading and validation, and world creation from scenario templates."""

from .fixtures import FixtureError, FixtureInvalid, load_fixture
from .manager import DEFAULT_WORLD, Worlds

__all__ = ["FixtureError", "FixtureInvalid", "load_fixture", "Worlds", "DEFAULT_WORLD"]
