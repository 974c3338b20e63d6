"""Which incident another area's event opens: kind, key, title, origin, deduplication, the
merging of a lab result into the open quality incident of its point, and what follows an
opening (the automatic work order).

One open incident per asset and kind: its `open_key` is "<asset>:<kind>". Every rule here
is pure; `incidents.services.sources` applies them in the outbox row's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from incidents.domain.lifecycle import escalates, severity_rank

AUTOMATIC_KINDS = ("interrupcao", "qualidade", "manutencao")  # what a source event opens
# the catalogue service an automatic work order opens, per incident kind
SERVICE_FOR_KIND = {"interrupcao": "REP-REDE", "qualidade": "QUAL-AGUA", "manutencao": "MAN-SENSOR"}
AUTOMATIC_ORIGINS = ("scada", "eta", "laboratorio")
ETA_SOURCE = "eta"  # the stoppage's place among an incident's anomaly ids


def open_key(asset_code: str, kind: str) -> str:
    return f"{asset_code}:{kind}"


# -- SCADA anomalies ---------------------------------------------------------------------------


def anomaly_kind(anomaly_kind: str, *, process: bool, quality_signal: bool) -> str:
    """A sensor or communication fault is maintenance; an anomaly on a tag that measures the
    water's quality (turbidity, chlorine, pH... the event says so) is a quality incident; an
    ETA stoppage and everything else is a supply interruption."""
    if not process:
        return "manutencao"
    if anomaly_kind == "qualidade" or (quality_signal and anomaly_kind != "parada_eta"):
        return "qualidade"
    return "interrupcao"


def anomaly_title(kind: str, asset_name: str) -> str:
    return {"qualidade": f"Qualidade da água - {asset_name}",
            "manutencao": f"Falha de sensor/comunicacao - {asset_name}"}.get(
        kind, f"Anomalia no abastecimento - {asset_name}")


def anomaly_origin(anomaly_kind: str) -> str:
    return "eta" if anomaly_kind == "parada_eta" else "scada"


def anomaly_note(anomaly_kind: str, tag: str, message: str = "") -> str:
    return message or f"{anomaly_kind} em {tag}"


def estimated_hours(kind: str) -> float | None:
    """The first estimate of an automatic supply interruption (people are told it)."""
    return 4.0 if kind == "interrupcao" else None


def already_handled(anomaly_id: int, severity: str, closed: Sequence[tuple[Sequence[object], str]]) -> bool:
    """A redelivered anomaly whose incident is already resolved: nothing new, unless it got
    worse. `closed`: (anomaly ids, severity) of the tag's incidents no longer open."""
    return any(anomaly_id in ids and not escalates(old, severity) for ids, old in closed)


def may_group(kind: str, *, process: bool, sector_code: str | None, window_minutes: int) -> bool:
    """Alarm flood suppression (ISA-18.2: one incident per cause) applies to process
    anomalies with a known sector; sensor faults are never grouped: each instrument needs
    its own work."""
    return bool(window_minutes and process and sector_code and kind != "manutencao")


def same_cause(area_sectors: Sequence[str] | None, incident_asset: str | None, *,
               sector_code: str, asset_code: str) -> bool:
    """An open incident of the same sector on another asset takes the new anomaly."""
    return list(area_sectors or ()) == [sector_code] and incident_asset != asset_code


def grouped_note(sector_code: str | None, anomaly_kind: str, message: str, asset_name: str,
                 tag: str) -> str:
    return (f"Mesma causa provável (inundação de alarmes, setor {sector_code}): "
            f"{message or anomaly_kind} em {asset_name} ({tag})")


def all_cleared(anomaly_ids: Sequence[object] | None, cleared: set[object]) -> bool:
    """Every source an incident holds has ended (its anomalies, the ETA stoppage)."""
    return set(anomaly_ids or []) <= cleared


# -- ETA stoppages ------------------------------------------------------------------------------


def eta_title(eta_name: str) -> str:
    return f"Parada da ETA {eta_name}"


ETA_ESTIMATED_HOURS = 6.0


# -- laboratory results -------------------------------------------------------------------------


def lab_ref(result_id: int) -> str:
    """A lab result's place among an incident's anomaly ids."""
    return f"lab:{result_id}"


def lab_note(parameter_name: str, value: str, unit: str, vmp: str, sample_code: str) -> str:
    return f"{parameter_name} = {value} {unit} (VMP {vmp}), amostra {sample_code}"


def lab_title(point_name: str) -> str:
    return f"Resultado fora do padrão - {point_name}"


def lab_reason(parameter_name: str) -> str:
    return f"Análise de {parameter_name} fora do padrão de potabilidade"


def lab_area_description(neighbourhoods: Sequence[str], system_name: str) -> str | None:
    """Without neighbourhoods, a result speaks for the whole system it came from."""
    return f"Toda a área abastecida pelo {system_name}" if not neighbourhoods and system_name else None


# -- after the opening --------------------------------------------------------------------------


def auto_work_order_service(*, enabled: bool, origin: str, kind: str, severity: str,
                            min_severity: str, has_orders: bool) -> str | None:
    """The service code of the work order an automatic incident opens, if any."""
    if not enabled or origin not in AUTOMATIC_ORIGINS or has_orders:
        return None
    if severity_rank(severity) < severity_rank(min_severity):
        return None
    return SERVICE_FOR_KIND.get(kind)


def auto_notify(*, enabled: bool, kind: str, severity: str, min_severity: str) -> bool:
    """Whether an opening tells the affected at once (when the caller did not say)."""
    return (enabled and kind in ("interrupcao", "qualidade")
            and severity_rank(severity) >= severity_rank(min_severity))


def restoration_due(new_state: str, told_of_opening: bool) -> bool:
    """Service restored: those told of the problem hear it is over."""
    return new_state in ("resolvido", "encerrado") and told_of_opening
