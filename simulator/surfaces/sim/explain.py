"""A request's decision trace as a page for a person to read."""

from __future__ import annotations

import json


def _facts(facts: dict) -> list[str]:
    lines = []
    for key, value in facts.items():
        if value in (None, [], {}, ""):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{key}:")
            lines += [f"  - {json.dumps(item, sort_keys=False)}" for item in value]
        else:
            lines.append(f"{key}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")
    return lines


def explain_text(entry: dict) -> str:
    """Every rule evaluated, in order: a check mark or a cross, the reason, then the facts it used."""
    verdict = {
        "allowed": "allowed",
        "denied": f"DENIED by {entry['rule']}",
        "fault": f"injected fault {entry['fault']}",
        "error": "error",
    }[entry["outcome"]]
    out = [
        f"{entry['method']} {entry['path']}",
        f"  -> {entry['status']} ({verdict}) at {entry['at']} (world time)",
        f"  caller: {entry['actor'] or 'anonymous'}"
        + (f" acting in tenant {entry['tenantId']}" if entry.get("tenantId") else ""),
        "",
    ]
    if not entry["decisions"]:
        out.append("No rule of the rule book was evaluated for this request.")
    for decision in entry["decisions"]:
        out.append(f"{decision['action']}:")
        for check in decision["checks"]:
            mark = "PASS" if check["passed"] else "FAIL"
            out.append(f"  [{mark}] {check['rule']}: {check['reason']}")
            out += [f"         {line}" for line in _facts(check.get("facts") or {})]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
