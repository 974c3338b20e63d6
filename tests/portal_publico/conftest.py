"""Portal fixtures: a seeded small utility (see world.py) and the memo switched off, so every
test reads what it just wrote."""

from __future__ import annotations

import pytest

from tests.portal_publico import world as world_mod


@pytest.fixture(autouse=True)
def _no_memo(monkeypatch):
    from portal_publico import services

    monkeypatch.setattr(services, "MEMO_SECONDS", 0)
    services.clear_memo()
    yield
    services.clear_memo()


@pytest.fixture()
def world(db):
    w = world_mod.build(db, months=13, samples_per_month=1)
    db.commit()
    return w


@pytest.fixture()
def org(db):
    from core.org import Organization

    o = Organization(name="Serviço Autônomo de Água e Esgoto de Vale Verde", short_name="SAAE Vale Verde",
                     cnpj="12.345.678/0001-95", municipality="Vale Verde", uf="SP",
                     address="Rua das Nascentes, 100 - Centro", phone="(19) 3333-1000",
                     website="https://www.saaevaleverde.sp.gov.br",
                     legal_representative="Eng. Maria Helena Duarte",
                     customer_service="Atendimento: seg-sex 8h-17h, 0800 770 1000",
                     surveillance_body="Vigilância Sanitária Municipal - (19) 3333-2000")
    db.add(o)
    db.commit()
    return o
