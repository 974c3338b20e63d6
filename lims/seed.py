"""Reference data of lims (the Portaria 888 catalogue and sampling minimums); the demo data
lives in lims.demo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional
from lims.data import CATALOGUE, as_decimal, reference
from lims.demo.seed import seed_demo
from lims.domain.plan_generator import minimum_rows
from lims.models import catalogue as cat
from lims.services import sensor_lab

# saae.seed calls every area's seed_reference() and seed_demo(today); the demo lives in lims.demo
__all__ = ["catalogue_data", "seed_demo", "seed_reference"]

def catalogue_data() -> dict[str, Any]:
    return reference(CATALOGUE)


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
                method=row.get("method"), ld=as_decimal(row.get("ld")), lq=as_decimal(row.get("lq")),
                vmp_min=as_decimal(row.get("min")), vmp_max=as_decimal(row.get("max")),
                limit_kind=row.get("limit_kind", "vmp"),
                presence_absence=bool(row.get("absence")), applies=row.get("applies", "todos"),
                compare_decimals=row.get("decimals"),
                plausible_min=as_decimal(row.get("plausible_min")),
                plausible_max=as_decimal(row.get("plausible_max")), annex=row.get("annex"),
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
                parameter_code=row["code"], kind=row["kind"], minimum=as_decimal(row.get("min")),
                maximum=as_decimal(row.get("max")), point_kinds=list(row.get("points") or []),
                treatment_types=list(row.get("treatments") or []),
                disinfectants=list(row.get("disinfectants") or []), annex=row.get("annex"),
                source=row["source"], version=version, unverified=bool(row.get("unverified")),
                notes=row.get("notes")))
        have_m = {(m.parameter_code, m.where, m.system_kind, m.source_type, m.pop_min)
                  for m in session.scalars(select(cat.SamplingMinimum))}
        for row in minimum_rows(data):  # with the generator's additions (issue 19)
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
                unverified=bool(row.get("unverified")), notes=row.get("notes"),
                condition=row.get("condition")))
        session.flush()
    sensor_lab.seed_rules()




