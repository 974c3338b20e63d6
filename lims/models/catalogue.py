"""LIMS catalogue: parameters with their standard (VMP), sample types, bottle types,
preservatives, and the sampling minimums of the standard (editable data, seeded from the
versioned file lims/data/catalogue_p888_v1.toml)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.fmt import as_shown
from lims.domain.limits import Disinfectant, LimitKind, ScopedLimit

VALUE = Numeric(20, 8)


GROUP_LABELS = {"microbiologico": "Microbiológico", "organoleptico": "Organoléptico",
                "inorganico": "Inorgânico", "organico": "Orgânico", "agrotoxico": "Agrotóxico",
                "psd": "Produtos secundários da desinfecção", "radioativo": "Radioativo",
                "cianotoxina": "Cianotoxina", "operacional": "Operacional"}


class Applies(enum.StrEnum):
    OUTLET = "saida"
    NETWORK = "rede"
    ALL = "todos"


class CodedName:
    """Mixin of the small catalogue lists: a unique code, a name, an active flag."""

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)


class SampleType(CodedName, Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_sample_type"


class BottleType(CodedName, Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_bottle_type"

    volume_ml: Mapped[int | None]
    material: Mapped[str | None] = mapped_column(String(60))


class Preservative(CodedName, Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_preservative"


class Parameter(Audited, IdMixin, TimestampMixin, Base):
    """A parameter and its standard. `source` tags where the VMP comes from (e.g. "Anexo 9
    [V-CSV]"); `unverified` marks values the reference flags UNVERIFIED until a Gestor confirms
    them (`confirmed_by_id`/`confirmed_at`)."""

    __tablename__ = "lims_parameter"

    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(30), default="")
    method: Mapped[str | None] = mapped_column(String(200))
    ld: Mapped[Decimal | None] = mapped_column(VALUE)
    lq: Mapped[Decimal | None] = mapped_column(VALUE)
    vmp_min: Mapped[Decimal | None] = mapped_column(VALUE)
    vmp_max: Mapped[Decimal | None] = mapped_column(VALUE)
    # what the general limit above is (lims.domain.limits.LimitKind): a VMP, or for pH a
    # recommended range that never makes a result "nao conforme"
    limit_kind: Mapped[str] = mapped_column(String(20), default="vmp")
    presence_absence: Mapped[bool] = mapped_column(default=False)
    applies: Mapped[str] = mapped_column(String(10), default=Applies.ALL)
    compare_decimals: Mapped[int | None]
    plausible_min: Mapped[Decimal | None] = mapped_column(VALUE)
    plausible_max: Mapped[Decimal | None] = mapped_column(VALUE)
    annex: Mapped[str | None] = mapped_column(String(40))  # "Anexo 9"
    source: Mapped[str] = mapped_column(String(200), default="manual")  # the source tag
    version: Mapped[str] = mapped_column(String(40), default="")  # data file version
    unverified: Mapped[bool] = mapped_column(default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    confirmed_at: Mapped[dt.datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    sample_type_id: Mapped[int | None] = mapped_column(ForeignKey("lims_sample_type.id"))
    bottle_type_id: Mapped[int | None] = mapped_column(ForeignKey("lims_bottle_type.id"))
    preservative_id: Mapped[int | None] = mapped_column(ForeignKey("lims_preservative.id"))
    volume_ml: Mapped[int | None]
    field_reading: Mapped[bool] = mapped_column(default=False)  # measured by the collector
    custom: Mapped[bool] = mapped_column(default=False)  # added by hand (CONAMA, own)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def group_label(self) -> str:
        return GROUP_LABELS.get(self.group, self.group)

    @property
    def standard_text(self) -> str:
        if self.vmp_max is None and self.vmp_min is None and not self.presence_absence:
            return "sem VMP"

        kind = LimitKind(self.limit_kind or "vmp")
        return ScopedLimit(kind, as_shown(self.vmp_min, self.compare_decimals),
                           as_shown(self.vmp_max, self.compare_decimals),
                           absence=self.presence_absence).describe(self.unit)


class ParameterLimit(Audited, IdMixin, TimestampMixin, Base):
    """A scoped limit of a parameter (catalogue data, Gestor-editable, audited, versioned):
    what it is (`kind`: vmp | minimo | faixa_recomendada | meta_operacional), where it applies
    (point kinds, treatment types, disinfectants: empty = everywhere) and its source. It adds
    to the parameter's general limit; e.g. post-filtration turbidity 0,5 uT at the
    filtered-water points of rapid-filtration plants, or free chlorine >= 0,2 mg/L throughout
    distribution where free chlorine is the disinfectant."""

    __tablename__ = "lims_parameter_limit"

    parameter_code: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="vmp")
    minimum: Mapped[Decimal | None] = mapped_column(VALUE)
    maximum: Mapped[Decimal | None] = mapped_column(VALUE)
    point_kinds: Mapped[list[Any]] = mapped_column(default=list)
    treatment_types: Mapped[list[Any]] = mapped_column(default=list)
    disinfectants: Mapped[list[Any]] = mapped_column(default=list)
    annex: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(200), default="manual")
    version: Mapped[str] = mapped_column(String(40), default="")
    unverified: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def limit_text(self) -> str:
        def norm(v: Decimal | None) -> Decimal | None:
            if v is None:
                return None
            d = Decimal(str(v)).normalize()
            return d.quantize(Decimal(1)) if d == d.to_integral_value() else d

        return ScopedLimit(LimitKind(self.kind), norm(self.minimum), norm(self.maximum)).describe()

    @property
    def scope_text(self) -> str:
        parts = []
        if self.point_kinds:
            parts.append("pontos: " + ", ".join(self.point_kinds))
        if self.treatment_types:
            parts.append("tratamento: " + ", ".join(self.treatment_types))
        if self.disinfectants:
            parts.append("desinfetante: " + ", ".join(
                Disinfectant(d).label if d in set(Disinfectant) else d
                for d in self.disinfectants))
        return "; ".join(parts) or "todos"


class SamplingMinimum(Audited, IdMixin, TimestampMixin, Base):
    """One row of the standard's minimum sampling (reference section 5), as editable data.

    Applies to systems of `system_kind`, source `source_type` ("*" = any; "misto" counts as
    superficial) and population in [pop_min, pop_max]. Required per occurrence of `frequency`
    is `base + ceil(population / per_inhabitants)` (the second term only when set), capped.
    """

    __tablename__ = "lims_sampling_minimum"
    __table_args__ = (UniqueConstraint("parameter_code", "where", "system_kind", "source_type",
                                       "pop_min"),)

    parameter_code: Mapped[str] = mapped_column(String(80), index=True)
    where: Mapped[str] = mapped_column(String(20))  # saida | rede | captacao
    system_kind: Mapped[str] = mapped_column(String(3), default="SAA")
    source_type: Mapped[str] = mapped_column(String(20), default="*")
    pop_min: Mapped[int] = mapped_column(default=0)
    pop_max: Mapped[int | None]
    frequency: Mapped[str] = mapped_column(String(20))  # domain.plans.Frequency
    base: Mapped[int] = mapped_column(default=1)
    per_inhabitants: Mapped[int | None]
    cap: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(40), default="")
    unverified: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(String(500))
    # applies only to systems with this plan trait (lims.domain.plan_generator.TRAITS), e.g.
    # "rede_pvc" for vinyl chloride in the network; empty = always
    condition: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
