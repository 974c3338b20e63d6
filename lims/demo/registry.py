"""The demo's registry: laboratories, regulator, systems, units, licences, collection points and
their neighbours (idempotent by code)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.db import session
from core.demo import ASSETS, SECTORS, SYSTEMS
from lims.models import registry as reg

# the systems' SISAGUA codes ("S" + the municipality's 6-digit IBGE code 359999 + a sequence,
# as in S350520000003 of the real exports), so the demo's SISAGUA forms validate (issue 19)
SISAGUA_CODES = {"SAA-SEDE": "S359999000001", "SAA-BV": "S359999000002"}
# network points of the demo: (code suffix, name, sector, kind)
_NETWORK = {
    "SAA-SEDE": [("R01", "Rua XV de Novembro, 120", "SET-01", "rede"),
                 ("R02", "Avenida Brasil, 845", "SET-01", "rede"),
                 ("R03", "Rua das Palmeiras, 33", "SET-01", "torneira"),
                 ("R04", "Rua da Serra, 410", "SET-02", "rede"),
                 ("R05", "Avenida Primavera, 1500", "SET-02", "rede"),
                 ("R06", "Rua dos Ipes, 77", "SET-02", "rede"),
                 ("R07", "Avenida das Industrias, 2300", "SET-03", "rede"),
                 ("R08", "Rua São José, 95", "SET-03", "rede"),
                 ("R09", "Rua dos Operários, 18", "SET-03", "rede"),
                 ("R10", "Rua das Flores, fim da rede", "SET-03", "ponta_de_rede")],
    "SAA-BV": [("R01", "Rua Boa Vista, 210", "SET-04", "rede"),
               ("R02", "Rua do Recanto, 54", "SET-04", "rede"),
               ("R03", "Rua dos Pinheiros, 300", "SET-04", "rede"),
               ("R04", "Estrada do Sítio Novo, km 2", "SET-05", "rede"),
               ("R05", "Rua das Mangueiras, 12", "SET-05", "rede"),
               ("R06", "Estrada do Sítio Novo, fim da rede", "SET-05", "ponta_de_rede")],
}


def demo_registry(today: dt.date) -> dict[str, Any]:
    """Laboratories, regulator, systems, units, points and neighbours (idempotent by code)."""
    if session.scalars(select(reg.SupplySystem.id).where(reg.SupplySystem.code == "SAA-SEDE")).first():
        return {s.code: s for s in session.scalars(select(reg.SupplySystem))}
    visa = _labs_and_regulators(today)
    systems = _systems(visa)
    units = _units(systems)
    _licences(today, systems, units)
    pts = _plant_points(systems, units)
    sector_first = _network_points(systems, units, pts)
    _links(pts, sector_first)
    return systems


def _labs_and_regulators(today: dt.date) -> Any:
    """The own and the contracted laboratory, the health authority (returned), the licensing
    agency and one client."""
    lab = reg.Laboratory(name="Laboratório Central do SAAE", own=True,
                         accreditation="ISO/IEC 17025 (em implantação)", contact="ramal 214")
    ext = reg.Laboratory(name="Águas Análises Ltda", own=False,
                         cnpj="12.345.678/0001-90", accreditation="ISO/IEC 17025 CRL 0456",
                         accreditation_expires_on=today + dt.timedelta(days=200),
                         contact="contato@aguasanalises.example")
    visa = reg.Regulator(name="Vigilância Sanitária de Vale Verde", kind="vigilancia_sanitaria",
                         email="visa@valeverde.example")
    agency = reg.Regulator(name="DAEE / SP Águas (outorgas)", kind="ambiental")
    session.add_all([lab, ext, visa, agency, reg.Client(name="Escola Municipal Centro",
                                                        contact="diretoria")])
    session.flush()
    return visa


def _systems(visa: Any) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for ds in SYSTEMS:
        neigh = [n for sec in SECTORS if sec.system_code == ds.code for n in sec.neighbourhoods]
        s = reg.SupplySystem(code=ds.code, name=ds.name, kind=ds.kind,
                             population_served=ds.population, source_type=ds.source_type,
                             treatment_type=ds.treatment_type, disinfectant="cloro_livre",
                             neighbourhoods=neigh,
                             latitude=ds.lat, longitude=ds.lon, regulator_id=visa.id,
                             sisagua_code=SISAGUA_CODES.get(ds.code))
        session.add(s)
        systems[ds.code] = s
    session.flush()
    return systems


def _units(systems: dict[str, Any]) -> dict[str, Any]:
    units: dict[str, Any] = {}
    for sec in SECTORS:
        units[sec.code] = reg.Unit(system_id=systems[sec.system_code].id, code=sec.code,
                                   name=sec.name, kind="setor", neighbourhoods=list(sec.neighbourhoods),
                                   latitude=sec.lat, longitude=sec.lon)
    for a in ASSETS:
        units[a.code] = reg.Unit(system_id=systems[a.system_code].id, code=a.code, name=a.name,
                                 kind=a.kind, latitude=a.lat, longitude=a.lon)
    session.add_all(units.values())
    session.flush()
    return units


def _licences(today: dt.date, systems: dict[str, Any], units: dict[str, Any]) -> None:
    session.add_all([
        reg.License(kind="outorga", number="DAEE 2019/00412", issuer="DAEE / SP Águas",
                    system_id=systems["SAA-SEDE"].id, unit_id=units["CAP-01"].id,
                    issued_on=dt.date(2019, 3, 1), expires_on=today + dt.timedelta(days=45),
                    description="Captação superficial Rio Verde, 180 L/s"),
        reg.License(kind="outorga", number="DAEE 2021/01177", issuer="DAEE / SP Águas",
                    system_id=systems["SAA-BV"].id, unit_id=units["PC-01"].id,
                    issued_on=dt.date(2021, 6, 1), expires_on=today + dt.timedelta(days=900),
                    description="Poços Boa Vista 1 e 2"),
        reg.License(kind="licenca", number="CETESB LO 7788", issuer="CETESB",
                    system_id=systems["SAA-SEDE"].id, unit_id=units["ETA-01"].id,
                    issued_on=dt.date(2022, 1, 10), expires_on=today + dt.timedelta(days=400),
                    description="Licenca de operação da ETA Centro"),
    ])


def _point(systems: dict[str, Any], units: dict[str, Any], system: str, code: str, name: str,
           kind: str, unit: str | None, lat: float, lon: float, neighbourhood: str | None = None,
           address: str | None = None) -> Any:
    p = reg.CollectionPoint(code=code, name=name, system_id=systems[system].id,
                            unit_id=units[unit].id if unit else None, kind=kind,
                            address=address, neighbourhood=neighbourhood, latitude=lat,
                            longitude=lon, photos=[])
    session.add(p)
    return p


def _plant_points(systems: dict[str, Any], units: dict[str, Any]) -> dict[str, Any]:
    """Intake, outlets, reservoirs and wells."""
    def point(*args: Any) -> Any:
        return _point(systems, units, *args)

    pts: dict[str, Any] = {}
    pts["CAP-01"] = point("SAA-SEDE", "P-CAP01", "Captação Rio Verde (água bruta)", "captacao",
                          "CAP-01", -22.8800, -47.0700)
    pts["ETA-01"] = point("SAA-SEDE", "P-ETA01", "Saída da ETA Centro", "saida_tratamento",
                          "ETA-01", -22.8950, -47.0650, "Centro")
    pts["RES-01"] = point("SAA-SEDE", "P-RES01", "Reservatório Alto da Serra", "reservatorio",
                          "RES-01", -22.8870, -47.0460, "Alto da Serra")
    pts["RES-02"] = point("SAA-SEDE", "P-RES02", "Reservatório Centro", "reservatorio",
                          "RES-02", -22.8990, -47.0590, "Centro")
    pts["PC-01"] = point("SAA-BV", "P-PC01", "Poço Boa Vista 1 (água bruta)", "poco", "PC-01",
                         -22.9330, -47.0970, "Boa Vista")
    pts["PC-02"] = point("SAA-BV", "P-PC02", "Poço Boa Vista 2 (água bruta)", "poco", "PC-02",
                         -22.9380, -47.0920, "Boa Vista")
    pts["BV-SAI"] = point("SAA-BV", "P-BV-SAI", "Saída da desinfecção Boa Vista",
                          "saida_tratamento", "RES-03", -22.9341, -47.0942, "Boa Vista")
    pts["RES-03"] = point("SAA-BV", "P-RES03", "Reservatório Boa Vista", "reservatorio",
                          "RES-03", -22.9340, -47.0940, "Boa Vista")
    return pts


def _network_points(systems: dict[str, Any], units: dict[str, Any], pts: dict[str, Any]
                    ) -> dict[str, list[str]]:
    """The network points of `_NETWORK` around their sectors; sector -> its points in order."""
    def point(*args: Any) -> Any:
        return _point(systems, units, *args)

    sector_first: dict[str, list[str]] = {}

    for system, rows in _NETWORK.items():
        prefix = "SEDE" if system == "SAA-SEDE" else "BV"
        for k, (suffix, addr, sec_code, kind) in enumerate(rows):
            sec = next(x for x in SECTORS if x.code == sec_code)
            lat = sec.lat + 0.0021 * ((k % 3) - 1) + 0.0007 * k
            lon = sec.lon + 0.0019 * ((k % 2) * 2 - 1) - 0.0005 * k
            nb = sec.neighbourhoods[k % len(sec.neighbourhoods)]
            code = f"P-{prefix}-{suffix}"
            pts[code] = point(system, code, f"{'Torneira' if kind == 'torneira' else 'Rede'} "
                              f"{addr.split(',')[0]} ({nb})", kind, sec_code, lat, lon, nb, addr)
            sector_first.setdefault(sec_code, []).append(code)
    session.flush()
    return sector_first


def _links(pts: dict[str, Any], sector_first: dict[str, list[str]]) -> None:
    """Who feeds whom: plant -> reservoirs -> each sector's points in a line."""
    feed = {"SET-01": "RES-02", "SET-02": "RES-01", "SET-03": "RES-02", "SET-04": "RES-03",
            "SET-05": "RES-03"}
    links = [("ETA-01", "RES-01"), ("ETA-01", "RES-02"), ("BV-SAI", "RES-03")]
    for sec_code, codes in sector_first.items():
        links.append((feed[sec_code], codes[0]))
        links += list(zip(codes, codes[1:], strict=False))
    for u, d in links:
        session.add(reg.PointLink(upstream_id=pts[u].id, downstream_id=pts[d].id))
    session.flush()
