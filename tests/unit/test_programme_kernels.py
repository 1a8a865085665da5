"""The programmes' compiled loops give exactly what the array expressions they replace give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from aidsim.admin import declaring, pipeline, process
from aidsim.admin.pipeline import GRACE, OFF, ON, PENDING
from aidsim.population.groups import age_counts
from aidsim.programmes import dibao, disability, means_test, medical, orphans, tekun, temporary
from aidsim.programmes.base import for_loops, zeros_view
from aidsim.programmes.dibao import _ROLL_SUMS, _roll_sums
from aidsim.programmes.elderly import old_persons
from aidsim.scenario.schema import DibaoExclusions, DibaoSupplements
from tests.unit import dense_roll

F32 = np.float32


def _households(rng: np.random.Generator, n_persons: int, n_households: int) -> np.ndarray:
    return np.sort(rng.integers(0, n_households, n_persons)).astype(np.intp)


def test_hidden_earnings_match_bincount_and_subtract_at() -> None:
    rng = np.random.default_rng(1)
    n_h, n = 500, 1600
    household = _households(rng, n, n_h)
    earned = (rng.random(n, dtype=F32) * 3000).astype(F32)
    formal_job = rng.random(n) < 0.4
    share = np.where(formal_job, F32(0.3), F32(0.6)).astype(F32)  # the per-person array it replaces
    outside = np.flatnonzero(rng.random(n) < 0.05)
    expected = np.bincount(household, weights=earned * share, minlength=n_h)
    np.subtract.at(expected, household[outside], earned[outside] * share[outside])
    got = np.zeros(n_h)
    declaring._hidden_sums(household, earned, formal_job, F32(0.3), F32(0.6), got)
    assert np.array_equal(got, np.bincount(household, weights=earned * share, minlength=n_h))
    declaring._less_outside(household, earned, formal_job, F32(0.3), F32(0.6), outside, got)
    assert np.array_equal(got, expected)


def test_declaration_matches_the_array_rules() -> None:
    rng = np.random.default_rng(3)
    n_h = 800
    hidden = rng.random(n_h) * 400
    other = (rng.random(n_h, dtype=F32) * 500).astype(F32)
    members = rng.integers(0, 4, n_h)
    prop = rng.random(n_h) * 2
    unit_income = rng.random(n_h) * 3000 - 200
    deduction = rng.random(n_h) * 100
    pc_income, standard = rng.random(n_h) * 900, np.full(n_h, 600.0)
    alone = np.sort(rng.choice(n_h, 20, replace=False))
    alone_hidden = rng.random(20) * 50
    expected = hidden + F32(0.25) * np.where(members > 0, other, F32(0))
    expected[alone] = alone_hidden
    expected = means_test.per_capita(np.maximum(unit_income - expected * prop - deduction, 0), members)
    alive, above = np.empty(n_h, dtype=bool), np.empty(n_h, dtype=bool)
    start = hidden.copy()
    dibao._declare(hidden, F32(0.25), other, members, prop, unit_income, deduction, alone, alone_hidden,
                   pc_income, standard, alive, above)
    assert np.array_equal(hidden, expected)
    assert np.array_equal(alive, members > 0) and np.array_equal(above, pc_income >= standard)
    # no spending-type poverty: the zero-stride zeros passed as their one value, read for every row
    expected = start + F32(0.25) * np.where(members > 0, other, F32(0))
    expected[alone] = alone_hidden
    expected = means_test.per_capita(np.maximum(unit_income - expected * prop, 0), members)
    dibao._declare(start, F32(0.25), other, members, prop, unit_income, for_loops(zeros_view(n_h)), alone,
                   alone_hidden, pc_income, standard, alive, above)
    assert np.array_equal(start, expected)
    # no share of other income hidden: the earnings alone
    start = rng.random(n_h) * 400
    expected = start.copy()
    expected[alone] = alone_hidden
    expected = means_test.per_capita(np.maximum(unit_income - expected * prop - deduction, 0), members)
    dibao._declare(start, F32(0), other, members, prop, unit_income, deduction, alone, alone_hidden, pc_income,
                   standard, alive, above)
    assert np.array_equal(start, expected)


def test_per_capita_matches_the_array_rule() -> None:
    rng = np.random.default_rng(2)
    total = rng.random(1000) * 5000 - 100
    members = rng.integers(0, 6, 1000)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(members > 0, total / np.maximum(members, 1), np.inf)
    assert np.array_equal(means_test.per_capita(total, members), expected)
    assert np.array_equal(means_test.per_capita(total.astype(F32), members.astype(np.int32)),
                          np.where(members > 0, total.astype(F32) / np.maximum(members, 1), np.inf))


def test_roll_sums_match_masked_bincounts() -> None:
    rng = np.random.default_rng(3)
    n, n_areas = 2000, 7
    area = rng.integers(0, n_areas, n).astype(np.intp)
    status = rng.choice(np.array([OFF, PENDING, ON, GRACE], dtype=np.int8), n)
    paid = status >= ON
    single, applied, entered, exited = (rng.random((4, n)) < 0.1)
    members = rng.integers(0, 6, n)
    expected = {
        "dibao_households": paid, "dibao_pending": status == PENDING, "dibao_grace": status == GRACE,
        "dibao_applications": applied, "dibao_entries": entered, "dibao_exits": exited,
        "dibao_single_member": paid & single}
    expected = {k: np.bincount(area[v], minlength=n_areas).astype(float) for k, v in expected.items()}
    for name, mask in (("dibao_persons", paid), ("dibao_persons_entering", entered),
                       ("dibao_persons_leaving", exited)):
        expected[name] = np.bincount(area, weights=np.where(mask, members, 0), minlength=n_areas)
    rows = [np.flatnonzero(m) for m in (paid, status == PENDING, applied, entered, exited)]
    rows[3] = rng.permutation(rows[3])  # in any order
    got = dict(zip(_ROLL_SUMS, _roll_sums(area, n_areas, rows[0], status, single, members, *rows[1:]), strict=True))
    assert got.keys() == expected.keys()
    for name in expected:
        assert np.array_equal(got[name], expected[name]), name


def test_old_persons_match_masks() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    alive = rng.random(n) < 0.9
    age = rng.integers(0, 1300, n).astype(np.int16)
    selfcare = rng.integers(0, 3, n).astype(np.int8)
    persons = SimpleNamespace(alive=alive, age_months=age, selfcare=selfcare)
    elderly = np.flatnonzero(alive & (age >= 720)).astype(np.int32)
    # a first band at or above the elderly age (filtered from the elderly), then below it (a full scan)
    for band_from in (960.0, 720.0, 600.0, np.inf):
        banded, dependent = old_persons(persons, elderly, band_from, 720.0)
        assert banded.dtype == dependent.dtype == np.intp
        assert np.array_equal(banded, np.flatnonzero(alive & (age >= band_from)))
        assert np.array_equal(dependent, np.flatnonzero(alive & (age >= 720) & (selfcare > 0)))


def _offsets(household: np.ndarray, n_households: int) -> np.ndarray:
    return np.searchsorted(household, np.arange(n_households + 1))


def test_tekun_eligible_persons_match_the_array_rule() -> None:
    # Whatever the share of households with an outside supporter (the kernel first lists those
    # without one, then looks only at them).
    rng = np.random.default_rng(5)
    n_h, n = 400, 1200
    household = _households(rng, n, n_h)
    alive, orphan, able = rng.random(n) < 0.9, rng.random(n) < 0.05, rng.random(n) < 0.3
    own = (rng.random(n, dtype=F32) * 1000).astype(F32)
    urban = rng.random(n) < 0.4
    std = np.where(urban, F32(650.5), F32(433.3))
    counts = np.bincount(household[able], minlength=n_h)
    for supported_share in (0.0, 0.2, 0.96, 1.0):
        outside_supporter = rng.random(n_h) < supported_share
        has_supporter = ((counts > 0) | outside_supporter)[household]
        expected = tekun.eligible(alive & ~orphan, able, own, 1.1 * std, has_supporter)
        got, rows = np.zeros(n, dtype=bool), np.empty(n, np.intp)
        k = tekun._eligible_persons(_offsets(household, n_h), alive, orphan, able, own, F32(1.1), urban,
                                    F32(650.5), F32(433.3), outside_supporter, got, rows)
        assert np.array_equal(got, expected)
        assert np.array_equal(rows[:k], np.flatnonzero(expected))


def test_case_member_sums_match_gathers_and_bincounts() -> None:
    rng = np.random.default_rng(7)
    n_h, n = 300, 900
    household = _households(rng, n, n_h)
    offsets = _offsets(household, n_h)
    unit, formal, employed, able = (rng.random((4, n)) < 0.6)
    earned = (rng.random(n, dtype=F32) * 2000).astype(F32)
    cases = np.sort(rng.choice(n_h, 50, replace=False))
    owner = np.repeat(np.arange(cases.shape[0]), offsets[cases + 1] - offsets[cases])
    rows = np.concatenate([np.arange(offsets[h], offsets[h + 1]) for h in cases])
    keep = unit[rows]
    w = earned[rows[keep]].astype(np.float64)
    f = formal[rows[keep]]
    got_formal, got_informal = declaring._unit_wages_by_kind(offsets, cases, unit, earned, formal)
    assert np.array_equal(got_formal, np.bincount(owner[keep], weights=w * f, minlength=cases.shape[0]))
    assert np.array_equal(got_informal, np.bincount(owner[keep], weights=w * ~f, minlength=cases.shape[0]))
    # the shares and the propensity, as numpy applies them (the other income in float32 first)
    from types import SimpleNamespace
    population = SimpleNamespace(member_offsets=offsets, persons=SimpleNamespace(formal_job=formal))
    other, members = (rng.random(n_h, dtype=F32) * 900).astype(F32), rng.integers(0, 4, n_h)
    prop, shares = 0.5 + rng.random(n_h), SimpleNamespace(formal=0.15, informal=0.45, other=0.35)
    got = declaring.hidden_by_kind(population, cases, earned=earned, other=other, unit_member=unit, members=members,
                                   shares=shares, propensity=prop)
    want = (got_formal * shares.formal * prop[cases], got_informal * shares.informal * prop[cases],
            np.where(members[cases] > 0, other[cases], 0.0) * shares.other * prop[cases])
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    a = able[rows] & unit[rows]
    unsteady = a & ~(employed[rows] & formal[rows])
    n_able, n_unsteady = dibao._able_members(offsets, cases, able, unit, employed, formal)
    assert np.array_equal(n_able, np.bincount(owner[a], minlength=cases.shape[0]))
    assert np.array_equal(n_unsteady, np.bincount(owner[unsteady], minlength=cases.shape[0]))


def _advance_reference(roll: pipeline.Roll, *, month, alive, eligible, income, take_up_uniform, take_up_rate,
                       delay_months, review_interval, grace_months, above_line=None) -> dense_roll.AdminFlows:
    """The simple roll's month as array expressions (what the compiled loop of the dense
    reference, and through it the sparse roll, stands for: tests/unit/test_sparse_roll.py)."""
    status = roll.status
    gone = ~alive & (status != OFF)
    ends = (status == GRACE) & (month >= roll.exit_month)
    exited = gone | ends
    status[exited] = OFF
    on = status == ON
    due = (on | (status == GRACE)) & (month >= roll.next_review)
    back = due & eligible
    roll.assessed[back] = income[back]
    status[back] = ON
    roll.exit_month[back] = pipeline.NEVER
    roll.next_review[due] = month + review_interval
    lose = np.flatnonzero(due & ~eligible & on)
    above = np.ones(lose.shape[0], dtype=bool) if above_line is None else above_line[lose]
    exited[pipeline.leave_or_grace(roll, lose, above, month, grace_months)] = True
    applied = alive & (status == OFF) & eligible & (take_up_uniform < take_up_rate)
    status[applied] = PENDING
    roll.decision_month[applied] = month + delay_months
    decided = (status == PENDING) & (month >= roll.decision_month)
    entered = decided & eligible & alive
    refused = decided & ~entered
    status[entered] = ON
    roll.assessed[entered] = income[entered]
    roll.next_review[entered] = month + review_interval
    status[refused] = OFF
    roll.decision_month[decided] = pipeline.NEVER
    return dense_roll.AdminFlows(applied=applied, entered=entered, refused=refused, exited=exited)


def test_simple_roll_month_matches_the_array_steps() -> None:
    rng = np.random.default_rng(8)
    n = 5000
    for grace, with_above in ((0, False), (3, False), (3, True)):
        a, b = pipeline.Roll.empty(n), pipeline.Roll.empty(n)
        for month in range(24):
            alive = rng.random(n) < 0.97
            eligible = rng.random(n) < 0.4
            income = (rng.random(n, dtype=F32) * 500).astype(F32)
            u = rng.random(n, dtype=F32)
            u[:50] = F32(0.3)  # on the rate: compared as numpy compares it
            above = rng.random(n) < 0.5 if with_above else None
            kw = dict(month=month, alive=alive, eligible=eligible, income=income, take_up_uniform=u,
                      take_up_rate=0.3, delay_months=2, review_interval=3, grace_months=grace, above_line=above)
            fa, fb = dense_roll.advance(a, **kw), _advance_reference(b, **kw)
            for name in ("applied", "entered", "refused", "exited"):
                assert np.array_equal(getattr(fa, name), getattr(fb, name)), (month, name)
            for name in ("status", "decision_month", "next_review", "exit_month", "assessed"):
                assert np.array_equal(getattr(a, name), getattr(b, name)), (month, name)


def test_temporary_losses_match_the_array_rules() -> None:
    rng = np.random.default_rng(9)
    n_h = 600
    hosp_hh = np.sort(rng.integers(0, n_h, 80))
    hosp_cost = rng.random(80) * 9000
    lost_hh = rng.integers(0, n_h, 60)
    lost_earnings = rng.random(60) * 3000
    job, death, hit = (rng.random((3, n_h)) < 0.05)
    asset_loss = np.where(hit, rng.random(n_h) * 20000, 0.0)
    income = rng.random(n_h) * 4000
    members = rng.integers(0, 5, n_h)
    earnings_h = np.bincount(lost_hh, weights=lost_earnings, minlength=n_h)
    for shuffle in (False, True):  # the lists in household order or not
        order = rng.permutation(80) if shuffle else np.arange(80)
        hospital_h = np.bincount(hosp_hh[order], weights=hosp_cost[order], minlength=n_h)
        loss = hospital_h + np.where(job | death, earnings_h, 0) + asset_loss
        events = (hospital_h > 0) | job | death | hit
        got = temporary.losses_and_resources(hosp_hh[order], hosp_cost[order], lost_hh, lost_earnings,
                                             np.flatnonzero(job | death), asset_loss, hit, income, members, 12)
        rows = np.flatnonzero(events)  # the households hit: the losses and resources are theirs
        assert np.array_equal(got[3], rows)
        assert np.array_equal(got[1], events)
        assert np.array_equal(got[0], loss[rows])
        assert np.array_equal(got[2], temporary.resources(income, loss, members, 12)[rows])
    no_disaster = zeros_view(n_h)  # one value for all: read once
    got = temporary.losses_and_resources(hosp_hh, hosp_cost, lost_hh, lost_earnings, np.flatnonzero(job | death),
                                         no_disaster, np.zeros(n_h, bool), income, members, 12)
    hospital_h = np.bincount(hosp_hh, weights=hosp_cost, minlength=n_h)
    loss = hospital_h + np.where(job | death, earnings_h, 0) + no_disaster
    rows = np.flatnonzero((hospital_h > 0) | job | death)
    assert np.array_equal(got[3], rows)
    assert np.array_equal(got[0], loss[rows])
    assert np.array_equal(got[2], temporary.resources(income, loss, members, 12)[rows])
    # a hospital household whose costs add up to 0 is not hit
    got = temporary.losses_and_resources(np.array([3, 3]), np.array([0.0, 0.0]), lost_hh[:0], lost_earnings[:0],
                                         np.zeros(0, np.intp), no_disaster, np.zeros(n_h, bool), income, members, 12)
    assert got[3].shape[0] == 0 and not got[1].any() and got[0].shape[0] == 0


def test_temporary_working_members_by_hand_and_against_bincount() -> None:
    # households 0..3 with 2, 0, 3 and 1 members; in work: (yes, yes), -, (yes, dead, no), (no)
    offsets = np.array([0, 2, 2, 5, 6])
    employed = np.array([True, True, True, True, False, False])
    alive = np.array([True, True, True, False, True, True])
    got = temporary._working_members(offsets, np.array([0, 1, 2, 3]), employed, alive)
    assert got.tolist() == [2, 0, 1, 0]
    rng = np.random.default_rng(4)
    sizes = rng.integers(0, 6, 400)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    employed, alive = rng.random((2, int(offsets[-1]))) < 0.6
    households = np.unique(rng.integers(0, 400, 90))
    owner = np.repeat(np.arange(households.shape[0]), sizes[households])
    rows = np.concatenate([np.arange(offsets[h], offsets[h + 1]) for h in households]).astype(np.intp)
    want = np.bincount(owner, weights=employed[rows] & alive[rows], minlength=households.shape[0])
    assert np.array_equal(temporary._working_members(offsets, households, employed, alive), want)


def test_medical_sparse_sums_match_the_array_form() -> None:
    rng = np.random.default_rng(10)
    n_h, n = 400, 1300
    household = _households(rng, n, n_h)
    onset = np.flatnonzero(rng.random(n) < 0.1)
    after = rng.random(onset.shape[0]) * 3000
    base = (rng.random(n_h, dtype=F32) * 100).astype(F32)
    expected = base + np.bincount(household[onset], weights=after, minlength=n_h).astype(F32)
    got = base.copy()
    medical._add_household_sums(got, household[onset], after)
    assert np.array_equal(got, expected)


def test_chronic_in_categories_match_the_masks() -> None:
    rng = np.random.default_rng(14)
    n_h, n = 400, 1300
    household = _households(rng, n, n_h)
    chronic = np.flatnonzero(rng.random(n) < 0.2).astype(np.int32)  # the living chronically ill's group
    orphan, tekun_paid, unit_member = rng.random((3, n)) < np.array([[0.05], [0.05], [0.3]])
    dibao_paid = rng.random(n_h) < 0.3
    expected = chronic[orphan[chronic] | tekun_paid[chronic] | (unit_member[chronic] & dibao_paid[household[chronic]])]
    args = (chronic, orphan, tekun_paid, unit_member, dibao_paid, household)
    out = np.empty(chronic.shape[0] + 1, np.int32)
    k = medical._chronic_in_categories(*args, out)
    assert np.array_equal(out[:k], expected) and k == expected.shape[0]




def test_category_rate_is_the_best_category_by_hand_and_matches_the_masks() -> None:
    # by hand: rates dibao 0.7, tekun 0.8, orphan 0.9, margin 0.3
    rates = SimpleNamespace(dibao=0.7, tekun=0.8, orphan=0.9, margin=0.3)
    household = np.array([0, 0, 1, 1, 2])
    unit_member = np.array([True, False, True, True, False])
    tekun_paid = np.array([False, True, False, False, False])
    orphan = np.array([False, False, False, True, False])
    dibao_paid = np.array([True, False, False])
    margin = np.array([False, True, False])
    frame = _Frame(SimpleNamespace(population=SimpleNamespace(persons=SimpleNamespace(household=household))), {"dibao.unit_member": unit_member, "tekun.paid": tekun_paid,
                               "orphans.covered": orphan, "dibao.paid": dibao_paid, "margin.household": margin})
    got = medical.category_rate(frame, np.array([4, 3, 0, 1, 2], np.int32), rates)
    assert got.dtype == np.float64 and got.tolist() == [0.0, 0.9, 0.7, 0.8, 0.3]
    # the masks it replaces, on scattered persons
    rng = np.random.default_rng(15)
    n_h, n = 400, 1300
    household = _households(rng, n, n_h)
    unit_member, tekun_paid, orphan = rng.random((3, n)) < np.array([[0.5], [0.05], [0.05]])
    dibao_paid, margin = rng.random((2, n_h)) < np.array([[0.3], [0.2]])
    idx = rng.permutation(n)[:700]
    hh = household[idx]
    expected = np.where(unit_member[idx] & dibao_paid[hh], 0.7, 0.0)
    expected = np.maximum(expected, np.where(tekun_paid[idx], 0.8, 0.0))
    expected = np.maximum(expected, np.where(orphan[idx], 0.9, 0.0))
    expected = np.maximum(expected, np.where(margin[hh], 0.3, 0.0))
    frame = _Frame(SimpleNamespace(population=SimpleNamespace(persons=SimpleNamespace(household=household))),
                   {"dibao.unit_member": unit_member, "tekun.paid": tekun_paid, "orphans.covered": orphan,
                    "dibao.paid": dibao_paid, "margin.household": margin})
    assert np.array_equal(medical.category_rate(frame, idx, rates), expected)


class _Frame(dict):
    """A month's frame as :func:`medical.category_rate` reads it: ``sim`` and the keys."""

    def __init__(self, sim, keys: dict) -> None:
        super().__init__(keys)
        self.sim = sim


def test_index_passes_match_flatnonzero() -> None:
    rng = np.random.default_rng(12)
    n_h, n = 500, 1600
    household = _households(rng, n, n_h)
    alive = rng.random(n) < 0.9
    age = rng.integers(0, 600, n).astype(np.int16)
    orphan = rng.random(n) < 0.1
    children = np.flatnonzero(alive & (age < 216)).astype(np.int32)  # the living minors' group
    alive_count = np.bincount(household[alive], minlength=n_h)
    alive_count[household[children[::7]]] -= alive_count[household[children[::7]]] > 0  # some adult-less
    adults = alive_count - np.bincount(household[children], minlength=n_h)
    expected = np.zeros(n, dtype=bool)
    expected[children] = orphans.eligible(alive[children], age[children], orphan[children],
                                          adults[household[children]], 216.0)
    got = np.zeros(n, dtype=bool)
    rows = np.empty(children.shape[0], dtype=np.intp)
    k = orphans._cover_children(children, household, orphan, alive_count, got, rows)
    assert np.array_equal(got, expected)
    assert np.array_equal(rows[:k], np.flatnonzero(expected))
    status = rng.integers(0, 4, n_h).astype(np.int8)
    refused_until = rng.integers(0, 30, n_h).astype(np.int32)
    declared = rng.random(n_h) * 1000
    standard = np.full(n_h, 600.0)
    connected = rng.random(n_h) < 0.2
    hopeful = declared < 1.2 * standard
    hopeful |= connected & (declared < 1.6 * standard)
    candidates = np.flatnonzero(hopeful & (status == OFF) & (refused_until <= 12))
    # The kernel keeps those whose draw is under a bound of their probability: every applicant of
    # the numpy rule, and few others.
    members = rng.integers(1, 5, n_h)
    area = rng.integers(0, 3, n_h).astype(np.int16)
    km = (rng.random(n_h) * 20).astype(F32)
    apply_u = rng.random(n_h, dtype=F32)
    scales, campaign = np.array([1.0, 1.1, 1.2]), np.array([1.0, 2.0, 0.5])
    for elasticity in (0.0, 1.0, 0.7):
        lv = SimpleNamespace(apply_rate=0.4, reference_benefit=300.0, benefit_elasticity=elasticity, stigma=0.3,
                             distance_cost=0.05)
        scale = scales[area[candidates]]
        expect = process.expected_benefit(declared[candidates], standard[candidates], members[candidates],
                                          200.0 * scale)
        prob = process.application_probability(expect / scale, km[candidates], campaign[area[candidates]], lv)
        applicants = candidates[apply_u[candidates] < prob]
        buf = np.empty(n_h, dtype=np.intp)
        k = process._maybe_applicants(status, refused_until, 12, declared, standard, connected, members, area, km,
                                      apply_u, scales, campaign, (1.2, 1.6, 200.0, 300.0, elasticity, 0.3, 0.05, 0.4),
                                      buf)
        assert np.all(np.isin(applicants, buf[:k])) and np.all(np.isin(buf[:k], candidates))
        assert np.all(np.diff(buf[:k]) > 0) and k < 1.01 * applicants.shape[0] + 2


def test_cover_children_match_the_array_rule_on_many_households() -> None:
    """Runs of every length, households of children only or with adults, no children at all."""
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        n_h = int(rng.integers(1, 60))
        n = int(rng.integers(0, 200))
        household = _households(rng, n, n_h)
        alive, child, orphan = rng.random(n) < 0.9, rng.random(n) < rng.random(), rng.random(n) < 0.1
        children = np.flatnonzero(alive & child).astype(np.int32)
        alive_count = np.bincount(household[alive], minlength=n_h)
        adults = alive_count - np.bincount(household[children], minlength=n_h)
        expected = np.zeros(n, dtype=bool)
        expected[children] = orphan[children] | (adults[household[children]] == 0)
        got, rows = np.zeros(n, dtype=bool), np.empty(children.shape[0], dtype=np.intp)
        k = orphans._cover_children(children, household, orphan, alive_count, got, rows)
        assert np.array_equal(got, expected)
        assert np.array_equal(rows[:k], np.flatnonzero(expected))


def test_household_means_test_matches_bincounts() -> None:
    rng = np.random.default_rng(13)
    n_h, n = 500, 1600
    household = _households(rng, n, n_h)
    alive = rng.random(n) < 0.9
    outside = np.flatnonzero(alive & (rng.random(n) < 0.1))
    barring = np.flatnonzero(alive & (rng.random(n) < 0.05))
    own = (rng.random(n, dtype=F32) * 900).astype(F32)
    total = rng.random(n_h) * 4000
    other = (rng.random(n_h, dtype=F32) * 300).astype(F32)
    deduction = rng.random(n_h) * 200
    standard = np.full(n_h, 700.0)
    assets, supporter = rng.random(n_h) < 0.1, rng.random(n_h) < 0.05
    alive_count = np.bincount(household[alive], minlength=n_h)
    hh_out = household[outside]
    members = alive_count - np.bincount(hh_out, minlength=n_h)
    unit_income = total - other - np.bincount(hh_out, weights=own[outside], minlength=n_h)
    unit_income += np.where(members > 0, other, 0)
    pc = means_test.per_capita(np.maximum(unit_income - deduction, 0), members)
    conduct = supporter | (np.bincount(household[barring], minlength=n_h) > 0)
    got_members, got_income, got_pc = np.empty(n_h, dtype=np.int64), np.empty(n_h), np.empty(n_h)
    got_excluded, got_eligible, got_conduct = np.empty(n_h, dtype=bool), np.empty(n_h, dtype=bool), supporter.copy()
    dibao._assess_households(hh_out, own[outside], household[barring], alive_count, total, other, deduction,
                             standard, assets, got_conduct, got_members, got_income, got_pc, got_excluded,
                             got_eligible)
    assert np.array_equal(got_members, members)
    assert np.array_equal(got_income, unit_income)
    assert np.array_equal(got_pc, pc)
    assert np.array_equal(got_conduct, conduct)
    assert np.array_equal(got_excluded, assets | conduct)
    assert np.array_equal(got_eligible, dibao.eligible(pc, standard, assets | conduct, members))
    # no spending-type poverty: the zero-stride zeros passed as their one value, read for every row
    got_conduct = supporter.copy()
    dibao._assess_households(hh_out, own[outside], household[barring], alive_count, total, other,
                             for_loops(zeros_view(n_h)), standard, assets, got_conduct, got_members, got_income,
                             got_pc, got_excluded, got_eligible)
    assert for_loops(zeros_view(n_h)).shape == (1,) and for_loops(deduction) is deduction
    assert np.array_equal(got_pc, means_test.per_capita(np.maximum(unit_income, 0), members))
    assert np.array_equal(got_income, unit_income)


def test_distinct_recipients_match_a_person_mask() -> None:
    """Medical's recipients by area: each paid person once, however many of its rows are paid
    (episodes, outpatient aid, premium), and nobody whose rows are all zero."""
    rng = np.random.default_rng(7)
    n_persons, n_areas = 400, 5
    area = rng.integers(0, n_areas, n_persons).astype(np.int16)
    persons = np.concatenate([np.sort(rng.choice(n_persons, 60, replace=False)) for _ in range(3)])
    amount = np.where(rng.random(persons.shape[0]) < 0.3, 0.0, rng.random(persons.shape[0]) * 100)
    mask = np.zeros(n_persons, dtype=bool)
    mask[persons[amount > 0]] = True
    expected = np.bincount(area[mask], minlength=n_areas).astype(float)
    got = medical._distinct_recipients(persons, amount, area, n_persons, n_areas)
    assert np.array_equal(got, expected) and got.sum() == mask.sum()
    assert medical._distinct_recipients(persons[:0], amount[:0], area, n_persons, n_areas).sum() == 0


def test_enrolled_shares_match_gathering_and_bincount() -> None:
    rng = np.random.default_rng(17)
    n_h, n = 400, 1300
    household = _households(rng, n, n_h)
    offsets = np.searchsorted(household, np.arange(n_h + 1))
    unit_member = rng.random(n) < 0.85
    age = rng.integers(0, 1200, n).astype(np.int16)
    grade = rng.integers(0, 5, n).astype(np.int8)
    ill = rng.random(n) < 0.1
    params = DibaoSupplements()
    paid = np.sort(rng.choice(n_h, 150, replace=False))
    rows = np.flatnonzero(np.isin(household, paid) & unit_member)
    owner = np.searchsorted(paid, household[rows])
    shares = dibao.supplement_share(age[rows], np.isin(grade[rows], [1, 2]), ill[rows], params, 18 * 12)
    expected = np.bincount(owner, weights=shares, minlength=paid.shape[0])
    enrolled, got = np.empty(n, dtype=np.intp), np.empty(paid.shape[0])
    k = dibao._enrolled_shares(offsets, paid, unit_member, age, grade, ill, np.array([1, 2], dtype=np.int8),
                               float(params.elderly_age * 12), 18.0 * 12,
                               (params.elderly, params.severely_disabled, params.seriously_ill, params.minor),
                               enrolled, got)
    assert np.array_equal(enrolled[:k], rows)
    assert np.array_equal(got, expected)
    assert dibao._rows_room(offsets, paid) == int(np.isin(household, paid).sum())
    assert dibao._rows_room(offsets, paid[:0]) == 0


def test_unit_flags_match_the_masks() -> None:
    rng = np.random.default_rng(19)
    n = 3000
    alive, tekun_paid, orphans_covered = rng.random(n) < 0.9, rng.random(n) < 0.05, rng.random(n) < 0.03
    public_sector, employed, refuses = rng.random(n) < 0.1, rng.random(n) < 0.5, rng.random(n) < 0.1
    own = (rng.random(n, dtype=F32) * 1500).astype(F32)
    urban = rng.random(n) < 0.5
    standards = (F32(900), F32(600))
    for switches in ((True, True, False), (False, True, True), (True, False, True), (False, False, False)):
        member = alive & ~(tekun_paid | orphans_covered)
        bars = means_test.member_bars_household(
            DibaoExclusions(public_sector=switches[0], refuses_work=switches[1],
                            member_income_above_standard=switches[2]),
            public_sector=public_sector, employed=employed, refuses_work=refuses, own_income=own, urban=urban,
            standards=standards)
        got = [np.empty(n, dtype=bool) for _ in range(3)]
        dibao._unit_flags(alive, tekun_paid, orphans_covered, public_sector, employed, refuses, own, urban, standards,
                          switches, *got)
        assert np.array_equal(got[0], member)
        assert np.array_equal(got[1], alive & (tekun_paid | orphans_covered))
        assert np.array_equal(got[2], member & bars)


def test_take_in_order_sorts_as_lexsort() -> None:
    """Many ties (few distinct orders) and none: the items' order is ``lexsort((order, area))``."""
    rng = np.random.default_rng(23)
    for trial in range(40):
        n = int(rng.integers(1, 2000))
        area = rng.integers(0, 6, n).astype(np.int16)
        order = -rng.integers(0, 5, n) + (rng.integers(0, rng.choice([3, 65536]), n) + 0.5) / 65536 * 0.5
        sort = np.argsort(order)
        process._index_order_within_ties(sort, order)
        assert np.array_equal(sort[np.argsort(area[sort], kind="stable")], np.lexsort((order, area))), trial
        cost = np.where(rng.random(n) < 0.2, 1.0, 0.3)
        limit = rng.random(6) * n / 8
        sort = np.lexsort((order, area))
        a, c = area[sort], cost[sort]
        running = np.cumsum(c)
        first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        before = np.repeat(running[first] - c[first], np.diff(np.r_[first, n]))
        totals = np.bincount(area, weights=cost, minlength=6)
        # binding limits; room for all (no sort needed); each area's total exactly (no room to spare)
        for limits in (limit, totals * 2 + 1, totals):
            expected = np.zeros(n, dtype=bool)
            expected[sort] = (running - before) <= limits[a] + 1e-9
            assert np.array_equal(process.take_in_order(area, order, cost, limits), expected), trial


def test_margin_rows_match_the_array_rule() -> None:
    from aidsim.programmes import margin

    rng = np.random.default_rng(12)
    n = 700
    standard = 500.0 + rng.random(n) * 300
    pc = standard * rng.random(n) * 2
    pc[::9] = standard[::9]  # on the standard: at the margin
    pc[::11] = 1.5 * standard[::11]  # on the multiple: not at the margin
    pc[::23] = np.inf
    excluded, on_dibao = rng.random((2, n)) < 0.1
    members = rng.integers(0, 4, n)
    expected = margin.margin_household(pc, standard, 1.5, excluded, on_dibao, members)
    mask, rows = margin.margin_rows(pc, standard, 1.5, excluded, on_dibao, members)
    assert np.array_equal(mask, expected)
    assert np.array_equal(rows, np.flatnonzero(expected)) and rows.dtype == np.intp
    area = rng.integers(0, 4, n).astype(np.int16)
    households, persons = margin._by_area(rows, area, members, 4)
    assert np.array_equal(households, np.bincount(area[rows], minlength=4))
    assert np.array_equal(persons, np.bincount(area[rows], weights=members[rows], minlength=4))
    assert households.tolist() == [float(np.sum(area[expected] == a)) for a in range(4)]  # by hand


def test_elderly_month_matches_the_array_rules() -> None:
    from aidsim.programmes import elderly
    from aidsim.programmes.base import person_payment

    rng = np.random.default_rng(13)
    n_h, n, n_areas = 500, 1500, 4
    household = _households(rng, n, n_h)
    alive = rng.random(n) < 0.9
    age = rng.integers(600, 1300, n).astype(np.int16)
    selfcare = rng.integers(0, 3, n).astype(np.int8)
    area_h = rng.integers(0, n_areas, n_h).astype(np.int16)
    sim = SimpleNamespace(population=SimpleNamespace(persons=SimpleNamespace(household=household), n_areas=n_areas),
                          person_area=area_h[household])
    unit_member, tekun_paid, tekun_inst = (rng.random((3, n)) < 0.2)
    dibao_paid, margin_h = (rng.random((2, n_h)) < 0.2)
    elderly_rows = np.flatnonzero(alive & (age >= 720)).astype(np.int32)
    ages, amounts = [80, 90, 100], [50.0, 100.0, 300.004]
    banded, dependent = old_persons(SimpleNamespace(alive=alive, age_months=age, selfcare=selfcare), elderly_rows,
                                    960.0, 720.0)
    expected = person_payment(sim, banded, elderly.allowance(age[banded], alive[banded], ages, amounts))
    hh = household[dependent]
    poor = (unit_member[dependent] & dibao_paid[hh]) | margin_h[hh] | (tekun_paid[dependent] & ~tekun_inst[dependent])
    m = elderly_rows.shape[0] + 1
    # fen need not be zeros: every paid household's is written
    households, fen, poor_dependent = np.empty(m, np.intp), np.full(m, -7, np.int64), np.empty(m, np.intp)
    n_paid, n_dependent, recipients, by_age = elderly._elderly_month(
        elderly_rows, age, alive, selfcare, household, sim.person_area, n_areas, np.array([960, 1080, 1200]),
        np.array([0.0, *amounts]), unit_member, dibao_paid, margin_h, tekun_paid, tekun_inst, households, fen,
        poor_dependent)
    assert np.array_equal(households[:n_paid], expected.households)
    assert np.array_equal(fen[:n_paid], expected.fen)
    assert np.array_equal(recipients, expected.recipients)
    assert np.array_equal(poor_dependent[:n_dependent], dependent[poor])
    counted = age_counts(np.zeros(0, np.int32), elderly_rows, age, sim.person_area, n_areas, elderly.OLDEST_FROM)
    assert by_age.dtype == np.int64
    assert np.array_equal(by_age.sum(axis=1).astype(float), counted[1])
    assert np.array_equal(by_age[:, 1].astype(float), counted[2])


def test_disability_subsidies_match_the_array_rules() -> None:
    from aidsim.population.categories import severely_disabled
    from aidsim.programmes.base import person_payment
    from aidsim.scenario.schema import Definitions

    rng = np.random.default_rng(14)
    n_h, n, n_areas = 500, 1600, 3
    household = _households(rng, n, n_h)
    alive = rng.random(n) < 0.9
    grade = np.where(rng.random(n) < 0.3, rng.integers(1, 5, n), 0).astype(np.int8)
    certified, unit_member = rng.random((2, n)) < 0.6
    dibao_paid, margin_h = rng.random((2, n_h)) < 0.3
    area_h = rng.integers(0, n_areas, n_h).astype(np.int16)
    sim = SimpleNamespace(population=SimpleNamespace(persons=SimpleNamespace(household=household), n_areas=n_areas),
                          person_area=area_h[household])
    group = np.flatnonzero(alive & (grade > 0)).astype(np.int32)  # the living disabled
    disabled = group[certified[group]]
    hh = household[disabled]
    poor = (unit_member[disabled] & dibao_paid[hh]) | margin_h[hh]
    living = disability.living_subsidy(grade[disabled], poor, 50.004)
    care = disability.care_subsidy(severely_disabled(grade[disabled], Definitions()), 100.0)
    m = group.shape[0] + 1  # each slot is written before it is known to be kept
    households, fen, recipients = np.empty((2, m), np.intp), np.zeros((2, m), np.int64), np.empty(m, np.intp)
    counts, by_area = disability._subsidies(
        group, certified, household, grade, np.asarray(Definitions().severe_disability_grades, np.int8),
        unit_member, dibao_paid, margin_h, 50.004, 100.0, sim.person_area, n_areas, households, fen, recipients)
    for line, amounts in enumerate((living, care)):
        expected = person_payment(sim, disabled, amounts)
        assert np.array_equal(households[line, :counts[line]], expected.households)
        assert np.array_equal(fen[line, :counts[line]], expected.fen)
        assert np.array_equal(by_area[line], expected.recipients)
    paid = disabled[(living > 0) | (care > 0)]
    assert np.array_equal(recipients[:counts[2]], paid)
    assert np.array_equal(by_area[2], np.bincount(sim.person_area[paid], minlength=n_areas))  # each once


def test_verified_matches_the_array_rule() -> None:
    rng = np.random.default_rng(29)
    n, k = 500, 200
    raw = rng.integers(0, 2**63, (2, n), dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    idx = np.sort(rng.choice(n, k, replace=False))
    formal, informal, other = (rng.random(k) * 300 for _ in range(3))
    factor = 1.0 - 0.3 * rng.random(k)
    declared, members = rng.random(n) * 800, rng.integers(0, 4, n)
    standard = np.full(n, 600.0)
    alive, assets, barred = members > 0, rng.random(n) < 0.2, rng.random(n) < 0.1
    detect = (0.3, 0.6, 0.5, 0.7)

    def u(j):
        return process._decode(raw, idx, j)

    found = (formal * (u(process.U_FORMAL) < detect[0] * factor) + informal * (u(process.U_INFORMAL) < detect[1] * factor)
             + other * (u(process.U_OTHER) < detect[2] * factor))
    expected = declared[idx] + found / np.maximum(members[idx], 1)
    passes = (alive[idx] & (members[idx] > 0) & (expected < standard[idx]) & ~barred[idx]
              & ~(assets[idx] & (u(process.U_ASSET) < detect[3] * factor)))
    got, got_passes = np.empty(k), np.empty(k, dtype=bool)
    process._verified(idx, raw[0, idx], formal, informal, other, detect, factor, declared, members, standard, alive, assets,
                      barred, got, got_passes)
    assert np.array_equal(got, expected) and np.array_equal(got_passes, passes)
