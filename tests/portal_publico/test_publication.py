"""What is not PUBLISHED never leaves the lab: not on pages, not in open data, not in the
monthly summaries."""

from __future__ import annotations

import datetime as dt

from tests.portal_publico import world as world_mod

SECRETS = (world_mod.SECRET_UNPUBLISHED, world_mod.SECRET_CANCELLED, world_mod.SECRET_ENTERED)


def _rede_centro(world):
    return next(pid for code, pid in world.points.items() if code.endswith("SAA-SEDE-P03"))


def test_unpublished_and_cancelled_results_never_appear(client, world):
    sede = world.systems["SAA-SEDE"]
    point = _rede_centro(world)
    urls = [f"/portal/pontos/{point}", f"/portal/sistemas/{sede}?bairro=Centro",
            "/api/v1/dados-abertos/resultados?por_pagina=1000",
            f"/api/v1/dados-abertos/resultados?ponto={point}&formato=csv&por_pagina=1000",
            f"/api/v1/dados-abertos/resultados?sistema={sede}&parametro=turbidez"]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        for code in world.secret_samples.values():
            assert code not in body, (url, code)
    # ...and the published ones of the same point do appear
    assert "Turbidez" in client.get(f"/portal/pontos/{point}").get_data(as_text=True)


def test_monthly_summary_counts_published_only(client, world):
    from lims import api as lims_api
    from portal_publico import services

    sede = world.systems["SAA-SEDE"]
    day = dt.date.today() - dt.timedelta(days=1)
    q = services.summary(sede, day.year, day.month)
    first = day.replace(day=1)
    published = lims_api.published_results(system_id=sede, parameter_code="turbidez",
                                           since=first, until=day, limit=1000)
    turb = next((p for p in q.parameters if p.parameter_code == "turbidez"), None)
    assert (turb.analysed if turb else 0) == len(published)
    assert all(r.value not in SECRETS for r in published)


def test_results_through_the_lims_services(client, db, world, make_user):
    """Validated-but-unpublished and published-then-cancelled results made by the LIMS's own
    services disappear from the portal; the published one shows."""
    from decimal import Decimal

    from core.auth import Profile
    from lims.domain.vmp import Limit
    from lims.services import results as rs
    from lims.services import validation

    analyst, supervisor = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    sede = world.systems["SAA-SEDE"]
    point = _rede_centro(world)
    p = rs.ParameterRef(9101, "turbidez", "Turbidez", "uT", Limit(maximum=Decimal("5.0")),
                        plausible_low=Decimal(0), plausible_high=Decimal(1000))
    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    made = {}
    for n, text in enumerate(("4,8711", "4,8722", "4,8733")):
        ref = rs.SampleRef(id=950_000_000 + n, code=f"SVC-{n}", point_id=point, point_code="P03",
                           point_name="Rede Centro - Rua XV de Novembro", point_kind="rede",
                           system_id=sede, system_name="Sistema Sede (Rio Verde)", collected_at=at)
        made[text] = rs.enter_result(ref, p, text, analysed_at=at + dt.timedelta(hours=1),
                                     analyst_id=analyst.id, entered_by_id=analyst.id).id
    validation.validate(list(made.values()), supervisor.id)
    validation.publish_results(supervisor_id=supervisor.id, result_ids=[made["4,8711"], made["4,8733"]])
    validation.cancel(made["4,8733"], "frasco trocado na recepção", supervisor.id)
    db.commit()
    for url in (f"/portal/pontos/{point}", f"/api/v1/dados-abertos/resultados?ponto={point}"):
        body = client.get(url).get_data(as_text=True)
        assert "4,8711" in body, url
        assert "4,8722" not in body and "4,8733" not in body, url
