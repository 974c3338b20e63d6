"""The water-quality block of an invoice (Decreto 5.440 Art. 5 I), read through lims.api only:
the basic parameters of the latest month the lab has closed for the connection's scope."""

from __future__ import annotations

import logging
from typing import Any

from core import fmt
from lims import api as lims_api

log = logging.getLogger(__name__)


def quality_block(system_id: int | None, year: int, month: int, *, months_back: int = 1,
                  more_info: str | None = None, sector_code: str | None = None,
                  neighbourhood: str | None = None) -> dict[str, Any]:
    """The Decreto 5.440 block for a connection: the basic parameters of the latest month the
    lab has closed, at or before (year, month) - months_back (looks up to 3 months back), for
    the most specific closed scope serving the connection (its sector's reservoir, else the
    system), read from the rows the lab stored at closing; if none is closed, the target
    month's published data marked as partial."""

    if system_id is None:
        return {"system_name": "-", "label": "", "parameters": [], "closed": False,
                "note": "Sistema de abastecimento da ligação não identificado; consulte o SAAE.",
                "more_info": more_info or "", "scope_label": ""}
    ty, tm = fmt.month_add(year, month, -months_back)
    summary = None
    try:
        for back in range(0, 3):
            y, m = fmt.month_add(ty, tm, -back)
            s = lims_api.quality_for_connection(system_id, y, m, sector_code=sector_code,
                                                neighbourhood=neighbourhood)
            if s.closed:
                summary = s
                break
            if back == 0:
                first = s
        else:
            summary = first
    except NotImplementedError:
        summary = None
    except Exception:  # the lab's data must never stop the billing
        log.exception("quality summary failed for system %s %s/%s", system_id, ty, tm)
        summary = None
    if summary is None:
        return {"system_name": f"Sistema {system_id}", "label": f"{tm:02d}/{ty}", "parameters": [],
                "closed": False, "note": "Resultados do mês ainda não disponíveis.",
                "more_info": more_info or "", "scope_label": ""}
    params = [{"code": p.parameter_code, "name": p.parameter_name, "unit": p.unit,
               "standard": p.standard, "required": p.required, "analysed": p.analysed,
               "conforming": p.conforming, "verdict": p.verdict,
               "mean": p.mean, "field_readings": p.field_readings} for p in summary.parameters]
    note = "" if summary.closed else "Dados parciais: o mês ainda não foi fechado pelo laboratório."
    return {"system_id": summary.system_id, "system_name": summary.system_name,
            "year": summary.year, "month": summary.month,
            "label": f"{summary.month:02d}/{summary.year}", "level": summary.level,
            "scope_id": summary.scope_id, "scope_label": scope_label(summary),
            "closed": summary.closed, "parameters": params, "note": note,
            "counting_rule": summary.counting_rule,
            "more_info": " ".join(x for x in (more_info, summary.more_info) if x)}


SCOPE_WORDS = {"sistema": "Sistema", "plano": "Plano de amostragem", "reservatorio": "Reservatório"}


def scope_label(summary: Any) -> str:
    """Which closing the bill shows: "Reservatório Alto (Sistema Sede)" or "Sistema Sede"."""
    if summary.level == "sistema" or not summary.scope_name:
        return f"Sistema {summary.system_name}" if not summary.system_name.lower().startswith(
            "sistema") else summary.system_name
    return f"{SCOPE_WORDS.get(summary.level, summary.level)} {summary.scope_name} ({summary.system_name})"
