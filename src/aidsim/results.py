"""Results of one run: tidy pandas tables, run metadata, and atomic writing to a folder.

A run folder holds Parquet tables and ``summary.json``. ``summary.json`` is written last and
lists every table with its SHA-256, so a folder without it (or whose hashes do not match) is an
incomplete run. The folder is written whole, through a temporary sibling, and the tables are
checked for NaN and infinity first (see "output folders and output checks" below).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aidsim import errors
from aidsim.admin.offices import OFFICE_BOOKS, Office
from aidsim.calendar import format_month, year_of
from aidsim.engine.model import AidModel
from aidsim.errors import RunFailedError
from aidsim.metrics.indicators import (
    EXCLUSION_CAUSES,
    INCLUSION_CAUSES,
    Catalogue,
    catalogue,
    summarise,
)

HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("total_cost", "Cost, all programmes", "yuan"),
    ("dibao_cost", "Dibao cost", "yuan"),
    ("tekun_cost", "Tekun cost", "yuan"),
    ("orphans_cost", "Orphan allowance cost", "yuan"),
    ("temporary_cost", "Temporary assistance cost", "yuan"),
    ("medical_cost", "Medical assistance cost", "yuan"),
    ("disability_living_cost", "Disability living subsidy cost", "yuan"),
    ("disability_care_cost", "Disability care subsidy cost", "yuan"),
    ("old_age_allowance_cost", "Old-age allowance cost", "yuan"),
    ("home_care_cost", "Home-care services cost", "yuan"),
    ("spring_festival_cost", "Spring Festival subsidy cost", "yuan"),
    ("price_subsidy_cost", "Price-linked subsidy cost", "yuan"),
    ("dibao_households", "Dibao households", "households"),
    ("dibao_persons", "Dibao recipients", "persons"),
    ("dibao_coverage", "Dibao coverage", "share"),
    ("dibao_avg_subsidy", "Dibao avg subsidy", "yuan/person/month"),
    ("tekun_persons", "Tekun recipients", "persons"),
    ("tekun_avg_support", "Tekun avg support", "yuan/person/month"),
    ("orphans_recipients", "Orphans supported", "persons"),
    ("temporary_recipients", "Temporary assistance cases a month", "cases"),
    ("margin_persons", "Margin household members", "persons"),
    ("dibao_entries", "Dibao entries", "households"),
    ("dibao_exits", "Dibao exits", "households"),
    ("fgt0_pre_pl", "Poor before transfers, FGT0", "share"),
    ("fgt0_post_pl", "Poor after transfers, FGT0", "share"),
    ("fgt1_post_pl", "Poverty gap after, FGT1", "share"),
    ("fgt2_post_pl", "Severity after, FGT2", "share"),
    ("gap_yuan_pre_pl", "Gap to poverty line, before", "yuan"),
    ("gap_yuan_post_pl", "Gap to poverty line, after", "yuan"),
    ("fgt0_post_dl", "Below dibao line after, FGT0", "share"),
    ("gap_yuan_post_dl", "Gap to dibao line, after", "yuan"),
    ("medical_out_of_pocket", "Medical out-of-pocket, after insur.", "yuan"),
    ("medical_out_of_pocket_after_aid", "Medical out-of-pocket, after aid", "yuan"),
    ("medical_impoverished_before_aid", "Made poor by illness, before aid", "persons"),
    ("medical_impoverished_after_aid", "Made poor by illness, after aid", "persons"),
    ("dibao_share_to_poor", "Dibao to the pre-transfer poor", "share"),
    ("temporary_share_to_poor", "Temporary aid to pre-transfer poor", "share"),
    ("medical_share_to_poor", "Medical aid to pre-transfer poor", "share"),
    ("dibao_inclusion_error", "Dibao inclusion error", "share"),
    ("dibao_exclusion_error", "Dibao exclusion error", "share"),
    ("dibao_leakage_share", "Dibao leakage", "share"),
    ("dibao_applications", "Dibao applications", "households"),
    ("dibao_refusal_rate", "Dibao applications refused", "share"),
    ("dibao_avg_days_to_payment", "Days from application to payment", "days"),
    ("dibao_backlog", "Applications waiting for a survey", "households"),
    ("dibao_overdue_reviews", "Reviews overdue", "households"),
    ("dibao_utilisation", "Caseworkers' capacity used", "share"),
    ("dibao_exclusion_not_applied", "Exclusion: not applied", "share"),
    ("dibao_exclusion_delay", "Exclusion: in approval", "share"),
    ("dibao_inclusion_favour", "Inclusion: favour cases", "share"),
    ("dibao_inclusion_verification", "Inclusion: income/assets not found", "share"),
    ("dibao_inclusion_review_lag", "Inclusion: review lag", "share"),
    ("tekun_exclusion_error", "Tekun exclusion error", "share"),
)
"""Headline figures in display order: (column, label, unit). Stocks (households, persons, cases a
month) are monthly averages over the period; yuan, entries, exits and persons pushed below the
line are totals over the period."""

TABLES = ("monthly", "yearly", "by_area", "ledger", "households", "offices", "targeting")


def _area_type(area: np.ndarray, area_urban: np.ndarray) -> np.ndarray:
    return np.where(area_urban[area], "urban", "rural")


@dataclass
class Results:
    """The tables and metadata of one run."""

    sums: pd.DataFrame                 # one row per (month, area): additive indicator sums
    ledger: pd.DataFrame
    households: pd.DataFrame           # payments per household over the reported months
    offices: pd.DataFrame              # DataCollector: per office and month
    metadata: dict[str, Any] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=catalogue)  # the run's measures, ratios and ledger lines

    @classmethod
    def from_model(cls, model: AidModel) -> Results:
        """Collect a finished model's tables; reconcile the ledger with household payments."""
        model.ledger.reconcile(model.state.paid_fen)
        pop = model.state.population
        n_areas = pop.n_areas
        frames = []
        for result in model.history:
            frame = pd.DataFrame(result.sums.T, columns=list(result.names))
            frame.insert(0, "area", np.arange(n_areas))
            frame.insert(0, "month", format_month(result.month))
            frame.insert(1, "year", year_of(result.month))
            frames.append(frame)
        sums = pd.concat(frames, ignore_index=True)
        sums.insert(3, "area_type", _area_type(sums["area"].to_numpy(), pop.area_urban))
        h = pop.households
        households = pd.DataFrame({
            "household": np.arange(h.n), "area": h.area.astype(np.int64),
            "area_type": _area_type(h.area.astype(np.intp), pop.area_urban),
            # persons who have lived in it (vacant rows, reserved for renewal, are not persons)
            "members": pop.block_sizes() - pop.vacant,
        })
        for i, name in enumerate(model.state.registry.line_names):
            households[f"{name}_fen"] = model.state.paid_fen[i].astype(np.int64)
        households["pre_income_yuan"] = model.state.pre_income_yuan
        households["person_months"] = model.state.person_months
        households = households[pop.formed()].reset_index(drop=True)  # reserve households never formed
        offices = model.datacollector.get_agenttype_vars_dataframe(Office).reset_index()
        offices = offices.rename(columns={"Step": "step", "AgentID": "office"})
        start = model.start_month
        offices.insert(0, "month", [format_month(start + int(s) - 1 - model.scenario.simulation.warmup_months)
                                    for s in offices["step"]])
        scenario = model.scenario
        resolved = scenario.resolved()
        metadata = {
            "scenario": resolved,
            "scenario_name": scenario.name,
            "scenario_sha256": hashlib.sha256(
                json.dumps(resolved, sort_keys=True).encode()).hexdigest(),
            "seed": model.seed_value,
            "replication": model.replication,
            "households_simulated": pop.reserve_from,
            "persons_simulated": model.state.residents_start,  # drawn (rows reserved for renewal aside)
            "first_month": format_month(start),
            "last_month": format_month(model.end_month - 1),
            "versions": {"aidsim": version("aidsim"), "mesa": version("mesa"),
                         "numpy": np.__version__, "pandas": pd.__version__},
        }
        return cls(sums=sums, ledger=model.ledger.to_frame(pop.area_urban), households=households,
                   offices=offices, metadata=metadata, catalogue=catalogue(model.state.registry))

    # -- derived tables -------------------------------------------------------------------------
    def table(self, by: list[str], *, with_total: bool = True) -> pd.DataFrame:
        """Indicators aggregated by ``by`` (columns of the sums), with urban/rural/all rows when
        ``area_type`` is among ``by`` and ``with_total`` is set."""
        out = summarise(self.sums, by, self.catalogue)
        if with_total and "area_type" in by:
            rest = [c for c in by if c != "area_type"]
            total = summarise(self.sums, rest, self.catalogue).assign(area_type="all")
            out = pd.concat([out, total], ignore_index=True).sort_values(by, kind="stable")
        return out.reset_index(drop=True)

    @property
    def monthly(self) -> pd.DataFrame:
        return self.table(["month", "area_type"])

    @property
    def yearly(self) -> pd.DataFrame:
        return self.table(["year", "area_type"])

    @property
    def by_area(self) -> pd.DataFrame:
        return self.table(["year", "area", "area_type"], with_total=False)

    @property
    def targeting(self) -> pd.DataFrame:
        """Dibao's targeting errors split by cause, for all, urban and rural households.

        One row per (area_type, error, cause): ``households`` (monthly average), ``share`` of the
        error's base (eligible households for exclusion, recipient households for inclusion), and
        for inclusion the ``yuan`` paid to those households and its ``leakage_share`` of dibao. The
        causes of one error add up to its ``total`` row."""
        table = self.table(["area_type"]).set_index("area_type")
        rows = []
        for area_type, t in table.iterrows():
            for error, causes, base in (("exclusion", EXCLUSION_CAUSES, "dibao_eligible_households"),
                                        ("inclusion", INCLUSION_CAUSES, "dibao_households")):
                stock = "excluded" if error == "exclusion" else "included"
                for cause, label in [*causes.items(), ("total", "all causes")]:
                    name = ("excluded_eligible" if error == "exclusion" else "included_ineligible") \
                        if cause == "total" else f"{stock}_{cause}"
                    households = float(t[f"dibao_{name}"])
                    yuan = float("nan")
                    if error == "inclusion":
                        yuan = float(t["dibao_leakage" if cause == "total" else f"dibao_leakage_{cause}"])
                    rows.append({
                        "area_type": area_type, "error": error, "cause": cause, "label": label,
                        "households": households,
                        "share": households / t[base] if t[base] > 0 else float("nan"),
                        "yuan": yuan,
                        "leakage_share": yuan / t["dibao_cost"] if t["dibao_cost"] > 0 else float("nan"),
                    })
        return pd.DataFrame(rows)

    def summary(self, first: str | None = None, last: str | None = None) -> dict[str, dict[str, float]]:
        """Headline indicators over the months ``first``…``last`` (YYYY-MM), for urban, rural and all."""
        sums = self.sums
        if first:
            sums = sums[sums["month"] >= first]
        if last:
            sums = sums[sums["month"] <= last]
        if sums.empty:
            raise RunFailedError(f"no reported month between {first or 'the start'} and {last or 'the end'}")
        out: dict[str, dict[str, float]] = {}
        by_type = summarise(sums, ["area_type"], self.catalogue).set_index("area_type")
        total = summarise(sums, [], self.catalogue).iloc[0]
        for label, row in [("all", total), *by_type.iterrows()]:
            out[str(label)] = {name: float(row[name]) for name, _, _ in HEADLINE} | {
                "months": int(row["months"])}
        return out

    def household_totals(self) -> pd.DataFrame:
        """Per household over the reported months: ``paid_yuan`` (every programme),
        ``pre_income_yuan`` (income before transfers), ``person_months`` and
        ``pre_income_pc`` (income before transfers per person and month, NaN for a household
        with no living member): what ranks households into deciles (:func:`decile_of`)."""
        h = self.households
        paid = h[[f"{name}_fen" for name in self.catalogue.lines]].sum(axis=1) / 100
        months = h["person_months"].to_numpy()
        income = h["pre_income_yuan"].to_numpy()
        return pd.DataFrame({
            "household": h["household"].to_numpy(), "area_type": h["area_type"].to_numpy(),
            "paid_yuan": paid.to_numpy(), "pre_income_yuan": income, "person_months": months,
            "pre_income_pc": np.divide(income, months, out=np.full(len(h), np.nan), where=months > 0),
        })

    def period_totals(self, names: list[str], first: str | None = None,
                      last: str | None = None) -> dict[str, dict[str, float]]:
        """The sums of the measures ``names`` over the months ``first``…``last``, for all, urban
        and rural (flows: totals; stocks: summed over months, not averaged)."""
        sums = self.sums
        if first:
            sums = sums[sums["month"] >= first]
        if last:
            sums = sums[sums["month"] <= last]
        out = {"all": {n: float(sums[n].sum()) for n in names}}
        for area_type, part in sums.groupby("area_type", sort=True):
            out[str(area_type)] = {n: float(part[n].sum()) for n in names}
        return out

    def payments_total_yuan(self) -> dict[str, float]:
        """Total paid per programme, from the household payments (fen → yuan)."""
        return {name: int(self.households[f"{name}_fen"].sum()) / 100 for name in self.catalogue.lines}

    # -- writing --------------------------------------------------------------------------------
    def write(self, out_dir: str | Path) -> Path:
        """Write the run into ``out_dir`` as a whole (:func:`output_folder`): every
        table as Parquet and ``summary.json`` last; the folder is replaced once all is written."""
        with output_folder(out_dir) as folder:
            self.write_into(folder)
        return Path(out_dir)

    def write_into(self, folder: Path) -> str:
        """Check the tables (:meth:`check_finite`), then write them and ``summary.json`` (last)
        into an existing, empty ``folder``; return the SHA-256 of ``summary.json``."""
        self.check_finite()
        try:
            files = {}
            for name in TABLES:
                frame = getattr(self, name)
                files[f"{name}.parquet"] = write_parquet_atomic(frame, folder / f"{name}.parquet")
            summary = {
                **self.metadata,
                "summary": json_safe(self.summary()),
                "payments_total_yuan": self.payments_total_yuan(),
                "files": files,
            }
            text = json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"
            write_text_atomic(text, folder / "summary.json")
        except OSError as exc:
            raise RunFailedError(f"cannot write the results to {folder}: {exc.strerror or exc}") from None
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def check_finite(self) -> None:
        """Raise :class:`~aidsim.errors.NonFiniteOutputError`, naming the table, the measure and
        the month, when a table holds a NaN or an infinity it may not
        (:func:`check_results`)."""
        check_results(self)

    def checked_summary(self, first: str | None = None, last: str | None = None) -> dict[str, dict[str, float]]:
        """:meth:`summary`, refused with :class:`~aidsim.errors.NonFiniteOutputError` when a
        figure is infinite, or NaN without being a ratio."""
        summary = self.summary(first, last)
        check_summary(summary, frozenset(self.sums.columns))
        return summary


def decile_of(income_pc: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted deciles (0 … 9) of ``income_pc``: each unit's decile is that of the middle of its
    weight in the weight-ordered ranking, so every decile holds about a tenth of the total weight
    (person-weighted deciles when ``weight`` is persons). Units of weight 0 or with NaN income get -1."""
    income_pc = np.asarray(income_pc, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    valid = (weight > 0) & np.isfinite(income_pc)
    out = np.full(len(income_pc), -1, dtype=np.int64)
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return out
    order = idx[np.argsort(income_pc[idx], kind="stable")]
    w = weight[order]
    middle = (np.cumsum(w) - w / 2) / w.sum()
    out[order] = np.minimum((middle * 10).astype(np.int64), 9)
    return out


def _temporary(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` with the permissions a new file normally gets (mkstemp
    would make it owner-only, and the rename would keep that)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return fd, tmp


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> str:
    """Write ``frame`` to ``path`` through a temporary file and a rename; return its SHA-256."""
    fd, tmp = _temporary(path)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest


def write_text_atomic(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# -- output folders and output checks ------------------------------------------------------------
#
# Output folders and output checks: where results may be written, how a folder is replaced
# whole, safe folder names, and the rule that no NaN or infinity reaches a written table.
#
# Output folders are written whole (:func:`output_folder`): everything goes into a temporary
# sibling (``.NAME.XXXX.tmp`` beside ``NAME``), which then takes the place of the folder in one
# step (an atomic exchange where the system has one, otherwise two renames). A folder is therefore
# either the old complete result or the new complete result, never a mix, and no file of an
# earlier run remains beside the new ones. The folder is refused (:class:`OutputFolderError`) when
# it is ``/``, the home directory, the current directory or one of its parents, a file, or a
# non-empty folder that is not an aidsim output (one holding ``summary.json``, ``manifest.json``
# or, written by earlier versions of ``compare``, ``comparison.parquet``).
#
# Before anything is written the tables are checked (:func:`check_results`): the additive monthly
# sums, the ledger and the payments to households must be finite everywhere; in the derived tables
# (monthly, yearly, by area, targeting, the summary) a ratio, i.e. a column that is not an additive
# sum, may be NaN, which it is only when its denominator is 0 (an average subsidy with no
# recipients), and nothing may be infinite; in the offices' table the caseload is checked strictly,
# and the offices' books may hold +inf for a limit that does not exist (no budget, no quota,
# unlimited capacity). ``summary.json`` records a NaN ratio as ``null`` (:func:`json_safe`).

#: Files that mark a folder as an aidsim output: a run's summary, a multi-run command's manifest.
OUTPUT_MARKERS = ("summary.json", "manifest.json", "comparison.parquet")
#: Columns of the derived tables that are sums although they are not among the monthly sums.
DERIVED_SUMS = frozenset({"total_cost", "months"})
#: The targeting table's ratios.
TARGETING_RATIOS = frozenset({"share", "yuan", "leakage_share"})


def check_results(results: Results) -> None:
    """Raise :class:`NonFiniteOutputError` naming the table, measure and month of the first NaN
    or infinity that breaks the rule (see the module's docstring)."""
    strict: frozenset[str] = frozenset()
    check_table(results.sums, "the monthly sums", ratios=strict)
    check_table(results.ledger, "ledger", ratios=strict)
    check_table(results.households, "households", ratios=strict)
    additive = frozenset(results.sums.columns) | DERIVED_SUMS
    for name in ("monthly", "yearly", "by_area"):
        frame = getattr(results, name)
        check_table(frame, name, ratios=frozenset(frame.columns) - additive)
    check_table(results.targeting, "targeting", ratios=TARGETING_RATIOS)
    books = frozenset(OFFICE_BOOKS)
    check_table(results.offices, "offices", ratios=books, unlimited=books)


def check_summary(summary: Mapping[str, Mapping[str, float]], additive: frozenset[str] | set[str]) -> None:
    """The same rule for a run's headline figures (``Results.summary()``): no infinity, and NaN
    only for a measure that is not in ``additive`` (a ratio)."""
    for area, figures in summary.items():
        for name, value in figures.items():
            if math.isinf(value) or (math.isnan(value) and name in additive | DERIVED_SUMS):
                raise errors.NonFiniteOutputError(f"the summary's measure {name!r} ({area}) is {value}: "
                                           f"a run must give finite figures")


def json_safe(value: Any) -> Any:
    """NaN (a ratio with a zero denominator) as ``None``: JSON has no NaN."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def check_table(frame: pd.DataFrame, table: str, *, ratios: frozenset[str] | set[str],
                unlimited: frozenset[str] | set[str] = frozenset()) -> None:
    """No infinity in ``frame`` (but +inf, "no limit", in the ``unlimited`` columns) and no NaN
    outside the ``ratios`` columns; otherwise raise :class:`NonFiniteOutputError` naming the
    table, the measure, the month and the row."""
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    strict = np.array([c not in ratios for c in numeric.columns])
    limits = np.array([c in unlimited for c in numeric.columns])
    bad = (np.isinf(values) & ~(limits[None, :] & (values > 0))) | (np.isnan(values) & strict[None, :])
    if not bad.any():
        return
    row, col = (int(i[0]) for i in np.nonzero(bad))
    measure = numeric.columns[col]
    where = [f"{key} {frame.iloc[row][key]}" for key in ("month", "year", "area_type", "area", "programme",
                                                         "household", "error", "cause")
             if key in frame.columns and key != measure]
    raise errors.NonFiniteOutputError(
        f"{table}: measure {measure!r} is {values[row, col]} ({', '.join(where) or f'row {row}'}); "
        f"outputs must be finite numbers, so nothing was written. Check the scenario's amounts and rates.")


# -- output folders ------------------------------------------------------------------------------

_SLUG_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
SLUG_MAX = 80


def slug(name: str) -> str:
    """A safe folder name for a scenario name: ASCII letters, digits, ``_ . -``; runs of anything
    else become one ``-``; no leading dot or dash (so never ``.`` or ``..``); at most 80
    characters; ``scenario`` when nothing is left. Two names can share a slug (``a b`` and
    ``a-b``): multi-run commands refuse such clashes before running (compare with
    :func:`slug_key`)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = _SLUG_BAD.sub("-", text).strip("-.")
    text = re.sub(r"-{2,}", "-", text)[:SLUG_MAX].rstrip("-.")
    return text or "scenario"


def slug_key(name: str) -> str:
    """What two slugs must differ in to be distinct folders on every file system (letter case
    is ignored on some)."""
    return slug(name).casefold()


def check_output_folder(out: str | Path) -> Path:
    """The absolute folder results may be written to; raise :class:`OutputFolderError` otherwise."""
    text = str(out)
    if text.strip() in ("", "."):
        raise errors.OutputFolderError(f"{text!r} is the current folder: name a folder for the results, "
                                       f"e.g. out/run")
    if "\x00" in text:
        raise errors.OutputFolderError("the folder name contains a NUL byte")
    try:
        target = Path(out).expanduser().resolve()
        cwd = Path.cwd().resolve()
        home = Path.home().resolve()
    except (OSError, RuntimeError) as exc:
        raise errors.OutputFolderError(f"{text!r} cannot be used: {getattr(exc, 'strerror', None) or exc}") from None
    if target == target.parent:
        raise errors.OutputFolderError(f"{text!r} is the root directory: name a folder for the results")
    if target == home:
        raise errors.OutputFolderError(f"{text!r} is the home directory: name a folder for the results")
    if target == cwd or target in cwd.parents:
        raise errors.OutputFolderError(f"{text!r} is the current folder or one of its parents: name a "
                                       f"folder for the results")
    try:
        if target.exists():
            if not target.is_dir():
                raise errors.OutputFolderError(f"{text!r} is a file, not a folder")
            entries = {p.name for p in target.iterdir()}
            if entries and not entries & set(OUTPUT_MARKERS):
                raise errors.OutputFolderError(
                    f"{text!r} is a folder that holds other files ({len(entries)} entries) and no "
                    f"aidsim output (summary.json or manifest.json); aidsim replaces its output "
                    f"folder whole, so it only writes into an empty folder or an earlier output")
        ancestor = target.parent  # the folder's temporary sibling is made beside it
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise errors.OutputFolderError(f"{text!r} cannot be made: {str(ancestor)!r} is a file")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise errors.OutputFolderError(f"{text!r} cannot be made: {str(ancestor)!r} is not writable")
    except OSError as exc:
        raise errors.OutputFolderError(f"{text!r} cannot be used: {exc.strerror or exc}") from None
    return target


@contextmanager
def output_folder(out: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``out``; when the block ends without error, it
    takes the place of ``out`` whole; on error it is removed and ``out`` is left as it was."""
    target = check_output_folder(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise errors.OutputFolderError(f"cannot write to {out}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        try:
            yield tmp
        except errors.RunFailedError as exc:  # name the folder the user gave, not the temporary one
            raise type(exc)(str(exc).replace(str(tmp), str(out))) from None
        check_output_folder(out)  # still safe to replace (nothing else filled it meanwhile)
        try:
            _swap_in(tmp, target)
        except OSError as exc:
            raise errors.RunFailedError(f"cannot write the results to {out}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` in the place of ``target``; the old ``target`` ends up at ``new``
    (to be removed) or is removed here."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rename(target, old / "x")
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old / "x", target)  # put the old result back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))
