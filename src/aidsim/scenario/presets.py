"""Named sets of parameter overrides (dotted paths), for studies that switch a whole mechanism off."""

from __future__ import annotations

from typing import Any

#: Dibao administration with every friction and error switched off: every household that is
#: eligible applies in the month it becomes eligible (and no other household does), is assessed at
#: its true income, is approved without delay and without capacity, quota or budget limits, and no
#: favour, wrongful refusal or inspection happens. Pair it with other overrides to keep one lever.
IDEAL_ADMIN: dict[str, Any] = {
    "admin.applying.monthly_rate": 1.0,
    "admin.applying.benefit_elasticity": 0.0,
    "admin.applying.stigma": 0.0,
    "admin.applying.distance_cost_per_km": 0.0,
    "admin.applying.hopeful_multiple": 1.0,
    # a refused household whose circumstances change (a birth, a member leaving) applies at once
    "admin.applying.reapply_wait_months": 0,
    "admin.applying.campaigns": [],
    "admin.declaring.hidden_share": {"formal": 0.0, "informal": 0.0, "other": 0.0},
    "admin.verification.detection": {"formal": 1.0, "informal": 1.0, "other": 1.0, "assets": 1.0},
    "admin.verification.data_matching_from": None,
    "admin.verification.wrongful_refusal_rate": 0.0,
    "admin.approval.routes": {"township": {"minimum_days": 0, "mean_days": 0},
                              "county": {"minimum_days": 0, "mean_days": 0}},
    "admin.capacity.limited": False,
    "admin.favour.connected_share": 0.0,
    "admin.inspections.months": [],
    "admin.inspections.every_months": 0,
    "admin.budget.when_short": "unlimited",
    "admin.quota.share_of_residents": None,
}
