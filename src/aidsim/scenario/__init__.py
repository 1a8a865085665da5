"""Scenarios: rules and parameters as data (schema, dated values, YAML loading with ``extends:``)."""

from aidsim.scenario.dated import DatedValue
from aidsim.scenario.load import load_scenario, validate_scenario
from aidsim.scenario.schema import Scenario

__all__ = ["DatedValue", "Scenario", "load_scenario", "validate_scenario"]
