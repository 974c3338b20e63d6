"""The invoice PDF (one A4 page, drawn with `render.pdf.writer`; reportlab only measures
text): header with the utility, customer and connection, reading and consumption with the
six-month bars, the tariff table (bands applied and the rest of the table), amounts, due
date, messages, the water-quality block (Decreto 5.440 Art. 5 I c) and the consumer
information (Art. 5 I a, b, d), and the payment slip with the FEBRABAN barcode (Interleaved
2 of 5, vector bars), its typed line and a PIX QR code.

The Decreto blocks are measured first and never cut; the tariff table takes the space left
(the bands not reached go first, then row spacing) so that every applied band is printed.

Pure: takes the invoice `doc` (a JSON-able dict frozen at issue) and writes bytes. Imports no
Flask and no database, so worker processes can render without the app.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth as _string_width

from render.barcodes import i25
from render.barcodes.qr import qr_matrix
from render.pdf.writer import Document, Page

# Most strings of an invoice recur on every invoice of the batch (labels, words of the
# messages and of the consumer information): measuring each once saves a third of the time.
stringWidth = lru_cache(maxsize=16_384)(_string_width)

W, H = 210 * mm, 297 * mm
M = 10 * mm  # margin
BLUE = colors.HexColor("#0b4f8a")
LIGHT = colors.HexColor("#e8f0f8")
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#9aa7b4")
OK = colors.HexColor("#1d7a3a")
BAD = colors.HexColor("#b3261e")
WARN = colors.HexColor("#8a5a00")

VERDICT_TEXT = {"conforme": "Conforme", "nao_conforme": "Não conforme",
                "sem_dados": "Sem dados", "indeterminado": "Em apuração",
                "fora_da_recomendacao": "Fora da faixa recomendada"}


def brl(v: Any) -> str:
    text = f"{float(v):,.2f}" if v not in (None, "") else "0.00"
    return "R$ " + text.replace(",", "X").replace(".", ",").replace("X", ".")


def num(v: Any, places: int = 0) -> str:
    if v in (None, ""):
        return "-"
    text = f"{float(v):,.{places}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def dmy(iso: str | None) -> str:
    if not iso:
        return "-"
    y, m, d = iso[:10].split("-")
    return f"{d}/{m}/{y}"


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` (a few width measurements, not one per char)."""
    w = stringWidth(text, font, size)
    if w <= width:
        return text
    n = max(0, int(len(text) * width / w))
    while n > 0 and stringWidth(text[:n] + "…", font, size) > width:
        n -= 1 if n < 8 else max(1, n // 20)
    return text[:n].rstrip() + "…"


@lru_cache(maxsize=4096)
def _wrap_cached(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    return tuple(_wrap_text(text, font, size, width, max_lines))


def _wrap(text: str, font: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """`text` in lines of at most `width`, the last one cut with an ellipsis."""
    return list(_wrap_cached(text, font, size, width, max_lines))


def _wrap_text(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    words = text.split()
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    used = 0
    for w in words:
        ww = stringWidth(w, font, size)
        if cur and cur_w + space + ww > width:
            lines.append(" ".join(cur))
            if len(lines) == max_lines:
                break
            cur, cur_w = [w], ww
        else:
            cur_w = cur_w + space + ww if cur else ww
            cur.append(w)
        used += 1
    else:
        if cur:
            lines.append(" ".join(cur))
    if len(lines) == max_lines and used < len(words):
        lines[-1] = _fit(lines[-1] + " …", font, size, width)
    return lines


class _Pen:
    """Draws shapes straight on the page; every string goes into ONE text object painted
    over the shapes (the shapes never cover text on this layout)."""

    def __init__(self, c: Page) -> None:
        self.c = c

    def text(self, x: float, y: float, s: str, size: float = 8, bold: bool = False,
             color: Any = colors.black, align: str = "left", width: float | None = None) -> None:
        font = "Helvetica-Bold" if bold else "Helvetica"
        if width is not None:
            s = _fit(s, font, size, width)
        if align != "left":
            w = stringWidth(s, font, size)
            x = x - w if align == "right" else x - w / 2
        self.c.text(x, y, s, font, size, color)

    def box(self, x: float, y: float, w: float, h: float, title: str | None = None,
            fill: Any = None) -> None:
        c = self.c
        c.setLineWidth(0.5)
        c.setStrokeColor(LINE)
        if fill is not None:
            c.setFillColor(fill)
            c.roundRect(x, y, w, h, 2 * mm, stroke=1, fill=1)
        else:
            c.roundRect(x, y, w, h, 2 * mm, stroke=1, fill=0)
        if title:
            c.setFillColor(BLUE)
            c.roundRect(x, y + h - 5 * mm, w, 5 * mm, 2 * mm, stroke=0, fill=1)
            c.rect(x, y + h - 5 * mm, w, 2.5 * mm, stroke=0, fill=1)
            self.text(x + 2 * mm, y + h - 3.6 * mm, title, 7.5, True, colors.white)

    def label_value(self, x: float, y: float, label: str, value: str, w: float,
                    size: float = 8.5, bold: bool = True) -> None:
        self.text(x, y + 3.3 * mm + max(0.0, size - 9.5) * 0.25 * mm, label, 6, False, GREY)
        self.text(x, y, value, size, bold, width=w)


_DARK_TO_GREY = bytes([255, 0] + [255] * 254)


def _barcode(c: Page, code: str, x: float, y: float, width: float, height: float) -> None:
    """The FEBRABAN barcode as vector bars (FEBRABAN: 103 mm x 13 mm, narrow:wide 1:3)."""
    c.setFillColor(colors.black)
    c.bars(i25.modules(code), x, y, width, height)


def _qr(c: Page, payload: str, x: float, y: float, size: float) -> None:
    """The PIX QR code as a tiny greyscale image, one pixel per module (PDF viewers scale it
    without smoothing), encoded by `render.barcodes.qr` (~0.3 ms instead of segno's ~2.5 ms)."""
    n, flat = qr_matrix(payload)
    quiet = 2
    side = n + 2 * quiet
    pad_row = b"\xff" * side
    rows = [pad_row] * quiet
    grey = flat.translate(_DARK_TO_GREY)
    edge = b"\xff" * quiet
    for r in range(n):
        rows.append(edge + grey[r * n:(r + 1) * n] + edge)
    rows.extend([pad_row] * quiet)
    c.image(b"".join(rows), side, side, x, y, size, size)


def _history_chart(pen: _Pen, x: float, y: float, w: float, h: float,
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


def _network_standard(text: str) -> str:
    """The limit at the consumer's tap: the network part of the LIMS rule, in plain words."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    chosen = next((p for p in parts if p.lower().startswith("rede")), parts[0] if parts else "")
    _, sep, rest = chosen.partition(":")
    out = (rest if sep else chosen).strip()
    return out.replace("<=", "até").replace(">=", "no mínimo").replace("<", "menor que")


def _tariff_rows(lines: list[dict[str, Any]], max_rows: int) -> list[tuple[str, str, str, str, str]]:
    """(label, m3, price, amount, style) rows of the tariff box: per category the bands
    applied and, greyed, the rest of the table (dropped first when space runs out)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for line in lines:
        share = float(line.get("share", 1))
        pe = float(line["per_economia"])
        head = (f"{line['label']} · {line['economias']} economia(s) · {num(pe, 0 if pe.is_integer() else 3)}"
                " m³ por economia"
                + (f" · {num(share * 100, 0)}% do período ({line['table']})" if share < 0.999 else ""))
        rows.append((head, "", "", "", "head"))
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
    if len(rows) > max_rows:
        rows = [r for r in rows if r[4] != "unreached"]
    if len(rows) > max_rows:
        rows = rows[:max_rows - 1] + [("(demais faixas no demonstrativo on-line)", "", "", "", "band")]
    return rows


def draw_invoice(c: Page, doc: dict[str, Any], *, copy: bool = False) -> None:
    """Draw one invoice on the current page of `c` (and end the page)."""
    pen = _Pen(c)
    u = doc["utility"]
    cu = doc["customer"]
    cn = doc["connection"]
    rd = doc["reading"]
    am = doc["amounts"]
    pay = doc["payment"]
    q = doc.get("quality") or {}

    # -- header ----------------------------------------------------------------------------
    y = H - M - 16 * mm
    c.setFillColor(BLUE)
    c.roundRect(M, y, W - 2 * M, 16 * mm, 2 * mm, stroke=0, fill=1)
    pen.text(M + 4 * mm, y + 9.5 * mm, u.get("short_name") or u.get("name", ""), 15, True, colors.white,
             width=95 * mm)
    pen.text(M + 4 * mm, y + 5 * mm, _fit(u.get("name", ""), "Helvetica", 7, 95 * mm), 7, False,
             colors.white)
    line2 = " · ".join(p for p in (f"CNPJ {u['cnpj']}" if u.get("cnpj") else "",
                                   u.get("phone") or "", u.get("website") or "") if p)
    pen.text(M + 4 * mm, y + 1.8 * mm, line2, 6.5, False, colors.white, width=100 * mm)
    pen.text(W - M - 4 * mm, y + 10 * mm, "FATURA DE ÁGUA E ESGOTO", 11, True, colors.white, "right")
    pen.text(W - M - 4 * mm, y + 5.5 * mm, f"Referência {doc['reference']}  ·  Nº {doc['number']}",
             8, False, colors.white, "right")
    pen.text(W - M - 4 * mm, y + 1.8 * mm, f"Emissão {dmy(doc['issue_date'])}", 7, False,
             colors.white, "right")
    if copy:
        pen.text(W - M - 4 * mm, y + 17.5 * mm, "2ª VIA", 9, True, BAD, "right")

    # -- customer / connection -------------------------------------------------------------
    y -= 27 * mm
    bw = W - 2 * M
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

    # -- reading + history -----------------------------------------------------------------
    y -= 33 * mm
    pen.box(M, y, 92 * mm, 31 * mm, "LEITURAS E CONSUMO")
    col = M + 3 * mm
    pen.label_value(col, y + 19 * mm, "Leitura anterior",
                    f"{num(rd.get('previous_value'))}  em {dmy(rd.get('previous_date'))}", 42 * mm, 8.5)
    pen.label_value(col + 45 * mm, y + 19 * mm, "Leitura atual",
                    f"{num(rd.get('current_value'))}  em {dmy(rd.get('current_date'))}", 42 * mm, 8.5)
    pen.label_value(col, y + 11 * mm, "Consumo faturado", f"{rd['consumption']} m³", 30 * mm, 12)
    pen.label_value(col + 30 * mm, y + 11 * mm, "Dias", str(rd.get("days") or "-"), 12 * mm, 9)
    pen.label_value(col + 45 * mm, y + 11 * mm, "Média 6 meses", f"{rd.get('average', 0)} m³",
                    40 * mm, 9)
    pen.text(col, y + 5 * mm, rd.get("basis", ""), 7, False, GREY, width=86 * mm)
    if rd.get("occurrence"):
        pen.text(col, y + 1.8 * mm, f"Ocorrência: {rd['occurrence']}", 7, False, WARN, width=86 * mm)
    pen.box(M + 95 * mm, y, bw - 95 * mm, 31 * mm, "HISTÓRICO DE CONSUMO (m³)")
    _history_chart(pen, M + 98 * mm, y + 1 * mm, bw - 101 * mm, 24 * mm, doc.get("history") or [])

    # -- tariff bands + amounts ------------------------------------------------------------
    t = doc["tariff"]
    # The Decreto 5.440 blocks (quality, consumer information) are never cut: measure them
    # and the messages first; the tariff table gets the space left above the payment slip.
    q_rows, qh = _quality_rows(q, bw)
    body, ih = _info_lines(doc, q, bw)
    lines: list[str] = []
    for m in doc.get("messages") or []:
        for i, ln in enumerate(_wrap(m, "Helvetica", 7.2, bw - 8 * mm, 2)):
            lines.append(("• " if i == 0 else "  ") + ln)
    slip_h = 50 * mm
    room = y - 2 * mm - (M + slip_h + 7 * mm) - 6 * mm  # three gaps of 2 mm
    tariff_min = 8 * mm + 3.4 * mm * 7 + 2 * mm
    while len(lines) > 2 and room - qh - ih - (7 * mm + 3.3 * mm * len(lines)) < tariff_min:
        lines.pop()
    mh = max(10 * mm, 7 * mm + 3.3 * mm * len(lines))
    avail = room - qh - ih - mh - 10 * mm  # for the tariff rows
    rows = _tariff_rows(t["lines"], max_rows=max(int(avail / (2.7 * mm)), 8))
    if len(rows) * 3.4 * mm > avail:  # the rest of the table goes first, then the spacing
        rows = [r for r in rows if r[4] != "unreached"] or rows
    rh = max(2.7 * mm, min(3.4 * mm, avail / max(len(rows), 1)))
    th = max(8 * mm + rh * len(rows) + 2 * mm, 42 * mm)
    y -= th + 2 * mm
    pen.box(M, y, 118 * mm, th, f"TARIFAS · {t['table']} (vigência {dmy(t.get('valid_from'))})"
            " · valores por economia")
    ty = y + th - 9 * mm
    cols_x = (M + 3 * mm, M + 70 * mm, M + 92 * mm, M + 115 * mm)
    for label, x in zip(("Faixa de consumo", "m³/econ.", "R$/m³", "Valor R$"), cols_x, strict=True):
        pen.text(x, ty, label, 6.5, True, GREY, "left" if x == cols_x[0] else "right")
    for label, vol, price, amount, style in rows:
        ty -= rh
        if style == "head":
            pen.text(cols_x[0], ty, label, 7, True, BLUE, width=110 * mm)
            continue
        color = GREY if style == "unreached" else colors.black
        bold = style == "sub"
        pen.text(cols_x[0] + 2 * mm, ty, label, 6.8, bold, color, width=60 * mm)
        pen.text(cols_x[1], ty, vol, 6.8, False, color, align="right")
        pen.text(cols_x[2], ty, price, 6.8, False, color, align="right")
        pen.text(cols_x[3], ty, amount, 6.8, bold, color, align="right")
    ax = M + 121 * mm
    aw = bw - 121 * mm
    pen.box(ax, y, aw, th, "VALORES FATURADOS")
    ay = y + th - 10 * mm
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
    room_v = th - 10 * mm - 21 * mm  # from the first line down to the total box
    step = 4.2 * mm if (len(items) + len(services) - 1) * 4.2 * mm <= room_v else 3.4 * mm
    fit = int(room_v / step) + 1
    if len(items) + len(services) > fit:  # water and sewer always; services summed if need be
        keep = max(0, fit - len(items) - 1)
        rest = sum(float(v) for _l, v in services[keep:])
        services = services[:keep] + [(f"Outros serviços ({len(services) - keep})", rest)]
    for label, value in items + services:
        pen.text(ax + 3 * mm, ay, label, 7.5, False, width=aw - 30 * mm)
        pen.text(ax + aw - 3 * mm, ay, brl(value), 7.5, False, align="right")
        ay -= step
    c.setFillColor(LIGHT)
    c.roundRect(ax + 2 * mm, y + 2 * mm, aw - 4 * mm, 17 * mm, 1.5 * mm, stroke=0, fill=1)
    pen.text(ax + 4 * mm, y + 13.5 * mm, "TOTAL A PAGAR", 7, True, GREY)
    pen.text(ax + aw - 4 * mm, y + 12.5 * mm, brl(am["total"]), 14, True, BLUE, "right")
    pen.text(ax + 4 * mm, y + 5 * mm, "VENCIMENTO", 7, True, GREY)
    pen.text(ax + aw - 4 * mm, y + 4.5 * mm, dmy(doc["due_date"]), 12, True, colors.black, "right")

    # -- messages --------------------------------------------------------------------------
    y -= mh + 2 * mm
    pen.box(M, y, bw, mh, "MENSAGENS")
    my = y + mh - 8.5 * mm
    if not lines:
        pen.text(M + 3 * mm, my, "Sem mensagens para esta fatura.", 7, False, GREY)
    for ln in lines:
        pen.text(M + 3 * mm, my, ln, 7.2)
        my -= 3.3 * mm

    # -- quality block (Decreto 5.440 Art. 5 I c) -------------------------------------------
    y -= qh + 2 * mm
    where = " · ".join(x for x in (q.get("scope_label") or (q.get("system_name")
                                                          if q.get("system_name") != "-" else ""),
                                   f"resultados de {q['label']}" if q.get("label") else "") if x)
    title = ("QUALIDADE DA ÁGUA DISTRIBUÍDA" + (f" · {where}" if where else "")
             + " · Decreto 5.440/2005 e Portaria GM/MS 888/2021")
    pen.box(M, y, bw, qh, _fit(title, "Helvetica-Bold", 7.5, bw - 6 * mm))
    qy = y + qh - 9 * mm
    qx = (M + 3 * mm, M + 46 * mm, M + 131 * mm, M + 147 * mm, M + 163 * mm, M + 187 * mm)
    for label, x, al in zip(("Parâmetro", "Padrão de potabilidade (limite)", "Exigidas",
                             "Analisadas", "Conformes", "Situação"), qx,
                            ("left", "left", "right", "right", "right", "right"), strict=True):
        pen.text(x, qy, label, 6.5, True, GREY, al)
    if not q_rows:
        qy -= 3.4 * mm
        pen.text(qx[0], qy, q.get("note") or "Dados do mês ainda não disponíveis.", 7, False, GREY,
                 width=bw - 8 * mm)
    for p, std_lines in q_rows:
        qy -= 3.4 * mm
        name = p["name"] + (f" ({p['unit']})" if p.get("unit") else "")
        pen.text(qx[0], qy, name, 7, True, width=42 * mm)
        pen.text(qx[2], qy, str(p["required"]), 7, False, align="right")
        pen.text(qx[3], qy, str(p["analysed"]), 7, False, align="right")
        pen.text(qx[4], qy, str(p["conforming"]), 7, False, align="right")
        v = p.get("verdict", "")
        pen.text(qx[5], qy, VERDICT_TEXT.get(v, v), 7, True,
                 OK if v == "conforme" else BAD if v == "nao_conforme" else WARN, "right")
        for i, sl in enumerate(std_lines):
            if i:
                qy -= 2.8 * mm
            pen.text(qx[1], qy, sl, 6.3, False)
    foot = [q.get("note") or ""] if q_rows else []
    if any((p.get("analysed") or 0) > (p.get("required") or 0) for p, _ in q_rows):
        foot.append("Analisadas acima das exigidas: o SAAE analisa além do mínimo da norma "
                    "(coletas extras de rotina e recoletas).")
    foot.append("Exigidas: amostras do plano de amostragem do mês; Analisadas: amostras com "
                "resultado; Conformes: dentro do padrão. Limites para a água na rede de "
                "distribuição (Portaria GM/MS 888/2021).")
    foot_lines = _wrap(" ".join(x for x in foot if x), "Helvetica", 6, bw - 6 * mm, 3)
    fy = y + 5 * mm + max(0, len(foot_lines) - 2) * 2.6 * mm
    for ln in foot_lines:
        pen.text(M + 3 * mm, fy, ln, 6, False, GREY)
        fy -= 2.6 * mm

    # -- consumer information (Decreto 5.440 Art. 5 I a, b, d) ------------------------------
    y -= ih + 2 * mm
    pen.box(M, y, bw, ih, "INFORMAÇÕES AO CONSUMIDOR · Decreto 5.440/2005, Art. 5º")
    iy = y + ih - 8.5 * mm
    for ln, first_line in body:
        head, sep, rest = ln.partition(": ")
        if first_line and sep:
            pen.text(M + 3 * mm, iy, head + ":", 6.6, True)
            pen.text(M + 3 * mm + stringWidth(head + ": ", "Helvetica-Bold", 6.6), iy, rest,
                     6.6, False)
        else:
            pen.text(M + 3 * mm, iy, ln, 6.6)
        iy -= 2.9 * mm

    # -- payment slip ----------------------------------------------------------------------
    sy = M
    sh = slip_h
    slip_top = sy + sh + 4 * mm
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.setDash(2, 2)
    c.line(M, slip_top, W - M, slip_top)
    c.setDash()
    pen.text(W - M, slip_top + 1 * mm, "destaque aqui", 6, False, GREY, "right")
    c.text(W - M - stringWidth("destaque aqui", "Helvetica", 6) - 4.5 * mm, slip_top + 0.9 * mm,
           '"', "ZapfDingbats", 7, GREY)  # ✂ (a2 in ZapfDingbats)
    pen.box(M, sy, bw, sh)
    pen.text(M + 3 * mm, sy + sh - 5.5 * mm, u.get("short_name") or u.get("name", ""), 10, True, BLUE)
    pen.text(M + 3 * mm, sy + sh - 9.5 * mm,
             "Documento de arrecadação · Água e esgoto · Referência " + doc["reference"], 7, False,
             GREY)
    pen.text(M + 3 * mm, sy + sh - 13.5 * mm, _fit(f"{cu['name']} · {cn['address']} - "
                                                  f"{cn['neighbourhood']}", "Helvetica", 7,
                                                  125 * mm), 7, False)
    fields = (("Matrícula", cn["matricula"]), ("Nº da fatura", doc["number"]),
              ("Vencimento", dmy(doc["due_date"])), ("Total a pagar", brl(am["total"])))
    fx = M + 3 * mm
    for label, value in fields:
        pen.label_value(fx, sy + sh - 20 * mm, label, value, 30 * mm, 9.5)
        fx += 32 * mm
    if pay.get("direct_debit"):
        pen.text(M + 3 * mm, sy + sh - 24.3 * mm, "Débito automático: não pague este documento; o "
                 "valor será debitado na data do vencimento.", 7, True, WARN, width=125 * mm)
    pen.text(M + 3 * mm, sy + 19.6 * mm, pay["typed_line_fmt"], 10.5, True)
    _barcode(c, pay["barcode"], M + 3 * mm, sy + 5 * mm, 103 * mm, 13 * mm)
    pen.text(M + 3 * mm, sy + 1.8 * mm, "Pague em bancos, lotéricas, aplicativos ou com PIX.",
             6.5, False, GREY)
    if pay.get("pix"):
        qs = 36 * mm
        qx0 = W - M - qs - 3 * mm
        _qr(c, pay["pix"], qx0, sy + 6 * mm, qs)
        pen.text(qx0 + qs / 2, sy + 3 * mm, "Pague com PIX", 7, True, BLUE, "center")
    else:
        c.setStrokeColor(LINE)
        c.rect(W - M - 42 * mm, sy + 6 * mm, 39 * mm, 30 * mm, stroke=1, fill=0)
        pen.text(W - M - 22.5 * mm, sy + 3 * mm, "Autenticação mecânica", 6.5, False, GREY, "center")


def _quality_rows(q: dict[str, Any], bw: float) -> tuple[list[tuple[dict[str, Any], list[str]]], float]:
    """Each basic parameter with its limit wrapped to the column (at most 2 lines)."""
    out = []
    n_lines = 0
    for p in q.get("parameters") or []:
        std = _network_standard(p.get("standard") or "") or "-"
        std_lines = _wrap(std, "Helvetica", 6.3, 82 * mm, 2)
        out.append((p, std_lines))
        n_lines += 1 + 0.82 * (len(std_lines) - 1)
    return out, 13 * mm + 3.4 * mm * max(n_lines, 1) + 6 * mm


def _info_lines(doc: dict[str, Any], q: dict[str, Any], bw: float) -> tuple[list[tuple[str, bool]], float]:
    info = doc.get("consumer_info") or {}
    blocks = [
        ("Onde obter mais informações", info.get("where") or q.get("more_info") or "-"),
        ("Atendimento", info.get("service") or "-"),
        ("Vigilância sanitária", info.get("surveillance") or "-"),
        ("Cuidados em situação de risco à saúde", info.get("health") or "-"),
    ]
    if info.get("source"):
        blocks.append(("Manancial", info["source"]))
    body: list[tuple[str, bool]] = []
    for title_, text_ in blocks:
        if text_ in ("", "-"):
            continue
        lines_ = _wrap(f"{title_}: {text_}", "Helvetica", 6.6, bw - 8 * mm, 3)
        body.extend((ln, i == 0) for i, ln in enumerate(lines_))
    return body, 9 * mm + 2.9 * mm * max(len(body), 1)

def render_invoice(doc: dict[str, Any], *, copy: bool = False) -> bytes:
    pdf = Document(title=f"Fatura {doc['number']}" + (" (2a via)" if copy else ""),
                   author=doc["utility"].get("short_name") or "SAAE")
    draw_invoice(pdf.new_page(W, H), doc, copy=copy)
    return pdf.tobytes()


def write_invoice(doc: dict[str, Any], path: str | Path, *, copy: bool = False) -> int:
    data = render_invoice(doc, copy=copy)
    Path(path).write_bytes(data)
    return len(data)


def render_many(docs: list[dict[str, Any]], path: str | Path) -> int:
    """Several invoices in one PDF (the print file for the print shop)."""
    pdf = Document(title="Arquivo de impressão de faturas")
    for d in docs:
        draw_invoice(pdf.new_page(W, H), d)
    Path(path).write_bytes(pdf.tobytes())
    return len(docs)


def render_chunk(args: tuple[list[tuple[str, dict[str, Any]]], str | None]) -> tuple[int, int]:
    """Worker entry point: write each (path, doc) and, when given, also all of them in one
    multi-page PDF. Returns (invoices written, bytes)."""
    items, print_path = args
    total = 0
    for path, doc in items:
        total += write_invoice(doc, path)
    if print_path:
        render_many([d for _p, d in items], print_path)
    return len(items), total
