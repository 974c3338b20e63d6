"""Made-up consumers and connections for the demo: names, valid CPF/CNPJ, phones, e-mail,
channels, and the connection of each over a sector of core.demo (same seed, same town)."""

from __future__ import annotations

import random
from typing import Any

from commercial.domain.contacts import brazilian_mobile
from commercial.domain.documents import matricula_with_dv
from commercial.domain.text import search_key

FIRST = ("Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Adriana",
         "Lucas", "Juliana", "Marcos", "Patrícia", "Luiz", "Aline", "Gabriel", "Sandra", "Rafael",
         "Camila", "Pedro", "Fernanda", "Daniel", "Márcia", "Rodrigo", "Beatriz", "Eduardo",
         "Luciana", "Felipe", "Vanessa", "Bruno", "Cristina", "Mateus", "Renata", "Tiago",
         "Simone", "Diego", "Letícia", "Vitor", "Raimunda", "Sebastião", "Helena", "Otávio")
LAST = ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
        "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
        "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Teixeira")
BUSINESS = ("Padaria", "Mercearia", "Farmácia", "Oficina", "Restaurante", "Lanchonete",
            "Salão de Beleza", "Papelaria", "Açougue", "Loja")
INDUSTRY = ("Metalurgica", "Laticinios", "Ceramica", "Tecelagem", "Alimentos")
PUBLIC = ("Escola Municipal", "UBS", "Creche Municipal", "Ginásio Municipal", "Posto de Saúde")


def _cpf(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(9)]
    for n in (9, 10):
        s = sum(d * (n + 1 - i) for i, d in enumerate(base))
        base.append((s * 10) % 11 % 10)
    return "".join(map(str, base))


def _cnpj(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for w in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        r = sum(d * x for d, x in zip(base, w, strict=False)) % 11
        base.append(0 if r < 2 else 11 - r)
    return "".join(map(str, base))


def _holder(rng: random.Random, sector_code: str) -> tuple[dict[str, int], str, str | None]:
    """(economias by category, name, CPF/CNPJ) of a made-up holder."""
    kind = rng.random()
    econ = {"residencial": 0, "comercial": 0, "industrial": 0, "publica": 0, "social": 0}
    if kind < 0.80:
        econ["residencial"] = 1 if rng.random() < 0.93 else rng.randint(2, 4)
        return econ, f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}", _cpf(rng)
    if kind < 0.86:
        econ["social"] = 1
        return econ, f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}", _cpf(rng)
    if kind < 0.95:
        econ["comercial"] = 1
        econ["residencial"] = 1 if rng.random() < 0.3 else 0
        return econ, f"{rng.choice(BUSINESS)} {rng.choice(LAST)} Ltda", _cnpj(rng)
    if kind < 0.98 and sector_code == "SET-03":
        econ["industrial"] = 1
        return econ, f"{rng.choice(INDUSTRY)} {rng.choice(LAST)} S.A.", _cnpj(rng)
    econ["publica"] = 1
    return econ, f"{rng.choice(PUBLIC)} {rng.choice(LAST)}", None


def _contacts(rng: random.Random, name: str, number: int) -> dict[str, Any]:
    r = rng.random()
    phones, mobile, email = [], None, None
    ddd = "19"
    if r < 0.72:
        m = f"({ddd}) 9{rng.randint(7000, 9999)}-{rng.randint(0, 9999):04d}"
        phones.append(m)
        mobile = brazilian_mobile(m)
        if rng.random() < 0.2:
            phones.append(f"({ddd}) 3{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}")
    elif r < 0.84:
        phones.append(f"({ddd}) 3{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}")
    if rng.random() < (0.35 if phones else 0.6):
        email = f"{search_key(name).split()[0]}.{number}@exemplo.com.br"
    channels = []
    if mobile:
        channels = ["whatsapp", "sms"] if rng.random() < 0.6 else ["sms"]
    if email:
        channels.append("email")
    consent = bool(channels) and rng.random() < 0.85
    return {"phones": phones, "mobile": mobile, "email": email, "channels": channels,
            "consent": consent, "invoice_by_email": bool(email) and rng.random() < 0.4}


def consumer_row(rng: random.Random, sector_code: str, number: int) -> tuple[dict[str, Any], dict[str, int]]:
    """A consumer's row and the economias of its connection."""
    econ, name, doc = _holder(rng, sector_code)
    contacts = _contacts(rng, name, number)
    row = {"name": name, "document": doc,
           "document_kind": ("cpf" if doc and len(doc) == 11 else "cnpj" if doc else None),
           **contacts}
    return row, econ


def connection_row(rng: random.Random, sec: Any, number: int, group_id: int, route: int,
                   econ: dict[str, int], system_id: int | None) -> dict[str, Any]:
    """A connection's row in sector `sec` (core.demo), `route`-th on the reading route."""
    street = rng.choice(sec.streets)
    hood = rng.choice(sec.neighbourhoods)
    sit = rng.random()
    ind_or_pub = econ["industrial"] or econ["publica"]
    return {
        "number": number, "matricula": matricula_with_dv(number),
        "billing_group_id": group_id, "street": street,
        "house_number": str(rng.randint(1, 1800)),
        "complement": rng.choice([None] * 8 + ["Casa 2", "Fundos"]),
        "neighbourhood": hood, "city": "Vale Verde", "cep": f"13{rng.randint(900, 999)}-000",
        "search_key": search_key(street, hood), "system_code": sec.system_code,
        "system_id": system_id, "sector_code": sec.code,
        "segment_code": f"{sec.code}-T{rng.randint(1, 12):02d}",
        **econ, "tariff_type": "normal", "has_sewer": rng.random() < 0.85,
        "meter_number": f"Y{rng.randint(18, 25)}A{rng.randint(100000, 999999)}",
        "meter_diameter": '3/4"' if not ind_or_pub else '1"',
        "meter_telemetered": rng.random() < 0.06,
        "situation": "ativa" if sit < 0.95 else ("cortada" if sit < 0.99 else "suprimida"),
        "direct_debit": rng.random() < 0.12, "route_seq": route,
        "latitude": round(sec.lat + rng.uniform(-0.006, 0.006), 6),
        "longitude": round(sec.lon + rng.uniform(-0.006, 0.006), 6),
    }
