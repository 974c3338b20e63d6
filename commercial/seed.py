"""Reference and demo data of commercial."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal

from sqlalchemy import func, insert, select

from commercial.domain.contacts import brazilian_mobile
from commercial.domain.documents import matricula_with_dv
from commercial.domain.text import search_key
from core import fmt

log = logging.getLogger(__name__)

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
    from commercial.models import MessageRule
    from commercial.services.billing_parameters import parameters
    from core.db import session

    parameters()
    s = session()
    if s.scalar(select(func.count(MessageRule.id))) == 0:
        for kind, title, text, prio, threshold in DEFAULT_MESSAGES:
            s.add(MessageRule(kind=kind, title=title, text=text, priority=prio,
                              threshold_percent=threshold, neighbourhoods=[], sector_codes=[]))
    s.flush()


FIRST = ("Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Adriana",
         "Lucas", "Juliana", "Marcos", "Patrícia", "Luiz", "Aline", "Gabriel", "Sandra", "Rafael",
         "Camila", "Pedro", "Fernanda", "Daniel", "Márcia", "Rodrigo", "Beatriz", "Eduardo",
         "Luciana", "Felipe", "Vanessa", "Bruno", "Cristina", "Mateus", "Renata", "Tiago",
         "Simone", "Diego", "Letícia", "Vitor", "Raimunda", "Sebastião", "Helena", "Otávio")
LAST = ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
        "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
        "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Teixeira")
BUSINESS = ("Padaria", "Mercearia", "Farmácia", "Oficina", "Restaurante", "Lanchonete",
            "Salão de Beleza", "Papelaria", "Açougue", "Loja")
INDUSTRY = ("Metalurgica", "Laticinios", "Ceramica", "Tecelagem", "Alimentos")
PUBLIC = ("Escola Municipal", "UBS", "Creche Municipal", "Ginásio Municipal", "Posto de Saúde")


def _cpf(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(9)]
    for n in (9, 10):
        s = sum(d * (n + 1 - i) for i, d in enumerate(base))
        base.append((s * 10) % 11 % 10)
    return "".join(map(str, base))


def _cnpj(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for w in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        r = sum(d * x for d, x in zip(base, w, strict=False)) % 11
        base.append(0 if r < 2 else 11 - r)
    return "".join(map(str, base))


def seed_demo(today: dt.date, *, connections: int = 2400, run_batch: bool = True) -> None:
    """About 2,400 connections over core.demo's sectors, a tariff table, three months of
    readings, an issued batch for last month and a scheduled one (with its SMS) for this
    month."""
    from commercial.models import (
        BillingGroup,
        Connection,
        Consumer,
        Invoice,
        PaymentPlan,
        Reading,
        ServiceCharge,
    )
    from commercial.services import batches, billing_groups, billing_parameters, tariffs
    from core.db import session
    from core.demo import SECTORS

    s = session()
    if s.scalar(select(func.count(Connection.id))):
        return
    rng = random.Random(888)
    systems = billing_groups.systems_by_code()
    g1 = BillingGroup(number=1, name="Grupo 1 - Sede", reading_day=18, processing_day=20, due_day=5)
    g2 = BillingGroup(number=2, name="Grupo 2 - Boa Vista e Sitio Novo", reading_day=22,
                      processing_day=24, due_day=10)
    s.add_all([g1, g2])
    s.flush()
    table_start = dt.date(today.year - 1, 1, 1)
    tariffs.save_table("Tabela 2025 (Resolução ARES 001)", table_start, None,
                       tariffs.tender_example_rows(), legal_basis="Resolução da agência reguladora")
    total_pop = sum(sec.population for sec in SECTORS)
    consumers, conns = [], []
    number = 1000
    for sec in SECTORS:
        n_sec = round(connections * sec.population / total_pop)
        group = g1 if sec.system_code == "SAA-SEDE" else g2
        for i in range(n_sec):
            number += rng.randint(1, 3)
            kind = rng.random()
            res = com = ind = pub = soc = 0
            if kind < 0.80:
                res = 1 if rng.random() < 0.93 else rng.randint(2, 4)
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
                doc = _cpf(rng)
            elif kind < 0.86:
                soc = 1
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
                doc = _cpf(rng)
            elif kind < 0.95:
                com = 1
                res = 1 if rng.random() < 0.3 else 0
                name = f"{rng.choice(BUSINESS)} {rng.choice(LAST)} Ltda"
                doc = _cnpj(rng)
            elif kind < 0.98 and sec.code == "SET-03":
                ind = 1
                name = f"{rng.choice(INDUSTRY)} {rng.choice(LAST)} S.A."
                doc = _cnpj(rng)
            else:
                pub = 1
                name = f"{rng.choice(PUBLIC)} {rng.choice(LAST)}"
                doc = None
            r = rng.random()
            phones, mobile, email = [], None, None
            ddd = "19"
            if r < 0.72:
                m = f"({ddd}) 9{rng.randint(7000, 9999)}-{rng.randint(0, 9999):04d}"
                phones.append(m)
                mobile = brazilian_mobile(m)
                if rng.random() < 0.2:
                    phones.append(f"({ddd}) 3{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}")
            elif r < 0.84:
                phones.append(f"({ddd}) 3{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}")
            if rng.random() < (0.35 if phones else 0.6):
                email = f"{search_key(name).split()[0]}.{number}@exemplo.com.br"
            channels = []
            if mobile:
                channels = ["whatsapp", "sms"] if rng.random() < 0.6 else ["sms"]
            if email:
                channels.append("email")
            consent = bool(channels) and rng.random() < 0.85
            consumers.append({"name": name, "document": doc,
                              "document_kind": ("cpf" if doc and len(doc) == 11 else "cnpj" if doc else None),
                              "phones": phones, "mobile": mobile, "email": email,
                              "channels": channels, "consent": consent,
                              "invoice_by_email": bool(email) and rng.random() < 0.4})
            street = rng.choice(sec.streets)
            hood = rng.choice(sec.neighbourhoods)
            sit = rng.random()
            conns.append({
                "number": number, "matricula": matricula_with_dv(number),
                "billing_group_id": group.id, "street": street,
                "house_number": str(rng.randint(1, 1800)),
                "complement": rng.choice([None] * 8 + ["Casa 2", "Fundos"]),
                "neighbourhood": hood, "city": "Vale Verde", "cep": f"13{rng.randint(900, 999)}-000",
                "search_key": search_key(street, hood), "system_code": sec.system_code,
                "system_id": systems.get(sec.system_code), "sector_code": sec.code,
                "segment_code": f"{sec.code}-T{rng.randint(1, 12):02d}",
                "residencial": res, "comercial": com, "industrial": ind, "publica": pub,
                "social": soc, "tariff_type": "normal", "has_sewer": rng.random() < 0.85,
                "meter_number": f"Y{rng.randint(18, 25)}A{rng.randint(100000, 999999)}",
                "meter_diameter": '3/4"' if not (ind or pub) else '1"',
                "meter_telemetered": rng.random() < 0.06,
                "situation": "ativa" if sit < 0.95 else ("cortada" if sit < 0.99 else "suprimida"),
                "direct_debit": rng.random() < 0.12, "route_seq": i,
                "latitude": round(sec.lat + rng.uniform(-0.006, 0.006), 6),
                "longitude": round(sec.lon + rng.uniform(-0.006, 0.006), 6),
            })
    res = s.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id),
                    [{**c, "created_at": _now(), "updated_at": _now()} for c in consumers])
    ids = [r[0] for r in res]
    for c, cid in zip(conns, ids, strict=True):
        c["consumer_id"] = cid
    res = s.execute(insert(Connection.__table__).returning(Connection.__table__.c.id),
                    [{**c, "created_at": _now(), "updated_at": _now()} for c in conns])
    conn_ids = [r[0] for r in res]
    # four months of readings (the first is the baseline); "last month" is the billed one
    last_y, last_m = fmt.month_add(today.year, today.month, -1)
    months = [fmt.month_add(last_y, last_m, d) for d in (-3, -2, -1, 0)]
    readings = []
    for c, cid in zip(conns, conn_ids, strict=True):
        if c["situation"] == "suprimida":
            continue
        econ = c["residencial"] + c["comercial"] * 2 + c["industrial"] * 20 + c["publica"] * 6 + c["social"]
        base = max(3, rng.gauss(14, 5)) * max(econ, 1)
        value = rng.randint(100, 4000)
        prev_value = prev_day = None
        for k, (y, m) in enumerate(months):
            group_day = 18 if c["billing_group_id"] == g1.id else 22
            day = dt.date(y, m, group_day) + dt.timedelta(days=rng.randint(-1, 1))
            cons = 0 if c["situation"] == "cortada" else max(0, round(rng.gauss(base, base * 0.18)))
            if k == len(months) - 1 and rng.random() < 0.04:
                cons = round(base * rng.uniform(1.6, 2.5))  # a leak: excess message
            not_read = k > 0 and rng.random() < 0.02
            if not_read:
                readings.append({"connection_id": cid, "year": y, "month": m, "read_on": day,
                                 "value": None, "previous_value": prev_value,
                                 "previous_read_on": prev_day, "consumption": round(base),
                                 "kind": "media", "occurrence": "portao fechado"})
                continue
            value += cons
            readings.append({"connection_id": cid, "year": y, "month": m, "read_on": day,
                             "value": value, "previous_value": prev_value if k else value - cons,
                             "previous_read_on": prev_day if k else day - dt.timedelta(days=30),
                             "consumption": cons, "kind": "real", "occurrence": None})
            prev_value, prev_day = value, day
    for i in range(0, len(readings), 5000):
        s.execute(insert(Reading.__table__),
                  [{**r, "created_at": _now(), "updated_at": _now()} for r in readings[i:i + 5000]])
    # a few payment plans and services to bill; a location message
    for cid in rng.sample(conn_ids, 25):
        s.add(PaymentPlan(connection_id=cid, instalments=6, paid_instalments=rng.randint(1, 4),
                          next_due=today + dt.timedelta(days=20), next_amount=Decimal("48.30")))
    for cid in rng.sample(conn_ids, 15):
        s.add(ServiceCharge(connection_id=cid, description="Religação de água", amount=Decimal("42.00")))
    from commercial.models import MessageRule

    s.add(MessageRule(kind="localizacao", title="Obras no Sitio Novo",
                      text="Obras de ampliação da rede na Estrada do Sítio Novo até dezembro: "
                           "pode haver baixa pressão entre 8h e 17h.", priority=35,
                      neighbourhoods=["Sitio Novo"], sector_codes=[]))
    p = billing_parameters.parameters()
    p.febraban_company, p.pix_key = "0123", "12345678000195"
    p.pix_name, p.pix_city = "SAAE VALE VERDE", "VALE VERDE"
    p.quality_more_info = "Relatório anual e resultados: www.saaevaleverde.sp.gov.br/qualidade"
    # the demo bills last month now that the lab has closed it, so the invoices carry that
    # month's own results (the demo LIMS has no data before last month)
    p.quality_months_back = 0
    s.flush()
    if not run_batch:
        return
    for g in (g1, g2):
        issue = today
        batch = batches.request_batch(g.id, last_y, last_m, issue_date=issue, run=False)
        batches.run_batch(batch.id)
    # this month's batch of group 2, scheduled 8 days ahead: its SMS announcing the issue
    # date (and the direct-debit date) are due today
    batches.request_batch(g2.id, today.year, today.month,
                          issue_date=today + dt.timedelta(days=p.sms_days_before), run=False)
    from commercial.services import delivery

    delivery.send_due_notices(today)
    n_inv = s.scalar(select(func.count(Invoice.id)))
    log.info("commercial demo: %s connections, %s readings, %s invoices", len(conns), len(readings), n_inv)


def _now() -> dt.datetime:
    from core.db import utcnow

    return utcnow()
