"""The standard's minimum sampling as domain rules (lims.domain.plans.MinimumRule), read from
the editable `lims_sampling_minimum` rows and kept per process while the table is unchanged
(a month's counts and a year's read them again and again: 17 ms each time at 357 rows)."""

from __future__ import annotations

from sqlalchemy import select

from core.db import TableMemo, session
from lims.domain import plans as dom
from lims.domain.plan_generator import system_traits
from lims.models.catalogue import SamplingMinimum
from lims.models.registry import SupplySystem
from lims.services.limits import other_residuals

_ACTIVE: TableMemo[list[dom.MinimumRule]] = TableMemo(SamplingMinimum)


def forget_minimum_rules() -> None:
    _ACTIVE.forget()


def minimum_rules() -> list[dom.MinimumRule]:
    """The active minimums (the same list object while the table is unchanged: do not edit)."""
    return _ACTIVE.get(_read_minimum_rules)


def _read_minimum_rules() -> list[dom.MinimumRule]:
    rows = session.scalars(select(SamplingMinimum).where(SamplingMinimum.active.is_(True)))
    return [dom.MinimumRule(parameter_code=r.parameter_code, where=r.where,
                            frequency=dom.Frequency(r.frequency), base=r.base,
                            per_inhabitants=r.per_inhabitants, cap=r.cap, pop_min=r.pop_min,
                            pop_max=r.pop_max, source_type=r.source_type,
                            system_kind=r.system_kind, source=r.source, unverified=r.unverified,
                            condition=r.condition or "")
            for r in rows]


def minimum_rules_for(system: SupplySystem) -> list[dom.MinimumRule]:
    """The minimums of a system: only the residual of its own disinfectant is required
    (2914 Anexo XII note 1; Art. 32 in lims/data/compliance_rules.json)."""
    skip = other_residuals(system.disinfectant or "cloro_livre")
    return [r for r in minimum_rules() if r.parameter_code not in skip]


def traits_of(system: SupplySystem) -> frozenset[str]:
    """What makes a conditional minimum apply (PVC network, polymer, ozone, disinfectant...)."""
    return system_traits(system.disinfectant, system.plan_traits or ())
