"""Permissions of incidents: {code: (pt-BR label, default profiles)}."""

_OPS = ["operador", "supervisor", "gestor"]

PERMISSIONS: dict = {
    "incidents.incident.view": ("Consultar incidentes e o console de operacao", [*_OPS, "tecnico"]),
    "incidents.incident.manage": ("Abrir, mover e encerrar incidentes; ajustar a area afetada", _OPS),
    "incidents.notice.send": ("Enviar avisos aos consumidores afetados", _OPS),
    "incidents.audit.export": ("Exportar o dossie de auditoria de um incidente", ["supervisor", "gestor"]),
    "incidents.template.edit": ("Editar modelos de aviso e o disparo por etapa", ["supervisor", "gestor"]),
    "incidents.workorder.view": ("Consultar ordens de servico e relatorios", [*_OPS, "tecnico"]),
    "incidents.workorder.manage": ("Abrir, programar, postergar e encerrar ordens de servico", _OPS),
    "incidents.oncall.manage": ("Manter a escala de plantao e o escalonamento", ["supervisor", "gestor"]),
    "incidents.catalogue.edit": ("Manter o catalogo de servicos", ["gestor"]),
    "incidents.field.use": ("Usar a pagina de campo do tecnico", ["tecnico"]),
    "incidents.external.write": ("Integrar eventos de sistemas externos (API)", ["administrador", "gestor"]),
}
