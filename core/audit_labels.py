"""The audit history in words: table and field labels, values formatted for people.

The history keeps table and column names (it is data); pages and reports show these
labels instead, and values through core.fmt (local times, pt-BR numbers, sim/não)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import fmt
from core.auth import User
from core.db import session

TABLES = {
    "lims_result": "Resultado", "lims_sample": "Amostra", "lims_sample_parameter": "Parâmetro da amostra",
    "lims_analysis_report": "Laudo de análise", "lims_recoleta": "Recoleta",
    "lims_eta_stoppage": "Parada da ETA", "lims_dosing_consumption": "Consumo de produtos químicos",
    "lims_route": "Rota de coleta", "lims_route_stop": "Parada da rota",
    "lims_route_preparation": "Preparação da rota", "lims_laboratory": "Laboratório",
    "lims_client": "Cliente do laboratório", "lims_regulator": "Órgão regulador",
    "lims_license": "Licença", "lims_supply_system": "Sistema de abastecimento",
    "lims_unit": "Unidade", "lims_point_link": "Ligação entre pontos",
    "lims_collection_point": "Ponto de coleta", "lims_sampling_plan": "Plano de amostragem",
    "lims_plan_item": "Item do plano", "lims_month_closing": "Fechamento do mês",
    "lims_sample_type": "Tipo de amostra", "lims_bottle_type": "Tipo de frasco",
    "lims_preservative": "Preservante", "lims_parameter": "Parâmetro",
    "lims_sampling_minimum": "Amostragem mínima", "incidents_template": "Modelo de aviso",
    "incidents_step_config": "Mensagem por etapa", "incidents_service_type": "Tipo de serviço",
    "incidents_technician": "Técnico", "incidents_work_order": "Ordem de serviço",
    "incidents_incident": "Incidente", "commercial_consumer": "Cliente",
    "commercial_billing_group": "Grupo de faturamento", "commercial_connection": "Ligação",
    "commercial_tariff_table": "Tabela tarifária", "commercial_tariff": "Tarifa",
    "commercial_tariff_band": "Faixa de consumo", "commercial_reading_import": "Importação de leituras",
    "commercial_reading": "Leitura", "commercial_invoice_batch": "Lote de faturas",
    "commercial_invoice": "Fatura", "commercial_service_charge": "Serviço cobrado",
    "commercial_payment_plan": "Parcelamento", "commercial_message_rule": "Mensagem da fatura",
    "commercial_parameters": "Parâmetros comerciais", "telemetry_asset": "Ativo",
    "telemetry_tag": "Tag de telemetria", "telemetry_anomaly": "Anomalia",
    "core_user": "Usuário", "core_profile": "Perfil", "core_api_token": "Chave de API",
    "core_organization": "Organização",
}

FIELDS = {
    "accreditation": "Acreditação", "accreditation_expires_on": "Validade da acreditação",
    "acknowledged_at": "Reconhecida em", "acknowledged_by": "Reconhecida por", "active": "Ativo",
    "address": "Endereço", "amount": "Valor", "analysed_at": "Analisado em",
    "analysis_responsible": "Responsável pela análise", "analyst_id": "Analista",
    "annex": "Anexo", "applies": "Aplica-se a", "approved": "Aprovado", "approved_at": "Aprovado em",
    "approved_by_id": "Aprovado por", "area": "Área", "area_description": "Área afetada",
    "arrival_temperature": "Temperatura na chegada", "asset_code": "Código do ativo",
    "asset_name": "Ativo", "assigned_analyst_id": "Analista designado",
    "assigned_lab_id": "Laboratório designado", "automatic": "Automático",
    "barcode": "Código de barras", "bottles": "Frascos", "cancel_reason": "Motivo do cancelamento",
    "cancelled": "Cancelado", "category": "Categoria", "cep": "CEP",
    "change_reason": "Motivo da alteração", "channels": "Canais", "city": "Cidade",
    "closed_at": "Fechado em", "closed_by_id": "Fechado por", "cnpj": "CNPJ", "code": "Código",
    "collected_at": "Coletada em", "collected_by_id": "Coletada por", "collected_on": "Data da coleta",
    "collector_id": "Coletor", "comment": "Comentário", "confirmed_at": "Confirmado em",
    "confirmed_by_id": "Confirmado por", "consent": "Consentimento", "consumption": "Consumo",
    "contact": "Contato", "created_at": "Criado em", "created_by_id": "Criado por",
    "day": "Dia", "deadline_amount": "Prazo", "deadline_unit": "Unidade do prazo",
    "description": "Descrição", "document": "CPF/CNPJ", "done": "Concluído",
    "due_at": "Prazo", "due_date": "Vencimento", "due_day": "Dia de vencimento",
    "email": "E-mail", "ended_at": "Fim", "entered_by_id": "Digitado por", "error": "Erro",
    "estimated_hours": "Duração estimada (h)", "executed_at": "Executado em",
    "expires_at": "Expira em", "expires_on": "Validade", "failed_logins": "Tentativas de acesso",
    "finished_at": "Concluído em", "frequency": "Frequência", "granted": "Permissões concedidas",
    "group": "Grupo", "health_guidance": "Orientação de saúde", "house_number": "Número",
    "incident_id": "Incidente", "instrument": "Instrumento", "issued_on": "Emitido em",
    "justification": "Justificativa", "kind": "Tipo", "last_login_at": "Último acesso",
    "latitude": "Latitude", "longitude": "Longitude", "legal_basis": "Base legal",
    "level": "Nível", "locked_until": "Bloqueado até", "lower": "Limite inferior",
    "matricula": "Matrícula", "message": "Mensagem", "meter_installed_on": "Hidrômetro instalado em",
    "meter_number": "Número do hidrômetro", "method": "Método", "mobile": "Celular",
    "month": "Mês", "must_change_password": "Deve trocar a senha", "name": "Nome",
    "neighbourhood": "Bairro", "neighbourhoods": "Bairros", "nonconformity_notified": "Não conformidade comunicada",
    "not_collected_reason": "Motivo da não coleta", "note": "Observação", "notes": "Observações",
    "number": "Número", "observation": "Observação", "opened_at": "Aberto em", "origin": "Origem",
    "outcome": "Resultado", "outside_plausible_confirmed": "Valor incomum confirmado",
    "paid_at": "Pago em", "parameter_code": "Parâmetro", "parameter_name": "Parâmetro",
    "parameters": "Parâmetros", "password_changed_at": "Senha trocada em", "phone": "Telefone",
    "phones": "Telefones", "planned_for": "Planejado para", "plausible_max": "Máximo plausível",
    "plausible_min": "Mínimo plausível", "point_code": "Ponto", "point_name": "Ponto",
    "population": "População", "position": "Posição", "price": "Preço", "priority": "Prioridade",
    "protocol": "Protocolo", "public_notice": "Aviso público", "published_at": "Publicado em",
    "qualifier": "Qualificador", "quantity": "Quantidade", "read_on": "Lido em",
    "reason": "Motivo", "received_at": "Recebida em", "received_by_id": "Recebida por",
    "reopen_reason": "Motivo da reabertura", "reopened_at": "Reaberto em",
    "report_number": "Número do laudo", "reprogram_count": "Reprogramações",
    "requester_name": "Solicitante", "resolved_at": "Resolvido em", "revoked": "Permissões retiradas",
    "revoked_at": "Revogada em", "safety_measures": "Orientações à população", "sample_code": "Amostra",
    "scheduled_for": "Programada para", "severity": "Gravidade", "short_name": "Nome curto",
    "situation": "Situação", "skills": "Habilidades", "source": "Fonte", "standard": "Padrão",
    "started_at": "Início", "state": "Situação", "step": "Etapa", "street": "Logradouro",
    "subject": "Assunto", "supersede_kind": "Tipo de substituição", "system_name": "Sistema",
    "tag": "Tag", "technician_id": "Técnico", "text": "Texto", "title": "Título", "total": "Total",
    "uf": "UF", "unit": "Unidade", "unverified": "Não verificado", "updated_at": "Atualizado em",
    "upper": "Limite superior", "user_id": "Usuário", "username": "Usuário",
    "valid_from": "Vigente desde", "valid_to": "Vigente até", "validated_at": "Validado em",
    "validated_by_id": "Validado por", "value": "Valor", "value_text": "Valor",
    "verdict": "Conclusão", "version": "Versão", "vmp_max": "VMP máximo", "vmp_min": "VMP mínimo",
    "volume_ml": "Volume (mL)", "year": "Ano", "body": "Texto", "population_served": "População atendida",
    "qty": "Quantidade", "lat": "Latitude", "lon": "Longitude", "vehicle": "Veículo",
    "form": "Formulário", "causa": "Causa", "servico_executado": "Serviço executado",
    "pressao_final": "Pressão após o reparo (mca)", "accuracy_m": "Precisão (m)",
    "ph": "pH", "min": "mínimo", "max": "máximo", "high": "alto", "low": "baixo",
}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DEC = re.compile(r"^-?\d+\.\d+$")


def table_label(name: str) -> str:
    return TABLES.get(name, name.split("_", 1)[-1].replace("_", " ").capitalize())


def field_label(name: str) -> str:
    if name in FIELDS:
        return FIELDS[name]
    base = name.removesuffix("_id").removesuffix("_at").removesuffix("_on")
    return FIELDS.get(base, base.replace("_", " ").capitalize())


def value_text(value: Any, tz: ZoneInfo | None = None) -> str:
    """One audited value for people: dates local, booleans sim/não, numbers pt-BR, mappings
    as "Campo: valor", lists joined; never a Python repr."""
    if value is None or value == "" or value == [] or value == {}:
        return fmt.EMPTY
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, dt.datetime):
        return fmt.date_time(value, tz)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, int | float | Decimal):
        return fmt.integer(value) if isinstance(value, int) else fmt.number(value, None)
    if isinstance(value, dict):
        parts = [f"{field_label(str(k))}: {value_text(v, tz)}" for k, v in value.items()
                 if v is not None and v != ""]
        return "; ".join(parts) or fmt.EMPTY
    if isinstance(value, list | tuple | set):
        return ", ".join(value_text(v, tz) for v in value)
    return _text_value(str(value), tz)


def _text_value(text: str, tz: ZoneInfo | None) -> str:
    """A stored string that is an ISO date-time, a date or a decimal, as people write it."""
    if _ISO.match(text):
        try:
            return fmt.date_time(dt.datetime.fromisoformat(text), tz)
        except ValueError:
            return text
    if _DATE.match(text):
        return fmt.date(text)
    if _DEC.match(text):
        return fmt.number(text, None)
    return text


ACTIONS = {"insert": "inclusão", "update": "alteração", "delete": "exclusão"}

# stored enum values as people read them (areas' own label maps take precedence where they exist)
VALUES = {
    "conforme": "Conforme", "nao_conforme": "Não conforme", "indeterminado": "Indeterminado",
    "sem_dados": "Sem dados", "registrado": "Aguardando validação", "validado": "Validado",
    "publicado": "Publicado", "substituido": "Substituído", "cancelado": "Cancelado",
    "correcao": "correção", "reanalise": "reanálise", "aberto": "Aberto",
    "em_analise": "Em análise", "em_atendimento": "Em atendimento", "resolvido": "Resolvido",
    "encerrado": "Encerrado", "pendente": "Pendente", "programado": "Programado",
    "postergada": "Postergada", "para_reprogramar": "Para reprogramar",
    "suspensa_estudo": "Suspensa para estudo", "suspensa_encerramento": "Suspensa para encerramento",
    "cancelada": "Cancelada", "encerrado_executado": "Encerrada (executada)",
    "encerrado_cancelado": "Encerrada (cancelada)", "alta": "Alta", "media": "Média",
    "baixa": "Baixa", "critica": "Crítica", "ativa": "Ativa", "cortada": "Cortada",
    "suprimida": "Suprimida", "filtracao_rapida": "Filtração rápida",
    "filtracao_lenta": "Filtração lenta", "so_desinfeccao": "Só desinfecção",
    "saida_tratamento": "Saída do tratamento", "ponta_de_rede": "Ponta de rede",
    "captacao": "Captação", "reservatorio": "Reservatório", "poco": "Poço", "rede": "Rede",
    "torneira": "Torneira de consumidor", "vigilancia_sanitaria": "Vigilância sanitária",
    "microbiologico": "Microbiológico", "organoleptico": "Organoléptico",
    "subterraneo": "Subterrâneo", "superficial": "Superficial", "misto": "Misto",
    "aviso_emissao": "Aviso de emissão", "fatura_email": "Fatura por e-mail",
    "sem_contato": "Sem contato", "enviado": "Enviado", "falhou": "Falhou", "agendado": "Agendado",
    "pendente_envio": "Aguardando envio", "whatsapp": "WhatsApp", "sms": "SMS", "email": "E-mail",
    "rascunho": "Rascunho", "aprovado": "Aprovado", "fechado": "Fechado", "reaberto": "Reaberto",
}


def enum_label(value: Any) -> str:
    """A stored code (nao_conforme, em_atendimento) in words; unknown codes lose underscores."""
    if value is None or value == "":
        return fmt.EMPTY
    text = str(value)
    return VALUES.get(text, text.replace("_", " "))

USER_FIELDS = frozenset({
    "analyst_id", "entered_by_id", "validated_by_id", "received_by_id", "collected_by_id",
    "created_by_id", "closed_by_id", "approved_by_id", "requested_by_id", "reopened_by_id",
    "confirmed_by_id", "assigned_analyst_id", "collector_id", "user_id", "analysis_responsible_id"})
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "public_token", "search_key"})
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})


def user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def describe_changes(action: str, changes: dict[str, Any], people: dict[int, str] | None = None,
                     tz: ZoneInfo | None = None) -> list[tuple[str, str, str]]:
    """(field label, old, new) per changed field, for people: user ids as names, secrets
    masked, enum codes and values formatted; bookkeeping columns left out."""
    if people is None:
        people = user_names({v for k, pair in (changes or {}).items() if k in USER_FIELDS
                             for v in (pair if isinstance(pair, list) else [pair]) if isinstance(v, int)})
    out = []
    for key, pair in (changes or {}).items():
        if key in HIDDEN_FIELDS and action != "update":
            continue
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)

        def show(v: Any, key: str = key) -> str:
            if v is None or v == "":
                return fmt.EMPTY
            if key in SECRET_FIELDS:
                return "(oculto)"
            if key in USER_FIELDS and isinstance(v, int):
                return people.get(v, f"usuário nº {v}")
            if isinstance(v, str) and v in VALUES:
                return VALUES[v]
            return value_text(v, tz)

        out.append((field_label(key), show(old), show(new)))
    return out


_CODE_IN_PARENS = re.compile(r"\(([a-z]+(?:_[a-z]+)+)\)")


def words_for_codes(text: str) -> str:
    """Codes that rule texts carry in parentheses, "(filtracao_rapida)", in words."""
    return _CODE_IN_PARENS.sub(lambda m: f"({VALUES.get(m.group(1), m.group(1).replace('_', ' ')).lower()})",
                               text or "")
