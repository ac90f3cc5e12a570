"""A response schema's dump, planned once per schema instead of walked field by field on every request.

``schema.dump(obj)`` asks every field, for every item, how to read and convert its value (``Field.serialize``:
accessor, default, ``_serialize``): on a list of 100 tickets that is ~4,000 field calls and about half the time of
the request. :func:`dumper` reads a schema's fields once (their public attributes: ``dump_fields``, ``data_key``,
``attribute``, ``dump_default``, ``inner``, ``schema``, ``many``, ``as_string``, ``key_field``, ``value_field``)
and returns a function that gives the same result as ``schema.dump``, with one plain conversion per field.

Only what it knows exactly is planned: schemas of marshmallow's own ``Schema`` methods with no dump hook, and
fields of exactly the classes below (no subclass: a subclass may convert differently, unless it says
``dumps_as_string = True``: a String subclass of ours that changes only how it loads). Any other schema or field
is dumped by marshmallow itself (``schema.dump`` / ``field.serialize``), so the result is the same either way.
``PCSIM_CHECK_DUMP=1`` compares every planned dump with ``schema.dump`` (the test suite runs with it once).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing

Convert = Callable[[Any], Any]
CHECK = os.environ.get("PCSIM_CHECK_DUMP") == "1"
_HOOKS = ("pre_dump", "post_dump")


def _identity(value: Any) -> Any:
    return value


def _string(value: Any) -> Any:
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _number(kind: type, as_string: bool) -> Convert:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        value = kind(value)
        return str(value) if as_string else value

    return convert


def _mapping(value: Any) -> Any:
    return None if value is None else dict(value)


def _list(inner: Convert) -> Convert:
    def convert(value: Any) -> Any:
        return None if value is None else [inner(each) for each in value]

    return convert


def _nested(plan: Convert, many: bool) -> Convert:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        return [plan(each) for each in value] if many else plan(value)

    return convert


def _plain_schema(schema: Schema) -> bool:
    """marshmallow's own dump and attribute access, and no pre_dump or post_dump hook on the class."""
    cls = type(schema)
    if cls.dump is not Schema.dump or cls.get_attribute is not Schema.get_attribute:
        return False
    for name in dir(cls):
        hook = getattr(getattr(cls, name, None), "__marshmallow_hook__", None)
        if hook and any(key in _HOOKS or (isinstance(key, tuple) and key[0] in _HOOKS) for key in hook):
            return False
    return True


def _value(field: fields.Field, depth: int) -> Convert | None:
    """The conversion ``field`` applies to a value it has read, or None if it is not one planned here."""
    kind = type(field)
    if kind in (fields.String, fields.Email, fields.Url) or getattr(kind, "dumps_as_string", False):
        return _string
    if kind in (fields.Raw, fields.Boolean):
        return _identity
    if kind is fields.Integer:
        return _number(int, field.as_string)
    if kind is fields.Float:
        return _number(float, field.as_string)
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return _mapping
    if kind is fields.List:
        inner = _value(field.inner, depth)
        return _list(inner) if inner is not None else None
    if kind is fields.Nested:
        schema = field.schema
        plan = _plan(schema, depth + 1)
        if plan is None:
            return None
        return _nested(plan, bool(schema.many or field.many))
    return None


def _plan(schema: Schema, depth: int = 0) -> Convert | None:
    """One item's dump by ``schema`` (``many`` aside), or None if marshmallow must do it (or nests too deep)."""
    if depth > 8 or not _plain_schema(schema):
        return None
    dict_class = schema.dict_class
    steps: list[tuple[str, str, str, Any, Convert | None, fields.Field, bool]] = []
    for name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else name
        source = field.attribute if field.attribute is not None else name
        convert = None if "." in source else _value(field, depth)
        # A key a dict lacks is then read as an attribute (marshmallow's get_value): only dict's own names exist.
        steps.append((key, name, source, field.dump_default, convert, field, hasattr(dict, source)))
    accessor = schema.get_attribute

    def dump_one(obj: Any) -> Any:
        out = dict_class()
        plain = obj.__class__ is dict
        for key, name, source, default, convert, field, dict_attribute in steps:
            if convert is None:
                value = field.serialize(name, obj, accessor=accessor)
                if value is not missing:
                    out[key] = value
                continue
            if plain and not dict_attribute:
                value = obj.get(source, missing)
            else:
                value = accessor(obj, source, missing)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = convert(value)
        return out

    return _compiled(steps, dict_class, dump_one) or dump_one


def _compiled(steps: list, dict_class: type, general: Convert) -> Convert | None:
    """``general`` as straight-line code for a plain dict when every field is planned, reads a key no dict
    method shares and has no dump default (the usual response schema); None otherwise. Other objects go to
    ``general``."""
    if dict_class is not dict or any(
        convert is None or dict_attribute or default is not missing
        for _key, _name, _source, default, convert, _field, dict_attribute in steps
    ):
        return None
    names: dict[str, Any] = {"missing": missing, "general": general, "string": _string}
    lines = ["def dump_one(obj):", "    if obj.__class__ is not dict:", "        return general(obj)"]
    lines += ["    get = obj.get", "    out = {}"]
    for i, (key, _name, source, _default, convert, _field, _dict_attribute) in enumerate(steps):
        lines.append(f"    value = get({source!r}, missing)")
        lines.append("    if value is not missing:")
        if convert is _identity:
            lines.append(f"        out[{key!r}] = value")
        elif convert is _string:
            lines.append(f"        out[{key!r}] = value if value is None or value.__class__ is str else string(value)")
        else:
            names[f"convert_{i}"] = convert
            lines.append(f"        out[{key!r}] = convert_{i}(value)")
    lines.append("    return out")
    exec(compile("\n".join(lines), "<pcsim planned dump>", "exec"), names)  # noqa: S102 (our own field names)
    return names["dump_one"]


def dumper(schema: Schema) -> Callable[[Any], Any]:
    """A function giving ``schema.dump(obj)`` for any ``obj``, planned once."""
    plan = _plan(schema)
    if plan is None:
        return schema.dump
    many = bool(schema.many)

    def dump(obj: Any) -> Any:
        if many:
            if obj is None:
                return schema.dump(obj)
            result = [plan(each) for each in obj]
        else:
            result = plan(obj)
        if CHECK:
            expected = schema.dump(obj)
            assert result == expected, f"planned dump of {type(schema).__name__} differs: {result!r} != {expected!r}"
        return result

    return dump
