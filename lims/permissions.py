"""Permissions of lims: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}

# --- LIMS part 2 (results, validation, closing, reports) ---
PERMISSIONS.update({
    "lims.results.enter": ("Registrar resultados de analise", ["analista", "supervisor"]),
    "lims.results.validate": ("Validar, corrigir e enviar resultados para reanalise", ["supervisor"]),
    "lims.results.publish": ("Publicar resultados validados", ["supervisor"]),
    "lims.recoleta.manage": ("Gerar e cancelar recoletas", ["supervisor"]),
    "lims.closing.view": ("Consultar fechamento mensal", ["analista", "supervisor", "gestor"]),
    "lims.closing.close": ("Fechar o mes", ["supervisor", "gestor"]),
    "lims.closing.reopen": ("Reabrir mes fechado", ["gestor"]),
    "lims.stoppages.manage": ("Registrar paradas de ETA e consumo de produtos",
                              ["supervisor", "gestor", "operador"]),
    "lims.reports.view": ("Relatorios de qualidade da agua", ["analista", "supervisor", "gestor"]),
})
