"""Microsoft's own artifacts judge every response the suite sees.

Each surface has a module here with ``validate(request, response) -> list[str]`` (the problems found, empty when
the response conforms). ``tests/conftest.py`` connects :func:`check` to Flask's ``request_finished`` signal for
every app in the test process (the test client and the in-process servers alike) and fails the test that saw a
response with problems. The validators use Microsoft's SDK models and specifications (each module says which).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Request, Response

Validator = Callable[[Request, Response], list[str]]

# The surface of a response, from its blueprint's name (the per-cloud copies end in _usgov, _root).
VALIDATORS: dict[str, Validator] = {}


def register(surface: str, validator: Validator) -> None:
    VALIDATORS[surface] = validator


def surface_of(request: Request) -> str | None:
    blueprint = request.blueprint or ""
    for surface in VALIDATORS:
        if blueprint == surface or blueprint.startswith(surface + "_"):
            return surface
    return None


def check(request: Request, response: Response) -> list[str]:
    """The problems Microsoft's artifacts find in one response ([] when it conforms or has no judge)."""
    surface = surface_of(request)
    if surface is None or response.direct_passthrough or response.is_streamed:
        return []
    return [
        f"{request.method} {request.full_path.rstrip('?')} -> {response.status_code}: {problem}"
        for problem in VALIDATORS[surface](request, response)
    ]
