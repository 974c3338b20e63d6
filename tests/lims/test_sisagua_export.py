"""SISAGUA exports (issue 19): each form against its layout (columns, domains, encoding) from
a closed month, the validation report with deliberate gaps, the comparison with the previous
period, the page and the download."""

from __future__ import annotations

import csv
import io

from core.auth import Profile
from lims.domain import sisagua_forms as forms
from lims.services import closing, sisagua_export, validation
from tests.lims.test_closed_month import M, Y, collected, field, lab, people, w  # noqa: F401
from tests.lims.test_closed_month_e2e import _enter_month

SEMESTER = 1 if M <= 6 else 2


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM, CRLF, ';'
    text = data.decode("utf-8")[1:]
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _closed(w, people):  # noqa: F811
    sysid = w["system"].id
    _enter_month(w, people)
    extra = [lab(w, "SAI", 5, people["analista"], "arsenio", "0,004").id,
             lab(w, "R3", 6, people["analista"], "trihalometanos_total", "0,05").id]
    validation.validate(extra, people["supervisor"].id)
    closing.close_month(sysid, Y, M, user_id=people["gestor"].id, username="gestor")
    w["system"].sisagua_code = "S350520000003"
    return sysid


def _export(code, sysid):
    return sisagua_export.export(code, sysid, Y, SEMESTER if code == "semestral" else M)


def test_every_form_of_a_closed_month_in_its_layout(w, people, db):  # noqa: F811
    sysid = _closed(w, people)
    for code, layout in forms.LAYOUTS.items():
        e = _export(code, sysid)
        assert e.ok, (code, e.issues)
        table = _read(forms.to_csv(e.layout, e.rows))
        assert table[0] == layout.head and len(table) == len(e.rows) + 1
        for row in table[1:]:
            assert len(row) == len(layout.head)
            for col, v in zip(layout.columns, row, strict=True):
                assert not col.domain or not v or v in col.domain, (code, col.name, v)
    mensal = _export("mensal", sysid).rows
    assert [str(Y), str(M), "S350520000003", w["system"].name,
            "SISTEMA DE DISTRIBUIÇÃO", "Cloro Residual Livre (mg/L)",
            "Número de amostras analisadas", "6"] in mensal
    bad = _export("fora_do_padrao", sysid).rows
    coli = next(r for r in bad if r[6] == "Coliformes totais")
    assert coli[5] == "SISTEMA DE DISTRIBUIÇÃO" and coli[7] == "Presente"
    assert coli[13].startswith("recoleta no mesmo ponto em ")  # the action taken
    assert coli[11] == "-22,94" and coli[12] == "-47,06"  # decimal comma
    half = _export("semestral", sysid).rows
    assert {(r[6], r[7], r[8], r[11]) for r in half} == {
        ("SAÍDA DO TRATAMENTO", "Substâncias Inorgânicas", "Arsênio", "0,004"),
        ("CONSUMO", "Produtos Secundários da Desinfecção", "Trihalometanos total", "0,05")}
    assert all(r[1] == str(SEMESTER) for r in half)
    assert _export("cadastro", sysid).rows == [[
        "S350520000003", w["system"].name, "SAA", "12000", "SUBTERRANEO", "1", "SEM FILTRAÇÃO",
        "CLORO GÁS OU HIPOCLORITO"]]
    # the previous month is empty: every row is new
    e = _export("fora_do_padrao", sysid)
    assert {c.kind for c in e.changes} == {"nova"} and len(e.changes) == len(e.rows)


def test_validation_report_finds_the_gaps(w, people, db):  # noqa: F811
    sysid = _closed(w, people)
    w["system"].sisagua_code = None  # not registered in SISAGUA
    e = _export("cadastro", sysid)
    assert [(i.row, i.column, i.message) for i in e.issues] == [
        (1, "Código forma de abastecimento", "campo obrigatório vazio")]
    layout = forms.LAYOUTS["semestral"]
    rows = [["2026", "3", "S350520000003", "Sis", "31/12/2026", "2026-12-31", "REDE",
             "Agrotóxicos", "Glifosato", "0.1", "", "ND"],
            ["2026", "2", "S35052", "Sis", "01/12/2026", "02/12/2026", "CONSUMO", "Agrotóxicos",
             "", "", "", "MENOR_LQ"],
            ["2026", "2"]]
    got = {(i.row, i.column) for i in forms.validate(layout, rows)}
    assert got == {(1, "Semestre"), (1, "Data da análise"), (1, "Ponto"), (1, "Ld"),
                   (1, "Resultado"), (2, "Código forma de abastecimento"), (2, "Parâmetro"),
                   (3, "")}
    assert forms.validate(layout, [])[0].message == "nenhuma linha para enviar neste período"


def test_comparison_with_the_previous_period():
    layout = forms.LAYOUTS["mensal"]
    row = ["2026", "10", "S350520000003", "Sis", "SAÍDA DO TRATAMENTO", "Turbidez (uT)",
           "Percentil 95", "0,4"]
    now = [["2026", "11", *row[2:7], "0,6"],
           ["2026", "11", *row[2:6], "Número de amostras analisadas", "30"]]
    changes = forms.compare(layout, [row], now)
    assert [(c.kind, c.column, c.before, c.after) for c in changes] == [
        ("nova", "", "", ""), ("alterada", "Valor", "0,4", "0,6")]


def test_sisagua_page_and_download(client, w, people, login_as):  # noqa: F811
    sysid = _closed(w, people)
    login_as(Profile.MANAGER)
    html = client.get(f"/lims/sisagua?sistema={sysid}&ano={Y}&mes={M}").get_data(as_text=True)
    for layout in forms.LAYOUTS.values():
        assert layout.title in html
    assert "sem pendências" in html and "diferença(s) em relação ao período anterior" in html
    r = client.get(f"/lims/sisagua/fora_do_padrao.csv?sistema={sysid}&ano={Y}&mes={M}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert _read(r.data)[0] == forms.LAYOUTS["fora_do_padrao"].head
    assert client.get(f"/lims/sisagua/inventado.csv?sistema={sysid}").status_code == 400
