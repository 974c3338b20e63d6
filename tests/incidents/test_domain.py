"""Pure rules of incidents, without a database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from incidents import domain
from incidents.domain import (
    INCIDENT_TRANSITIONS,
    WO_TRANSITIONS,
    IncidentState,
    TransitionError,
    WorkOrderFacts,
    WorkOrderState,
)

T0 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


def test_incident_machine_every_pair():
    for cur, tgt in itertools.product(IncidentState, IncidentState):
        if tgt in INCIDENT_TRANSITIONS[cur]:
            assert domain.incident_next(cur, tgt) == tgt
        else:
            with pytest.raises(TransitionError):
                domain.incident_next(cur, tgt)
    assert not INCIDENT_TRANSITIONS[IncidentState.CLOSED]
    assert not INCIDENT_TRANSITIONS[IncidentState.CANCELLED]


def test_work_order_machine_every_pair_and_rules():
    ok = WorkOrderFacts(assigned=True, approved=True)
    for cur, tgt in itertools.product(WorkOrderState, WorkOrderState):
        if tgt in WO_TRANSITIONS[cur]:
            assert domain.wo_next(cur, tgt, ok) == tgt
        else:
            with pytest.raises(TransitionError):
                domain.wo_next(cur, tgt, ok)
    with pytest.raises(TransitionError, match="aprovação"):
        domain.wo_next("pendente", "programado", WorkOrderFacts(needs_approval=True, assigned=True))
    with pytest.raises(TransitionError, match="designado"):
        domain.wo_next("pendente", "programado", WorkOrderFacts())
    with pytest.raises(TransitionError, match="Limite de 2"):
        domain.wo_next("programado", "postergada", WorkOrderFacts(postponements=2, max_postponements=2))
    assert domain.wo_next("programado", "postergada", WorkOrderFacts(postponements=5)) == "postergada"
    with pytest.raises(TransitionError, match="Causa"):
        domain.wo_next("programado", "encerrado_executado",
                       WorkOrderFacts(closing_form_missing=("Causa",)))
    for closed in domain.WO_CLOSED - {WorkOrderState.CANCELLED}:
        assert not WO_TRANSITIONS[closed]


def test_deadline_form_periods():
    assert domain.wo_deadline(T0, 8, "horas") == T0 + dt.timedelta(hours=8)
    assert domain.wo_deadline(T0, 2, "dias") == T0 + dt.timedelta(days=2)
    form = [{"name": "causa", "label": "Causa"}, {"name": "obs", "required": False}]
    assert domain.missing_form_fields(form, {"causa": " "}) == ("Causa",)
    assert domain.missing_form_fields(form, {"causa": "x"}) == ()
    m = dt.timedelta(minutes=1)
    p = domain.periods([("chegou", T0 + 20 * m), ("a_caminho", T0), ("inicio", T0 + 30 * m),
                        ("encerrar", T0 + 90 * m), ("chegou", T0 + 99 * m)])
    assert p == {"deslocamento": 20.0, "espera": 10.0, "execucao": 60.0}
    assert domain.periods([("a_caminho", T0)])["deslocamento"] is None


def test_nearest_technician():
    C = domain.TechCandidate
    cands = [C(1, ("rede",), True, -22.95, -47.10), C(2, ("rede",), True, -22.901, -47.061),
             C(3, ("qualidade",), True, -22.900, -47.060), C(4, ("rede",), False, -22.900, -47.060),
             C(5, ("rede",), True, None, None)]
    assert domain.nearest_technician(cands, "rede", -22.900, -47.060)[0] == 2
    assert domain.nearest_technician(cands, "qualidade", -22.9, -47.06)[0] == 3
    assert domain.nearest_technician(cands, "obras", -22.9, -47.06) is None
    # unknown position of the order: located or not, the lowest id wins deterministically
    assert domain.nearest_technician(cands[4:], "rede", -22.9, -47.06) == (5, None)
    assert 5.0 < domain.haversine_km(-22.9, -47.06, -22.95, -47.10) < 7.5


def test_delivery_states_keep_the_furthest_in_any_order():
    for order in itertools.permutations(["enviado", "entregue", "lido"]):
        state = "enviando"
        for s in order:
            state = domain.furthest(state, s)
        assert state == "lido"
    assert domain.furthest("enviado", "falhou") == "falhou"
    assert domain.furthest("entregue", "falhou") == "entregue"
    assert [domain.backoff_seconds(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert domain.backoff_seconds(30, 30) == 3600


def test_channels_keys_templates():
    assert domain.choose_channels(["sms"], "+5519999999999", None) == ["sms", "whatsapp"]
    assert domain.choose_channels([], None, "a@b.c") == ["email"]
    assert domain.choose_channels(["whatsapp"], None, None) == []
    k = domain.message_key(1, "abertura", 7, "whatsapp")
    assert k == domain.message_key(1, "abertura", 7, "whatsapp") != domain.message_key(1, "abertura", 7, "sms")
    txt = domain.render_template("Olá {{ nome }}, protocolo {{protocolo}} {{ xpto }}",
                                 {"nome": "Ana", "protocolo": "2026000001"})
    assert txt == "Olá Ana, protocolo 2026000001 {{ xpto }}"
    assert domain.unknown_variables("{{ nome }} {{ xpto }}") == ["xpto"]
    assert "ferva" in domain.SAFETY_MEASURES["qualidade"]
    assert domain.notice_duration(0.5) == "30 minutos" and domain.notice_duration(4) == "4 horas"


def test_hash_chain_detects_any_change():
    recs, prev = [], domain.GENESIS
    for i, content in enumerate(["um", "dois", "três"], start=1):
        payload = {"content": content, "content_sha256": domain.sha256_hex(content)}
        h = domain.chain_hash(prev, i, "mensagem", payload)
        recs.append({"seq": i, "kind": "mensagem", "payload": payload, "prev_hash": prev, "hash": h})
        prev = h
    assert domain.verify_chain(recs) == []
    recs[1]["payload"]["content"] = "doiz"
    problems = domain.verify_chain(recs)
    assert {p.seq for p in problems} == {2}
    recs[1]["payload"]["content"] = "dois"
    del recs[0]
    assert domain.verify_chain(recs)


def test_which_incident_an_anomaly_opens():
    from incidents.domain import opening

    assert opening.anomaly_kind("comunicacao", process=False, quality_signal=True) == "manutencao"
    assert opening.anomaly_kind("qualidade", process=True, quality_signal=False) == "qualidade"
    assert opening.anomaly_kind("limite", process=True, quality_signal=True) == "qualidade"
    assert opening.anomaly_kind("parada_eta", process=True, quality_signal=True) == "interrupcao"
    assert opening.anomaly_kind("limite", process=True, quality_signal=False) == "interrupcao"
    assert opening.open_key("ETA-01", "qualidade") == "ETA-01:qualidade"
    assert opening.anomaly_title("manutencao", "Poço 3") == "Falha de sensor/comunicacao - Poço 3"
    assert opening.anomaly_origin("parada_eta") == "eta"


def test_redelivery_grouping_and_follow_up_rules():
    from incidents.domain import opening

    assert opening.already_handled(7, "alta", [([7], "alta")])
    assert not opening.already_handled(7, "critica", [([7], "alta")])  # it got worse
    assert not opening.may_group("manutencao", process=False, sector_code="S1", window_minutes=10)
    assert opening.may_group("interrupcao", process=True, sector_code="S1", window_minutes=10)
    assert opening.same_cause(["S1"], "A", sector_code="S1", asset_code="B")
    assert not opening.same_cause(["S1"], "B", sector_code="S1", asset_code="B")
    assert opening.auto_work_order_service(enabled=True, origin="scada", kind="qualidade",
                                           severity="alta", min_severity="media",
                                           has_orders=False) == "QUAL-AGUA"
    assert opening.auto_work_order_service(enabled=True, origin="operador", kind="qualidade",
                                           severity="alta", min_severity="media",
                                           has_orders=False) is None
    assert opening.restoration_due("resolvido", True) and not opening.restoration_due("resolvido", False)
