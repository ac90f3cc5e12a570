"""Scenarios: YAML files that replay a partner tool's session against a fresh world and check every answer
(``scenarios/README.md``); the recording proxy that writes them; a fixture generator of any size."""
from .model import Scenario, ScenarioError, ScenarioInvalid, Step, discover, load_scenario, load_scenarios
from .runner import Runner, ScenarioResult, StepResult

__all__ = ["Runner", "Scenario", "ScenarioError", "ScenarioInvalid", "ScenarioResult", "Step", "StepResult",
           "discover", "load_scenario", "load_scenarios"]
