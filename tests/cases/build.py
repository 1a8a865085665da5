"""Turn a rule case (plain data read from ``tests/cases/*.yaml``) into the engine's inputs, run the
month through :func:`aidsim.engine.step.apply_rules`, and compare what it paid with the case.

The keys a case may use are described in ``tests/cases/README.md``; unknown keys are errors, so a
typo in a case never silently falls back to a default.

Harness settings (:data:`HARNESS`) make a one-month case deterministic. They are applied on top of
the default scenario and *under* the case's own ``parameters`` (a case may override them):

- :data:`aidsim.scenario.presets.IDEAL_ADMIN` for dibao, ``admin.tekun.take_up_rate`` = 1 and
  ``temporary.take_up`` = 1, with every take-up uniform of the month set to 0: every eligible
  unit applies this month, is assessed at its true income and approved at once.
- ``admin.tekun.delay_months`` = 0 and dibao routes of 0 days: an application made this month is
  decided and paid this month (so "eligible now" means "paid now" for a household not yet on a
  roll). The rolls start empty unless a case's ``before:`` puts a unit on them.
- ``tekun.institutional_share`` = 0 for every self-care level: with a take-up uniform of 0, the
  engine's placement draw (uniform ÷ take-up rate) is 0, so a new recipient is placed in an
  institution exactly when the share is > 0. A case wanting an institutional placement sets the
  share to 1 in its ``parameters``.
- ``orphans.institutional_share`` = 0: only drawn by ``enrol_at_start``; a case sets an orphan's
  placement with ``before: {orphan_institutional: true}``.
- ``elderly.home_care_places_per_10k`` = 10,000: a home-care place per resident (a case has a
  handful of residents), so places are short only when a case says so.
- One street office (area 0, urban households) and one township (area 1, rural households).
- ``dibao.standard_indexation`` = none: the standard in force is the one a case writes, whatever
  its month (indexation is tested on its own in ``tests/unit/test_standard_indexation.py``).

Incomes are the month's, as the case states them: the means test's average over past months
(``dibao.income_months``) is the engine's, tested on its own in
``tests/unit/test_assessed_income.py``; a case's frame gives the month's income as that average.

Shocks are not drawn: the case states them (illness episode with its in-policy hospital cost, job
loss, death, disaster). Insurance reimbursement is computed by the engine's own
:func:`aidsim.shocks.health.insurance_reimbursement`, and who is able to work by
:func:`aidsim.engine.step.able_persons`, after the case's deaths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from aidsim.admin import pipeline
from aidsim.admin.sparse_roll import SparseRoll
from aidsim.calendar import format_month, parse_month
from aidsim.engine.events import Incomes, ShockOutcome, able_persons, event_keys, mean_log_earnings
from aidsim.engine.state import SimState
from aidsim.engine.step import apply_rules
from aidsim.population.arrays import (
    SELFCARE_FULL,
    SELFCARE_NONE,
    SELFCARE_PARTIAL,
    Households,
    Persons,
    Population,
)
from aidsim.programmes import REGISTRY
from aidsim.programmes.base import Frame
from aidsim.programmes.registry import Registry
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.presets import IDEAL_ADMIN
from aidsim.scenario.schema import Scenario
from aidsim.shocks.health import IllnessOutcome, insurance_reimbursement

F32 = np.float32
CASES_DIR = Path(__file__).parent

#: Settings that make a one-month case deterministic (see the module docstring).
HARNESS: dict[str, Any] = {
    "population.street_offices": 1,
    "population.townships": 1,
    **IDEAL_ADMIN,
    "admin.tekun.take_up_rate": 1.0,
    "admin.tekun.delay_months": 0,
    "temporary.take_up": 1.0,
    "tekun.institutional_share": {"full": 0.0, "partial": 0.0, "none": 0.0},
    "orphans.institutional_share": 0.0,
    # A case has a handful of residents: a place per resident, unless the case sets fewer.
    "elderly.home_care_places_per_10k": 10_000,
    "dibao.standard_indexation": "none",
}

URBAN_AREA, RURAL_AREA = 0, 1
SELFCARE = {"full": SELFCARE_FULL, "partial": SELFCARE_PARTIAL, "none": SELFCARE_NONE}
STATUS = {"off": pipeline.OFF, "pending": pipeline.PENDING, "on": pipeline.ON, "grace": pipeline.GRACE}
STATUS_NAME = {v: k for k, v in STATUS.items()}

CASE_KEYS = {"name", "month", "note", "parameters", "household", "households", "expected", "xfail"}
HOUSEHOLD_KEYS = {"area", "other_income", "vehicle", "business", "two_dwellings", "outside_supporter",
                  "disaster", "members", "before", "expected", "label"}
MEMBER_KEYS = {"age", "age_months", "sex", "earnings", "employed", "pension", "disability",
               "selfcare", "chronic", "orphan", "public_sector", "refuses_work", "ill", "illness",
               "lost_work", "died", "before", "certified"}
HOUSEHOLD_BEFORE_KEYS = {"dibao", "temporary_cases_this_year", "temporary_due", "medical_spent_12m"}
MEMBER_BEFORE_KEYS = {"tekun", "orphan_institutional", "medical_aid_this_year",
                      "medical_spent_this_year"}
ROLL_KEYS = {"status", "assessed", "next_review", "exit_month", "decision_month", "institutional"}
CHECK_KEYS = {"dibao_eligible", "margin", "per_capita_income", "deduction", "dibao_members",
              "dibao_status", "tekun_eligible", "temporary_event", "temporary_due"}


class CaseError(ValueError):
    """A rule case that is malformed (unknown key, impossible combination)."""


# -------------------------------------------------------------------------------------------------
# Reading
# -------------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (PyYAML would silently keep the last one)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *rules` merges an anchored mapping; explicit keys win over it
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise CaseError(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
# Booleans as in YAML 1.2: only true/false, so `status: on` / `off` stay words.
_BOOL = "tag:yaml.org,2002:bool"
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                       list("tTfF"))


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The cases of one YAML file (a list of mappings), each tagged with its file name."""
    cases = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    if not isinstance(cases, list) or not cases:
        raise CaseError(f"{path.name}: expected a non-empty list of cases")
    for case in cases:
        case["_file"] = path.name
    return cases


def all_case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


# -------------------------------------------------------------------------------------------------
# Building
# -------------------------------------------------------------------------------------------------


def _check_keys(what: str, given: dict, allowed: set[str]) -> None:
    unknown = set(given) - allowed - {"_file"}
    if unknown:
        raise CaseError(f"{what}: unknown key(s) {sorted(unknown)}; expected some of {sorted(allowed)}")


def scenario_for(parameters: dict[str, Any] | None) -> Scenario:
    """The default scenario + :data:`HARNESS` + the case's dotted-path ``parameters``.

    Shorter paths are applied first, so ``dibao.standard.rural: {2020-07: 500}`` refines a
    ``dibao.standard: {urban: 750, rural: 433}`` given in the same case (e.g. through ``<<: *rules``).
    """
    data = merge_overrides(Scenario().resolved(), HARNESS)
    ordered = sorted((parameters or {}).items(), key=lambda kv: kv[0].count("."))
    data = merge_overrides(data, dict(ordered))
    return validate_scenario(data, source="rule case")


def _month(value: Any) -> int:
    """A month written YYYY-MM (a bare integer would be read as months since year 0)."""
    if isinstance(value, int):
        raise CaseError(f"months are written YYYY-MM, got {value!r}")
    return parse_month(value)


def _age_months(member: dict, where: str) -> int:
    if ("age" in member) == ("age_months" in member):
        raise CaseError(f"{where}: give exactly one of age (years) or age_months")
    return int(member["age_months"]) if "age_months" in member else int(member["age"]) * 12


@dataclass
class BuiltCase:
    """A case turned into the engine's inputs, ready for :func:`run`."""

    name: str
    month: int
    scenario: Scenario
    state: SimState
    keys: dict[str, Any]                      # the engine's frame keys and the month's draws
    households: list[dict[str, Any]]          # the case's households, in row order
    expected: list[dict[str, Any]]            # what each household expects (same order)
    members: list[np.ndarray] = field(default_factory=list)  # person rows of each household


def case_households(case: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """The case's households and their ``expected`` blocks (one household or a list)."""
    if ("household" in case) == ("households" in case):
        raise CaseError(f"{case.get('name')}: give exactly one of household or households")
    if "household" in case:
        if "expected" not in case:
            raise CaseError(f"{case['name']}: a one-household case needs expected")
        return [case["household"]], [case["expected"]]
    if "expected" in case:
        raise CaseError(f"{case['name']}: with households, put expected inside each household")
    households = case["households"]
    return households, [h.get("expected", {}) for h in households]


def build(case: dict[str, Any], registry: Registry = REGISTRY) -> BuiltCase:
    """Build the population, the state before the month and the month's events of a case
    (``registry``: the programmes to run, by default the shipped ones)."""
    _check_keys(f"case {case.get('name')!r}", case, CASE_KEYS)
    name = case["name"]
    month = _month(case["month"])
    scenario = scenario_for(case.get("parameters"))
    households, expected = case_households(case)
    inc = scenario.shocks.income

    rows: dict[str, list] = {k: [] for k in (
        "household", "age_months", "female", "alive", "disability", "chronic", "ill", "selfcare",
        "employed", "earnings_level", "pension", "public_sector", "refuses_work", "orphan",
        "earnings", "onset", "cost", "died", "lost_work", "certified")}
    hh_rows: dict[str, list] = {k: [] for k in (
        "area", "urban", "vehicle", "business", "two_dwellings", "outside_supporter", "other",
        "hit", "asset_loss")}
    for i, hh in enumerate(households):
        where = f"{name}, household {i}"
        _check_keys(where, hh, HOUSEHOLD_KEYS)
        if hh.get("area") not in ("urban", "rural"):
            raise CaseError(f"{where}: area must be urban or rural")
        urban = hh["area"] == "urban"
        hh_rows["area"].append(URBAN_AREA if urban else RURAL_AREA)
        hh_rows["urban"].append(urban)
        for flag in ("vehicle", "business", "two_dwellings", "outside_supporter"):
            hh_rows[flag].append(bool(hh.get(flag, False)))
        hh_rows["other"].append(float(hh.get("other_income", 0)))
        disaster = hh.get("disaster")
        if disaster is not None:
            _check_keys(f"{where}, disaster", disaster, {"asset_loss"})
        hh_rows["hit"].append(disaster is not None)
        hh_rows["asset_loss"].append(float(disaster["asset_loss"]) if disaster else 0.0)
        mean_log = inc.mean_log_earnings.urban if urban else inc.mean_log_earnings.rural
        members = hh.get("members") or []
        if not members:
            raise CaseError(f"{where}: a household needs members")
        for j, m in enumerate(members):
            mwhere = f"{where}, member {j}"
            _check_keys(mwhere, m, MEMBER_KEYS)
            earnings = float(m.get("earnings", 0))
            employed = bool(m.get("employed", earnings > 0))
            died = bool(m.get("died", False))
            illness = m.get("illness")
            if illness is not None:
                _check_keys(f"{mwhere}, illness", illness, {"hospital_cost"})
            ill = bool(m.get("ill", False)) or illness is not None
            lost = m.get("lost_work")
            if lost is not None:
                _check_keys(f"{mwhere}, lost_work", lost, {"usual_earnings"})
            if earnings and not employed:
                raise CaseError(f"{mwhere}: earnings need employed")
            if earnings and (ill or died or lost is not None):
                raise CaseError(f"{mwhere}: a member who is ill, died or lost work this month earns "
                                f"nothing this month (the engine pays no earnings then)")
            if lost is not None and employed:
                raise CaseError(f"{mwhere}: a member who lost work this month is not employed")
            if died and (m.get("pension") or ill):
                raise CaseError(f"{mwhere}: a member who died has no income nor episode this month")
            if m.get("sex", "male") not in ("male", "female"):
                raise CaseError(f"{mwhere}: sex must be male or female")
            if m.get("selfcare", "full") not in SELFCARE:
                raise CaseError(f"{mwhere}: selfcare must be full, partial or none")
            rows["household"].append(i)
            rows["age_months"].append(_age_months(m, mwhere))
            rows["female"].append(m.get("sex") == "female")
            rows["alive"].append(not died)
            rows["disability"].append(int(m.get("disability", 0)))
            rows["chronic"].append(bool(m.get("chronic", False)))
            rows["ill"].append(ill and not died)
            rows["selfcare"].append(SELFCARE[m.get("selfcare", "full")])
            rows["employed"].append(employed)
            usual = float(lost["usual_earnings"]) if lost is not None else 0.0
            # Lost earnings are exp(mean log earnings + persistent level) in the engine.
            rows["earnings_level"].append(np.log(usual) - F32(mean_log) if usual > 0 else 0.0)
            rows["pension"].append(float(m.get("pension", 0)))
            rows["public_sector"].append(bool(m.get("public_sector", False)))
            rows["refuses_work"].append(bool(m.get("refuses_work", False)))
            rows["orphan"].append(bool(m.get("orphan", False)))
            rows["certified"].append(bool(m.get("certified", True)))
            rows["earnings"].append(earnings)
            rows["onset"].append(illness is not None)
            rows["cost"].append(float(illness["hospital_cost"]) if illness else 0.0)
            rows["died"].append(died)
            rows["lost_work"].append(lost is not None)

    def arr(key: str, dtype: Any) -> np.ndarray:
        return np.asarray(rows[key], dtype=dtype)

    persons = Persons(
        household=arr("household", np.intp), age_months=arr("age_months", np.int16),
        female=arr("female", bool), alive=arr("alive", bool), disability=arr("disability", np.int8),
        chronic=arr("chronic", bool), ill=arr("ill", bool), selfcare=arr("selfcare", np.int8),
        employed=arr("employed", bool), earnings_level=arr("earnings_level", F32),
        pension=arr("pension", F32), public_sector=arr("public_sector", bool),
        refuses_work=arr("refuses_work", bool), orphan=arr("orphan", bool),
        formal_job=np.zeros(len(rows["household"]), bool), certified=arr("certified", bool),
    )
    n_h = len(households)
    hh_arrays = Households(
        area=np.asarray(hh_rows["area"], np.int16), urban=np.asarray(hh_rows["urban"], bool),
        vehicle=np.asarray(hh_rows["vehicle"], bool), business=np.asarray(hh_rows["business"], bool),
        two_dwellings=np.asarray(hh_rows["two_dwellings"], bool),
        outside_supporter=np.asarray(hh_rows["outside_supporter"], bool),
        other_income_level=np.zeros(n_h, F32), has_other_income=np.asarray(hh_rows["other"]) > 0,
        office_km=np.ones(n_h, F32), connection_u=np.ones(n_h, F32), honesty_u=np.full(n_h, 0.5, F32),
    )
    population = Population(persons=persons, households=hh_arrays, n_areas=2,
                            area_urban=np.array([True, False]))
    state = SimState.start(population, registry)
    member_rows = [np.flatnonzero(persons.household == i) for i in range(n_h)]
    for i, hh in enumerate(households):
        _set_before(state, hh, member_rows[i], f"{name}, household {i}")

    # The month's events, as run_month would have drawn them.
    p = persons
    health = scenario.shocks.health
    onset = arr("onset", bool)
    cost = np.where(onset, arr("cost", F32), F32(0)).astype(F32)
    reimbursed = np.zeros(p.n, F32)
    new = np.flatnonzero(onset)
    reimbursed[new] = insurance_reimbursement(cost[new], health.insurance_deductible,
                                              health.insurance_rate, health.insurance_cap)
    illness = IllnessOutcome.from_persons(onset=onset, cost=cost, reimbursed=reimbursed,
                                          out_of_pocket=cost - reimbursed)
    earned = np.where(p.employed & p.alive, arr("earnings", F32), F32(0)).astype(F32)
    own = (earned + np.where(p.alive, p.pension, F32(0))).astype(F32)
    other = np.asarray(hh_rows["other"], F32)
    incomes = Incomes(person_own=own, earned=earned,
                      household_total=population.household_sum(own) + other, other=other)
    shocks = ShockOutcome(illness=illness, died=arr("died", bool),
                          lost_work=np.flatnonzero(arr("lost_work", bool)),
                          able=able_persons(state, scenario))
    lost = np.flatnonzero(arr("lost_work", bool))
    keys = event_keys(state, scenario, month, shocks, incomes, np.asarray(hh_rows["hit"], bool),
                      np.asarray(hh_rows["asset_loss"], np.float64),
                      np.exp(mean_log_earnings(state, scenario, lost) + p.earnings_level[lost]))
    # Every draw of the month is 0 (take-up uniforms: every eligible unit applies).
    for stream in state.registry.draws(start=False):
        if stream.when is None or stream.when(scenario, month):
            n = p.n if stream.per == "persons" else n_h
            keys[stream.key] = (np.zeros((2, n), np.uint64) if stream.kind == "raw2"
                                else np.zeros(n, F32))
    return BuiltCase(name, month, scenario, state, keys, households, expected, member_rows)


def _set_roll(roll: pipeline.Roll | SparseRoll, unit: int, facts: dict, where: str) -> None:
    _check_keys(where, facts, ROLL_KEYS)
    roll.status[unit] = STATUS[facts.get("status", "on")]
    # a sparse roll keeps the other fields in the unit's entry
    at = int(roll.entries(np.array([unit]))[0]) if isinstance(roll, SparseRoll) else unit
    roll.assessed[at] = float(facts.get("assessed", 0))
    for key in ("next_review", "exit_month", "decision_month"):
        if key in facts:
            getattr(roll, key)[at] = _month(facts[key])


def _set_before(state: SimState, hh: dict, members: np.ndarray, where: str) -> None:
    """Facts from earlier months (``before:``), written into the state's arrays."""
    h = int(state.population.persons.household[members[0]])
    before = hh.get("before") or {}
    _check_keys(f"{where}, before", before, HOUSEHOLD_BEFORE_KEYS)
    dibao, tekun, orphans = (state.programmes[k] for k in ("dibao", "tekun", "orphans"))
    temporary, medical = state.programmes["temporary"], state.programmes["medical"]
    if "dibao" in before:
        if "institutional" in before["dibao"]:
            raise CaseError(f"{where}: institutional is a tekun fact")
        _set_roll(dibao, h, before["dibao"], f"{where}, before.dibao")
    temporary.cases_year[h] = int(before.get("temporary_cases_this_year", 0))
    if "temporary_due" in before:
        due = before["temporary_due"]
        _check_keys(f"{where}, before.temporary_due", due, {"yuan", "month"})
        temporary.due_fen[h] = round(float(due["yuan"]) * 100)
        temporary.due_month[h] = _month(due["month"])
    medical.spent_recent[h] = float(before.get("medical_spent_12m", 0))
    for j, m in enumerate(hh["members"]):
        row = int(members[j])
        mb = m.get("before") or {}
        _check_keys(f"{where}, member {j}, before", mb, MEMBER_BEFORE_KEYS)
        if "tekun" in mb:
            _set_roll(tekun.roll, row, mb["tekun"], f"{where}, member {j}, before.tekun")
            tekun.institutional[row] = bool(mb["tekun"].get("institutional", False))
        orphans.institutional[row] = bool(mb.get("orphan_institutional", False))
        medical.aid_year[row] = float(mb.get("medical_aid_this_year", 0))
        medical.spent_year[row] = float(mb.get("medical_spent_this_year", 0))


# -------------------------------------------------------------------------------------------------
# Running and comparing
# -------------------------------------------------------------------------------------------------


def run(built: BuiltCase) -> Frame:
    """The month through the engine's own code path; returns its frame."""
    return apply_rules(built.state, built.scenario, built.month, built.keys, record=True)[1]


def _fen(yuan: Any) -> int:
    return round(float(yuan) * 100)


def compare(built: BuiltCase, frame: Frame) -> list[str]:
    """Every difference between what the engine did and what the case expects (empty: agree)."""
    problems: list[str] = []
    state = built.state
    n_h = state.population.n_households
    paid = {line: pay.dense(n_h) for line, pay in frame["ledger.payments"].items()}
    dibao, temporary = state.programmes["dibao"], state.programmes["temporary"]
    for h, expected in enumerate(built.expected):
        label = built.households[h].get("label", f"household {h}") if len(built.expected) > 1 else ""
        prefix = f"{label}: " if label else ""
        lines = state.registry.line_names
        unknown = set(expected) - set(lines) - CHECK_KEYS
        if unknown:
            problems.append(f"{prefix}unknown expected key(s) {sorted(unknown)}")
        for programme in lines:
            want = _fen(expected.get(programme, 0))
            got = int(paid[programme][h])
            if got != want:
                problems.append(f"{prefix}{programme}: expected {want / 100:.2f} yuan, "
                                f"engine paid {got / 100:.2f}")
        rows = built.members[h]
        got_checks: dict[str, Any] = {
            "dibao_eligible": bool(frame["dibao.eligible"][h]),
            "margin": bool(frame["margin.household"][h]),
            "per_capita_income": round(float(frame["dibao.per_capita_income"][h]), 2),
            "deduction": round(float(frame["dibao.deduction"][h]), 2),
            "dibao_members": int(frame["dibao.members"][h]),
            "dibao_status": STATUS_NAME[int(dibao.status[h])],
            "tekun_eligible": int(frame["tekun.eligible"][rows].sum()),
            "temporary_event": bool(frame["temporary.events"][h]),
            "temporary_due": (None if temporary.due_fen[h] == 0 else {
                "yuan": int(temporary.due_fen[h]) / 100,
                "month": format_month(int(temporary.due_month[h]))}),
        }
        for key in CHECK_KEYS & set(expected):
            want = expected[key]
            if key == "temporary_due" and want is not None:
                want = {"yuan": _fen(want["yuan"]) / 100, "month": format_month(_month(want["month"]))}
            elif key in ("per_capita_income", "deduction"):
                want = round(float(want), 2)
            if got_checks[key] != want:
                problems.append(f"{prefix}{key}: expected {want!r}, engine has {got_checks[key]!r}")
    return problems
