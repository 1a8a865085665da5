"""Results of one run: tidy pandas tables, run metadata, and atomic writing to a folder.

A run folder holds Parquet tables and ``summary.json``. ``summary.json`` is written last and
lists every table with its SHA-256, so a folder without it (or whose hashes do not match) is an
incomplete run; each table is written to a temporary name and renamed into place, so no table is
ever half-written under its real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aidsim.admin.offices import Office
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
    ("medical_out_of_pocket", "Medical out-of-pocket, after insurance", "yuan"),
    ("medical_out_of_pocket_after_aid", "Medical out-of-pocket, after assistance", "yuan"),
    ("medical_impoverished_before_aid", "Pushed below poverty line by illness, before aid", "persons"),
    ("medical_impoverished_after_aid", "Pushed below poverty line by illness, after aid", "persons"),
    ("dibao_share_to_poor", "Dibao share to the pre-transfer poor", "share"),
    ("temporary_share_to_poor", "Temporary aid share to the pre-transfer poor", "share"),
    ("medical_share_to_poor", "Medical aid share to the pre-transfer poor", "share"),
    ("dibao_inclusion_error", "Dibao inclusion error", "share"),
    ("dibao_exclusion_error", "Dibao exclusion error", "share"),
    ("dibao_leakage_share", "Dibao leakage", "share"),
    ("dibao_applications", "Dibao applications", "households"),
    ("dibao_refusal_rate", "Dibao applications refused", "share"),
    ("dibao_avg_days_to_payment", "Days from application to first payment", "days"),
    ("dibao_backlog", "Applications waiting for a survey", "households"),
    ("dibao_overdue_reviews", "Reviews overdue", "households"),
    ("dibao_utilisation", "Caseworkers' capacity used", "share"),
    ("dibao_exclusion_not_applied", "Exclusion: not applied", "share"),
    ("dibao_exclusion_delay", "Exclusion: in approval", "share"),
    ("dibao_inclusion_favour", "Inclusion: favour cases", "share"),
    ("dibao_inclusion_verification", "Inclusion: income or assets not found", "share"),
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
            households[f"{name}_fen"] = model.state.paid_fen[i]
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

    def payments_total_yuan(self) -> dict[str, float]:
        """Total paid per programme, from the household payments (fen → yuan)."""
        return {name: int(self.households[f"{name}_fen"].sum()) / 100 for name in self.catalogue.lines}

    # -- writing --------------------------------------------------------------------------------
    def write(self, out_dir: str | Path) -> Path:
        """Write every table as Parquet and ``summary.json`` last (atomically, file by file)."""
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            marker = out / "summary.json"
            if marker.exists():
                marker.unlink()  # the folder is incomplete until the new summary is in place
            files = {}
            for name in TABLES:
                frame = getattr(self, name)
                files[f"{name}.parquet"] = write_parquet_atomic(frame, out / f"{name}.parquet")
            summary = {
                **self.metadata,
                "summary": self.summary(),
                "payments_total_yuan": self.payments_total_yuan(),
                "files": files,
            }
            write_text_atomic(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", marker)
        except OSError as exc:
            raise RunFailedError(f"cannot write the results to {out}: {exc.strerror or exc}") from None
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
