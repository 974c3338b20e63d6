"""Factories of the commercial tests: a billing group with the tender's tariff table, consumers
and connections made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from commercial.models import BillingGroup, Connection, Reading
from core import fmt

_n = itertools.count(1)


@pytest.fixture()
def setup_billing(db):
    """Group 7 with due day 5, the tender's table valid since 2025-01-01, FEBRABAN and PIX."""
    from commercial import seed
    from commercial.services import billing_parameters, tariffs

    seed.seed_reference()  # parameters and the default messages

    group = BillingGroup(number=70 + next(_n), name="Grupo teste", reading_day=18,
                         processing_day=20, due_day=5)
    db.add(group)
    db.flush()
    if not tariffs.tables():
        tariffs.save_table("Tabela 2025", dt.date(2025, 1, 1), None, tariffs.tender_example_rows())
    billing_parameters.save_parameters({"febraban_company": "0123", "value_id": "6", "sms_days_before": 8,
                             "due_days_min": 5, "quality_months_back": 0, "pix_key": "12345678000195",
                             "pix_name": "SAAE TESTE", "pix_city": "VALE VERDE",
                             "excess_percent": "30"})
    db.commit()
    return group


@pytest.fixture()
def make_connection(db, setup_billing) -> Callable[..., Connection]:
    from commercial.services import registry

    def make(*, name: str = "Maria Silva", mobile: str | None = "(19) 99876-5432",
             email: str | None = None, consent: bool = True, by_email: bool = False,
             sector: str = "SET-01", neighbourhood: str = "Centro", street: str = "Rua XV de Novembro",
             system_id: int | None = None, group: BillingGroup | None = None,
             **conn: Any) -> Connection:
        channels = (["sms"] if mobile else []) + (["email"] if email else [])
        consumer = registry.save_consumer({"name": name, "phones": [mobile] if mobile else [],
                                           "email": email, "channels": channels,
                                           "consent": consent, "invoice_by_email": by_email})
        data = {"consumer_id": consumer.id, "street": street, "house_number": str(next(_n)),
                "neighbourhood": neighbourhood, "city": "Vale Verde", "sector_code": sector,
                "segment_code": f"{sector}-T01", "system_id": system_id, "residencial": 1,
                "billing_group_id": (group or setup_billing).id, "meter_number": f"Y25A{next(_n):06d}",
                "has_sewer": True, "latitude": -22.9, "longitude": -47.06}
        data.update(conn)
        return registry.save_connection(data)

    return make


def add_readings(db, conn: Connection, values: list[int], end: tuple[int, int], day: int = 18) -> None:
    """Readings for consecutive months ending at `end`, values as meter positions."""
    y, m = fmt.month_add(end[0], end[1], -(len(values) - 1))
    prev = prev_day = None
    for v in values:
        read_on = dt.date(y, m, day)
        db.add(Reading(connection_id=conn.id, year=y, month=m, read_on=read_on, value=v,
                       previous_value=prev, previous_read_on=prev_day,
                       consumption=(v - prev) if prev is not None else 0, kind="real"))
        prev, prev_day = v, read_on
        y, m = fmt.month_add(y, m, 1)
    db.commit()
