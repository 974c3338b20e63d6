"""Reference data for every installation and the demo utility."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

import commercial.seed
import incidents.seed
import lims.seed
import portal_publico.seed
import telemetry.seed
from core import audit
from core.auth import READ_ONLY_PROFILES, Profile, ProfileRecord, User, hash_password
from core.db import session, unit_of_work, utcnow
from core.org import Organization

log = logging.getLogger(__name__)

# Each area's reference and demo data, in the order they depend on each other.
AREA_SEEDS = (
    ("lims", lims.seed),
    ("telemetry", telemetry.seed),
    ("commercial", commercial.seed),
    ("incidents", incidents.seed),
    ("portal", portal_publico.seed),  # the virtual office's demo consumer (issue 21)
)

DEMO_PASSWORD = "Água#Limpa2026"

# The demo staff by profile, login -> name: one person a profile, two analysts, collectors and
# technicians, so the demo data shares the work between people (samples, results, field crews).
DEMO_STAFF: dict[Profile, dict[str, str]] = {
    Profile.ADMINISTRATOR: {"admin": "Ana Administradora"},
    Profile.MANAGER: {"gestor": "Gustavo Gestor"},
    Profile.SUPERVISOR: {"supervisor": "Sara Supervisora"},
    Profile.ANALYST: {"analista": "Alice Analista", "analista2": "Bruno Analista"},
    Profile.DISTRIBUTOR: {"distribuidor": "Davi Distribuidor"},
    Profile.COLLECTOR: {"coletor": "Carlos Coletor", "coletor2": "Clara Coletora"},
    Profile.OPERATOR: {"operador": "Otávio Operador"},
    Profile.TECHNICIAN: {"tecnico": "Tiago Técnico", "tecnico2": "Tânia Técnica"},
    Profile.HEALTH_SURVEILLANCE: {"vigilancia": "Vera Vigilância"},
}
DEMO_USERS = [(login, name, [profile]) for profile, staff in DEMO_STAFF.items()
              for login, name in staff.items()]


def seed_profiles() -> dict[str, ProfileRecord]:
    existing = {p.code: p for p in session.scalars(select(ProfileRecord))}
    for prof in Profile:
        if prof.value not in existing:
            rec = ProfileRecord(code=prof.value, name=prof.label, builtin=True,
                                read_only=prof.value in READ_ONLY_PROFILES, granted=[],
                                revoked=[])
            session.add(rec)
            existing[prof.value] = rec
    return existing


def seed_reference() -> None:
    """Idempotent: profiles and every area's reference data (catalogue, service codes...)."""
    with unit_of_work(), audit.audit_context(reason="carga de dados de referência"):
        seed_profiles()
        for _area, mod in AREA_SEEDS:
            mod.seed_reference()


def create_user(username: str, name: str, profiles: list[Profile], password: str,
                must_change: bool = False) -> User:
    recs = seed_profiles()
    user = User(username=username, name=name, password_hash=hash_password(password),
                password_changed_at=utcnow(), must_change_password=must_change,
                profiles=[recs[p.value] for p in profiles])
    session.add(user)
    return user


def seed_demo(today: dt.date | None = None) -> None:
    """The demo utility: SAAE of a ~60,000-people municipality with two supply systems."""
    today = today or dt.date.today()
    seed_reference()
    with unit_of_work(), audit.audit_context(reason="carga da demonstração"):
        if session.scalars(select(Organization)).first() is None:
            session.add(Organization(
                name="Serviço Autônomo de Água e Esgoto de Vale Verde",
                short_name="SAAE Vale Verde", cnpj="12.345.678/0001-95",
                municipality="Vale Verde", uf="SP", ibge_code="3599999", population=61_200,
                address="Rua das Nascentes, 100 - Centro, Vale Verde/SP, 13999-000",
                phone="(19) 3333-1000", email="atendimento@saaevaleverde.sp.gov.br",
                website="https://www.saaevaleverde.sp.gov.br",
                legal_representative="Eng. Maria Helena Duarte (Diretora-Presidente)",
                customer_service="Rua das Nascentes, 100, seg-sex 8h-17h, 0800 770 1000",
                surveillance_body="Vigilância Sanitária Municipal - Rua da Saúde, 45 - (19) 3333-2000",
                latitude=-22.90, longitude=-47.06,
            ))
        have = set(session.scalars(select(User.username)))
        for username, name, profiles in DEMO_USERS:
            if username not in have:
                create_user(username, name, profiles, DEMO_PASSWORD)
    for area, mod in AREA_SEEDS:
        log.info("seeding demo data of %s", area)
        with unit_of_work(), audit.audit_context(reason="carga da demonstração"):
            mod.seed_demo(today)
