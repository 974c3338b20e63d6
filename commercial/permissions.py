"""Permissions of commercial: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {
    "commercial.registry.view": ("Consultar clientes e ligações", ["gestor", "operador", "administrador"]),
    "commercial.registry.edit": ("Cadastrar e alterar clientes e ligações", ["gestor"]),
    "commercial.tariffs.manage": ("Manter tabelas tarifárias", ["gestor"]),
    "commercial.readings.import": ("Importar e digitar leituras", ["gestor"]),
    "commercial.billing.run": ("Processar lotes de faturas e parâmetros de faturamento", ["gestor"]),
    "commercial.invoices.view": ("Consultar faturas e emitir 2a via", ["gestor", "operador", "administrador"]),
    "commercial.invoices.manage": ("Cancelar faturas, informar pagamento, emitir fatura avulsa", ["gestor"]),
    "commercial.payments.import": ("Importar arquivos de retorno dos bancos (arrecadação e débito automático)", ["gestor"]),
    "commercial.messages.manage": ("Manter mensagens personalizadas das faturas", ["gestor"]),
}
