"""Notices and a resolved ticket for the portal tests, made through incidents' own services."""

from __future__ import annotations

from typing import Any

NOTICE_TITLE = "Falta de agua no Centro: reparo de rede"
PAST_TITLE = "Manutencao no reservatorio Boa Vista"


def seed(session, world=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from incidents.services import incidents as inc_svc

    active = inc_svc.open_incident(
        title=NOTICE_TITLE, kind="interrupcao", origin="operador", notify=False,
        reason="Rompimento de rede na Rua XV de Novembro",
        area={"neighbourhoods": ["Centro"]},
        area_description="Centro: Rua XV de Novembro e Rua Tiradentes", estimated_hours=6,
        safety_measures="Use a água da caixa com moderação. Quando a água voltar, deixe a "
                        "torneira aberta por alguns minutos antes de beber.")
    past = inc_svc.open_incident(
        title=PAST_TITLE, kind="interrupcao", origin="operador", notify=False,
        reason="Limpeza programada", area={"neighbourhoods": ["Boa Vista"]},
        area_description="Boa Vista e Recanto Verde", estimated_hours=4)
    inc_svc.transition(past.id, "resolvido", "água restabelecida")
    inc_svc.transition(past.id, "encerrado", "")
    ticket = inc_svc.open_incident(
        title="Vazamento na calcada da Rua das Palmeiras", kind="atendimento", origin="cidadao",
        notify=False, requester_name="Joana Souza")
    inc_svc.transition(ticket.id, "em_atendimento", "equipe a caminho")
    inc_svc.transition(ticket.id, "resolvido", "vazamento reparado")
    return {"notice_title": NOTICE_TITLE, "notice_id": active.id, "past_title": PAST_TITLE,
            "token": ticket.public_token, "ticket_id": ticket.id}
