"""OData conventions shared by the Graph-shaped surfaces: ``$filter`` with ``eq``, and paging with
``$top``, ``$skiptoken``, ``$count`` and ``@odata.nextLink``."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, urlencode

from flask import request

from ..domain.errors import Invalid


def parse_eq_filter(text: str | None, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """``a eq 'x' and b eq 'y'`` as [(a, x), (b, y)], for the given fields only."""
    if not text:
        return []
    clause = re.compile(rf"^\s*({'|'.join(re.escape(f) for f in fields)})\s+eq\s+'([^']*)'\s*$")
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip()):
        m = clause.match(part)
        if not m:
            raise Invalid(
                f"Invalid filter clause: '{part}'. pcsim supports eq on {', '.join(fields)}, combined with 'and'."
            )
        clauses.append((m.group(1), m.group(2)))
    return clauses


def page(items: list, context: str, args: dict, default_top: int) -> dict:
    """One page of ``items`` (python-named keys, dumped by the surface's schema) with the next page's link."""
    top = args.get("top") or default_top
    start = 0
    if args.get("skiptoken"):
        try:
            start = int(base64.urlsafe_b64decode(args["skiptoken"] + "==").decode())
        except ValueError:
            raise Invalid("Invalid $skiptoken") from None
    body = {"odata_context": context, "value": items[start : start + top]}
    if args.get("count"):
        body["odata_count"] = len(items)
    if start + top < len(items):
        query = {k: v for k, v in request.args.items() if k != "$skiptoken"}
        query["$top"] = str(top)
        query["$skiptoken"] = base64.urlsafe_b64encode(str(start + top).encode()).decode().rstrip("=")
        body["odata_next_link"] = request.base_url + "?" + urlencode(query, quote_via=quote, safe="$'/")
    return body
