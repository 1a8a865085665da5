"""Shared test settings: a fast, repeatable hypothesis profile."""

from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")
