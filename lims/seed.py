"""Reference and demo data of lims."""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.audit import audit_context
from core.auth import User
from core.db import session, transactional
from core.demo import ASSETS, SECTORS, SYSTEMS
from lims.domain.samples import SampleState as S
from lims.models import catalogue as cat
from lims.models import registry as reg
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint
from lims.models.samples import Sample
from lims.services import plans
from lims.services.demo import seed_demo_results
from lims.services.routes import demo_routes

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue_p888_v1.toml"


@lru_cache(maxsize=1)
def catalogue_data() -> dict[str, Any]:
    with CATALOGUE_FILE.open("rb") as fh:
        return tomllib.load(fh)


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


@transactional
def seed_reference() -> None:
    """Data every installation needs (idempotent): the Portaria 888 catalogue and the sampling
    minimums from the versioned data file. Existing rows are left as they are (a Gestor may
    have confirmed or corrected them); only missing ones are added."""
    data = catalogue_data()
    version = data["version"]
    with audit_context(reason=f"catálogo de referência {version}"):
        refs: dict[str, dict[str, int]] = {}
        for key, model, extra in (("sample_types", cat.SampleType, ()),
                                  ("bottles", cat.BottleType, ("volume_ml", "material")),
                                  ("preservatives", cat.Preservative, ())):
            have = {r.code: r for r in session.scalars(select(model))}
            for row in data[key]:
                if row["code"] not in have:
                    obj = model(code=row["code"], name=row["name"],
                                **{k: row.get(k) for k in extra})
                    session.add(obj)
                    have[row["code"]] = obj
            session.flush()
            refs[key] = {c: o.id for c, o in have.items()}
        defaults = data.get("group_defaults", {})
        have_p = set(session.scalars(select(cat.Parameter.code)))
        for row in data["parameters"]:
            if row["code"] in have_p:
                continue
            d = defaults.get(row["group"], {})
            session.add(cat.Parameter(
                code=row["code"], name=row["name"], group=row["group"], unit=row.get("unit", ""),
                method=row.get("method"), ld=_dec(row.get("ld")), lq=_dec(row.get("lq")),
                vmp_min=_dec(row.get("min")), vmp_max=_dec(row.get("max")),
                limit_kind=row.get("limit_kind", "vmp"),
                presence_absence=bool(row.get("absence")), applies=row.get("applies", "todos"),
                compare_decimals=row.get("decimals"),
                plausible_min=_dec(row.get("plausible_min")),
                plausible_max=_dec(row.get("plausible_max")), annex=row.get("annex"),
                source=row["source"], version=version, unverified=bool(row.get("unverified")),
                notes=row.get("notes"), field_reading=bool(row.get("field")),
                sample_type_id=refs["sample_types"].get(row.get("sample_type", d.get("sample_type"))),
                bottle_type_id=refs["bottles"].get(row.get("bottle", d.get("bottle"))),
                preservative_id=refs["preservatives"].get(row.get("preservative", d.get("preservative"))),
                volume_ml=row.get("volume_ml")))
        def scope(code: str, kind: str, points: Any, treatments: Any, disinf: Any) -> tuple:
            return (code, kind, tuple(sorted(points or ())), tuple(sorted(treatments or ())),
                    tuple(sorted(disinf or ())))

        have_l = {scope(x.parameter_code, x.kind, x.point_kinds, x.treatment_types,
                        x.disinfectants) for x in session.scalars(select(cat.ParameterLimit))}
        for row in data.get("limits", ()):
            key_l = scope(row["code"], row["kind"], row.get("points"), row.get("treatments"),
                          row.get("disinfectants"))
            if key_l in have_l:
                continue
            have_l.add(key_l)
            session.add(cat.ParameterLimit(
                parameter_code=row["code"], kind=row["kind"], minimum=_dec(row.get("min")),
                maximum=_dec(row.get("max")), point_kinds=list(row.get("points") or []),
                treatment_types=list(row.get("treatments") or []),
                disinfectants=list(row.get("disinfectants") or []), annex=row.get("annex"),
                source=row["source"], version=version, unverified=bool(row.get("unverified")),
                notes=row.get("notes")))
        have_m = {(m.parameter_code, m.where, m.system_kind, m.source_type, m.pop_min)
                  for m in session.scalars(select(cat.SamplingMinimum))}
        for row in data["minimums"]:
            key = (row["code"], row["where"], row.get("system", "SAA"), row.get("source", "*"),
                   row.get("pop_min", 0))
            if key in have_m:
                continue
            have_m.add(key)
            session.add(cat.SamplingMinimum(
                parameter_code=row["code"], where=row["where"], system_kind=key[2],
                source_type=key[3], pop_min=key[4], pop_max=row.get("pop_max"),
                frequency=row["freq"], base=row.get("base", 1), per_inhabitants=row.get("per"),
                cap=row.get("cap"), source=row.get("tag", ""), version=version,
                unverified=bool(row.get("unverified")), notes=row.get("notes")))
        session.flush()


# -- demo -------------------------------------------------------------------------------------

DEMO_JUSTIFICATION = ("Turbidez, cor, pH, cloro e fluoreto a cada 2 h na saída da ETA sao medidos "
                      "pelo operador no controle operacional (registro no supervisorio); o "
                      "laboratório analisa uma amostra diária de confirmação.")

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
               ("R04", "Estrada do Sitio Novo, km 2", "SET-05", "rede"),
               ("R05", "Rua das Mangueiras, 12", "SET-05", "rede"),
               ("R06", "Estrada do Sitio Novo, fim da rede", "SET-05", "ponta_de_rede")],
}


def _demo_registry(today: dt.date) -> dict[str, Any]:
    """Laboratories, regulator, systems, units, points and neighbours (idempotent by code)."""
    if session.scalars(select(reg.SupplySystem.id).where(reg.SupplySystem.code == "SAA-SEDE")).first():
        return {s.code: s for s in session.scalars(select(reg.SupplySystem))}
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
    systems: dict[str, Any] = {}
    for ds in SYSTEMS:
        neigh = [n for sec in SECTORS if sec.system_code == ds.code for n in sec.neighbourhoods]
        s = reg.SupplySystem(code=ds.code, name=ds.name, kind=ds.kind,
                             population_served=ds.population, source_type=ds.source_type,
                             treatment_type=ds.treatment_type, disinfectant="cloro_livre",
                             neighbourhoods=neigh,
                             latitude=ds.lat, longitude=ds.lon, regulator_id=visa.id)
        session.add(s)
        systems[ds.code] = s
    session.flush()
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

    def point(system: str, code: str, name: str, kind: str, unit: str | None, lat: float,
              lon: float, neighbourhood: str | None = None, address: str | None = None) -> Any:
        p = reg.CollectionPoint(code=code, name=name, system_id=systems[system].id,
                                unit_id=units[unit].id if unit else None, kind=kind,
                                address=address, neighbourhood=neighbourhood, latitude=lat,
                                longitude=lon, photos=[])
        session.add(p)
        return p

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
    sector_first = {}
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
    feed = {"SET-01": "RES-02", "SET-02": "RES-01", "SET-03": "RES-02", "SET-04": "RES-03",
            "SET-05": "RES-03"}
    links = [("ETA-01", "RES-01"), ("ETA-01", "RES-02"), ("BV-SAI", "RES-03")]
    for sec_code, codes in sector_first.items():
        links.append((feed[sec_code], codes[0]))
        links += list(zip(codes, codes[1:], strict=False))
    for u, d in links:
        session.add(reg.PointLink(upstream_id=pts[u].id, downstream_id=pts[d].id))
    session.flush()
    return systems


def _demo_plan(system: Any, year: int, gestor_id: int | None) -> Any:
    have = plans.approved_plan(system.id, year)
    if have is not None:
        return have
    p = {x.code: x.id for x in session.scalars(select(Parameter))}
    pts = list(session.scalars(select(CollectionPoint).where(CollectionPoint.system_id == system.id)
                               .order_by(CollectionPoint.code)))
    plan = plans.create_plan(system.id, year, user_id=gestor_id)
    surface = system.source_type == "superficial"

    def add(codes: list[str], point: Any, freq: str, n: int | None = None, start: int = 1) -> None:
        for c in codes:
            plans.set_item(plan.id, parameter_id=p[c], point_id=point.id, frequency=freq,
                           custom_count=n, start_month=start, user_id=gestor_id)

    fq = ["turbidez", "cloro_residual_livre", "cor_aparente", "ph", "fluoreto"]
    micro = ["coliformes_totais", "escherichia_coli"]
    network = [x for x in pts if x.kind in ("reservatorio", "rede", "ponta_de_rede", "torneira")]
    for pt in pts:
        if pt.kind == "saida_tratamento":
            if surface:  # daily at the lab; every 2 h by the operator (justified below)
                add(fq, pt, "diaria")
                add(micro, pt, "2x_semana")
                add(["gosto_odor"], pt, "trimestral")
            else:
                add(fq[:2] + fq[3:], pt, "2x_semana")
                add(["cor_aparente"] + micro, pt, "semanal")
                add(["gosto_odor"], pt, "semestral")
        elif pt.kind == "captacao":
            add(["escherichia_coli"], pt, "mensal")
            add(["turbidez", "cor_aparente", "ph"], pt, "semestral")
        elif pt.kind == "poco" and pt.code.endswith("01"):
            add(["turbidez", "cor_aparente", "ph"], pt, "semestral")
    per_point = -(-plans.dom.per_occurrence(plans.dom.MinimumRule(
        "coliformes_totais", "rede", plans.dom.Frequency.MONTHLY, base=0, per_inhabitants=1000),
        system.population_served) // len(network))
    for pt in network:
        add(micro + ["turbidez", "cloro_residual_livre", "cor_aparente"], pt, "personalizada",
            per_point)
    far = next(x for x in network if x.kind == "ponta_de_rede")
    add(["trihalometanos_total", "acidos_haloaceticos_total"], far,
        "trimestral" if surface else "anual")
    ok = plans.minimum_check(plan.id).ok
    plans.approve(plan.id, user_id=gestor_id, justification="" if ok else DEMO_JUSTIFICATION)
    return plan


def _readings(rnd: Any, kind: str) -> dict[str, str]:
    def br(x: float, n: int) -> str:
        return f"{x:.{n}f}".replace(".", ",")

    return {"cloro_residual_livre": br(rnd.uniform(0.6, 1.6), 2),
            "turbidez": br(rnd.uniform(0.1, 0.4 if kind == "saida_tratamento" else 1.5), 2),
            "ph": br(rnd.uniform(6.8, 7.6), 1), "temperatura": br(rnd.uniform(19, 26), 0)}


def _demo_samples(today: dt.date, users: dict[str, int]) -> None:
    """Walk the demo's samples through the cycle up to today."""
    tz = ZoneInfo("America/Sao_Paulo")
    rnd = random.Random(888)
    where = {pid: (kind, lat, lon) for pid, kind, lat, lon in session.execute(
        select(CollectionPoint.id, CollectionPoint.kind, CollectionPoint.latitude,
               CollectionPoint.longitude))}
    collectors = [users.get("coletor"), users.get("coletor2") or users.get("coletor")]
    receiver = users.get("distribuidor") or users.get("analista")
    analysts = [users.get("analista"), users.get("analista2") or users.get("analista")]
    rows = list(session.scalars(select(Sample).where(Sample.state == S.PROGRAMADA,
                                                     Sample.scheduled_for <= today)
                                .order_by(Sample.scheduled_for, Sample.point_id, Sample.slot)))
    now = dt.datetime.now(dt.UTC)
    today_done = 0
    with audit_context(reason="demonstração: ciclo das amostras"):
        for n, s in enumerate(rows):
            kind, lat, lon = where.get(s.point_id, ("rede", None, None))
            at = dt.datetime.combine(s.scheduled_for, dt.time(8, 0), tz) + dt.timedelta(
                minutes=20 * (n % 12) + 120 * s.slot)
            s.state = S.AGUARDANDO_COLETA
            if s.scheduled_for == today:
                today_done += 1
                if today_done % 2 or at.astimezone(dt.UTC) > now:
                    continue  # still on today's route
            s.state = S.COLETADA
            s.collected_at = at.astimezone(dt.UTC)
            s.collected_by_id = collectors[n % 2]
            if lat is not None and lon is not None:  # the phone's GPS, a few metres off
                s.latitude = round(lat + rnd.uniform(-0.0002, 0.0002), 6)
                s.longitude = round(lon + rnd.uniform(-0.0002, 0.0002), 6)
            s.field_readings = _readings(rnd, kind)
            if s.scheduled_for == today or (s.scheduled_for == today - dt.timedelta(days=1)
                                            and n % 4 == 0):
                continue  # collected, on its way to the lab
            s.state = S.AGUARDANDO_ANALISE
            s.received_at = (at + dt.timedelta(hours=3)).astimezone(dt.UTC)
            s.received_by_id = receiver
            s.arrival_temperature = Decimal(str(round(rnd.uniform(3.0, 8.0), 1)))
            if s.scheduled_for == today - dt.timedelta(days=1) and n % 4 == 1:
                continue  # received late yesterday: waiting for the distributor
            s.assigned_analyst_id = analysts[n % 2]
        session.flush()


def seed_demo(today: dt.date) -> None:
    """The demo's lab: registry, approved plans, the previous month's samples through the whole
    cycle (part 2 enters, validates, closes and publishes them) and the current month under
    way. Idempotent."""
    users = {u.username: u.id for u in session.scalars(select(User))}
    gestor = users.get("gestor")
    first_prev = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    fresh = session.scalars(select(Sample.id).limit(1)).first() is None
    with audit_context(reason="carga da demonstração"):
        systems = _demo_registry(today)
        for system in systems.values():
            for (year, month) in {(first_prev.year, first_prev.month), (today.year, today.month)}:
                plan = _demo_plan(system, year, gestor)
                plans.generate_month(plan.id, year, month, user_id=gestor)
        if fresh:
            _demo_samples(today, users)

        demo_routes(today, collector_id=users.get("coletor"))  # today's routes (idempotent)
    seed_demo_results(today)
