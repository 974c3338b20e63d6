"""The plan generator on PostgreSQL (issue 19): a draft from the proposal passes the minimum
check; the Gestor's edits are explained by it; a population change offers the updated
proposal as a diff; the plan page shows the sectors' map, flags the sector without a point
and cites the reference source of every rule; sector population and sensitive consumers
come from the registry."""

from __future__ import annotations

from core.auth import Profile
from lims.seed import seed_reference
from lims.services import plan_generator as svc
from lims.services import plans, registry

YEAR = 2026
SECTORS = [("S1", "Centro", 12_000, -22.90, -47.06), ("S2", "Norte", 8_000, -22.86, -47.05),
           ("S3", "Sul", 6_000, -22.95, -47.07), ("S4", "Leste", 3_000, -22.91, -47.00),
           ("S5", "Oeste", 1_000, -22.90, -47.12), ("S6", "Vila Nova", 5_000, -22.97, -47.01)]


def world(user_id, population=35_000):
    seed_reference()
    system = registry.save("sistemas", {
        "code": "SIS-GEN", "name": "Sistema Ribeirão", "kind": "SAA",
        "population_served": str(population), "source_type": "superficial",
        "treatment_type": "filtracao_rapida", "disinfectant": "cloro_livre"}, user_id=user_id)
    sectors = {}
    for code, name, pop, lat, lon in SECTORS:
        sectors[code] = registry.save("unidades", {
            "system_id": str(system.id), "code": code, "name": name, "kind": "setor",
            "population": str(pop), "latitude": str(lat), "longitude": str(lon)}, user_id=user_id)
    points = {}

    def point(code, kind, sector=None, sensitive="", lat=-22.9, lon=-47.06):
        points[code] = registry.save("pontos", {
            "code": code, "name": f"Ponto {code}", "system_id": str(system.id), "kind": kind,
            "unit_id": str(sectors[sector].id) if sector else "", "sensitive": sensitive,
            "latitude": str(lat), "longitude": str(lon)}, user_id=user_id)

    point("CAP", "captacao")
    point("SAI", "saida_tratamento")
    point("C1", "ponta_de_rede", "S1", lat=-22.905)
    point("C2", "reservatorio", "S1", lat=-22.895)
    point("N1", "rede", "S2", "hospital", lat=-22.86)
    point("N2", "rede", "S2", lat=-22.865)
    point("U1", "rede", "S3", lat=-22.95)
    point("L1", "ponta_de_rede", "S4", lat=-22.91, lon=-47.0)
    point("O1", "torneira", "S5", "escola", lat=-22.9, lon=-47.12)
    return system, sectors, points


def test_proposal_passes_the_minimum_and_edits_are_explained(db, make_user):
    gestor = make_user(Profile.MANAGER)
    system, sectors, points = world(gestor.id)
    plan = svc.create_from_proposal(system.id, YEAR, user_id=gestor.id)
    check = plans.minimum_check(plan.id)
    assert check.ok and check.failures == []
    assert plan.proposal_population == 35_000 and len(plan.proposal) == len(plan.items)
    # coliforms in the network: 35 a month over the 5 sectors with a point, in proportion
    cov = svc.coverage(system.id)
    by_code = {s.code: cov.share(s.id) for s in svc.layout(system.id).sectors}
    assert by_code == {"S1": 14, "S2": 9, "S3": 7, "S4": 4, "S5": 1, "S6": 0}
    assert cov.empty_sectors == (sectors["S6"].id,)
    assert cov.per_point[points["N1"].id] == 5  # the hospital before the plain point (4)
    # the Gestor removes a network point's coliforms: the check explains the difference
    item = next(i for i in plan.items if i.parameter.code == "coliformes_totais"
                and i.point_id == points["C1"].id)
    plans.remove_item(item.id, user_id=gestor.id)
    db.expire(plan, ["items"])
    edits = svc.edits(plan.id)
    assert len(edits) == 1 and edits[0]["kind"] == "removida" and not edits[0]["ok"]
    assert "abaixo do mínimo em 12 mês(es)" in edits[0]["verdict"]
    # an addition beyond the minimum keeps it met
    plans.set_item(plan.id, parameter_id=item.parameter_id, point_id=points["C1"].id,
                   frequency="personalizada", custom_count=9, user_id=gestor.id)
    db.expire(plan, ["items"])
    (e,) = svc.edits(plan.id)
    assert e["kind"] == "alterada" and e["ok"] and e["after"] == ("personalizada", 9, 1)


def test_population_change_offers_the_updated_proposal_as_a_diff(db, make_user):
    gestor = make_user(Profile.MANAGER)
    system, _sectors, _points = world(gestor.id)
    plan = svc.create_from_proposal(system.id, YEAR, user_id=gestor.id)
    assert svc.population_update(plan.id) is None
    registry.save("sistemas", {"code": "SIS-GEN", "name": "Sistema Ribeirão", "kind": "SAA",
                               "population_served": "60000", "source_type": "superficial",
                               "treatment_type": "filtracao_rapida",
                               "disinfectant": "cloro_livre"}, record_id=system.id,
                  user_id=gestor.id)
    up = svc.population_update(plan.id)
    assert up["before"] == 35_000 and up["after"] == 60_000 and up["count"] > 0
    coli = [c for c in up["changes"] if c["parameter"] == "Coliformes totais"]
    assert coli and all(c["kind"] in ("alterada", "nova") for c in coli)
    assert not all(c["ok"] for c in coli)  # the plan as it is falls short at 60.000 hab.
    newer = svc.create_from_proposal(system.id, YEAR, user_id=gestor.id)
    assert newer.version == plan.version + 1 and plans.minimum_check(newer.id).ok


def test_traits_add_pvc_and_cyanotoxin_rows(db, make_user):
    gestor = make_user(Profile.MANAGER)
    system, _s, _p = world(gestor.id)
    svc.set_traits(system.id, ["rede_pvc", "cianobacterias_20mil"], user_id=gestor.id)
    proposal = svc.propose(system.id, YEAR)
    codes = {(i.parameter_code, i.where) for i in proposal.items}
    assert {("cloreto_de_vinila", "rede"), ("microcistinas", "saida")} <= codes
    plan = svc.create_from_proposal(system.id, YEAR, user_id=gestor.id)
    assert plans.minimum_check(plan.id).ok


def test_plan_page_shows_map_empty_sector_and_sources(client, db, login_as):
    gestor = login_as(Profile.MANAGER)
    system, _s, _p = world(gestor.id)
    r = client.post("/lims/planos/propor", data={"sistema": system.id, "ano": YEAR})
    assert r.status_code in (302, 303)
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Proposta do plano mínimo" in html and "Nenhuma diferença: o plano é a proposta." in html
    assert "A população abastecida mudou" not in html
    assert 'class="mapa"' in html and "Vila Nova" in html and "sem ponto" in html
    assert "Setor(es) sem ponto de coleta de rede: S6 - Vila Nova" in html
    assert "reference/portaria888.md § 5a" in html and "V-2914: texto oficial da PRC-5/2914" in html
    assert "Portaria GM/MS 888/2021, Anexo 14" in html and "a conferir na Portaria" in html
    assert "[V-" not in html and "UNVERIFIED" not in html
    r = client.post(f"/lims/planos/sistemas/{system.id}/caracteristicas",
                    data={"caracteristica": ["rede_pvc"]})
    assert r.status_code in (302, 303)
    db.refresh(system)
    assert system.plan_traits == ["rede_pvc"]
    bad = client.post(f"/lims/planos/sistemas/{system.id}/caracteristicas",
                      data={"caracteristica": ["inventada"]})
    assert bad.status_code in (400, 422, 302, 303)
    db.refresh(system)
    assert system.plan_traits == ["rede_pvc"]
