"""Result holds (issue 20): an undecided hold blocks validation; the Supervisor's decision is
audited and lifts it."""

from __future__ import annotations

import datetime as dt

import pytest

from core.auth import Profile
from core.errors import Conflict, ValidationError
from lims.models.holds import HoldDecision, HoldKind
from lims.models.results import ResultState
from lims.services import holds, validation
from lims.services import results as rs
from tests.lims.test_results import CL, sample


def test_held_result_waits_for_the_supervisor(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    s = sample(system_id=997)
    r = rs.enter_result(s, CL, "0,15", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    [h] = holds.open_hold([r.id], HoldKind.HOLDING_TIME, "analisada 30 h após a coleta")
    assert holds.open_hold([r.id], HoldKind.HOLDING_TIME, "de novo") == []  # one per kind/ref
    db.commit()
    with pytest.raises(Conflict) as held:
        validation.validate([r.id], sup.id)
    assert held.value.code == "resultado_retido" and "retido" in str(held.value)
    with pytest.raises(ValidationError):
        holds.decide([h.id], HoldDecision.ACCEPT, "ok", sup.id)  # justification too short
    holds.decide([h.id], HoldDecision.ACCEPT, "prazo excedido em 6 h; resultado coerente", sup.id)
    with pytest.raises(Conflict):
        holds.decide([h.id], HoldDecision.ACCEPT, "segunda decisão não vale", sup.id)
    [v] = validation.validate([r.id], sup.id)
    assert v.state == ResultState.VALIDATED
    assert holds.undecided([r.id]) == {} and len(holds.holds_of([r.id])[r.id]) == 1


def test_instrument_out_of_calibration_cannot_be_used(db):
    from core.fmt import today
    from lims.models.methods import Instrument
    from lims.services.methods import assert_instrument_usable

    inst = Instrument(code="ESP-01", name="Espectrofotômetro", kind="espectrofotômetro",
                      calibration_due=today() - dt.timedelta(days=1))
    db.add(inst)
    db.flush()
    with pytest.raises(ValidationError) as err:
        assert_instrument_usable(inst.id, today())
    assert err.value.code == "instrumento_vencido" and "venceu em" in str(err.value)
    inst.calibration_due = today()
    assert assert_instrument_usable(inst.id, today()) is inst
