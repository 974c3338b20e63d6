"""The payment slip at the foot of the bill: the tear-off line, who pays what and when, the
FEBRABAN typed line and barcode, and the PIX QR code (or the bank's authentication box)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from commercial.pdf import (
    BLUE,
    GREY,
    LINE,
    WARN,
    M,
    Pen,
    W,
    barcode,
    date_as_printed,
    fit,
    money_as_printed,
    qr,
    stringWidth,
)

SLIP_H = 50 * mm


def _draw_tear_line(pen: Pen, slip_top: float) -> None:
    c = pen.c
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.setDash(2, 2)
    c.line(M, slip_top, W - M, slip_top)
    c.setDash()
    pen.text(W - M, slip_top + 1 * mm, "destaque aqui", 6, False, GREY, "right")
    c.text(W - M - stringWidth("destaque aqui", "Helvetica", 6) - 4.5 * mm, slip_top + 0.9 * mm,
           '"', "ZapfDingbats", 7, GREY)  # ✂ (a2 in ZapfDingbats)


def draw_slip(pen: Pen, doc: dict[str, Any], bw: float) -> None:
    c = pen.c
    u, cu, cn = doc["utility"], doc["customer"], doc["connection"]
    pay = doc["payment"]
    sy = M
    sh = SLIP_H
    _draw_tear_line(pen, sy + sh + 4 * mm)
    pen.box(M, sy, bw, sh)
    pen.text(M + 3 * mm, sy + sh - 5.5 * mm, u.get("short_name") or u.get("name", ""), 10, True, BLUE)
    pen.text(M + 3 * mm, sy + sh - 9.5 * mm,
             "Documento de arrecadação · Água e esgoto · Referência " + doc["reference"], 7, False,
             GREY)
    pen.text(M + 3 * mm, sy + sh - 13.5 * mm, fit(f"{cu['name']} · {cn['address']} - "
                                                 f"{cn['neighbourhood']}", "Helvetica", 7,
                                                 125 * mm), 7, False)
    fields = (("Matrícula", cn["matricula"]), ("Nº da fatura", doc["number"]),
              ("Vencimento", date_as_printed(doc["due_date"])),
              ("Total a pagar", money_as_printed(doc["amounts"]["total"])))
    fx = M + 3 * mm
    for label, value in fields:
        pen.label_value(fx, sy + sh - 20 * mm, label, value, 30 * mm, 9.5)
        fx += 32 * mm
    if pay.get("direct_debit"):
        pen.text(M + 3 * mm, sy + sh - 24.3 * mm, "Débito automático: não pague este documento; o "
                 "valor será debitado na data do vencimento.", 7, True, WARN, width=125 * mm)
    pen.text(M + 3 * mm, sy + 19.6 * mm, pay["typed_line_fmt"], 10.5, True)
    barcode(c, pay["barcode"], M + 3 * mm, sy + 5 * mm, 103 * mm, 13 * mm)
    pen.text(M + 3 * mm, sy + 1.8 * mm, "Pague em bancos, lotéricas, aplicativos ou com PIX.",
             6.5, False, GREY)
    if pay.get("pix"):
        qs = 36 * mm
        qx0 = W - M - qs - 3 * mm
        qr(c, pay["pix"], qx0, sy + 6 * mm, qs)
        pen.text(qx0 + qs / 2, sy + 3 * mm, "Pague com PIX", 7, True, BLUE, "center")
    else:
        c.setStrokeColor(LINE)
        c.rect(W - M - 42 * mm, sy + 6 * mm, 39 * mm, 30 * mm, stroke=1, fill=0)
        pen.text(W - M - 22.5 * mm, sy + 3 * mm, "Autenticação mecânica", 6.5, False, GREY, "center")
