"""Reference data of service requests (issue 21): the connection services of the catalogue
(cut, reconnection, suppression, leak at the meter...), the request types people ask for
(vocabulary of the GSAN menu and tender 7.9/7.10) and the service price table. Idempotent:
only what is missing is added, a manager's edits are kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, unit_of_work
from incidents.models import RequestType, ServicePrice, ServiceType

_FORM_EXEC = [{"name": "servico_executado", "label": "Serviço executado", "required": True}]
_FORM_LEITURA = [{"name": "leitura", "label": "Leitura do hidrômetro (m³)", "required": True}]
SERVICES = (
    # code, description, group, deadline, unit, priority, approval, effect, kit, form
    ("CORTE", "Corte da ligação de água", "comercial", 3, "dias", 3, False, "cortar",
     [{"code": "LACRE", "name": "Lacre de corte", "qty": 1, "unit": "un"}], _FORM_LEITURA),
    ("RELIGA", "Religação de água", "comercial", 24, "horas", 2, False, "religar",
     [{"code": "LACRE", "name": "Lacre de corte", "qty": 1, "unit": "un"},
      {"code": "REG-34", "name": "Registro 3/4", "qty": 1, "unit": "un"}], _FORM_LEITURA),
    ("SUPRESSAO", "Supressão da ligação de água", "comercial", 5, "dias", 4, True, "suprimir",
     [{"code": "TAMPAO-20", "name": "Tampão DN20", "qty": 1, "unit": "un"}], _FORM_LEITURA),
    ("VAZ-RAMAL", "Reparo de vazamento no ramal", "rede", 24, "horas", 2, False, "",
     [{"code": "TUBO-PEAD-20", "name": "Tubo PEAD DN20", "qty": 3, "unit": "m"},
      {"code": "COLAR-20", "name": "Colar de tomada DN20", "qty": 1, "unit": "un"}], _FORM_EXEC),
    ("VER-FALTA", "Verificação de falta d'água", "rede", 12, "horas", 2, False, "", [],
     [{"name": "causa", "label": "Causa encontrada", "required": True}]),
    ("QUAL-VISITA", "Visita por reclamação de qualidade da água", "qualidade", 24, "horas", 2, False,
     "", [{"code": "FRASCO", "name": "Frasco de coleta estéril", "qty": 2, "unit": "un"}],
     [{"name": "cloro_residual", "label": "Cloro residual no cavalete (mg/L)", "required": True}]),
    ("AFERICAO", "Aferição de hidrômetro", "hidrometria", 5, "dias", 4, False, "", [],
     [{"name": "erro_percentual", "label": "Erro de medição (%)", "required": True}]),
    ("LIG-AGUA", "Execução de ligação de água", "obras", 10, "dias", 4, False, "",
     [{"code": "TUBO-PEAD-20", "name": "Tubo PEAD DN20", "qty": 6, "unit": "m"},
      {"code": "CAVALETE", "name": "Cavalete completo 3/4", "qty": 1, "unit": "un"}], _FORM_EXEC),
    ("INST-HD", "Instalação de hidrômetro", "hidrometria", 10, "dias", 4, False, "",
     [{"code": "HD-15", "name": "Hidrômetro 1,5 m3/h", "qty": 1, "unit": "un"}],
     [{"name": "numero_novo", "label": "Número do hidrômetro instalado", "required": True}]),
)
REQUEST_TYPES = (
    # code, description, group, services, complaint, public, needs connection
    ("VAZ-CAVALETE", "Vazamento no cavalete ou no hidrômetro", "Água", ["VAZ-CAV"], "vazamento", True, False),
    ("VAZ-RUA", "Vazamento na rua ou na calçada", "Água", ["VAZ-RAMAL"], "vazamento", True, False),
    ("FALTA-AGUA", "Falta d'água", "Água", ["VER-FALTA"], "falta_agua", True, False),
    ("QUAL-GOSTO", "Água com gosto ou cheiro diferente", "Qualidade", ["QUAL-VISITA"], "qualidade", False, False),
    ("QUAL-COR", "Água com cor ou turva", "Qualidade", ["QUAL-VISITA"], "qualidade", False, False),
    ("RELIGACAO", "Religação de água", "Comercial", ["RELIGA"], "", False, True),
    ("CORTE-PEDIDO", "Corte a pedido do cliente", "Comercial", ["CORTE"], "", False, True),
    ("AFERICAO", "Aferição de hidrômetro (consumo alto)", "Comercial", ["AFERICAO"], "", False, True),
    ("LIGACAO-NOVA", "Ligação de água nova", "Comercial", ["LIG-AGUA", "INST-HD"], "", False, False),
)
PRICES = (("RELIGA", "42.00"), ("CORTE", "0.00"), ("SUPRESSAO", "85.00"), ("AFERICAO", "35.00"),
          ("LIG-AGUA", "280.00"), ("INST-HD", "120.00"))
PRICES_FROM = dt.date(2026, 1, 1)


def seed_reference() -> None:
    """The connection services, request types and prices missing from this installation."""
    with unit_of_work(), audit_context(reason="dados de referência"):
        have = set(session.scalars(select(ServiceType.code)))
        for code, desc, group, amount, unit, prio, appr, effect, kit, form in SERVICES:
            if code not in have:
                session.add(ServiceType(code=code, description=desc, group=group, deadline_amount=amount,
                                        deadline_unit=unit, priority=prio, team_size=1,
                                        max_postponements=2, needs_approval=appr, materials_kit=kit,
                                        closing_form=form, connection_effect=effect))
        types = set(session.scalars(select(RequestType.code)))
        for code, desc, group, services, complaint, public, needs in REQUEST_TYPES:
            if code not in types:
                session.add(RequestType(code=code, description=desc, group=group, services=services,
                                        complaint=complaint, public=public, needs_connection=needs))
        priced = set(session.scalars(select(ServicePrice.service_code)))
        for code, amount in PRICES:
            if code not in priced and Decimal(amount) > 0:
                session.add(ServicePrice(service_code=code, amount=Decimal(amount), valid_from=PRICES_FROM))
