"""A closed, published LIMS month made through the LIMS's own services (results entered,
validated by another person, published, month closed): what the invoice quality block reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from lims.domain.vmp import Limit
from lims.services import closing, validation
from lims.services import results as rs

PARAMS = (
    (rs.ParameterRef(2001, "turbidez", "Turbidez", "uT", Limit(maximum=D("5.0")),
                     plausible_low=D("0"), plausible_high=D("1000")), "0,8"),
    (rs.ParameterRef(2002, "cor_aparente", "Cor aparente", "uH", Limit(maximum=D("15")),
                     plausible_low=D("0"), plausible_high=D("500")), "5"),
    (rs.ParameterRef(2003, "cloro_residual_livre", "Cloro residual livre", "mg/L",
                     Limit(minimum=D("0.2"), maximum=D("5.0")), ld=D("0.05"),
                     plausible_low=D("0"), plausible_high=D("10")), "0,9"),
    (rs.ParameterRef(2004, "fluoreto", "Fluoreto", "mg/L", Limit(maximum=D("1.5")),
                     plausible_low=D("0"), plausible_high=D("10")), "0,7"),
    (rs.ParameterRef(2005, "coliformes_totais", "Coliformes totais", "", Limit(absence=True)),
     "Ausente"),
    (rs.ParameterRef(2006, "escherichia_coli", "Escherichia coli", "", Limit(absence=True)),
     "Ausente"),
)

_seq = iter(range(600_000, 699_999))


def close_lims_month(system_id: int, year: int, month: int, analyst_id: int, supervisor_id: int,
                     days: int = 10, turbid_day: int | None = None) -> None:
    """`days` network samples with the six basic parameters, one turbidity above the limit
    (6,2 uT) on `turbid_day` if given; validated, published and the month closed.

    (A coliform positive would make the LIMS schedule a recoleta, which needs real samples
    and points; these samples exist only as references, so the non-conformity is turbidity.)"""
    ids = []
    for day in range(1, days + 1):
        sid = next(_seq)
        s = rs.SampleRef(id=sid, code=f"AM-{sid}", point_id=800 + day % 4,
                         point_code=f"R{day % 4}", point_name=f"Rede ponto {day % 4}",
                         point_kind="rede", system_id=system_id, system_name="Sistema Sede (Rio Verde)",
                         collected_at=dt.datetime(year, month, day, 12, tzinfo=dt.UTC))
        for p, text in PARAMS:
            if turbid_day == day and p.code == "turbidez":
                text = "6,2"
            r = rs.enter_result(s, p, text, analysed_at=s.collected_at + dt.timedelta(hours=3),
                                analyst_id=analyst_id, entered_by_id=analyst_id)
            ids.append(r.id)
    validation.validate(ids, supervisor_id)
    validation.publish_results(supervisor_id=supervisor_id, system_id=system_id)
    closing.close_month(system_id, year, month, user_id=supervisor_id)
