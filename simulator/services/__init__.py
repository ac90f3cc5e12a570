"""The application layer: one function per use case, shared by every surface that offers it.

A use case gathers facts through the store, applies the domain's rules (``simulator.domain``), writes, and
returns plain data (rows or dicts) for the surface to render in its API's shape; a refusal is a domain error
(``simulator.domain.errors``) carrying its rule and Decision. Nothing here knows Flask or HTTP: a surface
builds a :class:`Scope` and a :class:`Principal` from the request and calls one use case.
"""

from __future__ import annotations

from .scope import Principal, Scope

__all__ = ["Principal", "Scope"]
