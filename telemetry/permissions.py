"""Permissions of telemetry: {code: (pt-BR label, default profiles)}."""

from core.auth import Profile

_ALL_STAFF = [Profile.OPERADOR, Profile.TECNICO, Profile.SUPERVISOR, Profile.GESTOR,
              Profile.ADMINISTRADOR, Profile.ANALISTA, Profile.DISTRIBUIDOR]

PERMISSIONS: dict = {
    "telemetry.tags.view": ("Ver ativos, tags e leituras da telemetria", _ALL_STAFF),
    "telemetry.tags.edit": ("Cadastrar e alterar ativos e tags da telemetria",
                            [Profile.GESTOR, Profile.ADMINISTRADOR]),
    "telemetry.ingest.view": ("Ver a saúde do coletor de telemetria",
                              [Profile.OPERADOR, Profile.TECNICO, Profile.SUPERVISOR,
                               Profile.GESTOR, Profile.ADMINISTRADOR]),
    "telemetry.simulator.inject": ("Injetar eventos no simulador SCADA (demonstracao)",
                                   [Profile.OPERADOR, Profile.GESTOR, Profile.ADMINISTRADOR]),
    "telemetry.anomalies.view": ("Ver anomalias da telemetria", _ALL_STAFF),
    "telemetry.anomalies.manage": ("Reconhecer e encerrar anomalias da telemetria",
                                   [Profile.OPERADOR, Profile.SUPERVISOR, Profile.GESTOR,
                                    Profile.ADMINISTRADOR]),
}
