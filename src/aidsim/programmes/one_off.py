"""One-off and price-linked payments: the Spring Festival subsidy (春节一次性补贴, seed 001) and the
price-linked temporary subsidy (价格临时补贴) paid when inflation exceeds a threshold."""

from __future__ import annotations

import numpy as np

from aidsim.calendar import calendar_month
from aidsim.programmes.base import LedgerLine, Payment, Programme, Row, person_payment


def spring_festival_due(calendar_month: int, festival_month: int) -> bool:
    """The subsidy is paid once a year, in the festival month."""
    return calendar_month == festival_month


def price_subsidy_due(inflation: float, threshold: float) -> bool:
    """The price-linked subsidy is paid in months when inflation is above the threshold."""
    return inflation > threshold


class OneOff(Programme):
    """The Spring Festival subsidy (in its month) and the price-linked subsidy (when inflation is
    high), per recipient of dibao, tekun or the orphan allowance."""

    name = "one_off"
    section = "one_off"
    label = "One-off and price-linked subsidies"
    lines = (LedgerLine("spring_festival", "persons", "Spring Festival one-time subsidy (春节一次性补贴)"),
             LedgerLine("price_subsidy", "persons", "Price-linked temporary subsidy (价格临时补贴)"))
    needs = ("dibao.enrolled", "tekun.paid", "orphans.covered")

    def _due(self, frame) -> tuple[bool, bool]:
        oo = frame.scenario.one_off
        return (spring_festival_due(calendar_month(frame.month), oo.spring_festival_month),
                price_subsidy_due(frame.scenario.prices.inflation.at(frame.month), oo.price_threshold))

    def step(self, frame, state: None) -> dict[str, Payment]:
        sim, oo = frame.sim, frame.scenario.one_off
        none = Payment.nothing(sim.population.n_areas)
        festival, price = self._due(frame)
        if not oo.enabled or not (festival or price):
            return {"spring_festival": none, "price_subsidy": none}
        # The union of the three groups, increasing (marked in a person-sized mask: cheaper than
        # sorting or hashing them).
        mark = frame["tekun.paid"] | frame["orphans.covered"]
        mark[frame["dibao.enrolled"]] = True
        recipients = np.flatnonzero(mark)
        urban = sim.person_urban[recipients]
        festival_pay = person_payment(sim, recipients, np.where(
            urban, oo.spring_festival.urban, oo.spring_festival.rural)) if festival else none
        price_pay = person_payment(sim, recipients, np.full(recipients.shape[0], oo.price_subsidy)) \
            if price else none
        return {"spring_festival": festival_pay, "price_subsidy": price_pay}

    def explain(self, frame, state: None, household: int) -> list[Row]:
        festival, price = self._due(frame)
        oo = frame.scenario.one_off
        return [("Spring Festival month", "yes" if festival else "no"),
                ("inflation this month", f"{frame.scenario.prices.inflation.at(frame.month):g}% "
                                         f"(subsidy above {oo.price_threshold:g}%: {'yes' if price else 'no'})")]
