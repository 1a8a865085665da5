"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.integration.helpers import ROOT


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, as users do, so that messages show relative paths."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def runner() -> CliRunner:
    # typer (0.29 here) ships its own CliRunner without click's mix_stderr: standard output and
    # standard error are always captured apart (result.stdout, result.stderr) and together
    # (result.output).
    return CliRunner()
