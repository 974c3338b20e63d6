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


def test_home_cards_count_results_awaiting_publication_in_the_one_statement(client, db, make_user):
    """The publisher's card counts the validated results not yet published; it is read with
    the sample cards (one statement), and a user who may not publish does not get it."""
    import datetime as dt2

    from lims.services import results as rs
    from lims.services import validation
    from lims.views.samples import dashboard_widgets
    from tests.lims.test_results import CL, sample
    from tests.test_statement_budget import counting

    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    refs = [sample(day=d) for d in (2, 3)]
    for ref in refs:
        r = rs.enter_result(ref, CL, "1,0", analysed_at=ref.collected_at + dt2.timedelta(hours=1),
                            analyst_id=analyst.id, entered_by_id=analyst.id)
        validation.validate([r.id], sup.id)
    db.commit()
    want = validation.awaiting_publication_count()
    assert want >= 2
    with client.application.test_request_context(), counting() as seen:
        cards = {c["title"]: c["value"] for c in dashboard_widgets(sup)}
    assert sup.can("lims.results.publish") and cards["Aguardando publicação"] == want
    assert len(seen) == 1
    with client.application.test_request_context():
        plain = {c["title"] for c in dashboard_widgets(analyst)}
    assert not analyst.can("lims.results.publish")
    assert "Aguardando publicação" not in plain and "Coletas de hoje" in plain
