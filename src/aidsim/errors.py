"""The exceptions aidsim raises on purpose.

Every error a user can cause by giving aidsim a wrong file or argument is an :class:`AidsimError`;
the command line prints it as one paragraph and exits with status 2, with no traceback.

- :class:`ScenarioError`: a scenario file is malformed or breaks the schema. It names the file,
  the line (when known), the key path and what was expected.
- :class:`PopulationDataError`: a population cannot be built from the profile or the data given.
- :class:`LedgerMismatchError`: programme totals do not reconcile with the payments to households.
  This is a bug in aidsim, never the user's fault, but it is reported in the same way.
- :class:`RunFailedError`: a run could not be completed or its outputs could not be written.
- :class:`ExplainError`: ``aidsim explain`` was asked for a month outside the reported period or a
  household that does not exist.
"""

from __future__ import annotations


class AidsimError(Exception):
    """Base class of every error aidsim reports to users."""


class ScenarioError(AidsimError):
    """A scenario file is malformed or invalid.

    Parameters
    ----------
    problems
        One entry per problem: ``(file, line, key_path, message)``; ``line`` may be ``None``.
    """

    def __init__(self, problems: list[tuple[str, int | None, str, str]]):
        self.problems = problems
        super().__init__(self._format())

    def _format(self) -> str:
        lines = []
        for file, line, path, message in self.problems:
            where = f"{file}, line {line}" if line else file
            key = f"`{path}`" if path else "the file"
            lines.append(f"{where}: {key} {message}")
        head = "Invalid scenario" if len(lines) == 1 else f"Invalid scenario ({len(lines)} problems)"
        return head + ":\n  " + "\n  ".join(lines)


class PopulationDataError(AidsimError):
    """A population cannot be built from the given profile or data."""


class LedgerMismatchError(AidsimError):
    """Programme totals do not reconcile with the sum of payments to households."""


class RunFailedError(AidsimError):
    """A run could not be completed, or its outputs could not be written."""


class ExplainError(AidsimError):
    """``aidsim explain`` was asked for a month or a household that the run does not have."""
