"""Permissions of incidents: {code: (pt-BR label, default profiles)}."""

_OPS = ["operador", "supervisor", "gestor"]

PERMISSIONS: dict = {
    "incidents.incident.view": ("Consultar incidentes e o console de operação", [*_OPS, "tecnico"]),
    "incidents.incident.manage": ("Abrir, mover e encerrar incidentes; ajustar a área afetada", _OPS),
    "incidents.notice.send": ("Enviar avisos aos consumidores afetados", _OPS),
    "incidents.notice.confirm": ("Confirmar ou dispensar o aviso público de um resultado de laboratório",
                                 ["supervisor", "gestor"]),
    "incidents.notice.policy": ("Definir se E. coli é avisado sem confirmação", ["gestor"]),
    "incidents.audit.export": ("Exportar o dossie de auditoria de um incidente", ["supervisor", "gestor"]),
    "incidents.template.edit": ("Editar modelos de aviso e o disparo por etapa", ["supervisor", "gestor"]),
    "incidents.workorder.view": ("Consultar ordens de serviço e relatórios", [*_OPS, "tecnico"]),
    "incidents.workorder.manage": ("Abrir, programar, postergar e encerrar ordens de serviço", _OPS),
    "incidents.oncall.manage": ("Manter a escala de plantao e o escalonamento", ["supervisor", "gestor"]),
    "incidents.catalogue.edit": ("Manter o catálogo de serviços", ["gestor"]),
    "incidents.request.view": ("Consultar solicitações de atendimento e a tela do cliente", _OPS),
    "incidents.request.open": ("Registrar e cancelar solicitações de atendimento (balcão, telefone, WhatsApp)",
                               _OPS),
    "incidents.request.catalogue": ("Manter os tipos de solicitação e a tabela de valores de serviços",
                                    ["gestor"]),
    "incidents.field.use": ("Usar a página de campo do técnico", ["tecnico"]),
    "incidents.external.write": ("Integrar eventos de sistemas externos (API)", ["administrador", "gestor"]),
}
