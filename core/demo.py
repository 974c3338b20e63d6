"""The demo utility's geography, shared by every area's `seed_demo` so that the lab's
systems, the telemetry assets, the consumers' addresses and the incidents' areas agree.

Vale Verde/SP, about 61,200 people, two supply systems. Pure data, as immutable positional
records (NamedTuple: the tables below read as rows); used only by seeds/tests.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoSector(NamedTuple):
    """A distribution sector (DMA) of the demo town: its neighbourhoods and streets give the
    made-up consumers their addresses, its centre (lat, lon) places them on the map."""

    code: str  # setor / DMA
    name: str
    system_code: str
    neighbourhoods: tuple[str, ...]
    lat: float
    lon: float
    population: int
    streets: tuple[str, ...]


class DemoSystem(NamedTuple):
    """A supply system of the demo town as the lab registers it (kind, population served,
    source and treatment choose its sampling minimums); (lat, lon) is its treatment plant."""

    code: str
    name: str
    kind: str  # SAA
    population: int
    source_type: str  # superficial | subterraneo
    treatment_type: str  # filtracao_rapida | so_desinfeccao
    lat: float
    lon: float


class DemoAsset(NamedTuple):
    """A plant or network asset of the demo (intake, ETA, well, pumping station, reservoir)
    that telemetry monitors and incidents point at."""

    code: str
    name: str
    kind: str  # captacao | eta | poco | elevatoria | reservatorio
    system_code: str
    sector_code: str | None
    lat: float
    lon: float


SYSTEMS = (
    DemoSystem("SAA-SEDE", "Sistema Sede (Rio Verde)", "SAA", 48_000, "superficial",
               "filtracao_rapida", -22.9000, -47.0600),
    DemoSystem("SAA-BV", "Sistema Boa Vista (poços)", "SAA", 13_200, "subterraneo",
               "so_desinfeccao", -22.9350, -47.0950),
)

SECTORS = (
    DemoSector("SET-01", "Setor Centro", "SAA-SEDE", ("Centro", "Vila Nova"), -22.9005, -47.0605,
               16_000, ("Rua XV de Novembro", "Rua Sete de Setembro", "Avenida Brasil",
                        "Rua Tiradentes", "Rua das Palmeiras")),
    DemoSector("SET-02", "Setor Alto da Serra", "SAA-SEDE", ("Alto da Serra", "Jardim Primavera"),
               -22.8890, -47.0480, 15_000, ("Rua da Serra", "Rua das Hortensias",
                                            "Avenida Primavera", "Rua dos Ipes")),
    DemoSector("SET-03", "Setor Industrial", "SAA-SEDE",
               ("Distrito Industrial", "Jardim das Flores", "São José"), -22.9120, -47.0450,
               17_000, ("Avenida das Indústrias", "Rua das Flores", "Rua São José",
                        "Rua dos Operários")),
    DemoSector("SET-04", "Setor Boa Vista", "SAA-BV", ("Boa Vista", "Recanto Verde"),
               -22.9350, -47.0950, 9_000, ("Rua Boa Vista", "Rua do Recanto", "Rua dos Pinheiros")),
    DemoSector("SET-05", "Setor Sítio Novo", "SAA-BV", ("Sítio Novo",), -22.9450, -47.1050,
               4_200, ("Estrada do Sítio Novo", "Rua das Mangueiras")),
)

ASSETS = (
    DemoAsset("CAP-01", "Captação Rio Verde", "captacao", "SAA-SEDE", None, -22.8800, -47.0700),
    DemoAsset("ETA-01", "ETA Centro", "eta", "SAA-SEDE", None, -22.8950, -47.0650),
    DemoAsset("RES-01", "Reservatório Alto da Serra", "reservatorio", "SAA-SEDE", "SET-02",
              -22.8870, -47.0460),
    DemoAsset("RES-02", "Reservatório Centro", "reservatorio", "SAA-SEDE", "SET-01",
              -22.8990, -47.0590),
    DemoAsset("EEA-01", "Elevatória Industrial", "elevatoria", "SAA-SEDE", "SET-03",
              -22.9100, -47.0500),
    DemoAsset("PC-01", "Poço Boa Vista 1", "poco", "SAA-BV", "SET-04", -22.9330, -47.0970),
    DemoAsset("PC-02", "Poço Boa Vista 2", "poco", "SAA-BV", "SET-04", -22.9380, -47.0920),
    DemoAsset("RES-03", "Reservatório Boa Vista", "reservatorio", "SAA-BV", "SET-04",
              -22.9340, -47.0940),
    DemoAsset("EEA-02", "Elevatória Sítio Novo", "elevatoria", "SAA-BV", "SET-05",
              -22.9420, -47.1020),
)


def sector(code: str) -> DemoSector:
    return next(s for s in SECTORS if s.code == code)


def system(code: str) -> DemoSystem:
    return next(s for s in SYSTEMS if s.code == code)
