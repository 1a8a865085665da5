"""Shared test settings: a fast, repeatable hypothesis profile, and the console width of a run
without a terminal."""

import os

from hypothesis import settings

# The tests read the CLI's output as a run without a terminal prints it (tables 100 columns wide).
# pytest-xdist's workers inherit a COLUMNS of 80, which the CLI honours: drop it, so that the
# tests see the same output on one process or several.
os.environ.pop("COLUMNS", None)

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")
