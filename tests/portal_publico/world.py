"""A small utility for the portal tests: two supply systems with points (LIMS registry rows),
a year of PUBLISHED results, plus results that must never leave the lab (entered, validated
but unpublished, cancelled), and consumers' connections to find by neighbourhood / matricula.

Lab rows are written directly (the portal only reads them through lims.api); their values
and verdicts follow the standard so monthly summaries come out as the LIMS computes them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert

from core.demo import SECTORS, SYSTEMS

PARAMS = {
    # code: (name, unit, min, max, absence)
    "turbidez": ("Turbidez", "uT", None, 5.0, False),
    "cor_aparente": ("Cor aparente", "uH", None, 15.0, False),
    "cloro_residual_livre": ("Cloro residual livre", "mg/L", 0.2, 5.0, False),
    "fluoreto": ("Fluoreto", "mg/L", None, 1.5, False),
    "coliformes_totais": ("Coliformes totais", "", None, None, True),
    "escherichia_coli": ("Escherichia coli", "", None, None, True),
}
STANDARD = {"turbidez": "<= 5,0 uT", "cor_aparente": "<= 15 uH",
            "cloro_residual_livre": "0,2 a 5,0 mg/L", "fluoreto": "<= 1,5 mg/L",
            "coliformes_totais": "Ausência em 100 mL", "escherichia_coli": "Ausência em 100 mL"}
SECRET_UNPUBLISHED = "4,4441"  # a turbidity that was validated but never published
SECRET_CANCELLED = "3,3331"  # a turbidity that was published, then cancelled
SECRET_ENTERED = "2,2221"  # typed, awaiting validation
_seq = itertools.count(1)


@dataclass
class World:
    systems: dict[str, int] = field(default_factory=dict)  # code -> id
    points: dict[str, int] = field(default_factory=dict)  # code -> id
    matricula: str | None = None
    secret_samples: dict[str, str] = field(default_factory=dict)  # kind -> sample code
    prefix: str = ""


def _row(sample_id: int, sample_code: str, point: tuple[int, str, str, str], system_id: int,
         system_name: str, at: dt.datetime, code: str, text: str, state: str,
         now: dt.datetime) -> dict:
    name, unit, lo, hi, absence = PARAMS[code]
    if absence:
        value, ok = None, text == "Ausente"
    else:
        value = Decimal(text.replace(",", "."))
        ok = (lo is None or value >= Decimal(str(lo))) and (hi is None or value <= Decimal(str(hi)))
    pid, pkind, pcode, pname = point
    published = state == "publicado" or state == "cancelado"
    return dict(sample_id=sample_id, sample_code=sample_code, parameter_id=7000 + list(PARAMS).index(code),
                parameter_code=code, parameter_name=name, point_id=pid, point_kind=pkind,
                point_code=pcode, point_name=pname, system_id=system_id, system_name=system_name,
                collected_at=at, collected_on=(at - dt.timedelta(hours=3)).date(),
                is_recoleta=False, value=value, value_text=text, qualifier="", unit=unit,
                analysed_at=at + dt.timedelta(hours=4), verdict="conforme" if ok else "nao_conforme",
                standard=STANDARD[code], state=state,
                validated_at=at + dt.timedelta(hours=8) if state != "registrado" else None,
                published_at=at + dt.timedelta(days=1) if published else None,
                created_at=now, updated_at=now)


def build(session, *, months: int = 12, samples_per_month: int = 2, prefix: str | None = None,
          today: dt.date | None = None, consumers: bool = True) -> World:
    """Create the world in `session` and flush (the caller commits or rolls back)."""
    from lims.models.registry import CollectionPoint, SupplySystem
    from lims.models.results import Result
    from lims.seed import seed_reference

    seed_reference()  # the catalogue: the one source of the limits the portal shows
    rnd = random.Random(888)
    prefix = prefix or f"T{next(_seq)}{rnd.randint(100, 999)}"
    today = today or dt.date.today()
    now = dt.datetime.now(dt.UTC)
    w = World(prefix=prefix)
    pts: dict[int, list[tuple[int, str, str, str]]] = {}
    for sys in SYSTEMS:
        hoods = [h for sec in SECTORS if sec.system_code == sys.code for h in sec.neighbourhoods]
        s = SupplySystem(code=f"{prefix}-{sys.code}", name=sys.name, kind="SAA",
                         population_served=sys.population, source_type=sys.source_type,
                         treatment_type=sys.treatment_type, neighbourhoods=hoods,
                         latitude=sys.lat, longitude=sys.lon)
        session.add(s)
        session.flush()
        w.systems[sys.code] = s.id
        plist = [("saida_tratamento", f"Saída da {'ETA Centro' if sys.code == 'SAA-SEDE' else 'casa de quimica'}",
                  None, sys.lat + 0.004, sys.lon - 0.004)]
        for sec in SECTORS:
            if sec.system_code != sys.code:
                continue
            plist.append(("reservatorio", f"Reservatório {sec.name.replace('Setor ', '')}",
                          sec.neighbourhoods[0], sec.lat + 0.002, sec.lon + 0.002))
            plist.append(("rede", f"Rede {sec.neighbourhoods[0]} - {sec.streets[0]}",
                          sec.neighbourhoods[0], sec.lat - 0.002, sec.lon - 0.001))
        pts[s.id] = []
        for n, (kind, name, hood, lat, lon) in enumerate(plist, start=1):
            code = f"{prefix}-{sys.code}-P{n:02d}"
            p = CollectionPoint(code=code, name=name, system_id=s.id, kind=kind,
                                address=f"{name}, {hood}" if hood else None, neighbourhood=hood,
                                latitude=lat, longitude=lon)
            session.add(p)
            session.flush()
            w.points[code] = p.id
            pts[s.id].append((p.id, kind, code, name))
    rows = []
    sample_id = 800_000_000 + rnd.randint(0, 9_000_000)
    first = today.replace(day=1)
    for s_code, sid in w.systems.items():
        sname = next(x.name for x in SYSTEMS if x.code == s_code)
        for k in range(months):
            y, m = divmod(first.year * 12 + first.month - 1 - k, 12)
            m += 1
            for point in pts[sid]:
                for j in range(samples_per_month):
                    day = min(3 + j * 9, 28)
                    at = dt.datetime(y, m, day, 14, 0, tzinfo=dt.UTC)
                    if at.date() >= today:
                        continue
                    sample_id += 1
                    scode = f"{prefix}-{sample_id % 1_000_000:06d}"
                    positive = (s_code == "SAA-SEDE" and k == 2 and point[2].endswith("P03") and j == 0)
                    for code in PARAMS:
                        if code == "turbidez":
                            text = f"{rnd.uniform(0.1, 0.5 if point[1] == 'saida_tratamento' else 1.6):.2f}"
                        elif code == "cor_aparente":
                            text = f"{rnd.uniform(2, 9):.1f}"
                        elif code == "cloro_residual_livre":
                            text = f"{rnd.uniform(0.5, 1.8):.2f}"
                        elif code == "fluoreto":
                            text = f"{rnd.uniform(0.6, 0.85):.2f}"
                        else:
                            text = "Presente" if positive and code == "coliformes_totais" else "Ausente"
                        rows.append(_row(sample_id, scode, point, sid, sname, at, code,
                                         text.replace(".", ","), "publicado", now))
    # what must never appear: latest samples at the first network point of the Sede system
    sede = w.systems["SAA-SEDE"]
    rede = next(p for p in pts[sede] if p[1] == "rede")
    at = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(13, 0), dt.UTC)
    for kind, text, state in (("nao_publicado", SECRET_UNPUBLISHED, "validado"),
                              ("cancelado", SECRET_CANCELLED, "cancelado"),
                              ("registrado", SECRET_ENTERED, "registrado")):
        sample_id += 1
        scode = f"{prefix}-SEG-{kind[:3].upper()}"
        w.secret_samples[kind] = scode
        rows.append(_row(sample_id, scode, rede, sede, "Sistema Sede (Rio Verde)", at,
                         "turbidez", text, state, now))
    session.execute(insert(Result), rows)
    session.flush()
    if consumers:
        w.matricula = _connections(session, w, prefix)
    return w


def _connections(session, w: World, prefix: str) -> str:
    from commercial.models import BillingGroup
    from commercial.services import registry

    group = BillingGroup(number=500 + next(_seq) % 400, name=f"Grupo portal {prefix}",
                         reading_day=18, processing_day=20, due_day=5)
    session.add(group)
    session.flush()
    first = None
    for sec in SECTORS:
        for i, street in enumerate(sec.streets[:2]):
            consumer = registry.save_consumer({"name": f"Morador {i} {sec.code}", "phones": [],
                                               "channels": [], "consent": False})
            conn = registry.save_connection({
                "consumer_id": consumer.id, "street": street, "house_number": str(10 + i),
                "neighbourhood": sec.neighbourhoods[0], "city": "Vale Verde",
                "sector_code": sec.code, "segment_code": f"{sec.code}-T01",
                "system_id": w.systems[sec.system_code], "residencial": 1,
                "billing_group_id": group.id, "meter_number": f"PT{next(_seq):08d}",
                "has_sewer": True, "latitude": sec.lat + 0.001 * i, "longitude": sec.lon})
            first = first or conn.matricula
    return first
