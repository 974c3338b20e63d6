"""Reference and demo data of incidents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, unit_of_work

TEMPLATES = (
    ("abertura_interrupcao", "Aviso de interrupção", "SAAE: interrupcao no abastecimento - {{ protocolo }}",
     "SAAE informa: {{ nome }}, ha uma interrupcao no abastecimento em {{ area }}. Motivo: "
     "{{ motivo }}. Previsão de normalização: {{ duracao }}. {{ medidas }} Protocolo {{ protocolo }}. "
     "Acompanhe: {{ link }}"),
    ("abertura_qualidade", "Alerta de qualidade da água", "SAAE: alerta de qualidade da água - {{ protocolo }}",
     "SAAE informa: {{ nome }}, alerta de qualidade da água em {{ area }}. Motivo: {{ motivo }}. "
     "{{ medidas }} Previsão: {{ duracao }}. Protocolo {{ protocolo }}. Acompanhe: {{ link }}"),
    ("restabelecimento", "Serviço restabelecido", "SAAE: serviço restabelecido - {{ protocolo }}",
     "SAAE informa: {{ nome }}, o serviço em {{ area }} foi restabelecido e a situação esta "
     "normalizada. Protocolo {{ protocolo }}. Detalhes: {{ link }}"),
    ("chamado_aberto", "Chamado aberto (saudação)", "SAAE: recebemos sua solicitação {{ protocolo }}",
     "Olá, {{ nome }}! Recebemos sua solicitação ({{ servico }}), protocolo {{ protocolo }}. "
     "Acompanhe o andamento: {{ link }}"),
    ("chamado_em_atendimento", "Chamado em atendimento", "SAAE: solicitação {{ protocolo }} em atendimento",
     "{{ nome }}, sua solicitação {{ protocolo }} esta em atendimento. Acompanhe: {{ link }}"),
    ("chamado_resolvido", "Chamado resolvido", "SAAE: solicitação {{ protocolo }} resolvida",
     "{{ nome }}, sua solicitação {{ protocolo }} foi resolvida. Acompanhe: {{ link }}"),
    ("chamado_em_analise", "Chamado em análise", "SAAE: solicitação {{ protocolo }} em análise",
     "{{ nome }}, sua solicitação {{ protocolo }} esta em análise. Acompanhe: {{ link }}"),
    ("chamado_encerrado", "Chamado encerrado (pesquisa)", "SAAE: solicitação {{ protocolo }} concluída",
     "{{ nome }}, sua solicitação {{ protocolo }} foi concluída. Conte como foi o atendimento "
     "(leva 10 segundos): {{ link }}"),
    ("chamado_cancelado", "Chamado cancelado", "SAAE: solicitação {{ protocolo }} cancelada",
     "{{ nome }}, sua solicitação {{ protocolo }} foi cancelada. Dúvidas: {{ link }}"),
)
STEPS = (("aberto", True), ("em_analise", False), ("em_atendimento", False), ("resolvido", False),
         ("encerrado", True), ("cancelado", False))
FORM_REDE = [{"name": "causa", "label": "Causa encontrada", "required": True},
             {"name": "servico_executado", "label": "Serviço executado", "required": True},
             {"name": "pressao_final", "label": "Pressão após o reparo (mca)", "required": False}]
FORM_QUALIDADE = [{"name": "cloro_residual", "label": "Cloro residual (mg/L)", "required": True},
                  {"name": "descarga", "label": "Descarga de rede realizada", "required": True}]
CATALOGUE = (
    # code, description, group, amount, unit, priority, team, max postpone, approval, kit, form
    ("REP-REDE", "Reparo de vazamento / rompimento de rede", "rede", 8, "horas", 1, 3, 1, False,
     [{"code": "TUBO-PVC-100", "name": "Tubo PVC DN100", "qty": 1, "unit": "barra"},
      {"code": "LUVA-100", "name": "Luva de correr DN100", "qty": 2, "unit": "un"}], FORM_REDE),
    ("QUAL-AGUA", "Coleta e descarga por qualidade da água", "qualidade", 4, "horas", 1, 2, 0, False,
     [{"code": "FRASCO", "name": "Frasco de coleta esteril", "qty": 4, "unit": "un"}], FORM_QUALIDADE),
    ("MAN-SENSOR", "Manutenção de sensor / comunicação", "automacao", 2, "dias", 3, 1, 3, False,
     [], [{"name": "diagnostico", "label": "Diagnóstico", "required": True}]),
    ("VAZ-CAV", "Vazamento no cavalete", "rede", 24, "horas", 2, 1, 2, False,
     [{"code": "REG-34", "name": "Registro 3/4", "qty": 1, "unit": "un"}],
     [{"name": "servico_executado", "label": "Serviço executado", "required": True}]),
    ("SUB-HD", "Substituição de hidrômetro", "hidrometria", 5, "dias", 4, 1, 2, True,
     [{"code": "HD-15", "name": "Hidrômetro 1,5 m3/h", "qty": 1, "unit": "un"}],
     [{"name": "leitura_retirada", "label": "Leitura do hidrômetro retirado", "required": True},
      {"name": "numero_novo", "label": "Número do hidrômetro instalado", "required": True}]),
    ("REPAV", "Recomposição de pavimento", "obras", 10, "dias", 4, 2, 3, False, [], []),
)
TECHNICIANS = (
    ("Tiago Técnico", "tecnico", ["rede", "obras"], -22.905, -47.065, "Caminhão ABC-1D23"),
    ("Tânia Técnica", "tecnico2", ["qualidade", "rede"], -22.930, -47.090, "Saveiro DEF-4G56"),
    ("Carlos Lima", "tecnico3", ["automacao", "hidrometria"], -22.890, -47.050, "Moto GHI-7J89"),
)


# What a lab-result notice tells people to do, per parameter group (editable on the templates
# page). Boiling only for microbiological risk: it does not remove chemicals and concentrates
# some of them.
ADVICE = [
    ("orientacao_microbiologico", "Orientação: microbiológico (coliformes, E. coli)",
     "Até novo aviso, ferva a água da torneira por 1 minuto antes de beber, preparar alimentos "
     "e escovar os dentes, ou use água mineral. Para banho e limpeza a água pode ser usada."),
    ("orientacao_organoleptico", "Orientação: aspecto, cor, gosto e cheiro",
     "A água pode apresentar alteração de cor, gosto ou cheiro. Deixe a torneira correr por "
     "alguns minutos antes de usar; se a alteração continuar, avise o SAAE. Não é preciso ferver."),
    ("orientacao_quimico", "Orientação: substâncias químicas",
     "Um resultado ficou acima do valor permitido. Ferver a água não remove substâncias químicas. "
     "Enquanto a Vigilância Sanitária avalia, gestantes, bebês e pessoas em tratamento de saúde "
     "podem usar água mineral para beber e preparar alimentos. Acompanhe os avisos do SAAE."),
    ("orientacao_operacional", "Orientação: controle do tratamento (pH, cloro, turbidez)",
     "Um controle do tratamento ficou fora da faixa recomendada e já está sendo corrigido. "
     "A água pode continuar a ser usada normalmente; acompanhe os avisos do SAAE."),
    ("orientacao_radioativo", "Orientação: radioatividade",
     "Um resultado de radioatividade ficou acima do valor de referência e está sendo confirmado. "
     "Siga as orientações da Vigilância Sanitária; não é preciso ferver a água."),
]


def seed_reference() -> None:
    """Data every installation needs (idempotent): templates, step rules, the catalogue."""
    from incidents.models import NoticeTemplate, ServiceType, StepConfig

    with unit_of_work(), audit_context(reason="dados de referência"):
        have = set(session.scalars(select(NoticeTemplate.code)))
        for code, name, subject, body in TEMPLATES:
            if code not in have:
                session.add(NoticeTemplate(code=code, name=name, subject=subject, body=body))
        for code, name, body in ADVICE:
            if code not in have:
                session.add(NoticeTemplate(code=code, name=name, subject="", body=body))
        steps = set(session.scalars(select(StepConfig.step)))
        for step, on in STEPS:
            if step not in steps:
                session.add(StepConfig(step=step, send_whatsapp=on, template_code=f"chamado_{step}"))
        svc = set(session.scalars(select(ServiceType.code)))
        for (code, desc, group, amount, unit, prio, team, maxp, appr, kit, form) in CATALOGUE:
            if code not in svc:
                session.add(ServiceType(code=code, description=desc, group=group, deadline_amount=amount,
                                        deadline_unit=unit, priority=prio, team_size=team,
                                        max_postponements=maxp, needs_approval=appr,
                                        materials_kit=kit, closing_form=form))


def seed_technicians() -> None:
    from incidents.models import Technician

    with unit_of_work(), audit_context(reason="dados de demonstração"):
        have = set(session.scalars(select(Technician.username)))
        for name, user, skills, lat, lon, vehicle in TECHNICIANS:
            if user not in have:
                session.add(Technician(name=name, username=user, skills=skills, latitude=lat,
                                       longitude=lon, vehicle=vehicle, available=True,
                                       position_at=dt.datetime.now(dt.UTC)))


def seed_demo(today: dt.date) -> None:
    """Technicians, one closed incident with its work order, messages, receipts and survey,
    and one open quality incident with its notice (runs after seed_reference). Uses the
    services directly; the events they publish are harmless when the worker drains them."""
    from incidents import api
    from incidents.models import Incident, Technician
    from incidents.services import incidents as svc
    from incidents.services import notify
    from incidents.services import workorders as wo

    seed_technicians()
    if session.scalars(select(Incident.id)).first():
        return
    now = dt.datetime.now(dt.UTC)
    with audit_context(reason="dados de demonstração"):
        closed = svc.open_incident(
            title="Rompimento de adutora na Rua das Flores", kind="interrupcao", origin="operador",
            severity="alta", reason="Rompimento de rede DN150", asset_code="SET-03",
            asset_name="Setor Jardim das Flores", latitude=-22.915, longitude=-47.075,
            area=svc.area_dict(sector_codes=["SET-03"]),
            area_description="Bairros Distrito Industrial, Jardim das Flores e São José",
            estimated_hours=5, notify=False, requester_name="Márcia Alves",
            requester_phone="+5519998761234")
        w = wo.open_order("REP-REDE", incident_id=closed.id, latitude=-22.915, longitude=-47.075,
                          address="Rua das Flores, 200")
        notify.queue_notice(closed.id, "abertura")
        notify.queue_notice(closed.id, "etapa_aberto")
        notify.dispatch()
        if w.technician_id:
            tech = session.get(Technician, w.technician_id)
            steps = [("aceitar", {}), ("a_caminho", {"vehicle": tech.vehicle}),
                     ("chegou", {"lat": -22.915, "lon": -47.075}), ("inicio", {}),
                     ("material", {"code": "TUBO-PVC-100", "name": "Tubo PVC DN100", "qty": 1}),
                     ("encerrar", {"form": {"causa": "Fadiga do material",
                                            "servico_executado": "Troca de 6 m de tubo"}})]
            wo.sync([{"client_key": f"demo-{i}", "work_order_id": w.id, "kind": k,
                      "at": (now - dt.timedelta(minutes=90 - 15 * i)).isoformat(), "data": d}
                     for i, (k, d) in enumerate(steps)], tech.username)
        for m in notify.messages(closed.id, limit=5):
            if m.provider_message_id:
                notify.record_receipt(m.provider_message_id, "read")
                notify.record_receipt(m.provider_message_id, "delivered")
        svc.close(closed.id, "reparo concluído")
        notify.queue_notice(closed.id, "restabelecimento")
        notify.queue_notice(closed.id, "etapa_encerrado")
        notify.dispatch()
        api.submit_survey(closed.public_token, 5, "Equipe rápida e educada")
        quality = svc.open_incident(
            title="Turbidez elevada na saída da ETA", kind="qualidade", origin="scada",
            severity="alta", reason="Turbidez acima de 5 uT na água tratada", asset_code="ETA-01",
            asset_name="ETA Rio Verde", latitude=-22.9, longitude=-47.06,
            area=svc.area_dict(sector_codes=["SET-01"]), area_description="Bairros Centro e Vila Nova",
            estimated_hours=6, open_key="ETA-01:qualidade", tag="ETA-01.TURBIDEZ_SAIDA",
            notify=False, source_data={"started_at": (now - dt.timedelta(minutes=40)).isoformat()})
        svc.transition(quality.id, "em_analise", "coleta de confirmação enviada ao laboratório")
        notify.queue_notice(quality.id, "abertura")
        notify.dispatch()
