"""One search scenario run on PostgreSQL (the suite's database) and on SQLite (a child process,
tests/reliability/sqlite_world): the answers must be the same."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

PEOPLE = [  # (name, street, neighbourhood)
    ("José da Conceição", "Rua São João", "Jardim Paraíso"),
    ("JOSE CONCEICAO FILHO", "Rua Sao Joao", "Jardim Paraiso"),
    ("Antônia Müller", "Avenida Brasília", "Centro"),
    ("Mercearia Pão & Cia", "Travessa 7 de Setembro", "Vila Esperança"),
    ("Ana_100%", "Rua do Açude", "Vila Esperança"),
]
QUERIES = ["jose", "JOSÉ", "conceicao", "são joão", "sao joao", "paraiso", "Paraíso", "brasilia",
           "MULLER", "esperanca", "pão", "ana_1", "100%", "açude", "a%e", "centro", "zz"]


def build() -> None:
    """Consumers through the service (one of them by a bulk insert, as imports do) and their
    connections through the service."""
    from commercial.models import Consumer
    from commercial.services import billing_groups, registry
    from core.db import session, utcnow

    group = billing_groups.save_group({"number": 90, "name": "Grupo busca", "reading_day": 10,
                                       "processing_day": 12, "due_day": 5})
    for i, (name, street, hood) in enumerate(PEOPLE):
        if i == 1:  # a bulk insert without the folded name: the column default makes it
            cid = session.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id),
                                  [{"name": name, "phones": [], "channels": [], "consent": False,
                                    "invoice_by_email": False, "created_at": utcnow(),
                                    "updated_at": utcnow()}]).scalar_one()
        else:
            cid = registry.save_consumer({"name": name}).id
        registry.save_connection({"consumer_id": cid, "street": street, "house_number": str(10 + i),
                                  "neighbourhood": hood, "residencial": 1, "system_id": 1,
                                  "sector_code": f"SET-{i % 2}", "latitude": -22.9 - i / 100,
                                  "longitude": -47.0, "billing_group_id": group.id})
    session.commit()


def answers() -> dict[str, Any]:
    from commercial import api
    from commercial.services import lookups

    out: dict[str, Any] = {"bairros": api.neighbourhoods()}  # each spelling as stored, once
    for q in QUERIES:
        out[f"busca:{q}"] = [c.matricula for c in lookups.search_connections(q)]
        out[f"locate:{q}"] = [(x.label, x.system_id, x.sector_code, x.extra.get("ligacoes"),
                               round(x.latitude, 6) if x.latitude is not None else None)
                              for x in api.locate(q)]
    return out
