"""Reference data of commercial (`seed_reference`); the demo data is commercial.demo's
(`seed_demo`, named here for the composition root)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from commercial.demo.seed import seed_demo
from commercial.models import MessageRule
from commercial.services.billing_parameters import parameters
from core.db import session

__all__ = ["DEFAULT_MESSAGES", "seed_demo", "seed_reference"]

DEFAULT_MESSAGES = [
    # (kind, title, text, priority, threshold); printed on the invoice, so in proper pt-BR
    ("ligacao_cortada", "Ligação cortada",
     "Sua ligação está cortada. Procure o atendimento para regularizar e pedir a religação.", 10, None),
    ("debito_devolvido", "Débito automático devolvido",
     "O débito automático de {data_devolucao} foi devolvido pelo banco. Pague esta fatura pelo "
     "código de barras ou PIX e confira seus dados bancários.", 15, None),
    ("debitos_em_aberto", "Faturas em aberto",
     "Constam {qtd_abertas} fatura(s) em aberto, no total de {valor_abertas}. Evite o corte: "
     "regularize no atendimento ou pelo site.", 20, None),
    ("plano_pagamento", "Parcelamento ativo",
     "Parcelamento ativo: restam {parcelas_restantes} parcela(s); a próxima, de "
     "{proxima_parcela_valor}, vence em {proxima_parcela_data}.", 30, None),
    ("excesso_consumo", "Excesso de consumo",
     "Seu consumo ({consumo} m³) ficou {excesso_pct}% acima da sua média ({media} m³). "
     "Verifique se há vazamentos.", 40, Decimal(30)),
    ("debito_automatico", "Débito automático",
     "Esta fatura será debitada automaticamente em conta em {vencimento}.", 50, None),
    ("telemedicao", "Telemedição",
     "Seu hidrômetro é telemedido: acompanhe o consumo diário no site e receba alertas de vazamento.",
     60, None),
    ("alertas", "Alertas personalizados",
     "Cadastre seu celular no atendimento e receba por SMS/WhatsApp avisos de falta de água e da "
     "emissão da fatura.", 70, None),
    ("tarifa_aplicada", "Tarifa aplicada",
     "Tarifas aplicadas: {tabela}, vigente desde {vigencia}.", 90, None),
    ("fatura_zero", "Fatura com valor zero",
     "Não há valor a pagar neste mês.", 5, None),
]


def seed_reference() -> None:
    """Data every installation needs (idempotent): billing parameters and the default
    personalised messages (a Gestor edits them)."""
    parameters()
    s = session()
    if s.scalar(select(func.count(MessageRule.id))) == 0:
        for kind, title, text, prio, threshold in DEFAULT_MESSAGES:
            s.add(MessageRule(kind=kind, title=title, text=text, priority=prio,
                              threshold_percent=threshold, neighbourhoods=[], sector_codes=[]))
    s.flush()
