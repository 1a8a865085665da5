"""The exceptions aidsim raises on purpose.

Every error a user can cause by giving aidsim a wrong file or argument is an :class:`AidsimError`;
the command line prints it as one paragraph and exits with status 2, with no traceback.

- :class:`ScenarioError`: a scenario file is malformed or breaks the schema. It names the file,
  the line (when known), the key path and what was expected.
- :class:`ProfileError`: a county profile is malformed, breaks its schema or holds figures that
  cannot all be true (more recipients than residents…). A :class:`ScenarioError`, reported the
  same way: file, line, key path, what was expected or why the figures are impossible.
- :class:`CalibrationError`: a calibration, budget or back-test cannot be done as asked (no
  figure to fit, a scenario that was never calibrated where a fit is needed…).
- :class:`ArgumentError`: a command-line option or an argument of :func:`aidsim.compare` is
  wrong, e.g. ``--from`` after ``--to`` or outside the reported months. It names the flag and is
  raised before any run starts.
- :class:`ScenarioClashError`: scenarios run together (``compare``) share a ``name:`` or would
  share an output folder (``a b`` and ``a-b``). It names both files and raises before any run.
- :class:`OutputFolderError`: the output folder is refused (``/``, ``""``, the home directory,
  the current folder or one of its parents, a file, or a non-empty folder that is not an aidsim
  output) or cannot be created. The command line checks it before any run starts.
- :class:`InsufficientMemoryError`: the estimated memory of the runs exceeds the memory
  available on this machine; the message gives the estimate. Raised before any population is
  built.
- :class:`NonFiniteOutputError`: an output table holds NaN or infinity where a number is
  required; the message names the table, the measure and the month. Nothing is written.
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

    head = "Invalid scenario"

    def __init__(self, problems: list[tuple[str, int | None, str, str]]):
        self.problems = problems
        super().__init__(self._format())

    def _format(self) -> str:
        lines = []
        for file, line, path, message in self.problems:
            where = f"{file}, line {line}" if line else file
            key = f"`{path}`" if path else "the file"
            lines.append(f"{where}: {key} {message}")
        head = self.head if len(lines) == 1 else f"{self.head} ({len(lines)} problems)"
        return head + ":\n  " + "\n  ".join(lines)


class ProfileError(ScenarioError):
    """A county profile is malformed, invalid or impossible (same form as :class:`ScenarioError`)."""

    head = "Invalid profile"


class CalibrationError(AidsimError):
    """A calibration, budget or back-test cannot be done as asked."""


class ArgumentError(AidsimError):
    """A command-line option or an API argument is wrong (names the flag or the argument)."""


class ScenarioClashError(AidsimError):
    """Scenarios run together share a name or an output folder."""


class OutputFolderError(AidsimError):
    """The output folder is refused or cannot be created."""


class InsufficientMemoryError(AidsimError):
    """The runs would need more memory than this machine has available."""


class NonFiniteOutputError(AidsimError):
    """An output table holds NaN or infinity where a number is required (names measure and month)."""


class PopulationDataError(AidsimError):
    """A population cannot be built from the given profile or data."""


class LedgerMismatchError(AidsimError):
    """Programme totals do not reconcile with the sum of payments to households."""


class RunFailedError(AidsimError):
    """A run could not be completed, or its outputs could not be written."""


class ExplainError(AidsimError):
    """``aidsim explain`` was asked for a month or a household that the run does not have."""
