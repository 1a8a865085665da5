"""The data dictionary: every column of every output table with its meaning, unit and kind.

It is built from the definitions the model itself uses, never written by hand: the measure
catalogue (:func:`aidsim.metrics.indicators.catalogue`: each measure is a stock or a flow with a
unit and a description, each ratio has a unit and a description), the ledger lines of the
programme registry, the offices' recorded fields and the comparison's figures. ``aidsim columns``
prints it and ``docs/outputs.md`` is generated from it (``make docs``).

Kinds:

- ``total``: summed over the months a row covers (yuan paid, entries, exits);
- ``monthly average``: a stock averaged over the months a row covers (recipients, households);
- ``share``: a ratio between 0 and 1 (coverage, errors, headcounts);
- ``average``: another ratio (yuan per person and month, days, persons per household);
- ``key``: what identifies a row;
- ``as measure``: in the comparison tables, the kind of the measure the row holds.

A measure against the dibao line (suffix ``_dl``), the dibao-eligible counts and the margin
households move with the standard: "below the dibao line" rises when the standard rises.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from aidsim.admin.offices import CASELOAD_FIELDS, OFFICE_BOOKS
from aidsim.metrics.indicators import Catalogue, catalogue
from aidsim.runners.compare import OVERVIEW

KINDS = ("key", "total", "monthly average", "share", "average", "as measure")
MOVES_NOTE = "moves with the dibao standard (rises when the standard rises)"


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    meaning: str
    unit: str
    kind: str
    moves_with_standard: bool = False


def moves_with_standard(name: str) -> bool:
    """Whether a measure is counted against the dibao standard itself, so that it moves when the
    standard moves even if no household changes."""
    return (name.endswith("_dl") or name.startswith(("dibao_eligible", "margin_"))
            or name in {"dibao_excluded_eligible", "dibao_exclusion_error"})


def _kind_of_ratio(unit: str) -> str:
    return "share" if unit == "share" else "average"


def indicator_columns(table: str, keys: list[Column], cat: Catalogue) -> list[Column]:
    """The columns of an indicator table (monthly, yearly, by area): its keys, every measure, every
    ratio, the whole bill and the months counted."""
    out = list(keys)
    for name, m in cat.measures.items():
        out.append(Column(table, name, m.description, m.unit,
                          "total" if m.kind == "flow" else "monthly average", moves_with_standard(name)))
    out.append(Column(table, "total_cost", "Paid by every programme (sum of the *_cost columns).", "yuan", "total"))
    out.append(Column(table, "months", "Months the row covers.", "months", "total"))
    for name, r in cat.ratios.items():
        out.append(Column(table, name, f"{r.description} ({r.numerator} ÷ {r.denominator})", r.unit,
                          _kind_of_ratio(r.unit), moves_with_standard(name)))
    return out


def _key(table: str, name: str, meaning: str, unit: str = "") -> Column:
    return Column(table, name, meaning, unit, "key")


def columns(cat: Catalogue | None = None) -> list[Column]:
    """Every column of every table aidsim writes, in the order of the tables' files."""
    cat = cat or catalogue()
    area = "Street office or township (0 … areas − 1)."
    area_type = "urban, rural, or all (both together)."
    out: list[Column] = []
    # run folders (aidsim run; runs/<scenario>/ of aidsim compare)
    out += indicator_columns("monthly", [_key("monthly", "month", "Reported month.", "YYYY-MM"),
                                         _key("monthly", "area_type", area_type)], cat)
    out += indicator_columns("yearly", [_key("yearly", "year", "Calendar year."),
                                        _key("yearly", "area_type", area_type)], cat)
    out += indicator_columns("by_area", [_key("by_area", "year", "Calendar year."),
                                         _key("by_area", "area", area),
                                         _key("by_area", "area_type", "urban or rural.")], cat)
    t = "ledger"
    out += [_key(t, "month", "Reported month.", "YYYY-MM"), _key(t, "programme", "Ledger line (programme)."),
            _key(t, "area", area), _key(t, "area_type", "urban or rural."),
            Column(t, "fen", "Paid in the month by the line in the area.", "fen", "total"),
            Column(t, "recipients", "Recipients of the line's payments in the month.", "persons or households",
                   "total"),
            Column(t, "yuan", "The same payment in yuan (fen ÷ 100).", "yuan", "total")]
    t = "households"
    out += [_key(t, "household", "Household row."), _key(t, "area", area), _key(t, "area_type", "urban or rural."),
            Column(t, "members", "Persons who have lived in the household during the run.", "persons", "total")]
    out += [Column(t, f"{line}_fen", f"Paid to the household by {line} over the reported months.", "fen", "total")
            for line in cat.lines]
    out += [Column(t, "pre_income_yuan", "Household income before transfers over the reported months.",
                   "yuan", "total"),
            Column(t, "person_months", "Living members summed over the reported months.", "person-months",
                   "total")]
    t = "offices"
    out += [_key(t, "month", "Reported month.", "YYYY-MM"), _key(t, "step", "Model step (Mesa), warm-up included."),
            _key(t, "office", "Mesa agent id of the office."), _key(t, "area", area),
            _key(t, "area_type", "urban or rural.")]
    for name in CASELOAD_FIELDS:
        m = cat.measures[name]
        out.append(Column(t, name, f"{m.description} In the office's area, this month.", m.unit,
                          "total" if m.kind == "flow" else "monthly average", moves_with_standard(name)))
    books = {
        "caseworkers": ("Caseworkers of the office (inf: unlimited).", "persons", "monthly average"),
        "capacity": ("Cases the caseworkers can handle this month (inf: unlimited).", "cases", "total"),
        "utilisation": ("Share of this month's capacity used.", "share", "share"),
        "budget": ("The office's yearly dibao budget (inf: none).", "yuan", "total"),
        "spent_this_year": ("Dibao paid by the office since January.", "yuan", "total"),
        "top_up_this_year": ("County top-ups to the office's budget since January.", "yuan", "total"),
        "quota_persons": ("Most dibao recipients the quota allows (inf: no quota).", "persons", "monthly average"),
        "dibao_avg_days": ("Average days from application to first payment this month.", "days", "average"),
    }
    if set(books) != set(OFFICE_BOOKS):
        raise ValueError(f"the offices' books changed: describe {sorted(set(OFFICE_BOOKS) ^ set(books))}")
    out += [Column(t, name, *books[name]) for name in OFFICE_BOOKS]
    t = "targeting"
    out += [_key(t, "area_type", area_type), _key(t, "error", "exclusion or inclusion."),
            _key(t, "cause", "Cause of the error (total: all causes)."), _key(t, "label", "The cause in words."),
            Column(t, "households", "Households with the error from this cause.", "households", "monthly average",
                   True),
            Column(t, "share", "Share of the error's base (eligible households for exclusion, recipient "
                               "households for inclusion).", "share", "share", True),
            Column(t, "yuan", "Inclusion only: dibao paid to these households.", "yuan", "total"),
            Column(t, "leakage_share", "Inclusion only: that payment's share of dibao.", "share", "share")]
    # compare folders (aidsim compare)
    t = "comparison"
    out += [_key(t, "reform", "Reform scenario name."), _key(t, "area_type", area_type),
            _key(t, "measure", "Column of the run tables (see monthly)."), _key(t, "label", "The measure in words."),
            _key(t, "unit", "The measure's unit."),
            Column(t, "baseline", "Baseline value over the compared months (kind as the measure's).", "as unit",
                   "as measure"),
            Column(t, "reform_value", "Reform value over the compared months.", "as unit", "as measure"),
            Column(t, "difference", "Reform − baseline, same replication (common random numbers), averaged "
                                    "over replications.", "as unit", "as measure"),
            Column(t, "low", "5th percentile of the difference across replications (NaN with one).", "as unit",
                   "as measure"),
            Column(t, "high", "95th percentile of the difference across replications.", "as unit", "as measure")]
    t = "replications"
    out += [_key(t, "scenario", "Scenario name."), _key(t, "replication", "Replication number (0 …)."),
            _key(t, "area_type", area_type), _key(t, "measure", "Column of the run tables (see monthly)."),
            Column(t, "value", "The measure over the compared months in this replication.", "as measure",
                   "as measure")]
    t = "overview"
    out += [_key(t, "reform", "Reform scenario name."), _key(t, "area_type", area_type)]
    for name, label, unit in OVERVIEW:
        kind = "share" if unit.startswith("share") else "average" if name == "cost_per_yuan_closed" else (
            "monthly average" if "monthly" in unit else "total")
        out.append(Column(t, name, f"{label}; mean over replications.", unit, kind))
        out.append(Column(t, f"{name}_low", f"{label}: 5th percentile across replications (NaN with one).",
                          unit, kind))
        out.append(Column(t, f"{name}_high", f"{label}: 95th percentile across replications.", unit, kind))
    t = "deciles"
    out += [_key(t, "reform", "Reform scenario name."),
            _key(t, "decile", "Decile of the baseline's income before transfers per person and month, "
                              "person-weighted (1: the poorest tenth of residents)."),
            Column(t, "income_low", "Lowest income before transfers per head in the decile.",
                   "yuan/person/month", "average"),
            Column(t, "income_high", "Highest income before transfers per head in the decile.",
                   "yuan/person/month", "average"),
            Column(t, "persons", "Residents in the decile.", "persons", "monthly average"),
            Column(t, "gain_yuan", "Extra payments to the decile (reform − baseline, every programme) over "
                                   "the reported months.", "yuan", "total"),
            Column(t, "gain_yuan_low", "5th percentile of gain_yuan across replications (NaN with one).",
                   "yuan", "total"),
            Column(t, "gain_yuan_high", "95th percentile of gain_yuan across replications.", "yuan", "total"),
            Column(t, "gain_pc_month", "Extra payments per resident of the decile and month.",
                   "yuan/person/month", "average"),
            Column(t, "gain_share", "The decile's share of the reform's extra payments.", "share", "share")]
    # sweep folders (aidsim sweep)
    t = "sweep"
    out += [_key(t, "point", "Point of the grid or sample (0 …)."),
            _key(t, "<parameter>", "One column per swept parameter (its dotted path): its value at the point."),
            _key(t, "area_type", area_type), _key(t, "measure", "Headline measure (see monthly), or "
                                                               "gap_closed_pl / gap_closed_pl_share."),
            _key(t, "label", "The measure in words."), _key(t, "unit", "The measure's unit."),
            Column(t, "mean", "The measure over the summarised months, mean over replications.", "as unit",
                   "as measure"),
            Column(t, "low", "5th percentile across replications (NaN with one).", "as unit", "as measure"),
            Column(t, "high", "95th percentile across replications.", "as unit", "as measure"),
            _key(t, "replications", "Replications per point.")]
    return out


TABLE_FILES = {
    "monthly": "monthly.parquet (run folder)", "yearly": "yearly.parquet (run folder)",
    "by_area": "by_area.parquet (run folder)", "ledger": "ledger.parquet (run folder)",
    "households": "households.parquet (run folder)", "offices": "offices.parquet (run folder)",
    "targeting": "targeting.parquet (run folder)",
    "comparison": "comparison.parquet / .csv (compare folder)",
    "replications": "replications.parquet (compare folder)",
    "overview": "overview.parquet / .csv (compare folder)", "deciles": "deciles.parquet / .csv (compare folder)",
    "sweep": "sweep.parquet / .csv (sweep folder; replications.parquet there holds each replication's value)",
}


def records(table: str | None = None) -> list[dict[str, object]]:
    return [asdict(c) for c in columns() if table is None or c.table == table]


def markdown() -> str:
    """``docs/outputs.md``: the whole dictionary, one section per table."""
    lines = ["# aidsim outputs: the data dictionary", "",
             "Generated by `aidsim columns --format markdown` from the measure definitions "
             "(`make docs`); do not edit by hand.", "",
             "Kinds: **total** (summed over the months a row covers), **monthly average** (a stock "
             "averaged over those months), **share** (a ratio from 0 to 1), **average** (another ratio), "
             "**key** (identifies a row). Rows marked † " + MOVES_NOTE + ".", ""]
    cols = columns()
    for table, where in TABLE_FILES.items():
        lines += [f"## {table}", "", f"File: `{where.split(' ')[0]}` {' '.join(where.split(' ')[1:])}", "",
                  "| column | meaning | unit | kind |", "|---|---|---|---|"]
        for c in cols:
            if c.table == table:
                mark = " †" if c.moves_with_standard else ""
                meaning = c.meaning.replace("|", "\\|")
                lines.append(f"| `{c.name}`{mark} | {meaning} | {c.unit} | {c.kind} |")
        lines.append("")
    return "\n".join(lines)
