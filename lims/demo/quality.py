"""The demo lab's quality system (issue 20): methods with their uncertainty ranges, instruments
with calibration records (one due in 10 days, so the home page warns), the analysts'
competences, and - after the month's results - a coliform analysed past its holding time
waiting for the Supervisor, a guard-band rule and a parameter needing two verifications."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core.auth import User
from core.db import session, utcnow
from lims.models.catalogue import Parameter
from lims.models.holds import HoldKind, ResultHold
from lims.models.methods import Competence, Instrument, Method
from lims.models.results import Result, ResultState
from lims.services import methods, parameter_rules, validation
from lims.services.results import awaiting_entry, enter_result

log = logging.getLogger(__name__)

# (code, parameter, name, reference, unit, ld, lq, [(low, high, u_abs, u_rel)])
METHODS = [
    ("MB-9223B-CT", "coliformes_totais", "Substrato cromogênico (presença/ausência)",
     "SMEWW 9223 B", "", None, None, []),
    ("MB-9223B-EC", "escherichia_coli", "Substrato cromogênico (presença/ausência)",
     "SMEWW 9223 B", "", None, None, []),
    ("FQ-2130B", "turbidez", "Nefelometria", "SMEWW 2130 B", "uT", "0.05", "0.1",
     [("0", "1", "0.05", None), ("1", "10", None, "5"), ("10", "1000", None, "8")]),
    ("FQ-2120C", "cor_aparente", "Espectrofotometria (platina-cobalto)", "SMEWW 2120 C", "uH",
     "1", "2.5", [("0", "50", "1", None), ("50", "500", None, "4")]),
    ("FQ-4500F-C", "fluoreto", "Eletrodo de íon seletivo", "SMEWW 4500-F⁻ C", "mg/L", "0.05",
     "0.1", [("0", "2", None, "6"), ("2", "10", None, "4")]),
    ("FQ-4500H-B", "ph", "Potenciometria", "SMEWW 4500-H⁺ B", "", None, None,
     [("0", "14", "0.05", None)]),
    ("FQ-4500CL-G", "cloro_residual_livre", "DPD colorimétrico", "SMEWW 4500-Cl G", "mg/L",
     "0.05", "0.1", [("0", "5", None, "10")]),
]

# (code, name, kind, days since the last calibration, days until it is due)
INSTRUMENTS = [
    ("TB-01", "Turbidímetro HACH 2100Q", "turbidímetro", 355, 10),
    ("ESP-01", "Espectrofotômetro DR3900", "espectrofotômetro", 60, 305),
    ("PH-01", "pHmetro de bancada", "pHmetro", 20, 160),
    ("ISE-01", "Medidor de íon seletivo (fluoreto)", "medidor de íons", 90, 275),
    ("EST-01", "Estufa bacteriológica 35 °C", "estufa", 45, 320),
]


def demo_methods(today: dt.date) -> None:
    """Methods, ranges, instruments and competences of the demo lab (idempotent)."""
    if session.scalars(select(Method.id).limit(1)).first() is not None:
        return
    parameter_rules.seed_rules()  # the reference holding times (an install loads them on screen)
    params = {p.code: p.id for p in session.scalars(select(Parameter))}
    users = {u.username: u.id for u in session.scalars(select(User))}
    staff = [users[u] for u in ("analista", "analista2", "supervisor") if u in users]
    for code, pcode, name, ref, unit, ld, lq, ranges in METHODS:
        if pcode not in params:
            continue
        m = methods.save_method({"codigo": code, "nome": name, "parametro": str(params[pcode]),
                                 "referencia": ref, "unidade": unit, "ld": ld, "lq": lq,
                                 "ativo": "1"}, user_id=users.get("gestor"))
        for low, high, u_abs, u_rel in ranges:
            methods.save_range(m.id, {"de": low, "ate": high, "u_abs": u_abs, "u_rel": u_rel},
                               user_id=users.get("gestor"))
        for uid in staff:
            methods.grant(uid, m.id, granted_on=today - dt.timedelta(days=200),
                          evidence="treinamento interno e ensaio de proficiência",
                          by_id=users.get("supervisor"))
    for code, name, kind, since, due in INSTRUMENTS:
        i = methods.save_instrument({"codigo": code, "nome": name, "tipo": kind,
                                     "local": "Laboratório central", "ativo": "1"},
                                    user_id=users.get("gestor"))
        methods.add_record(i.id, {"tipo": "calibracao", "data": today - dt.timedelta(days=since),
                                  "vencimento": today + dt.timedelta(days=due),
                                  "certificado": f"RBC {code}-{today.year % 100}",
                                  "responsavel": "Metrologia Vale Verde (RBC)"},
                           user_id=users.get("supervisor"))
    est = session.scalars(select(Instrument).where(Instrument.code == "EST-01")).first()
    if est is not None:
        methods.add_record(est.id, {"tipo": "manutencao", "data": today - dt.timedelta(days=30),
                                    "responsavel": "Equipe de manutenção",
                                    "observacoes": "troca do termostato"}, user_id=users.get("supervisor"))


def demo_quality_after_results(today: dt.date) -> None:
    """After the month's results: a coliform analysed past its holding time (held, waiting for
    the Supervisor), the guard band on turbidity and two verifications for fluoride."""
    if session.scalars(select(Competence.id).limit(1)).first() is None:
        return
    params = {p.code: p.id for p in session.scalars(select(Parameter))}
    if "turbidez" in params:
        parameter_rules.save_rule(params["turbidez"], {
            "prazo_horas": "24", "temp_min": "0", "temp_max": "10", "regra_decisao": "banda_de_guarda",
            "verificacoes": "1", "fonte": "SMEWW 1060 Tabela 1060:I (24 h, refrigerada)",
            "nao_verificado": "1"}, user_id=None, reason="demonstração: banda de guarda")
    if "fluoreto" in params:
        parameter_rules.save_rule(params["fluoreto"], {
            "prazo_horas": "672", "verificacoes": "2", "fonte": "SMEWW 1060 Tabela 1060:I (28 dias)",
            "nao_verificado": "1"}, user_id=None, reason="demonstração: duas verificações")
    if session.scalars(select(ResultHold.id).where(ResultHold.kind == HoldKind.HOLDING_TIME.value)
                       .limit(1)).first() is None:
        _late_coliform(params.get("coliformes_totais"))


def _late_coliform(parameter_id: int | None) -> None:
    """A coliform result of the open month sent back for reanalysis (broken bottle in the
    incubator) and analysed again now, past its holding time: held for the Supervisor."""
    users = {u.username: u.id for u in session.scalars(select(User))}
    analyst, supervisor = users.get("analista"), users.get("supervisor")
    rule = parameter_rules.rule_of(parameter_id) if parameter_id is not None else None
    if analyst is None or supervisor is None or rule is None or rule.max_hours is None:
        return
    old = session.scalars(select(Result).where(
        Result.parameter_id == parameter_id, Result.state == ResultState.ENTERED,
        Result.collected_at < utcnow() - dt.timedelta(hours=float(rule.max_hours) + 1))
        .order_by(Result.collected_at.desc())).first()
    if old is None:
        log.info("demo: no coliform result old enough for a holding-time hold")
        return
    validation.reanalyse(old.id, "frasco quebrado na incubação (demonstração)", supervisor)
    for ref, params in awaiting_entry(sample_id=old.sample_id):
        for p in params:
            if p.id == parameter_id:
                enter_result(ref, p, "Ausente", analysed_at=utcnow(), analyst_id=analyst,
                             entered_by_id=analyst, observation="reanálise (demonstração)")
