"""The rules, one module per programme: small, pure, vectorised functions.

:data:`PROGRAMMES` is the registry, in the fixed order used by the ledger and the tables.
"""

#: programme → (unit of its recipients, description)
PROGRAMME_INFO: dict[str, tuple[str, str]] = {
    "dibao": ("households", "Minimum living standard guarantee (最低生活保障)"),
    "tekun": ("persons", "Extreme-poverty support (特困人员救助供养)"),
    "orphans": ("persons", "Orphans' basic living allowance (孤儿基本生活费)"),
    "temporary": ("cases", "Temporary assistance (临时救助)"),
    "medical": ("persons", "Medical assistance (医疗救助)"),
    "disability_living": ("persons", "Living subsidy for poor disabled people (困难残疾人生活补贴)"),
    "disability_care": ("persons", "Care subsidy for the severely disabled (重度残疾人护理补贴)"),
    "old_age_allowance": ("persons", "Old-age allowance, 80+ (高龄津贴)"),
    "home_care": ("persons", "Purchased home-care services for poor dependent elders"),
    "spring_festival": ("persons", "Spring Festival one-time subsidy (春节一次性补贴)"),
    "price_subsidy": ("persons", "Price-linked temporary subsidy (价格临时补贴)"),
}
PROGRAMMES: tuple[str, ...] = tuple(PROGRAMME_INFO)
#: Programmes whose payments are cash income of the household: medical assistance reimburses
#: spending and home care is a service, so they do not enter post-transfer income.
CASH_PROGRAMMES: tuple[str, ...] = tuple(p for p in PROGRAMMES if p not in ("medical", "home_care"))
