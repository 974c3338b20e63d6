"""The demo utility's telemetry tags (pure data; used by seed, simulator and the sample TOML).

Assets are those of `core.demo` (ASSETS and SECTORS). Each tag says which protocol the
simulator serves it over: the plant SCADA (ETA, intake) over OPC UA, the PLCs of wells and
pumping stations over Modbus TCP, and the field loggers (DMA inlets, reservoirs) over MQTT.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTag:
    name: str
    asset_code: str
    quantity: str
    unit: str
    description: str
    protocol: str  # opcua | modbus | mqtt
    period_s: int
    lo: float | None
    hi: float | None
    base: float  # typical value (simulator)


T = DemoTag
TAGS: tuple[DemoTag, ...] = (
    # --- intake and plant (OPC UA) ---
    T("CAP-01.VAZAO", "CAP-01", "vazao", "m3/h", "Vazão de água bruta captada", "opcua", 10, 0, 2000, 560),
    T("CAP-01.TURBIDEZ", "CAP-01", "turbidez", "uT", "Turbidez da água bruta", "opcua", 10, 0, 1000, 18),
    T("ETA-01.VAZAO_SAIDA", "ETA-01", "vazao", "m3/h", "Vazão de água tratada (saída da ETA)", "opcua", 10, 0, 2000, 540),
    T("ETA-01.TURBIDEZ_SAIDA", "ETA-01", "turbidez", "uT", "Turbidez da água tratada", "opcua", 10, 0, 100, 0.25),
    T("ETA-01.CLORO_SAIDA", "ETA-01", "cloro", "mg/L", "Cloro residual livre na saída", "opcua", 10, 0, 10, 1.4),
    T("ETA-01.PH_SAIDA", "ETA-01", "ph", "pH", "pH da água tratada", "opcua", 10, 0, 14, 7.1),
    # --- wells and pumping stations (Modbus TCP) ---
    T("PC-01.VAZAO", "PC-01", "vazao", "m3/h", "Vazão do poço", "modbus", 10, 0, 300, 85),
    T("PC-01.NIVEL_DINAMICO", "PC-01", "nivel", "m", "Nível dinâmico do poço", "modbus", 10, 0, 200, 42),
    T("PC-02.VAZAO", "PC-02", "vazao", "m3/h", "Vazão do poço", "modbus", 10, 0, 300, 70),
    T("PC-02.NIVEL_DINAMICO", "PC-02", "nivel", "m", "Nível dinâmico do poço", "modbus", 10, 0, 200, 38),
    T("EEA-01.PRESSAO_RECALQUE", "EEA-01", "pressao", "mca", "Pressão de recalque", "modbus", 10, 0, 150, 55),
    T("EEA-01.BOMBA", "EEA-01", "estado", "", "Bomba 1 em operação (1 = ligada)", "modbus", 10, 0, 1, 1),
    T("EEA-02.PRESSAO_RECALQUE", "EEA-02", "pressao", "mca", "Pressão de recalque", "modbus", 10, 0, 150, 48),
    T("EEA-02.BOMBA", "EEA-02", "estado", "", "Bomba 1 em operação (1 = ligada)", "modbus", 10, 0, 1, 1),
    # --- reservoirs (MQTT) ---
    T("RES-01.NIVEL", "RES-01", "nivel", "m", "Nível do reservatório", "mqtt", 30, 0, 8, 4.5),
    T("RES-02.NIVEL", "RES-02", "nivel", "m", "Nível do reservatório", "mqtt", 30, 0, 8, 4.0),
    T("RES-03.NIVEL", "RES-03", "nivel", "m", "Nível do reservatório", "mqtt", 30, 0, 8, 3.8),
    T("RES-03.CLORO", "RES-03", "cloro", "mg/L", "Cloro residual livre na saída do reservatório", "mqtt", 30, 0, 10, 1.2),
    # --- network sectors / DMAs (MQTT): inlet flow and critical-point pressure ---
    T("SET-01.VAZAO", "SET-01", "vazao", "m3/h", "Vazão de entrada do setor (macromedidor)", "mqtt", 30, 0, 1000, 170),
    T("SET-01.PRESSAO", "SET-01", "pressao", "mca", "Pressao no ponto critico do setor", "mqtt", 30, 0, 100, 28),
    T("SET-02.VAZAO", "SET-02", "vazao", "m3/h", "Vazão de entrada do setor (macromedidor)", "mqtt", 30, 0, 1000, 160),
    T("SET-02.PRESSAO", "SET-02", "pressao", "mca", "Pressao no ponto critico do setor", "mqtt", 30, 0, 100, 24),
    T("SET-03.VAZAO", "SET-03", "vazao", "m3/h", "Vazão de entrada do setor (macromedidor)", "mqtt", 30, 0, 1000, 210),
    T("SET-03.PRESSAO", "SET-03", "pressao", "mca", "Pressao no ponto critico do setor", "mqtt", 30, 0, 100, 30),
    T("SET-04.VAZAO", "SET-04", "vazao", "m3/h", "Vazão de entrada do setor (macromedidor)", "mqtt", 30, 0, 1000, 100),
    T("SET-04.PRESSAO", "SET-04", "pressao", "mca", "Pressao no ponto critico do setor", "mqtt", 30, 0, 100, 26),
    T("SET-05.VAZAO", "SET-05", "vazao", "m3/h", "Vazão de entrada do setor (macromedidor)", "mqtt", 30, 0, 1000, 48),
    T("SET-05.PRESSAO", "SET-05", "pressao", "mca", "Pressao no ponto critico do setor", "mqtt", 30, 0, 100, 22),
)
del T


def by_name() -> dict[str, DemoTag]:
    return {t.name: t for t in TAGS}


def of_protocol(protocol: str) -> list[DemoTag]:
    return [t for t in TAGS if t.protocol == protocol]
