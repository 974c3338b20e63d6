"""The middle of the bill: the tariff table (bands applied and, greyed, the rest of the
table), the amounts with the total and due date, and the personalised messages."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm

from commercial.pdf import (
    BLUE,
    GREY,
    LIGHT,
    M,
    Pen,
    date_as_printed,
    money_as_printed,
    number_as_printed,
)

Row = tuple[str, str, str, str, str]  # label, m3, price, amount, style


def _category_rows(line: dict[str, Any]) -> list[Row]:
    """One category's rows: its heading, the bands applied, the bands not reached, and the
    subtotal when it has several economias or only a share of the period."""
    num = number_as_printed
    share = float(line.get("share", 1))
    pe = float(line["per_economia"])
    head = (f"{line['label']} · {line['economias']} economia(s) · {num(pe, 0 if pe.is_integer() else 3)}"
            " m³ por economia"
            + (f" · {num(share * 100, 0)}% do período ({line['table']})" if share < 0.999 else ""))
    rows: list[Row] = [(head, "", "", "", "head")]
    applied = set()
    for b in line["bands"]:
        vol = float(b["volume"])
        applied.add(b["label"])
        rows.append((f"{b['label']} m³", num(vol, 0 if vol.is_integer() else 3),
                     "tarifa mínima" if b["price"] is None else num(b["price"], 2),
                     num(b["amount"], 2), "band"))
    for b in line.get("table_bands") or []:
        if b["label"] not in applied:
            rows.append((f"{b['label']} m³", "-", num(b["price"], 2) if b["price"] else "-", "-",
                         "unreached"))
    if int(line["economias"]) > 1 or share < 0.999:
        rows.append((f"Água {line['label'].lower()}: valor por economia × {line['economias']}"
                     + (f" × {num(share * 100, 0)}% do período" if share < 0.999 else ""),
                     "", "", num(line["water"], 2), "sub"))
    return rows


def tariff_rows(lines: list[dict[str, Any]], max_rows: int) -> list[Row]:
    """(label, m3, price, amount, style) rows of the tariff box: per category the bands
    applied and, greyed, the rest of the table (dropped first when space runs out)."""
    rows = [r for line in lines for r in _category_rows(line)]
    if len(rows) > max_rows:
        rows = [r for r in rows if r[4] != "unreached"]
    if len(rows) > max_rows:
        rows = rows[:max_rows - 1] + [("(demais faixas no demonstrativo on-line)", "", "", "", "band")]
    return rows


def draw_tariff_table(pen: Pen, tariff: dict[str, Any], rows: list[Row], row_h: float,
                      y: float, th: float) -> None:
    pen.box(M, y, 118 * mm, th, f"TARIFAS · {tariff['table']} (vigência "
            f"{date_as_printed(tariff.get('valid_from'))}) · valores por economia")
    ty = y + th - 9 * mm
    cols_x = (M + 3 * mm, M + 70 * mm, M + 92 * mm, M + 115 * mm)
    for label, x in zip(("Faixa de consumo", "m³/econ.", "R$/m³", "Valor R$"), cols_x, strict=True):
        pen.text(x, ty, label, 6.5, True, GREY, "left" if x == cols_x[0] else "right")
    for label, vol, price, amount, style in rows:
        ty -= row_h
        if style == "head":
            pen.text(cols_x[0], ty, label, 7, True, BLUE, width=110 * mm)
            continue
        color = GREY if style == "unreached" else colors.black
        bold = style == "sub"
        pen.text(cols_x[0] + 2 * mm, ty, label, 6.8, bold, color, width=60 * mm)
        pen.text(cols_x[1], ty, vol, 6.8, False, color, align="right")
        pen.text(cols_x[2], ty, price, 6.8, False, color, align="right")
        pen.text(cols_x[3], ty, amount, 6.8, bold, color, align="right")


def _amount_items(doc: dict[str, Any], room: float) -> tuple[list[tuple[str, Any]], float]:
    """The lines of the amounts box and their spacing: water (per category when the bill has
    several whole categories), sewer, and the services (summed when they do not fit)."""
    t = doc["tariff"]
    am = doc["amounts"]
    cats = [ln for ln in t["lines"] if float(ln.get("share", 1)) > 0.999]
    if len(t["lines"]) > 1 and len(cats) == len(t["lines"]):
        items = [(f"Água {ln['label'].lower()}", ln["water"]) for ln in t["lines"]]
    else:
        items = [("Água", am["water"])]
    if t.get("has_sewer", True):
        items.append((f"Esgoto ({t.get('sewer_percent', '')}% da água)", am["sewer"]))
    else:
        items.append(("Esgoto (imóvel não ligado à rede)", "0"))
    services = [(sv["description"], sv["amount"]) for sv in am.get("services", [])]
    step = 4.2 * mm if (len(items) + len(services) - 1) * 4.2 * mm <= room else 3.4 * mm
    fit_n = int(room / step) + 1
    if len(items) + len(services) > fit_n:  # water and sewer always; services summed if need be
        keep = max(0, fit_n - len(items) - 1)
        rest = sum(float(v) for _l, v in services[keep:])
        services = services[:keep] + [(f"Outros serviços ({len(services) - keep})", rest)]
    return items + services, step


def draw_amounts(pen: Pen, doc: dict[str, Any], y: float, th: float, bw: float) -> None:
    c = pen.c
    ax = M + 121 * mm
    aw = bw - 121 * mm
    pen.box(ax, y, aw, th, "VALORES FATURADOS")
    ay = y + th - 10 * mm
    items, step = _amount_items(doc, th - 10 * mm - 21 * mm)  # first line down to the total box
    for label, value in items:
        pen.text(ax + 3 * mm, ay, label, 7.5, False, width=aw - 30 * mm)
        pen.text(ax + aw - 3 * mm, ay, money_as_printed(value), 7.5, False, align="right")
        ay -= step
    c.setFillColor(LIGHT)
    c.roundRect(ax + 2 * mm, y + 2 * mm, aw - 4 * mm, 17 * mm, 1.5 * mm, stroke=0, fill=1)
    pen.text(ax + 4 * mm, y + 13.5 * mm, "TOTAL A PAGAR", 7, True, GREY)
    pen.text(ax + aw - 4 * mm, y + 12.5 * mm, money_as_printed(doc["amounts"]["total"]), 14, True,
             BLUE, "right")
    pen.text(ax + 4 * mm, y + 5 * mm, "VENCIMENTO", 7, True, GREY)
    pen.text(ax + aw - 4 * mm, y + 4.5 * mm, date_as_printed(doc["due_date"]), 12, True,
             colors.black, "right")


def draw_messages(pen: Pen, lines: list[str], y: float, mh: float, bw: float) -> None:
    pen.box(M, y, bw, mh, "MENSAGENS")
    my = y + mh - 8.5 * mm
    if not lines:
        pen.text(M + 3 * mm, my, "Sem mensagens para esta fatura.", 7, False, GREY)
    for ln in lines:
        pen.text(M + 3 * mm, my, ln, 7.2)
        my -= 3.3 * mm
