"""Permissions of lims: {code: (pt-BR label, default profiles)}. The health surveillance
("vigilancia", a consultation-only profile) holds the `.view` ones that show plans, samples and
their results, closings, reports and the SISAGUA exports (issue 19 part 4)."""

PERMISSIONS: dict = {}

# --- LIMS part 2 (results, validation, closing, reports) ---
PERMISSIONS.update({
    "lims.results.enter": ("Registrar resultados de análise", ["analista", "supervisor"]),
    "lims.results.validate": ("Validar, corrigir e enviar resultados para reanálise", ["supervisor"]),
    "lims.results.publish": ("Publicar resultados validados", ["supervisor"]),
    "lims.recoleta.manage": ("Gerar e cancelar recoletas", ["supervisor"]),
    "lims.closing.view": ("Consultar fechamento mensal", ["analista", "supervisor", "gestor",
                                                           "vigilancia"]),
    "lims.closing.close": ("Fechar o mês", ["supervisor", "gestor"]),
    "lims.closing.reopen": ("Reabrir mês fechado", ["gestor"]),
    "lims.stoppages.manage": ("Registrar paradas de ETA e consumo de produtos",
                              ["supervisor", "gestor", "operador"]),
    "lims.reports.view": ("Relatórios de qualidade da água e exportações do SISAGUA",
                          ["analista", "supervisor", "gestor", "vigilancia"]),
})

# --- LIMS part 1, field and reception (routes, collection, labels, reception, distribution) ---
PERMISSIONS.update({
    "lims.routes.manage": ("Montar, imprimir e cancelar rotas de coleta e etiquetas",
                           ["distribuidor", "supervisor", "gestor"]),
    "lims.collection.record": ("Registrar coletas em campo (celular)", ["coletor", "supervisor"]),
    "lims.reception.receive": ("Receber amostras no laboratório (código de barras)",
                               ["distribuidor", "analista", "supervisor"]),
    "lims.distribution.assign": ("Distribuir amostras para analistas ou laboratório contratado",
                                 ["distribuidor", "supervisor"]),
})

# --- LIMS part 1 (registry, catalogue, plans, samples) ---
PERMISSIONS.update({
    "lims.registry.view": ("Consultar cadastros do laboratório (sistemas, pontos, parâmetros)",
                           ["coletor", "distribuidor", "analista", "supervisor", "gestor",
                            "vigilancia"]),
    "lims.registry.edit": ("Editar cadastros do laboratório e o catálogo de parâmetros", ["gestor"]),
    "lims.catalogue.confirm": ("Confirmar VMP não verificado do catálogo", ["gestor"]),
    "lims.plans.view": ("Consultar planos de amostragem", ["analista", "supervisor", "gestor",
                                                            "distribuidor", "vigilancia"]),
    "lims.plans.edit": ("Montar planos de amostragem", ["supervisor", "gestor"]),
    "lims.plans.approve": ("Aprovar plano de amostragem e gerar amostras", ["supervisor", "gestor"]),
    "lims.plans.justify": ("Aprovar plano abaixo do mínimo com justificativa", ["gestor"]),
    "lims.samples.view": ("Consultar amostras", ["coletor", "distribuidor", "analista",
                                                 "supervisor", "gestor", "vigilancia"]),
    "lims.samples.manage": ("Cancelar, reprogramar, liberar e criar amostras",
                            ["distribuidor", "supervisor", "gestor"]),
})

# --- issue 20: worksheets and QC samples ---
PERMISSIONS.update({
    "lims.worksheets.manage": ("Montar planilhas de trabalho, imprimir o Boletim de Análise e "
                               "digitar as leituras", ["analista", "supervisor"]),
    "lims.qc.decide": ("Decidir sobre planilhas retidas pelo controle de qualidade",
                       ["supervisor"]),
    "lims.qc.view": ("Consultar cartas de controle", ["analista", "supervisor", "gestor"]),
})

# --- issue 20: the laboratory's quality system (methods, instruments, holding times) ---
PERMISSIONS.update({
    "lims.methods.manage": ("Gerenciar métodos, instrumentos, competências e prazos por parâmetro",
                            ["supervisor", "gestor"]),
    "lims.holds.decide": ("Decidir resultados retidos (reanalisar ou aceitar com justificativa)",
                          ["supervisor"]),
})
