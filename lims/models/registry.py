"""LIMS registry: laboratories, clients, regulators, licenses/outorgas, supply systems, their
units and the collection points. Edited by a Gestor on screen; every change is audited and
nothing is deleted (deactivate instead)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum


class SystemKind(LabelledStrEnum):
    """The form of supply (Portaria GM/MS 888, SISAGUA); the minimum sampling rules are given
    per kind (`MinimumRule.system_kind`)."""

    SAA = "SAA", "SAA - sistema de abastecimento"
    SAC = "SAC", "SAC - solução alternativa coletiva"
    SAI = "SAI", "SAI - solução alternativa individual"


class SourceType(LabelledStrEnum):
    """Where the raw water comes from; some minimum sampling rules apply to one source only."""

    SURFACE = "superficial", "Superficial"
    GROUNDWATER = "subterraneo", "Subterrâneo"
    MIXED = "misto", "Misto"


class TreatmentType(LabelledStrEnum):
    """How the plant treats the water: it sets the post-filtration turbidity rule (Anexo 2) and
    may scope a standard limit (`treatment_types`)."""

    RAPID_FILTRATION = "filtracao_rapida", "Filtração rápida"
    SLOW_FILTRATION = "filtracao_lenta", "Filtração lenta"
    MEMBRANE = "membrana", "Filtração em membrana"
    DISINFECTION_ONLY = "so_desinfeccao", "Só desinfecção"


UNIT_LABELS = {"captacao": "Captação", "eta": "ETA", "poco": "Poço", "elevatoria": "Elevatória",
               "reservatorio": "Reservatório", "rede": "Rede", "setor": "Setor",
               "segmento": "Segmento"}
POINT_LABELS = {"captacao": "Captação",
                "agua_filtrada": "Água filtrada (efluente de um filtro)",
                "filtrada_combinada": "Água filtrada combinada (pós-filtração ou pré-desinfecção)",
                "saida_tratamento": "Saída do tratamento",
                "reservatorio": "Reservatório", "rede": "Rede", "ponta_de_rede": "Ponta de rede",
                "poco": "Poço", "torneira": "Torneira de consumidor"}


class Laboratory(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_laboratory"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    own: Mapped[bool] = mapped_column(default=True)  # own lab or contracted
    cnpj: Mapped[str | None] = mapped_column(String(20))
    accreditation: Mapped[str | None] = mapped_column(String(200))  # e.g. ISO 17025 / REBLAS
    accreditation_expires_on: Mapped[dt.date | None]
    contact: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)


class Client(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_client"

    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str | None] = mapped_column(String(20))  # CPF / CNPJ
    contact: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)


class Regulator(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_regulator"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="vigilancia_sanitaria")  # | agencia | ambiental
    contact: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class License(Audited, IdMixin, TimestampMixin, Base):
    """A license or water-use grant (outorga) with its expiry date."""

    __tablename__ = "lims_license"

    kind: Mapped[str] = mapped_column(String(30))  # licenca | outorga
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(200))
    system_id: Mapped[int | None] = mapped_column(ForeignKey("lims_supply_system.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("lims_unit.id"))
    issued_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    def days_to_expiry(self, today: dt.date) -> int | None:
        return None if self.expires_on is None else (self.expires_on - today).days


class SupplySystem(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_supply_system"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(3), default=SystemKind.SAA)
    population_served: Mapped[int] = mapped_column(default=0)
    source_type: Mapped[str] = mapped_column(String(20), default=SourceType.SURFACE)
    treatment_type: Mapped[str] = mapped_column(String(30), default=TreatmentType.RAPID_FILTRATION)
    # the disinfectant kept in distribution (lims.domain.limits.Disinfectant): chooses the
    # residual rule of Art. 32 (free chlorine, combined chlorine or chlorine dioxide)
    disinfectant: Mapped[str] = mapped_column(String(20), default="cloro_livre")
    neighbourhoods: Mapped[list[Any]] = mapped_column(default=list)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    regulator_id: Mapped[int | None] = mapped_column(ForeignKey("lims_regulator.id"))
    sisagua_code: Mapped[str | None] = mapped_column(String(40))
    # what the plan generator needs beyond the columns above (lims.domain.plan_generator.TRAITS:
    # rede_pvc, polimero, fluoretada, ozonio...)
    plan_traits: Mapped[list[Any] | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)

    units: Mapped[list[Unit]] = relationship(back_populates="system", order_by="Unit.code")


class Unit(Audited, IdMixin, TimestampMixin, Base):
    """A unit of a system: captacao, ETA, poco, elevatoria, reservatorio, rede, setor, segmento.
    `code` is the one the telemetry uses for the same asset (e.g. "ETA-01")."""

    __tablename__ = "lims_unit"
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    system_id: Mapped[int] = mapped_column(ForeignKey("lims_supply_system.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("lims_unit.id"))  # segment of a sector
    neighbourhoods: Mapped[list[Any]] = mapped_column(default=list)
    population: Mapped[int | None]  # of a sector: people it serves (spatial coverage)
    connections: Mapped[int | None]  # of a sector: connections (ligacoes), when no population
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    system: Mapped[SupplySystem] = relationship(back_populates="units")


class PointLink(Audited, IdMixin, TimestampMixin, Base):
    """Water flows from `upstream_id` to `downstream_id` (used to place recoletas)."""

    __tablename__ = "lims_point_link"
    __table_args__ = (UniqueConstraint("upstream_id", "downstream_id"),)

    upstream_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"), index=True)
    downstream_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"), index=True)


class CollectionPoint(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_collection_point"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    system_id: Mapped[int] = mapped_column(ForeignKey("lims_supply_system.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("lims_unit.id"))
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    neighbourhood: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    photos: Mapped[list[Any]] = mapped_column(default=list)  # paths under data_dir
    sensitive: Mapped[str | None] = mapped_column(String(20))  # hospital | escola | creche...
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    system: Mapped[SupplySystem] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def kind_label(self) -> str:
        return POINT_LABELS.get(self.kind, self.kind)
