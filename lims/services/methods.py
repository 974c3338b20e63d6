"""LIMS services: methods and instruments (issue 20). The one place that says whether an
instrument may be used for a result at a given time."""

from __future__ import annotations

import datetime as dt

from core import fmt
from core.db import get_or_404
from core.errors import ValidationError
from lims.models.methods import Instrument


def assert_instrument_usable(instrument_id: int, at: dt.datetime | dt.date) -> Instrument:
    """The instrument, if it is active and its calibration is valid on `at`'s local day;
    otherwise a pt-BR ValidationError with code "instrumento_vencido" / "instrumento_inativo"."""
    inst = get_or_404(Instrument, instrument_id, "Instrumento não encontrado.")
    day = fmt.local_date(at)
    if not inst.active:
        msg = f"O instrumento {inst.code} ({inst.name}) está desativado e não pode ser usado."
        raise ValidationError(msg, code="instrumento_inativo", fields={"instrumento": [msg]})
    if inst.calibration_due is None or inst.calibration_due < day:
        since = (f"venceu em {fmt.date(inst.calibration_due)}" if inst.calibration_due
                 else "não tem calibração registrada")
        msg = (f"A calibração do instrumento {inst.code} ({inst.name}) {since}; "
               "registre uma nova calibração antes de usá-lo.")
        raise ValidationError(msg, code="instrumento_vencido", fields={"instrumento": [msg]})
    return inst
