"""Marshmallow's nested validation messages as flat (path, reason) pairs: one reading for every error body
(fixtures, scenarios and every surface)."""

from __future__ import annotations

from typing import Any


def error_pairs(messages: Any, path: str = "") -> list[tuple[str, str]]:
    """``{"a": {0: {"b": ["Missing."]}}}`` -> ``[("a[0].b", "Missing.")]``; schema-level messages keep the path."""
    if isinstance(messages, dict):
        out: list[tuple[str, str]] = []
        for key, value in messages.items():
            if key == "_schema":
                sub = path
            elif isinstance(key, int):
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}" if path else str(key)
            out.extend(error_pairs(value, sub))
        return out
    if isinstance(messages, list):
        return [pair for m in messages for pair in error_pairs(m, path)]
    return [(path, str(messages))]


def describe(pairs: list[tuple[str, str]]) -> str:
    """The pairs as one line: ``path: reason; path: reason``."""
    return "; ".join(f"{path}: {reason}" if path else reason for path, reason in pairs)
