"""LIMS services: the registry and the catalogue, edited by a Gestor without code.

One small field spec per entity drives validation, the forms and the API; every save is
audited with the Gestor's reason. Nothing is deleted: records are deactivated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.domain.limits import DISINFECTANT_LABELS, LIMIT_KIND_LABELS
from lims.domain.plans import FREQUENCY_LABELS
from lims.models import catalogue as cat
from lims.models import registry as reg
from lims.services.actor import acting

# -- field specs ------------------------------------------------------------------------------


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
LIMIT_KINDS = {k.value: v for k, v in LIMIT_KIND_LABELS.items()}
DISINFECTANTS = {k.value: v for k, v in DISINFECTANT_LABELS.items()}
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
        Field("kind", "Tipo", "choice", True, reg.SYSTEM_KIND_LABELS),
        Field("population_served", "População abastecida (hab.)", "int", True),
        Field("source_type", "Manancial", "choice", True, reg.SOURCE_LABELS),
        Field("treatment_type", "Tratamento", "choice", True, reg.TREATMENT_LABELS),
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
        Field("latitude", "Latitude", "float"), Field("longitude", "Longitude", "float"),
        Field("active", "Ativa", "bool")),
        ("code", "name", "kind", "system_id", "active"), order_by="code"),
    Entity("pontos", "Pontos de coleta", "ponto de coleta", reg.CollectionPoint, (
        Field("code", "Código", required=True), Field("name", "Nome", required=True),
        Field("system_id", "Sistema", "fk", True, fk="sistemas"),
        Field("unit_id", "Unidade", "fk", fk="unidades"),
        Field("kind", "Tipo", "choice", True, reg.POINT_LABELS),
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
              help="separados por vírgula (vazio = todos): " + ", ".join(reg.TREATMENT_LABELS)),
        Field("disinfectants", "Desinfetantes", "list",
              help="separados por vírgula (vazio = todos): " + ", ".join(DISINFECTANTS)),
        Field("annex", "Anexo"), Field("source", "Fonte", required=True),
        Field("version", "Versão da regra"), Field("unverified", "Não verificado no DOU", "bool"),
        Field("notes", "Observações", "text"), Field("active", "Ativo", "bool")),
        ("parameter_code", "kind", "limit_text", "scope_text", "source", "active"),
        order_by="parameter_code"),
)}


def _frequency_choices() -> dict[str, str]:
    return {k.value: v for k, v in FREQUENCY_LABELS.items()}


def field_choices(f: Field) -> dict[str, str]:
    if f.kind == "choice" and f.name == "frequency":
        return _frequency_choices()
    if f.kind == "fk" and f.fk:
        e = ENTITIES[f.fk]
        label = "name"
        rows = session.scalars(select(e.model).order_by(getattr(e.model, e.order_by)))
        return {str(r.id): (f"{r.code} - {r.name}" if hasattr(r, "code") else getattr(r, label))
                for r in rows}
    return f.choices


def entity(key: str) -> Entity:
    e = ENTITIES.get(key)
    if e is None:
        raise NotFound("Cadastro não encontrado.")
    return e


def records(key: str, *, q: str = "", system_id: int | None = None,
            include_inactive: bool = True) -> list[Any]:
    e = entity(key)
    m = e.model
    stmt = select(m).order_by(getattr(m, e.order_by), m.id)
    if q:
        conds = [getattr(m, n).ilike(f"%{q}%") for n in ("name", "code", "number")
                 if hasattr(m, n)]
        stmt = stmt.where(or_(*conds))
    if system_id is not None and hasattr(m, "system_id"):
        stmt = stmt.where(m.system_id == system_id)
    if not include_inactive and hasattr(m, "active"):
        stmt = stmt.where(m.active.is_(True))
    return list(session.scalars(stmt))


def record(key: str, record_id: int) -> Any:
    obj = session.get(entity(key).model, record_id)
    if obj is None:
        raise NotFound(f"{entity(key).singular.capitalize()} não encontrado(a).")
    return obj


def _parse(f: Field, raw: Any) -> Any:
    if isinstance(raw, str):
        raw = raw.strip()
    if f.kind == "bool":
        return raw if isinstance(raw, bool) else str(raw or "").lower() in YES
    if raw is None or raw == "":
        return [] if f.kind == "list" else None
    if f.kind in ("int", "fk"):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError("Informe um número inteiro.") from None
    if f.kind == "decimal":
        try:
            return Decimal(str(raw).replace(",", "."))
        except InvalidOperation:
            raise ValueError("Informe um número (ex.: 0,05).") from None
    if f.kind == "float":
        try:
            return float(str(raw).replace(",", "."))
        except ValueError:
            raise ValueError("Informe um número (ex.: -22,9012).") from None
    if f.kind == "date":
        if isinstance(raw, dt.date):
            return raw
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(str(raw), fmt).date()
            except ValueError:
                pass
        raise ValueError("Data inválida (dd/mm/aaaa).")
    if f.kind == "list":
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return [str(i).strip() for i in items if str(i).strip()]
    if f.kind == "choice" and str(raw) not in field_choices(f):
        raise ValueError("Opção inválida.")
    return str(raw)


CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, list[str]]]] = {}


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
                          ("treatment_types", reg.TREATMENT_LABELS),
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


CHECKS.update({"parametros": _check_parameter, "minimos": _check_minimum, "limites": _check_limit,
               "licencas": _check_license, "sistemas": _check_geo, "pontos": _check_geo,
               "unidades": _check_geo})


@transactional
def save(key: str, data: dict[str, Any], *, record_id: int | None = None,
         user_id: int | None = None, reason: str = "") -> Any:
    """Create (record_id None) or update one registry record; only the fields present in
    `data` change on update. Audited with `reason`."""
    e = entity(key)
    obj = record(key, record_id) if record_id is not None else None
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in e.fields:
        if f.name not in data:
            if obj is None and f.kind == "bool" and f.name == "active":
                values[f.name] = True
            elif obj is None and f.kind == "bool":
                values[f.name] = False
            continue
        try:
            values[f.name] = _parse(f, data[f.name])
        except ValueError as exc:
            errors[f.name] = [str(exc)]
    for f in e.fields:
        current = values.get(f.name, getattr(obj, f.name, None) if obj is not None else None)
        if f.required and (current is None or current == ""):
            errors.setdefault(f.name, ["Campo obrigatório."])
        if (f.kind == "fk" and values.get(f.name) is not None
                and session.get(ENTITIES[f.fk].model, values[f.name]) is None):
            errors.setdefault(f.name, ["Registro inexistente."])
    if key in CHECKS:
        merged = {f.name: values.get(f.name, getattr(obj, f.name, None) if obj else None)
                  for f in e.fields}
        for k, v in CHECKS[key](merged).items():
            errors.setdefault(k, v)
    for u in e.unique:
        if u in values and values[u] is not None:
            dup = session.scalars(select(e.model).where(getattr(e.model, u) == values[u])).first()
            if dup is not None and dup is not obj:
                errors.setdefault(u, [f"Já existe um(a) {e.singular} com este valor."])
    if errors:
        raise ValidationError(f"Verifique os campos do(a) {e.singular}.", fields=errors)
    why = reason.strip() or (f"cadastro: {e.singular}" + (" alterado" if obj else " criado"))
    with acting(user_id, why):
        if obj is None:
            obj = e.model(**values)
            if key == "parametros":  # added by hand (CONAMA, own methods): not from the data file
                obj.custom, obj.version = True, obj.version or "manual"
            session.add(obj)
        else:
            for k, v in values.items():
                setattr(obj, k, v)
        session.flush()
    return obj


@transactional
def confirm_parameter(parameter_id: int, *, user_id: int, reason: str = "") -> cat.Parameter:
    """A Gestor confirms a value the reference marks UNVERIFIED (after checking the DOU)."""
    p = record("parametros", parameter_id)
    if not p.unverified:
        raise Conflict("Este parâmetro não esta marcado como não verificado.")
    with acting(user_id, reason.strip() or "VMP conferido com o texto do DOU"):
        p.unverified = False
        p.confirmed_by_id = user_id
        p.confirmed_at = utcnow()
        session.flush()
    return p


# -- neighbours (recoleta) --------------------------------------------------------------------

def neighbours_map(point_ids: list[int]) -> dict[int, tuple[list[int], list[int]]]:
    out: dict[int, tuple[list[int], list[int]]] = {i: ([], []) for i in point_ids}
    if not point_ids:
        return out
    links = session.scalars(select(reg.PointLink).where(or_(
        reg.PointLink.upstream_id.in_(point_ids), reg.PointLink.downstream_id.in_(point_ids))))
    for link in links:
        if link.downstream_id in out:
            out[link.downstream_id][0].append(link.upstream_id)
        if link.upstream_id in out:
            out[link.upstream_id][1].append(link.downstream_id)
    return out


def point_neighbours(point_id: int) -> tuple[list[int], list[int]]:
    """(upstream ids, downstream ids) of an active point's active neighbours."""
    up, down = neighbours_map([point_id]).get(point_id, ([], []))
    active = set(session.scalars(select(reg.CollectionPoint.id).where(
        reg.CollectionPoint.id.in_(up + down), reg.CollectionPoint.active.is_(True))))
    return sorted(i for i in up if i in active), sorted(i for i in down if i in active)


@transactional
def set_neighbours(point_id: int, *, upstream: list[int], downstream: list[int],
                   user_id: int | None = None, reason: str = "") -> None:
    p = record("pontos", point_id)
    ids = set(upstream) | set(downstream)
    if point_id in ids:
        raise ValidationError("Um ponto não pode ser vizinho de si mesmo.",
                              fields={"montante": ["Ponto repetido."]})
    if set(upstream) & set(downstream):
        raise ValidationError("Um ponto não pode estar a montante e a jusante ao mesmo tempo.",
                              fields={"jusante": ["Ponto repetido."]})
    known = {q.id: q for q in session.scalars(select(reg.CollectionPoint).where(
        reg.CollectionPoint.id.in_(ids)))}
    if bad := [i for i in ids if i not in known or known[i].system_id != p.system_id]:
        raise ValidationError(f"Pontos inexistentes ou de outro sistema: {bad}.",
                              fields={"montante": ["Ponto inválido."]})
    wanted = {(u, point_id) for u in upstream} | {(point_id, d) for d in downstream}
    with acting(user_id, reason.strip() or f"vizinhos do ponto {p.code}"):
        for link in session.scalars(select(reg.PointLink).where(or_(
                reg.PointLink.upstream_id == point_id, reg.PointLink.downstream_id == point_id))):
            if (link.upstream_id, link.downstream_id) not in wanted:
                session.delete(link)
            else:
                wanted.discard((link.upstream_id, link.downstream_id))
        for u, d in sorted(wanted):
            session.add(reg.PointLink(upstream_id=u, downstream_id=d))
        p.updated_at = utcnow()
        session.flush()


@transactional
def add_point_photo(point_id: int, rel_path: str, *, user_id: int | None = None) -> None:
    p = record("pontos", point_id)
    with acting(user_id, "foto do ponto adicionada"):
        p.photos = list(p.photos or []) + [rel_path]
        session.flush()


def system_by_code(code: str) -> reg.SupplySystem | None:
    return session.scalars(select(reg.SupplySystem).where(reg.SupplySystem.code == code)).first()


def parameter_by_code(code: str) -> cat.Parameter | None:
    return session.scalars(select(cat.Parameter).where(cat.Parameter.code == code)).first()


def expiring_licenses(today: dt.date, days: int = 60) -> list[reg.License]:
    limit = today + dt.timedelta(days=days)
    return list(session.scalars(select(reg.License).where(
        reg.License.active.is_(True), reg.License.expires_on.is_not(None),
        reg.License.expires_on <= limit).order_by(reg.License.expires_on)))
