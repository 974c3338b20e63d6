"""The staff's sample list and detail (issue 17): 50 rows a page with the pages linked, each row
with its point, system, number of parameters and state; the state counts over every sample
while the total follows the filters; the detail names the people of its history."""

from __future__ import annotations

import datetime as dt
import re

from core.auth import Profile
from lims.domain.samples import SampleState as S
from lims.services import samples
from tests.lims.part1_rows import small_system

DAY = dt.date(2026, 11, 10)


def test_list_pages_of_fifty_with_counts_and_rows(client, db, login_as, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system()
    params = [w["params"][c].id for c in ("coliformes_totais", "escherichia_coli")]
    made = [samples.create_sample(w["points"]["R1"].id, DAY + dt.timedelta(days=i % 3), params,
                                  user_id=sup.id) for i in range(53)]
    samples.cancel_sample(made[0].id, reason="ponto interditado", user_id=sup.id)
    db.commit()
    login_as(Profile.SUPERVISOR)
    html = client.get("/lims/amostras", query_string={"sistema": w["system"].id}).get_data(as_text=True)
    rows = re.findall(r'<tr><td><a href="/lims/amostras/(\d+)">', html)
    assert len(rows) == 50 and "53 amostra(s), página 1 de 2." in html
    assert "próxima" in html and "pagina=2" in html
    first = made[0]
    assert str(first.id) in rows
    row = html[html.index(f'href="/lims/amostras/{first.id}"'):]
    row = row[:row.index("</tr>")]
    point = w["points"]["R1"]
    assert f"{point.code} {point.name}" in row and w["system"].code in row
    assert "<td>2</td>" in row and '<span class="etiqueta falha">Cancelada</span>' in row
    assert "10/11/2026" in row
    # page 2: the three left
    html2 = client.get("/lims/amostras", query_string={"sistema": w["system"].id, "pagina": 2}
                       ).get_data(as_text=True)
    assert len(re.findall(r'<tr><td><a href="/lims/amostras/\d+">', html2)) == 3
    # the total follows the filters; the state links count every sample
    html3 = client.get("/lims/amostras", query_string={"sistema": w["system"].id,
                                                       "estado": S.CANCELLED.value}).get_data(as_text=True)
    assert "1 amostra(s)." in html3
    assert 'href="/lims/amostras?estado=PROGRAMADA">Programada: 52</a>' in html3


def test_detail_names_who_changed_it(client, db, login_as, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system()
    s = samples.create_sample(w["points"]["R1"].id, DAY, [w["params"]["coliformes_totais"].id],
                              user_id=sup.id)
    samples.release_day(DAY, system_id=w["system"].id, user_id=sup.id)
    db.commit()
    login_as(Profile.SUPERVISOR)
    html = client.get(f"/lims/amostras/{s.id}").get_data(as_text=True)
    assert f"<td>{sup.name}</td>" in html and "PROGRAMADA &rarr; AGUARDANDO COLETA" in html
    assert w["system"].name in html and w["points"]["R1"].code in html
