"""SISAGUA exports of the DEMO's last closed month (issue 19 "Done means"): every form against
its layout (columns, domains, encoding), the action taken read from the recoleta, the incident
and its work order, the infrastructure/operational counts from incidents, work orders and ETA
stoppages, the annual summary against the monthly form; and the validation report of forms
with deliberate gaps."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from lims.domain import sisagua_forms as forms
from lims.models.results import Result
from lims.services import sisagua_export, sisagua_operations
from lims.services.registry import system_by_code

BOM = "\ufeff".encode()
# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db


@pytest.fixture()
def demo(db):
    from core.outbox import drain
    from saae.wiring import SUBSCRIPTIONS

    today = dt.date.today()
    for _ in range(20):  # the worker's part: the lab's events open their incidents
        if not drain(SUBSCRIPTIONS):
            break
    db.commit()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return system_by_code("SAA-SEDE"), last.year, last.month


def _period(code: str, month: int) -> int:
    return (1 if month <= 6 else 2) if code == "semestral" else month


def _file(layout: forms.Layout, rows: list[list[str]]) -> list[list[str]]:
    """The download as SISAGUA reads it: UTF-8 with BOM, ';', CRLF, the layout's head."""
    data = forms.to_csv(layout, rows)
    assert data.startswith(BOM)
    text = data.decode("utf-8")[1:]  # strict: every accent is UTF-8
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0] == layout.head
    return table[1:]


def _against_layout(code: str, layout: forms.Layout, table: list[list[str]]) -> None:
    for row in table:
        assert len(row) == len(layout.columns), (code, row)
        for col, v in zip(layout.columns, row, strict=True):
            assert v or not col.required, (code, col.name, row)
            assert not v or not col.domain or v in col.domain, (code, col.name, v)
            assert not v or col.pattern is None or col.pattern.match(v), (code, col.name, v)


def _rows(e, **match: str) -> list[list[str]]:
    idx = {c: i for i, c in enumerate(e.layout.head)}
    return [r for r in e.rows if all(r[idx[k]] == v for k, v in match.items())]


def _value(e, field: str, **match: str) -> str:
    found = _rows(e, **match)
    assert len(found) == 1, (match, found)
    return found[0][e.layout.head.index(field)]


def test_every_form_of_the_demos_last_closed_month(demo, db):
    from incidents.services import workorders as wo_svc

    s, y, m = demo
    exports = {}
    for code, layout in sisagua_export.layouts().items():
        e = sisagua_export.export(code, s.id, y, _period(code, m))
        assert e.ok, (code, e.issues[:5])
        assert e.rows, code
        _against_layout(code, layout, _file(layout, e.rows))
        exports[code] = e
    assert set(exports) == {"mensal", "fora_do_padrao", "semestral", "cadastro", "operacional",
                            "anual"}
    # monthly: the demo's one network positive, counts the closing counted, plain decimals
    mensal = exports["mensal"]
    net = {"Ponto de monitoramento": "SISTEMA DE DISTRIBUIÇÃO", "Parâmetro": "Coliformes totais"}
    analysed = db.scalar(select(func.count()).select_from(Result).where(
        Result.system_id == s.id, Result.parameter_code == "coliformes_totais",
        Result.point_kind.in_(("rede", "ponta_de_rede", "torneira", "reservatorio")),
        Result.is_recoleta.is_(False), Result.collected_on >= dt.date(y, m, 1),
        Result.collected_on < dt.date(y + (m == 12), m % 12 + 1, 1)))
    assert _value(mensal, "Valor", Campo="Número de amostras analisadas", **net) == str(analysed)
    assert _value(mensal, "Valor", Campo="Número de amostras com presença", **net) == "1"
    assert all(re.fullmatch(r"\d+(,\d*[1-9])?", r[-1]) for r in mensal.rows)
    # out of standard: the action taken from the recoleta and the incident with its work order
    (bad,) = exports["fora_do_padrao"].rows
    action = bad[-1]
    assert bad[6:8] == ["Coliformes totais", "Presente"]
    assert action.startswith("recoleta no mesmo ponto em ") and "; incidente " in action
    order = re.search(r"(OS\d+) Coleta e descarga por qualidade da água \(programado\)", action)
    assert order, action
    (wo,) = [w for w in wo_svc.orders() if w.number == order.group(1)]
    wo_svc.transition(wo.id, "encerrado_executado", "descarga feita",
                      answers={"cloro_residual": "0,8", "descarga": "sim"})
    action = sisagua_export.export("fora_do_padrao", s.id, y, m).rows[0][-1]
    assert f"{wo.number} Coleta e descarga por qualidade da água (encerrado - executado)" in action
    # infrastructure / operational: the demo's repair, leak and complaint of that month
    op = exports["operacional"]
    whole = {"Área": "TODO O SISTEMA"}
    assert {r[5]: r[6] for r in _rows(op, **whole)} == {
        "Número de reparos na rede": "1", "Número de eventos de intermitência": "1",
        "Número de reclamações de falta de água": "0", "Número de reclamações de cor": "1",
        "Número de reclamações de gosto/odor": "0"}
    assert _value(op, "Valor", Área="Setor Centro", Campo="Número de reparos na rede") == "1"
    assert {c.kind for c in op.changes} == {"alterada", "nova"}  # the month before had none
    # half-yearly: the plant outlet's "demais parâmetros" of the semester
    half = exports["semestral"]
    assert {r[6] for r in half.rows} == {"SAÍDA DO TRATAMENTO"}
    assert {"Substâncias Inorgânicas", "Substâncias Orgânicas", "Agrotóxicos"} <= {
        r[7] for r in half.rows}
    # annual (January to the closed month; the demo has no earlier month): the monthly counts
    anual = exports["anual"]
    assert _value(anual, "Número de amostras analisadas", Ponto="SISTEMA DE DISTRIBUIÇÃO",
                  Parâmetro="Coliformes totais") == str(analysed)
    assert _value(anual, "Número de amostras fora do padrão", Ponto="SISTEMA DE DISTRIBUIÇÃO",
                  Parâmetro="Coliformes totais") == "1"
    assert exports["cadastro"].rows[0][:3] == ["S359999000001", s.name, "SAA"]
    # a system not registered in SISAGUA: every form's report names the missing code
    s.sisagua_code = None
    db.flush()
    for code in sisagua_export.layouts():
        e = sisagua_export.export(code, s.id, y, _period(code, m))
        assert {(i.column, i.message) for i in e.issues} == {
            ("Código forma de abastecimento", "campo obrigatório vazio")}, code


def test_validation_report_of_the_data_layouts_finds_the_gaps():
    op, an = sisagua_operations.layouts()["operacional"], sisagua_operations.layouts()["anual"]
    rows = [["2026", "13", "S359999000001", "Sede", "", "Número de reparos na rede", "1,5"],
            ["2026", "11", "S35999", "Sede", "TODO O SISTEMA", "Número de vazamentos", "2"],
            ["2026", "11", "S359999000001", "Sede", "Setor Centro", "Número de reclamações de cor",
             ""]]
    assert {(i.row, i.column) for i in forms.validate(op, rows)} == {
        (1, "Mês"), (1, "Área"), (1, "Valor"), (2, "Código forma de abastecimento"),
        (2, "Campo"), (3, "Valor")}
    rows = [["2026", "11", "S359999000001", "Sede", "REDE", "Microbiológicos",
             "Coliformes totais", "48", "um", "0"],
            ["26", "0", "S359999000001", "Sede", "CAPTAÇÃO", "Metais", "", "1", "0", "0"],
            ["2026", "11"]]
    assert {(i.row, i.column) for i in forms.validate(an, rows)} == {
        (1, "Ponto"), (1, "Número de amostras fora do padrão"), (2, "Ano"), (2, "Até o mês"),
        (2, "Grupo"), (2, "Parâmetro"), (3, "")}
    mensal = forms.LAYOUTS["mensal"]
    rows = [["2026", "11", "", "Sede", "PONTO DE CONSUMO", "Turbidez (uT)", "Percentil 95", "0.4"]]
    assert {(i.column, i.message.split(":")[0].split(" (")[0]) for i in
            forms.validate(mensal, rows)} == {
        ("Código forma de abastecimento", "campo obrigatório vazio"),
        ("Ponto de monitoramento", "valor fora do domínio"), ("Valor", "formato inválido")}


def test_the_data_layouts_stay_data():
    """The UNVERIFIED layouts come from lims/data/sisagua_layouts.toml, not from the code."""
    spec = sisagua_operations.spec()
    assert "UNVERIFIED" in spec["operacional"]["source"] and "UNVERIFIED" in spec["anual"]["source"]
    op = sisagua_operations.layouts()["operacional"]
    assert op.head == spec["operacional"]["columns"]
    assert op.columns[op.head.index("Campo")].domain == tuple(
        f["label"] for f in spec["operacional"]["fields"])
    # section 7 of the reference file names these five counts
    assert [f["code"] for f in spec["operacional"]["fields"]] == [
        "reparos", "intermitencia", "falta_agua", "cor", "gosto_odor"]
