"""Writing YAML that people read: small mappings and lists of scalars on one line, no anchors."""
from __future__ import annotations

import json
import re
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Dumper(_Base):
    def ignore_aliases(self, data):
        return True


def _flat(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _represent_dict(dumper, data: dict):
    flow = all(_flat(v) or (isinstance(v, list) and all(map(_flat, v)) and len(v) <= 6) for v in data.values()) \
        and len(data) <= 6 and sum(len(str(k)) + len(str(v)) + 4 for k, v in data.items()) <= 100
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper, data: list):
    flow = all(map(_flat, data)) and sum(len(str(v)) + 2 for v in data) <= 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


Dumper.add_representer(dict, _represent_dict)
Dumper.add_representer(list, _represent_list)


def dump(document: Any) -> str:
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120,
                     default_flow_style=False)


# --- a fast writer for large, plain documents (generated fixtures) -----------------------------------------------
# Strings that YAML reads back as the same string without quotes (and that are safe inside a flow mapping).
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _.@/+'-]*$")
_SPECIAL = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def _str(s: str) -> str:
    if _PLAIN.match(s) and not s.endswith(" ") and s.lower() not in _SPECIAL:
        return s
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return _str(str(v))


def _flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_str(str(k))}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def _flowable(v: Any) -> str | None:
    """The one-line form of a small mapping or list of scalars (or of lists of scalars), else None."""
    if not isinstance(v, (dict, list)) or not v:
        return _flow(v)
    values = v.values() if isinstance(v, dict) else v
    if not all(not isinstance(x, (dict, list)) or (isinstance(x, list) and all(
            not isinstance(y, (dict, list)) for y in x)) for x in values):
        return None
    text = _flow(v)
    return text if len(text) <= 100 else None


def _block(v: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            one = _flowable(x)
            if one is not None:
                out.append(f"{pad}{_str(str(k))}: {one}")
            else:
                out.append(f"{pad}{_str(str(k))}:")
                _block(x, indent if isinstance(x, list) else indent + 2, out)
    else:
        for x in v:
            one = _flowable(x)
            if one is not None:
                out.append(f"{pad}- {one}")
            elif isinstance(x, dict):
                start = len(out)
                _block(x, indent + 2, out)
                out[start] = f"{pad}- {out[start][indent + 2:]}"
            else:
                out.append(f"{pad}-")
                _block(x, indent + 2, out)


def fast_dump(document: dict) -> str:
    """YAML for a document of mappings, lists, strings, numbers and booleans, much faster than PyYAML's
    emitter (a 10,000-customer fixture in about a second); it reads back equal to ``document``."""
    out: list[str] = []
    _block(document, 0, out)
    return "\n".join(out) + "\n"
