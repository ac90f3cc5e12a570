"""Every shipped scenario (scenarios/**/*.yaml) replays green, each in a world of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenarios import Runner, load_scenario

SCENARIOS = sorted(p for p in (Path(__file__).resolve().parents[1] / "scenarios").rglob("*.yaml"))
RULES = [f"R{n}" for n in range(1, 15)]


def test_every_rule_has_an_allowed_and_a_denied_scenario():
    shown = {}
    for path in SCENARIOS:
        scenario = load_scenario(path)
        for rule in scenario.rules:
            shown.setdefault(rule, set()).add("denied" if "denied" in path.stem else "allowed")
    assert len(SCENARIOS) >= 28
    assert {rule: shown.get(rule) for rule in RULES} == {rule: {"allowed", "denied"} for rule in RULES}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_replays_green(live_server, path):
    result = Runner(live_server.url).run(load_scenario(path))
    assert result.passed, result.failure_message()
