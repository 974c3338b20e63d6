"""Issue 18 follow-up: a microbiological non-conforming result joining an open quality
incident whose advice came from a chemical / operational cause turns the advice into the
boil-water one, and the public notice (portal and the people told) is updated."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from incidents import api as incidents_api
from incidents.models import Incident, Notice
from incidents.services import lab_notices, sources
from lims.events import SampleNonConformant

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _result(result_id: int, code: str, name: str, group: str, value: str) -> SampleNonConformant:
    return SampleNonConformant(
        sample_id=result_id, sample_code=f"AM-{result_id}", result_id=result_id,
        parameter_code=code, parameter_name=name, value=value, unit="", vmp="-",
        point_id=1, point_code="P-ADV-01", point_name="Rede Alto da Serra", system_id=1,
        system_name="Sistema Sede", collected_at=NOW, neighbourhoods=("Alto da Serra",),
        severity="alta" if group == "microbiologico" else "media", parameter_group=group)


def test_micro_result_joining_a_chemical_incident_escalates_the_advice(db, ref, make_consumer):
    make_consumer("Maria Silva", "(19) 99876-5432", neighbourhood="Alto da Serra")
    sources.sample_non_conformant(_result(9101, "cloro_residual_livre", "Cloro residual livre",
                                          "operacional", "0,05"))
    inc = db.scalars(select(Incident).where(Incident.open_key == "P-ADV-01:qualidade")).one()
    assert inc.safety_measures == lab_notices.advice("operacional")
    lab_notices.confirm(inc.id)  # the Supervisor confirms: the notice is public, people told
    db.commit()

    sources.sample_non_conformant(_result(9102, "escherichia_coli", "Escherichia coli",
                                          "microbiologico", "PRESENCA"))
    db.commit()
    db.refresh(inc)
    boil = lab_notices.advice("microbiologico")
    assert "ferva" in boil
    assert inc.safety_measures == boil
    assert inc.severity == "alta"
    # the portal's notice reads the new advice; those told hear the update
    notice = next(n for n in incidents_api.public_notices() if n.id == inc.id)
    assert notice.safety_measures == boil
    update = db.scalars(select(Notice).where(Notice.incident_id == inc.id,
                                             Notice.purpose.like("atualizacao%"))).one()
    assert update.safety_measures == boil and update.recipients == 1
    # a second microbiological result changes nothing more
    sources.sample_non_conformant(_result(9103, "coliformes_totais", "Coliformes totais",
                                          "microbiologico", "PRESENCA"))
    db.commit()
    assert len(db.scalars(select(Notice).where(Notice.incident_id == inc.id,
                                               Notice.purpose.like("atualizacao%"))).all()) == 1
