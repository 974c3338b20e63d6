"""Permissions of commercial: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {
    "commercial.registry.view": ("Consultar clientes e ligacoes", ["gestor", "operador", "administrador"]),
    "commercial.registry.edit": ("Cadastrar e alterar clientes e ligacoes", ["gestor"]),
    "commercial.tariffs.manage": ("Manter tabelas tarifarias", ["gestor"]),
    "commercial.readings.import": ("Importar e digitar leituras", ["gestor"]),
    "commercial.billing.run": ("Processar lotes de faturas e parametros de faturamento", ["gestor"]),
    "commercial.invoices.view": ("Consultar faturas e emitir 2a via", ["gestor", "operador", "administrador"]),
    "commercial.invoices.manage": ("Cancelar faturas, informar pagamento, emitir fatura avulsa", ["gestor"]),
    "commercial.messages.manage": ("Manter mensagens personalizadas das faturas", ["gestor"]),
}
