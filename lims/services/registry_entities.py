"""LIMS services: the registry's and the catalogue's entities as small field specs (what the
Gestor edits without code: fields, lists, uniqueness) and the checks of each entity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.db import session
from lims.domain.coverage import SENSITIVE_LABELS
from lims.domain.limits import Disinfectant, LimitKind
from lims.domain.plans import FREQUENCY_LABELS
from lims.models import catalogue as cat
from lims.models import registry as reg
from lims.models import sensors


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "str"  # str | text | int | decimal | float | bool | date | choice | list | fk
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)
    fk: str | None = None  # entity key of the referenced record (kind fk)
    help: str = ""


@dataclass(frozen=True)
class Entity:
    key: str
    label: str  # plural, pt-BR
    singular: str
    model: type
    fields: tuple[Field, ...]
    list_fields: tuple[str, ...]
    order_by: str = "name"
    unique: tuple[str, ...] = ()


YES = {"1", "true", "on", "sim", "s", "yes"}


LIMIT_KINDS = LimitKind.choices()


DISINFECTANTS = Disinfectant.choices()


GROUPS = cat.GROUP_LABELS


APPLIES = {"saida": "Saída do tratamento", "rede": "Rede (reservatórios e distribuição)",
           "todos": "Todos os pontos"}


ENTITIES: dict[str, Entity] = {e.key: e for e in (
    Entity("laboratorios", "Laboratórios", "laboratorio", reg.Laboratory, (
        Field("name", "Nome", required=True),
        Field("own", "Laboratório próprio", "bool", help="desmarque para laboratório contratado"),
        Field("cnpj", "CNPJ"), Field("accreditation", "Acreditação (ISO 17025 / REBLAS)"),
        Field("accreditation_expires_on", "Validade da acreditação", "date"),
        Field("contact", "Contato"), Field("active", "Ativo", "bool")),
        ("name", "own", "accreditation_expires_on", "active"), unique=("name",)),
    Entity("clientes", "Clientes", "cliente", reg.Client, (
        Field("name", "Nome", required=True), Field("document", "CPF/CNPJ"),
        Field("contact", "Contato"), Field("address", "Endereço"), Field("active", "Ativo", "bool")),
        ("name", "document", "contact", "active")),
    Entity("reguladores", "Órgãos reguladores", "órgão regulador", reg.Regulator, (
        Field("name", "Nome", required=True),
        Field("kind", "Tipo", "choice", True, {"vigilancia_sanitaria": "Vigilância sanitária (VISA)",
                                               "agencia": "Agência reguladora",
                                               "ambiental": "Órgão ambiental / outorga"}),
        Field("contact", "Contato"), Field("email", "E-mail"), Field("active", "Ativo", "bool")),
        ("name", "kind", "email", "active")),
    Entity("licencas", "Licencas e outorgas", "licenca/outorga", reg.License, (
        Field("kind", "Tipo", "choice", True, {"licenca": "Licenca", "outorga": "Outorga de uso da água"}),
        Field("number", "Número", required=True), Field("issuer", "Emissor", required=True),
        Field("system_id", "Sistema", "fk", fk="sistemas"), Field("unit_id", "Unidade", "fk", fk="unidades"),
        Field("issued_on", "Emitida em", "date"), Field("expires_on", "Vence em", "date"),
        Field("description", "Descrição", "text"), Field("active", "Ativa", "bool")),
        ("kind", "number", "issuer", "expires_on", "active"), order_by="expires_on"),
    Entity("sistemas", "Sistemas de abastecimento", "sistema", reg.SupplySystem, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("kind", "Tipo", "choice", True, reg.SystemKind.choices()),
        Field("population_served", "População abastecida (hab.)", "int", True),
        Field("source_type", "Manancial", "choice", True, reg.SourceType.choices()),
        Field("treatment_type", "Tratamento", "choice", True, reg.TreatmentType.choices()),
        Field("disinfectant", "Desinfetante (residual na distribuição)", "choice", False,
              DISINFECTANTS, help="decide a regra do residual: cloro livre >= 0,2 mg/L, "
              "cloro combinado >= 2 mg/L ou dióxido de cloro >= 0,2 mg/L"),
        Field("neighbourhoods", "Bairros atendidos", "list", help="separados por virgula"),
        Field("latitude", "Latitude", "float"), Field("longitude", "Longitude", "float"),
        Field("regulator_id", "Vigilância sanitária", "fk", fk="reguladores"),
        Field("sisagua_code", "Código SISAGUA"), Field("active", "Ativo", "bool")),
        ("code", "name", "kind", "population_served", "source_type", "treatment_type",
         "disinfectant", "active"),
        order_by="code", unique=("code",)),
    Entity("unidades", "Unidades", "unidade", reg.Unit, (
        Field("system_id", "Sistema", "fk", True, fk="sistemas"),
        Field("code", "Código", required=True, help="o mesmo usado na telemetria, ex.: ETA-01"),
        Field("name", "Nome", required=True),
        Field("kind", "Tipo", "choice", True, reg.UNIT_LABELS),
        Field("parent_id", "Unidade superior (setor de um segmento)", "fk", fk="unidades"),
        Field("neighbourhoods", "Bairros", "list", help="separados por virgula"),
        Field("population", "População atendida (setor)", "int"),
        Field("connections", "Ligações (setor, quando sem população)", "int"),
        Field("latitude", "Latitude", "float"), Field("longitude", "Longitude", "float"),
        Field("active", "Ativa", "bool")),
        ("code", "name", "kind", "system_id", "active"), order_by="code"),
    Entity("pontos", "Pontos de coleta", "ponto de coleta", reg.CollectionPoint, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("system_id", "Sistema", "fk", True, fk="sistemas"),
        Field("unit_id", "Unidade", "fk", fk="unidades"),
        Field("kind", "Tipo", "choice", True, reg.POINT_LABELS),
        Field("sensitive", "Consumidor sensível", "choice", False, SENSITIVE_LABELS),
        Field("address", "Endereço"), Field("neighbourhood", "Bairro"),
        Field("latitude", "Latitude", "float"), Field("longitude", "Longitude", "float"),
        Field("notes", "Observações", "text"), Field("active", "Ativo", "bool")),
        ("code", "name", "kind", "neighbourhood", "system_id", "active"), order_by="code",
        unique=("code",)),
    Entity("parametros", "Parâmetros", "parametro", cat.Parameter, (
        Field("code", "Código", required=True, help="minusculas, sem espacos: cloro_residual_livre"),
        Field("name", "Nome", required=True),
        Field("group", "Grupo", "choice", True, GROUPS),
        Field("unit", "Unidade"), Field("method", "Método"),
        Field("ld", "LD", "decimal"), Field("lq", "LQ", "decimal"),
        Field("vmp_min", "VMP mínimo", "decimal"), Field("vmp_max", "VMP máximo", "decimal"),
        Field("limit_kind", "O limite geral é", "choice", False, LIMIT_KINDS,
              help="faixa recomendada (pH) nunca torna um resultado não conforme"),
        Field("presence_absence", "Presenca/ausencia (VMP: ausência)", "bool"),
        Field("applies", "Onde o VMP se aplica", "choice", True, APPLIES),
        Field("compare_decimals", "Casas decimais na comparação", "int"),
        Field("plausible_min", "Faixa plausível: mínimo", "decimal"),
        Field("plausible_max", "Faixa plausível: máximo", "decimal"),
        Field("annex", "Anexo"), Field("source", "Fonte", required=True),
        Field("version", "Versão da regra"),
        Field("sample_type_id", "Tipo de amostra", "fk", fk="tipos_amostra"),
        Field("bottle_type_id", "Frasco", "fk", fk="frascos"),
        Field("preservative_id", "Preservante", "fk", fk="preservantes"),
        Field("volume_ml", "Volume (mL)", "int"),
        Field("field_reading", "Medido em campo pelo coletor", "bool"),
        Field("notes", "Observações", "text"), Field("active", "Ativo", "bool")),
        ("code", "name", "group", "unit", "standard_text", "source", "active"), order_by="code",
        unique=("code",)),
    Entity("tipos_amostra", "Tipos de amostra", "tipo de amostra", cat.SampleType, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("active", "Ativo", "bool")), ("code", "name", "active"), order_by="code",
        unique=("code",)),
    Entity("frascos", "Tipos de frasco", "tipo de frasco", cat.BottleType, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("volume_ml", "Volume (mL)", "int"), Field("material", "Material"),
        Field("active", "Ativo", "bool")), ("code", "name", "volume_ml", "material", "active"),
        order_by="code", unique=("code",)),
    Entity("preservantes", "Preservantes", "preservante", cat.Preservative, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("active", "Ativo", "bool")), ("code", "name", "active"), order_by="code",
        unique=("code",)),
    Entity("minimos", "Amostragem mínima (Portaria 888)", "regra de amostragem mínima",
           cat.SamplingMinimum, (
        Field("parameter_code", "Código do parâmetro", required=True),
        Field("where", "Onde", "choice", True, {"saida": "Saída do tratamento", "rede": "Rede",
                                                 "captacao": "Captação"}),
        Field("system_kind", "Tipo de sistema", "choice", True, {"SAA": "SAA", "SAC": "SAC"}),
        Field("source_type", "Manancial", "choice", True, {"*": "Qualquer", "superficial": "Superficial",
                                                            "subterraneo": "Subterraneo"}),
        Field("pop_min", "População de (hab.)", "int", True),
        Field("pop_max", "População até (hab.)", "int", help="vazio = sem limite"),
        Field("frequency", "Frequência", "choice", True, {}),
        Field("base", "Número de amostras (base)", "int", True),
        Field("per_inhabitants", "Mais 1 amostra a cada (hab.)", "int"),
        Field("cap", "Máximo", "int"), Field("source", "Fonte"), Field("version", "Versão"),
        Field("notes", "Observações"), Field("active", "Ativa", "bool")),
        ("parameter_code", "where", "source_type", "pop_min", "pop_max", "frequency", "base",
         "per_inhabitants", "source", "active"), order_by="parameter_code"),
    Entity("limites", "Limites por escopo (Portaria 888)", "limite", cat.ParameterLimit, (
        Field("parameter_code", "Código do parâmetro", required=True),
        Field("kind", "O limite é", "choice", True, LIMIT_KINDS),
        Field("minimum", "Mínimo", "decimal"), Field("maximum", "Máximo", "decimal"),
        Field("point_kinds", "Tipos de ponto", "list",
              help="separados por vírgula (vazio = todos): " + ", ".join(reg.POINT_LABELS)),
        Field("treatment_types", "Tipos de tratamento", "list",
              help="separados por vírgula (vazio = todos): " + ", ".join(reg.TreatmentType.choices())),
        Field("disinfectants", "Desinfetantes", "list",
              help="separados por vírgula (vazio = todos): " + ", ".join(DISINFECTANTS)),
        Field("annex", "Anexo"), Field("source", "Fonte", required=True),
        Field("version", "Versão da regra"), Field("unverified", "Não verificado no DOU", "bool"),
        Field("notes", "Observações", "text"), Field("active", "Ativo", "bool")),
        ("parameter_code", "kind", "limit_text", "scope_text", "source", "active"),
        order_by="parameter_code"),
    # issue 18: when an online analyser disagrees with the lab for good (operational data)
    Entity("regras_sensor", "Regras sensor x laboratório", "regra sensor x laboratório",
           sensors.SensorRule, (
               Field("quantity", "Grandeza medida", "choice", True, sensors.QUANTITY_LABELS),
               Field("name", "Nome", required=True),
               Field("parameter_code", "Código do parâmetro no laboratório", required=True),
               Field("tolerance", "Tolerância", "float", True,
                     help="diferença máxima aceita entre analisador e laboratório, na unidade do parâmetro"),
               Field("pairs", "Comparações seguidas", "int", True,
                     help="quantas comparações seguidas, todas fora da tolerância e do mesmo lado, "
                          "tornam o analisador suspeito"),
               Field("source", "Fonte / justificativa"), Field("active", "Ativa", "bool")),
           ("quantity", "name", "tolerance", "pairs", "active"), order_by="quantity",
           unique=("quantity",)),
)}


def frequency_choices() -> dict[str, str]:
    return {k.value: v for k, v in FREQUENCY_LABELS.items()}




def _check_parameter(v: dict[str, Any]) -> dict[str, list[str]]:
    err: dict[str, list[str]] = {}
    lo, hi = v.get("vmp_min"), v.get("vmp_max")
    if lo is not None and hi is not None and lo > hi:
        err["vmp_min"] = ["O VMP mínimo e maior que o máximo."]
    if v.get("presence_absence") and (lo is not None or hi is not None):
        err["presence_absence"] = ["Presenca/ausencia não tem VMP numérico."]
    ld, lq = v.get("ld"), v.get("lq")
    if ld is not None and lq is not None and ld > lq:
        err["ld"] = ["O LD deve ser menor ou igual ao LQ."]
    pl, ph = v.get("plausible_min"), v.get("plausible_max")
    if pl is not None and ph is not None and pl > ph:
        err["plausible_min"] = ["Faixa plausível inválida."]
    code = v.get("code") or ""
    if code and (code != code.lower() or " " in code):
        err["code"] = ["Use minusculas e sublinhado, sem espacos."]
    return err


def _check_minimum(v: dict[str, Any]) -> dict[str, list[str]]:
    err: dict[str, list[str]] = {}
    if v.get("pop_max") is not None and v["pop_max"] < (v.get("pop_min") or 0):
        err["pop_max"] = ["O limite superior e menor que o inferior."]
    if (v.get("base") or 0) < 0:
        err["base"] = ["Número negativo."]
    return err


def _check_limit(v: dict[str, Any]) -> dict[str, list[str]]:
    err: dict[str, list[str]] = {}
    lo, hi = v.get("minimum"), v.get("maximum")
    if lo is None and hi is None:
        err["maximum"] = ["Informe o mínimo, o máximo ou os dois."]
    elif lo is not None and hi is not None and lo > hi:
        err["minimum"] = ["O mínimo é maior que o máximo."]
    for name, allowed in (("point_kinds", reg.POINT_LABELS),
                          ("treatment_types", reg.TreatmentType.choices()),
                          ("disinfectants", DISINFECTANTS)):
        bad = [x for x in v.get(name) or () if x not in allowed]
        if bad:
            err[name] = [f"Valores desconhecidos: {', '.join(bad)}."]
    code = v.get("parameter_code")
    if code and session.scalars(select(cat.Parameter.id).where(
            cat.Parameter.code == code)).first() is None:
        err["parameter_code"] = ["Parâmetro não cadastrado no catálogo."]
    return err


def _check_license(v: dict[str, Any]) -> dict[str, list[str]]:
    if v.get("issued_on") and v.get("expires_on") and v["expires_on"] < v["issued_on"]:
        return {"expires_on": ["O vencimento e anterior a emissão."]}
    return {}


def _check_geo(v: dict[str, Any]) -> dict[str, list[str]]:
    err: dict[str, list[str]] = {}
    if v.get("latitude") is not None and not -90 <= v["latitude"] <= 90:
        err["latitude"] = ["Latitude fora de -90..90."]
    if v.get("longitude") is not None and not -180 <= v["longitude"] <= 180:
        err["longitude"] = ["Longitude fora de -180..180."]
    if "population_served" in v and (v["population_served"] or 0) < 0:
        err["population_served"] = ["População negativa."]
    return err


def _check_sensor_rule(v: dict[str, Any]) -> dict[str, list[str]]:
    err: dict[str, list[str]] = {}
    if v.get("tolerance") is not None and v["tolerance"] <= 0:
        err["tolerance"] = ["A tolerância deve ser maior que zero."]
    if v.get("pairs") is not None and not 1 <= v["pairs"] <= 50:
        err["pairs"] = ["Entre 1 e 50 comparações."]
    return err


CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, list[str]]]] = {
    "parametros": _check_parameter, "minimos": _check_minimum, "limites": _check_limit,
    "licencas": _check_license, "sistemas": _check_geo, "pontos": _check_geo,
    "unidades": _check_geo, "regras_sensor": _check_sensor_rule}
