"""Permissions of telemetry: {code: (pt-BR label, default profiles)}."""

from core.auth import Profile

_ALL_STAFF = [Profile.OPERATOR, Profile.TECHNICIAN, Profile.SUPERVISOR, Profile.MANAGER,
              Profile.ADMINISTRATOR, Profile.ANALYST, Profile.DISTRIBUTOR]

PERMISSIONS: dict = {
    "telemetry.tags.view": ("Ver ativos, tags e leituras da telemetria", _ALL_STAFF),
    "telemetry.tags.edit": ("Cadastrar e alterar ativos e tags da telemetria",
                            [Profile.MANAGER, Profile.ADMINISTRATOR]),
    "telemetry.ingest.view": ("Ver a saúde do coletor de telemetria",
                              [Profile.OPERATOR, Profile.TECHNICIAN, Profile.SUPERVISOR,
                               Profile.MANAGER, Profile.ADMINISTRATOR]),
    "telemetry.simulator.inject": ("Injetar eventos no simulador SCADA (demonstracao)",
                                   [Profile.OPERATOR, Profile.MANAGER, Profile.ADMINISTRATOR]),
    "telemetry.anomalies.view": ("Ver anomalias da telemetria", _ALL_STAFF),
    "telemetry.anomalies.manage": ("Reconhecer e encerrar anomalias da telemetria",
                                   [Profile.OPERATOR, Profile.SUPERVISOR, Profile.MANAGER,
                                    Profile.ADMINISTRATOR]),
}
