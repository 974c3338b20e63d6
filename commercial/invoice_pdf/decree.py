"""The Decreto 5.440/2005 blocks of the bill, measured before the rest and never cut: the
quality of the water distributed (Art. 5 I c) and the information to the consumer (Art. 5
I a, b, d)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from commercial.pdf import (
    BAD,
    GREY,
    OK,
    VERDICT_TEXT,
    WARN,
    M,
    Pen,
    fit,
    stringWidth,
    wrap,
)

QualityRow = tuple[dict[str, Any], list[str]]  # a parameter and its limit's lines


def _network_standard(text: str) -> str:
    """The limit at the consumer's tap: the network part of the LIMS rule, in plain words."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    chosen = next((p for p in parts if p.lower().startswith("rede")), parts[0] if parts else "")
    _, sep, rest = chosen.partition(":")
    out = (rest if sep else chosen).strip()
    return out.replace("<=", "até").replace(">=", "no mínimo").replace("<", "menor que")


def quality_rows(q: dict[str, Any]) -> tuple[list[QualityRow], float]:
    """Each basic parameter with its limit wrapped to the column (at most 2 lines), and the
    height of the block."""
    out = []
    n_lines = 0.0
    for p in q.get("parameters") or []:
        std = _network_standard(p.get("standard") or "") or "-"
        std_lines = wrap(std, "Helvetica", 6.3, 82 * mm, 2)
        out.append((p, std_lines))
        n_lines += 1 + 0.82 * (len(std_lines) - 1)
    return out, 13 * mm + 3.4 * mm * max(n_lines, 1) + 6 * mm


def info_lines(doc: dict[str, Any], q: dict[str, Any], bw: float) -> tuple[list[tuple[str, bool]], float]:
    """The consumer information wrapped to the box ((line, first line of its topic)), and the
    height of the block."""
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
        lines_ = wrap(f"{title_}: {text_}", "Helvetica", 6.6, bw - 8 * mm, 3)
        body.extend((ln, i == 0) for i, ln in enumerate(lines_))
    return body, 9 * mm + 2.9 * mm * max(len(body), 1)


def _quality_title(q: dict[str, Any]) -> str:
    where = " · ".join(x for x in (q.get("scope_label") or (q.get("system_name")
                                                          if q.get("system_name") != "-" else ""),
                                   f"resultados de {q['label']}" if q.get("label") else "") if x)
    return ("QUALIDADE DA ÁGUA DISTRIBUÍDA" + (f" · {where}" if where else "")
            + " · Decreto 5.440/2005 e Portaria GM/MS 888/2021")


def draw_quality(pen: Pen, q: dict[str, Any], rows: list[QualityRow], y: float, qh: float,
                 bw: float) -> None:
    pen.box(M, y, bw, qh, fit(_quality_title(q), "Helvetica-Bold", 7.5, bw - 6 * mm))
    qy = y + qh - 9 * mm
    qx = (M + 3 * mm, M + 46 * mm, M + 131 * mm, M + 147 * mm, M + 163 * mm, M + 187 * mm)
    for label, x, al in zip(("Parâmetro", "Padrão de potabilidade (limite)", "Exigidas",
                             "Analisadas", "Conformes", "Situação"), qx,
                            ("left", "left", "right", "right", "right", "right"), strict=True):
        pen.text(x, qy, label, 6.5, True, GREY, al)
    if not rows:
        qy -= 3.4 * mm
        pen.text(qx[0], qy, q.get("note") or "Dados do mês ainda não disponíveis.", 7, False, GREY,
                 width=bw - 8 * mm)
    for p, std_lines in rows:
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
    _draw_quality_footnote(pen, q, rows, y, bw)


def _draw_quality_footnote(pen: Pen, q: dict[str, Any], rows: list[QualityRow], y: float,
                           bw: float) -> None:
    foot = [q.get("note") or ""] if rows else []
    if any((p.get("analysed") or 0) > (p.get("required") or 0) for p, _ in rows):
        foot.append("Analisadas acima das exigidas: o SAAE analisa além do mínimo da norma "
                    "(coletas extras de rotina e recoletas).")
    foot.append("Exigidas: amostras do plano de amostragem do mês; Analisadas: amostras com "
                "resultado; Conformes: dentro do padrão. Limites para a água na rede de "
                "distribuição (Portaria GM/MS 888/2021).")
    foot_lines = wrap(" ".join(x for x in foot if x), "Helvetica", 6, bw - 6 * mm, 3)
    fy = y + 5 * mm + max(0, len(foot_lines) - 2) * 2.6 * mm
    for ln in foot_lines:
        pen.text(M + 3 * mm, fy, ln, 6, False, GREY)
        fy -= 2.6 * mm


def draw_consumer_info(pen: Pen, body: list[tuple[str, bool]], y: float, ih: float,
                       bw: float) -> None:
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
