"""Placeholders of scenario files (``{tenant:contoso}``, ``${ticket}``) and dotted paths into an answer."""
from __future__ import annotations

import re
from typing import Any

from ..worlds import ids

# {kind:ref} -> a stable id; the number of '/'-separated parts each kind takes.
KINDS: dict[str, tuple[int, Any]] = {
    "tenant": (1, ids.tenant_id),
    "user": (2, ids.user_id),
    "group": (2, ids.group_id),
    "sub": (1, ids.subscription_id),
    "gdap": (2, ids.gdap_relationship_id),
    "app": (2, ids.app_id),
    "product": (1, ids.product_id),
}
ENTITY = re.compile(r"\{(" + "|".join(KINDS) + r"):([A-Za-z0-9_.\-/]+)\}")
SAVED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MISSING = object()


class PlaceholderError(ValueError):
    pass


def entity_id(kind: str, ref: str) -> str:
    parts, make = KINDS[kind]
    pieces = ref.split("/")
    if len(pieces) != parts or not all(pieces):
        shape = "<key>" if parts == 1 else "<tenant key>/<key>"
        raise PlaceholderError(f"{{{kind}:{ref}}}: a {kind} placeholder is {{{kind}:{shape}}}")
    return make(*pieces)


def check_text(text: str) -> list[str]:
    """Problems with the entity placeholders of a text (the saved ones are checked against the steps)."""
    problems = []
    for m in ENTITY.finditer(text):
        try:
            entity_id(m.group(1), m.group(2))
        except PlaceholderError as exc:
            problems.append(str(exc))
    return problems


def saved_names(value: Any) -> set[str]:
    """Every ``${name}`` used in a value (strings, and the keys and items of mappings and lists)."""
    found: set[str] = set()
    for text in _strings(value):
        found.update(SAVED.findall(text))
    return found


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def expand(value: Any, saved: dict[str, Any]) -> Any:
    """``value`` with its placeholders replaced. A string that is exactly one ``${name}`` becomes the saved
    value itself (a number stays a number); elsewhere values are put in as text."""
    if isinstance(value, str):
        whole = SAVED.fullmatch(value)
        if whole:
            return _saved(saved, whole.group(1))
        text = ENTITY.sub(lambda m: entity_id(m.group(1), m.group(2)), value)
        return SAVED.sub(lambda m: _text(_saved(saved, m.group(1))), text)
    if isinstance(value, dict):
        return {expand(k, saved) if isinstance(k, str) else k: expand(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, saved) for v in value]
    return value


def _saved(saved: dict[str, Any], name: str) -> Any:
    if name not in saved:
        raise PlaceholderError(f"${{{name}}} was not saved by an earlier step")
    return saved[name]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# --- dotted paths: items[0].id, error.code, ["@odata.nextLink"] ----------------------------------------------
_TOKEN = re.compile(r"""\[(-?\d+)\]|\[(["'])(.*?)\2\]|([^.\[\]]+)|(\.)""")


def parse_path(path: str) -> list[tuple[str, Any]]:
    """``items[0].id`` -> [("key", "items"), ("index", 0), ("key", "id")]. Dots separate keys; a key that
    itself has dots is found too (``@odata.nextLink``), or can be quoted: ``["@odata.nextLink"]``."""
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m:
            raise PlaceholderError(f"not a path: {path!r}")
        if m.group(1) is not None:
            tokens.append(("index", int(m.group(1))))
        elif m.group(3) is not None:
            tokens.append(("quoted", m.group(3)))
        elif m.group(4) is not None:
            tokens.append(("key", m.group(4)))
        pos = m.end()
    if not tokens:
        raise PlaceholderError(f"not a path: {path!r}")
    return tokens


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or ``MISSING``."""
    return _resolve(data, parse_path(path))


def _resolve(data: Any, tokens: list[tuple[str, Any]]) -> Any:
    if not tokens:
        return data
    kind, value = tokens[0]
    if kind == "index":
        if isinstance(data, list) and -len(data) <= value < len(data):
            return _resolve(data[value], tokens[1:])
        return MISSING
    if not isinstance(data, dict):
        return MISSING
    if kind == "quoted":
        return _resolve(data[value], tokens[1:]) if value in data else MISSING
    # Plain keys: the longest run of dotted keys that is itself a key wins (``@odata.nextLink``).
    run = 1
    while run < len(tokens) and tokens[run][0] == "key":
        run += 1
    for end in range(run, 0, -1):
        key = ".".join(str(v) for _, v in tokens[:end])
        if key in data:
            found = _resolve(data[key], tokens[end:])
            if found is not MISSING:
                return found
    return MISSING
