"""Issue 19 "Done means": the reference file's sources for every rule the generator uses are
cited on the plan page. The test walks every minimum row of the catalogue: for each, a system
the row applies to (its kind, source, population band, disinfectant and traits), the plan page
of that system, and the row's source in words, its section of the reference file and what its
reliability tags mean, on the page."""

from __future__ import annotations

from html import unescape

from core.auth import Profile
from lims.domain import plan_generator as gen
from lims.domain.plan_sources import REFERENCE, cite
from lims.services import minimums, plans
from lims.services import plan_generator as svc
from lims.services.limits import other_residuals
from tests.lims.test_plan_generator_db import YEAR, world

DISINFECTANTS = ("cloro_livre", "cloramina", "dioxido_de_cloro")


def _system_for(r) -> tuple[str, str, int, str]:
    """(kind, source type, population, disinfectant) of a system the row applies to."""
    if r.condition.startswith("desinfetante:"):
        d = r.condition.split(":", 1)[1]
    else:
        d = next(x for x in DISINFECTANTS if r.parameter_code not in other_residuals(x))
    source = r.source_type if r.source_type not in ("*", "") else "superficial"
    return r.system_kind, source, max(r.pop_min, 1), d


def test_every_rule_the_generator_uses_is_cited_on_the_plan_page(client, db, login_as):
    gestor = login_as(Profile.MANAGER)
    system, _s, _p = world(gestor.id)
    svc.set_traits(system.id, list(gen.TRAITS), user_id=gestor.id)
    plan = svc.create_from_proposal(system.id, YEAR, user_id=gestor.id)
    catalogue = minimums.minimum_rules()
    systems = sorted({_system_for(r) for r in catalogue})
    walked, pages = set(), 0
    for kind, source, population, disinfectant in systems:
        system.kind, system.source_type = kind, source
        system.population_served, system.disinfectant = population, disinfectant
        db.commit()
        html = unescape(client.get(f"/lims/planos/{plan.id}").get_data(as_text=True))
        pages += 1
        used = svc.propose(system.id, YEAR).rules
        assert used, (kind, source, population)
        for r in used:
            c = cite(r.source, r.unverified)
            where = (r.parameter_code, r.where, kind, source, population)
            assert plans.rule_in_words(c.text) in html, where
            assert f"({c.section})" in html and c.section.startswith(REFERENCE), where
            for meaning in c.reliability:
                assert meaning in html, (where, meaning)
            if c.unverified:
                assert "a conferir na Portaria" in html, where
            walked.add(r)
    # every row of the catalogue was used by one of these systems and found cited
    assert walked == set(catalogue), sorted({(r.parameter_code, r.where, r.source)
                                              for r in set(catalogue) - walked})
    assert pages == len(systems) and len(catalogue) > 300
