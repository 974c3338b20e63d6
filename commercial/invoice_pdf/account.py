"""The top of the bill: the utility's header, the customer and connection, the readings with
the consumption history chart."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm

from commercial.pdf import (
    BAD,
    BLUE,
    GREY,
    LIGHT,
    LINE,
    WARN,
    M,
    Pen,
    W,
    date_as_printed,
    fit,
    number_as_printed,
)


def draw_header(pen: Pen, doc: dict[str, Any], y: float, copy: bool) -> None:
    c = pen.c
    u = doc["utility"]
    c.setFillColor(BLUE)
    c.roundRect(M, y, W - 2 * M, 16 * mm, 2 * mm, stroke=0, fill=1)
    pen.text(M + 4 * mm, y + 9.5 * mm, u.get("short_name") or u.get("name", ""), 15, True, colors.white,
             width=95 * mm)
    pen.text(M + 4 * mm, y + 5 * mm, fit(u.get("name", ""), "Helvetica", 7, 95 * mm), 7, False,
             colors.white)
    line2 = " · ".join(p for p in (f"CNPJ {u['cnpj']}" if u.get("cnpj") else "",
                                   u.get("phone") or "", u.get("website") or "") if p)
    pen.text(M + 4 * mm, y + 1.8 * mm, line2, 6.5, False, colors.white, width=100 * mm)
    pen.text(W - M - 4 * mm, y + 10 * mm, "FATURA DE ÁGUA E ESGOTO", 11, True, colors.white, "right")
    pen.text(W - M - 4 * mm, y + 5.5 * mm, f"Referência {doc['reference']}  ·  Nº {doc['number']}",
             8, False, colors.white, "right")
    pen.text(W - M - 4 * mm, y + 1.8 * mm, f"Emissão {date_as_printed(doc['issue_date'])}", 7, False,
             colors.white, "right")
    if copy:
        pen.text(W - M - 4 * mm, y + 17.5 * mm, "2ª VIA", 9, True, BAD, "right")


def draw_customer(pen: Pen, doc: dict[str, Any], y: float, bw: float) -> None:
    c = pen.c
    cu = doc["customer"]
    cn = doc["connection"]
    pen.box(M, y, bw, 25 * mm, "CLIENTE E LIGAÇÃO")
    col = M + 3 * mm
    pen.label_value(col, y + 14 * mm, "Nome", cu["name"], 110 * mm, 9.5)
    pen.label_value(col, y + 7.5 * mm, "Endereço da ligação",
                    f"{cn['address']} - {cn['neighbourhood']} - {cn['city']}", 118 * mm, 8, False)
    pen.label_value(col, y + 1.5 * mm, "CPF/CNPJ", cu.get("document") or "-", 32 * mm, 8, False)
    cats = ", ".join(f"{x['label']}: {x['economias']}" for x in cn["categories"])
    pen.label_value(col + 36 * mm, y + 1.5 * mm, "Categoria e economias", cats, 60 * mm, 8, False)
    pen.label_value(col + 98 * mm, y + 1.5 * mm, "Situação", cn["situation"], 22 * mm, 8, False)
    rx = M + 128 * mm
    c.setFillColor(LIGHT)
    c.roundRect(rx, y + 12.5 * mm, 59 * mm, 7 * mm, 1.5 * mm, stroke=0, fill=1)
    pen.text(rx + 2 * mm, y + 17.3 * mm, "MATRÍCULA", 6, False, GREY)
    pen.text(rx + 2 * mm, y + 13.6 * mm, cn["matricula"], 11, True, BLUE)
    pen.label_value(rx + 30 * mm, y + 13.6 * mm, "Grupo / rota", f"{cn['group']} / {cn['route']}",
                    28 * mm, 8, False)
    pen.label_value(rx, y + 7.5 * mm, "Hidrômetro",
                    f"{cn['meter']['number'] or 'sem hidrômetro'}"
                    f"{' · ' + cn['meter']['diameter'] if cn['meter'].get('diameter') else ''}"
                    f"{' · telemedido' if cn['meter'].get('telemetered') else ''}", 58 * mm, 8, False)
    pen.label_value(rx, y + 1.5 * mm, "Setor · Sistema de abastecimento",
                    f"{cn.get('sector') or '-'} · "
                    f"{cn.get('system_name') if cn.get('system_name') not in (None, '', '-') else 'não identificado'}",
                    58 * mm, 7.5, False)


def draw_readings(pen: Pen, doc: dict[str, Any], y: float, bw: float) -> None:
    rd = doc["reading"]
    pen.box(M, y, 92 * mm, 31 * mm, "LEITURAS E CONSUMO")
    col = M + 3 * mm
    pen.label_value(col, y + 19 * mm, "Leitura anterior",
                    f"{number_as_printed(rd.get('previous_value'))}  em "
                    f"{date_as_printed(rd.get('previous_date'))}", 42 * mm, 8.5)
    pen.label_value(col + 45 * mm, y + 19 * mm, "Leitura atual",
                    f"{number_as_printed(rd.get('current_value'))}  em "
                    f"{date_as_printed(rd.get('current_date'))}", 42 * mm, 8.5)
    pen.label_value(col, y + 11 * mm, "Consumo faturado", f"{rd['consumption']} m³", 30 * mm, 12)
    pen.label_value(col + 30 * mm, y + 11 * mm, "Dias", str(rd.get("days") or "-"), 12 * mm, 9)
    pen.label_value(col + 45 * mm, y + 11 * mm, "Média 6 meses", f"{rd.get('average', 0)} m³",
                    40 * mm, 9)
    pen.text(col, y + 5 * mm, rd.get("basis", ""), 7, False, GREY, width=86 * mm)
    if rd.get("occurrence"):
        pen.text(col, y + 1.8 * mm, f"Ocorrência: {rd['occurrence']}", 7, False, WARN, width=86 * mm)
    pen.box(M + 95 * mm, y, bw - 95 * mm, 31 * mm, "HISTÓRICO DE CONSUMO (m³)")
    _history_chart(pen, M + 98 * mm, y + 1 * mm, bw - 101 * mm, 24 * mm, doc.get("history") or [])


def _history_chart(pen: Pen, x: float, y: float, w: float, h: float,
                   history: list[dict[str, Any]]) -> None:
    c = pen.c
    if not history:
        pen.text(x + w / 2, y + h / 2, "Sem histórico de consumo", 7, False, GREY, "center")
        return
    top = max(max(int(b["consumption"]) for b in history), 1)
    n = len(history)
    slot = w / n
    bar = min(slot * 0.6, 9 * mm)
    base = y + 4 * mm
    usable = h - 9 * mm
    c.setStrokeColor(LINE)
    c.setLineWidth(0.4)
    c.line(x, base, x + w, base)
    for i, b in enumerate(history):
        v = int(b["consumption"])
        bh = usable * v / top
        bx = x + i * slot + (slot - bar) / 2
        last = i == n - 1
        c.setFillColor(BLUE if last else colors.HexColor("#8fb3d6"))
        if b.get("kind") == "media":
            c.setFillColor(colors.HexColor("#c9c9c9") if not last else GREY)
        c.rect(bx, base, bar, bh, stroke=0, fill=1)
        pen.text(bx + bar / 2, base + bh + 1 * mm, str(v), 6.5, last, colors.black, "center")
        pen.text(bx + bar / 2, y + 0.8 * mm, b["label"], 6, last, GREY, "center")
