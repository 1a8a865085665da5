"""The rules, one module per programme: small, pure, vectorised functions and one
:class:`~aidsim.programmes.base.Programme` that declares what the programme needs, provides, pays
and measures.

:data:`REGISTRY` lists the programmes in display order (adding a programme is one line here);
:data:`PROGRAMMES` are the ledger's lines, in the fixed order used by the ledger and the tables.
"""

from aidsim.programmes.dibao import Dibao
from aidsim.programmes.disability import DisabilitySubsidies
from aidsim.programmes.elderly import Elderly
from aidsim.programmes.margin import Margin
from aidsim.programmes.medical import Medical
from aidsim.programmes.one_off import OneOff
from aidsim.programmes.orphans import Orphans
from aidsim.programmes.registry import Registry
from aidsim.programmes.tekun import Tekun
from aidsim.programmes.temporary import Temporary

REGISTRY = Registry([
    Dibao(),
    Tekun(),
    Orphans(),
    Temporary(),
    Medical(),
    DisabilitySubsidies(),
    Elderly(),
    OneOff(),
    Margin(),
])

#: ledger line → (unit of its recipients, description)
PROGRAMME_INFO: dict[str, tuple[str, str]] = {line.name: (line.unit, line.label) for line in REGISTRY.lines}
PROGRAMMES: tuple[str, ...] = REGISTRY.line_names
#: Lines whose payments are cash income of the household: medical assistance reimburses
#: spending and home care is a service, so they do not enter post-transfer income.
CASH_PROGRAMMES: tuple[str, ...] = tuple(line.name for line in REGISTRY.lines if line.cash)
