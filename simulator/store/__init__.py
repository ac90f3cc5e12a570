"""Storage: SQLAlchemy models and the queries, in one place."""

from .db import DEFAULT_DATABASE_URL, Store, WriteInReadTransaction

__all__ = ["Store", "DEFAULT_DATABASE_URL", "WriteInReadTransaction"]
