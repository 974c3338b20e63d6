"""Reference data of incidents every installation needs (the demo's data: incidents.demo)."""

from __future__ import annotations

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, unit_of_work
from incidents.demo import seed_demo  # noqa: F401  saae/seed.py finds each area's demo here
from incidents.models import NoticeTemplate, ServiceType, StepConfig
from incidents.seed_requests import seed_reference as seed_request_reference

TEMPLATES = (
    ("abertura_interrupcao", "Aviso de interrupção", "SAAE: interrupcao no abastecimento - {{ protocolo }}",
     "SAAE informa: {{ nome }}, ha uma interrupcao no abastecimento em {{ area }}. Motivo: "
     "{{ motivo }}. Previsão de normalização: {{ duracao }}. {{ medidas }} Protocolo {{ protocolo }}. "
     "Acompanhe: {{ link }}"),
    ("abertura_qualidade", "Alerta de qualidade da água", "SAAE: alerta de qualidade da água - {{ protocolo }}",
     "SAAE informa: {{ nome }}, alerta de qualidade da água em {{ area }}. Motivo: {{ motivo }}. "
     "{{ medidas }} Previsão: {{ duracao }}. Protocolo {{ protocolo }}. Acompanhe: {{ link }}"),
    ("atualizacao_qualidade", "Atualização do alerta de qualidade da água",
     "SAAE: atualização do alerta de qualidade da água - {{ protocolo }}",
     "SAAE informa: {{ nome }}, atualização do alerta de qualidade da água em {{ area }}. "
     "Motivo: {{ motivo }}. {{ medidas }} Protocolo {{ protocolo }}. Acompanhe: {{ link }}"),
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
    seed_request_reference()
