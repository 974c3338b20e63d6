"""Monthly and annual (Decreto 5.440) reports as pages and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core import fmt

ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"


def _prev():
    t = dt.date.today()
    p = t.replace(day=1) - dt.timedelta(days=1)
    return p.year, p.month


def test_monthly_report_page_and_pdf(client, world, org):
    sede = world.systems["SAA-SEDE"]
    y, m = _prev()
    html = client.get(f"/portal/relatorios/{sede}/{y}/{m}").get_data(as_text=True)
    assert "Art. 5º I c" in html and "Turbidez" in html and "Dentro do padrão" in html
    resp = client.get(f"/portal/relatorios/{sede}/{y}/{m}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF") and len(resp.data) > 2000
    ART.mkdir(parents=True, exist_ok=True)
    (ART / "relatorio-mensal.pdf").write_bytes(resp.data)


def test_annual_report_has_the_decree_items(client, world, org):
    y = dt.date.today().year
    html = client.get(f"/portal/relatorios/anual/{y}").get_data(as_text=True)
    for text in ("Art. 6º", "Art. 31", org.name, org.legal_representative, org.customer_service,
                 org.surveillance_body, "Manancial", "Sistema Boa Vista (poços)", "Meses conformes"):
        assert text in html, text
    resp = client.get(f"/portal/relatorios/anual/{y}.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    (ART / "relatorio-anual.pdf").write_bytes(resp.data)


def test_month_with_positive_coliform_is_not_conforming(client, world):
    """The world has one total-coliform positive in the Sede network two months ago."""
    from portal_publico import services

    t = dt.date.today()
    y, m = fmt.month_add(t.year, t.month, -2)
    q = services.summary(world.systems["SAA-SEDE"], y, m)
    ct = next(p for p in q.parameters if p.parameter_code == "coliformes_totais")
    assert ct.analysed - ct.conforming == 1
    html = client.get(f"/portal/relatorios/{world.systems['SAA-SEDE']}/{y}/{m}").get_data(as_text=True)
    assert "Coliformes totais" in html


def test_bad_months_are_404(client, world):
    sede = world.systems["SAA-SEDE"]
    assert client.get(f"/portal/relatorios/{sede}/2026/13").status_code == 404
    assert client.get("/portal/relatorios/anual/1999").status_code == 404
