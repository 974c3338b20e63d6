"""PDFs of the public reports (reportlab): the monthly summary of one system and the
Decreto 5.440/2005 annual report to consumers."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import fmt
from portal_publico import services as sv
from render.pdf.text import esc

# Decreto 5.440/2005, Anexo, Art. 5 II a: transcription of Lei 8.078/1990 (CDC) arts. 6 III, 31.
CDC_TEXT = (
    ("Art. 6º São direitos básicos do consumidor: (...) III - a informação adequada e clara "
     "sobre os diferentes produtos e serviços, com especificação correta de quantidade, "
     "características, composição, qualidade, tributos incidentes e preço, bem como sobre os "
     "riscos que apresentem;"),
    ("Art. 31. A oferta e apresentação de produtos ou serviços devem assegurar informações "
     "corretas, claras, precisas, ostensivas e em língua portuguesa sobre suas características, "
     "qualidades, quantidade, composição, preço, garantia, prazos de validade e origem, entre "
     "outros dados, bem como sobre os riscos que apresentam à saúde e segurança dos "
     "consumidores."),
)
MS_RULE = ("O responsável pelo abastecimento cumpre o padrão de potabilidade do Ministério da "
           "Saúde (Portaria GM/MS nº 888/2021, consolidada na Portaria de Consolidação nº 5/2017) "
           "e o Decreto nº 5.440/2005, que garante ao consumidor a informação sobre a qualidade "
           "da água.")

TONES = {"conforme": "#d8eedd", "nao_conforme": "#f7d9d7", "indeterminado": "#fff0c2",
         "sem_dados": "#eef1f4"}


class _Doc:
    def __init__(self, title: str) -> None:
        self.buf = io.BytesIO()
        self.title = title
        self.doc = SimpleDocTemplate(self.buf, pagesize=A4, leftMargin=15 * mm,
                                     rightMargin=15 * mm, topMargin=15 * mm,
                                     bottomMargin=15 * mm, title=title, lang="pt-BR")
        ss = getSampleStyleSheet()
        self.h1, self.h2, self.p = ss["Title"], ss["Heading2"], ss["BodyText"]
        self.small = self.p.clone("small", fontSize=8, leading=10)
        self.cell = self.p.clone("cell", fontSize=8, leading=10)
        self.hcell = self.cell.clone("hcell", fontName="Helvetica-Bold", textColor=colors.white)
        self.story: list[Any] = [Paragraph(esc(title), self.h1)]

    def para(self, text: str, style: Any = None) -> None:
        self.story.append(Paragraph(text, style or self.p))

    def table(self, head: list[str], body: list[list[str]], widths: list[float],
              tones: list[str | None] | None = None, tone_col: int = -1) -> None:
        data = [[Paragraph(esc(h), self.hcell) for h in head]]
        data += [[Paragraph(esc(c), self.cell) for c in row] for row in body]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b4f8a")),
                 ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa3ad")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for i, tone in enumerate(tones or [], start=1):
            if tone:
                style.append(("BACKGROUND", (tone_col, i), (tone_col, i), colors.HexColor(tone)))
        t.setStyle(TableStyle(style))
        self.story += [Spacer(1, 2 * mm), t, Spacer(1, 4 * mm)]

    def build(self, footer: str) -> bytes:
        def page(canvas: Any, _doc: Any) -> None:
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            canvas.drawString(15 * mm, 8 * mm, footer[:150])
            canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"página {canvas.getPageNumber()}")
            canvas.restoreState()

        self.doc.build(self.story, onFirstPage=page, onLaterPages=page)
        return self.buf.getvalue()


def _verdict(v: str) -> str:
    # words, not glyphs: the PDF base fonts have no check marks, and colour is only a hint
    return sv.VERDICTS.get(v, (v, "", ""))[0]


def monthly(s: Any, year: int, month: int, q: Any) -> bytes:
    d = _Doc(f"Qualidade da água - {s.name}")
    d.para(f"Resumo mensal de <b>{fmt.month_name(year, month)}</b> (Decreto 5.440/2005, "
           f"Art. 5º I c). " + ("Mês fechado pelo laboratório." if q and q.closed
                                else "Mês ainda em apuração: os números podem mudar."))
    lim = sv.limits()
    if q is None or not q.parameters:
        d.para("Sem dados publicados para este mês.")
    else:
        body, tones = [], []
        for p in q.parameters:
            body.append([f"{p.parameter_name}" + (f" ({p.unit})" if p.unit else ""),
                         lim[p.parameter_code].text if p.parameter_code in lim else p.standard,
                         str(p.required), str(p.analysed), str(p.conforming), fmt.number(p.mean, 2, empty="-"),
                         _verdict(p.verdict)])
            tones.append(TONES.get(p.verdict))
        d.table(["Parâmetro", "Padrão", "Exigidas", "Analisadas", "Dentro do padrão", "Média",
                 "Resultado do mês"], body, [34, 34, 18, 20, 22, 16, 36], tones, 6)
        d.para("O que significa cada parâmetro", d.h2)
        for p in q.parameters:
            if p.parameter_code in sv.EXPLAIN:
                d.para(f"<b>{esc(p.parameter_name)}</b>: {esc(sv.EXPLAIN[p.parameter_code])}",
                       d.small)
        d.para("Regra aplicada em cada parâmetro", d.h2)
        for p in q.parameters:
            d.para(f"<b>{esc(p.parameter_name)}</b>: {esc(p.rule)}", d.small)
    if q is not None:
        if q.counting_rule:
            d.para(esc(q.counting_rule), d.small)
        d.para(esc(q.more_info), d.small)
    return d.build(f"{s.name} - {fmt.month_name(year, month)} - somente dados publicados")


def annual(year: int, data: list[Any], org: Any) -> bytes:
    d = _Doc(f"Relatório anual da qualidade da água - {year}")
    d.para(esc(MS_RULE))
    d.para("Quem somos", d.h2)
    if org is not None:
        for label, value in (("Razão social", org.name), ("CNPJ", org.cnpj),
                             ("Endereço", org.address), ("Telefone", org.phone),
                             ("Representante legal", org.legal_representative),
                             ("Atendimento ao consumidor", org.customer_service),
                             ("Vigilância em saúde (órgão fiscalizador)", org.surveillance_body),
                             ("Onde ver mais dados", org.website)):
            if value:
                d.para(f"<b>{label}:</b> {esc(value)}")
    else:
        d.para("Dados da empresa não cadastrados.")
    d.para("Código de Defesa do Consumidor (Lei 8.078/1990)", d.h2)
    for text in CDC_TEXT:
        d.para(esc(text), d.small)
    for a in data:
        s = a.system
        d.para(f"{esc(s.name)}", d.h2)
        d.para(f"<b>Manancial:</b> {esc(sv.SOURCE_TYPES.get(s.source_type, s.source_type))}. "
               f"<b>Tratamento:</b> {esc(sv.TREATMENT_TYPES.get(s.treatment_type, s.treatment_type))}. "
               f"<b>População abastecida:</b> {fmt.integer(s.population_served)}"
               + (f". <b>Bairros:</b> {esc(', '.join(s.neighbourhoods))}" if s.neighbourhoods else ""))
        if not a.rows:
            d.para("Sem dados publicados neste ano.")
            continue
        body = [[f"{r.parameter_name}" + (f" ({r.unit})" if r.unit else ""), str(r.required),
                 str(r.analysed), str(r.conforming), fmt.number(r.mean, 2, empty="-"),
                 f"{r.months_ok} de {r.months_with_data}", str(r.months_bad)] for r in a.rows]
        tones = ["#f7d9d7" if r.months_bad else "#d8eedd" if r.months_ok else None for r in a.rows]
        d.table(["Parâmetro", "Exigidas", "Analisadas", "Dentro do padrão", "Média",
                 "Meses conformes", "Meses fora do padrão"], body, [40, 20, 22, 25, 18, 28, 27],
                tones, 6)
    return d.build(f"Relatório anual {year} (Decreto 5.440/2005, Art. 5º II) - dados publicados")
