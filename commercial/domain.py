"""Commercial rules, pure (no Flask, no SQLAlchemy): matricula check digit, CPF/CNPJ,
Brazilian mobiles, the tariff cascade (tender 7.4/7.5), the FEBRABAN collection barcode and
typed line, the PIX BR Code payload, and the personalised invoice messages (seed 004).

Money is Decimal rounded half-up to the cent (Python's round() is banker's rounding: it
turns the tender's R$ 33,825 into 33,82 instead of 33,83).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def brl(value: Decimal | int | float | None) -> str:
    """R$ 1.234,56 (pt-BR)."""
    if value is None:
        return ""
    text = f"{money(Decimal(str(value))):,.2f}"
    return "R$ " + text.replace(",", "X").replace(".", ",").replace("X", ".")


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def ascii_fold(text: str) -> str:
    """Accents off, for search keys and the PIX payload."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def search_key(*parts: str | None) -> str:
    """Lower-case, accent-free, single-spaced: what searches compare."""
    return " ".join(" ".join(ascii_fold(p).lower().split()) for p in parts if p)


# -- matricula --------------------------------------------------------------------------------

def mod11_weights_2_9(number: str) -> int:
    """Weights 2..9 from the right (cycling); 0 when the remainder is 0 or 1, else 11 - r."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        total += int(ch) * (2 + i % 8)
    r = total % 11
    return 0 if r in (0, 1) else 11 - r


def matricula_with_dv(number: int | str) -> str:
    """1234 -> '12343'; 100 -> '1007'."""
    base = str(int(str(number)))
    if int(base) <= 0:
        raise ValueError("número de matrícula deve ser positivo")
    return base + str(mod11_weights_2_9(base))


def matricula_is_valid(text: str) -> bool:
    d = digits(text)
    if len(d) < 2 or d != (text or "").strip().replace("-", "").replace(".", ""):
        return False
    return int(d[:-1]) > 0 and str(mod11_weights_2_9(d[:-1])) == d[-1]


def parse_matricula(text: str) -> tuple[int | None, str | None]:
    """(base number, full matricula) when `text` is a valid matricula with its digit,
    (base, None) when it is only digits without a valid digit (caller may try as base)."""
    d = digits(text)
    if not d:
        return None, None
    if matricula_is_valid(text):
        return int(d[:-1]), d
    return int(d), None


def format_matricula(full: str) -> str:
    return f"{full[:-1]}-{full[-1]}" if full else ""


# -- CPF / CNPJ -------------------------------------------------------------------------------

def cpf_is_valid(text: str) -> bool:
    d = digits(text)
    if len(d) != 11 or d == d[0] * 11:
        return False
    for n in (9, 10):
        s = sum(int(d[i]) * (n + 1 - i) for i in range(n))
        dv = (s * 10) % 11 % 10
        if dv != int(d[n]):
            return False
    return True


_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def _cnpj_value(ch: str) -> int:
    # Receita Federal's alphanumeric CNPJ (IN RFB 2.229/2024, from July 2026): ASCII - 48,
    # which leaves 0-9 as they were.
    return ord(ch) - 48


def cnpj_clean(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def cnpj_is_valid(text: str) -> bool:
    c = cnpj_clean(text)
    if len(c) != 14 or not c[12:].isdigit() or c == c[0] * 14:
        return False
    body = c[:12]
    for weights, pos in ((_CNPJ_W1, 12), (_CNPJ_W2, 13)):
        s = sum(_cnpj_value(ch) * w for ch, w in zip(c[:pos], weights, strict=True))
        r = s % 11
        dv = 0 if r < 2 else 11 - r
        if dv != int(c[pos]):
            return False
    return bool(body)


def document_kind(text: str) -> str | None:
    """'cpf' | 'cnpj' | None (invalid)."""
    if len(digits(text)) == 11 and cpf_is_valid(text):
        return "cpf"
    if cnpj_is_valid(text):
        return "cnpj"
    return None


def format_document(text: str) -> str:
    d = cnpj_clean(text)
    if len(d) == 11:
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"
    if len(d) == 14:
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    return text


def mask_document(text: str | None) -> str:
    """What an invoice prints (LGPD): ***.456.789-** / CNPJ in full (a company's is public)."""
    if not text:
        return ""
    d = cnpj_clean(text)
    if len(d) == 11:
        return f"***.{d[3:6]}.{d[6:9]}-**"
    return format_document(d)


# -- phones -----------------------------------------------------------------------------------

_DDD = {
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42,
    43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74,
    75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
}


def brazilian_mobile(text: str | None, default_ddd: str | None = None) -> str | None:
    """A Brazilian mobile in E.164 (+55DD9XXXXXXXX), or None when `text` is not one.

    Accepts '(19) 99876-5432', '019 99876 5432', '+55 19 998765432', '998765432' with a
    default DDD. Landlines (8 digits starting 2-5) and invalid DDDs are refused.
    """
    if not text:
        return None
    d = digits(text)
    if text.strip().startswith("+"):
        if not d.startswith("55"):
            return None
        d = d[2:]
    elif len(d) == 13 and d.startswith("55"):
        d = d[2:]
    elif len(d) == 12 and d.startswith("0"):  # 0 + DDD + number (long-distance prefix)
        d = d[1:]
    elif len(d) == 14 and d.startswith("0"):  # 0 + carrier + DDD + number
        d = d[3:]
    if len(d) == 9 and default_ddd:
        d = digits(default_ddd) + d
    if len(d) != 11:
        return None
    ddd, number = int(d[:2]), d[2:]
    if ddd not in _DDD or number[0] != "9" or number[1] == "0":
        return None
    if number == number[0] * 9:
        return None
    return "+55" + d


def format_phone(e164: str | None) -> str:
    if not e164:
        return ""
    d = e164[3:] if e164.startswith("+55") else digits(e164)
    if len(d) == 11:
        return f"({d[:2]}) {d[2:7]}-{d[7:]}"
    if len(d) == 10:
        return f"({d[:2]}) {d[2:6]}-{d[6:]}"
    return e164


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def email_is_valid(text: str | None) -> bool:
    return bool(text and EMAIL_RE.match(text.strip()) and len(text) <= 200)


# -- tariffs ----------------------------------------------------------------------------------

class Category(StrEnum):
    RESIDENCIAL = "residencial"
    COMERCIAL = "comercial"
    INDUSTRIAL = "industrial"
    PUBLICA = "publica"
    SOCIAL = "social"


_CATEGORY_ORDER = {c.value: i for i, c in enumerate(Category)}

CATEGORY_LABELS = {
    Category.RESIDENCIAL: "Residencial",
    Category.COMERCIAL: "Comercial",
    Category.INDUSTRIAL: "Industrial",
    Category.PUBLICA: "Publica",
    Category.SOCIAL: "Residencial social",
}


@dataclass(frozen=True)
class Band:
    """Consumption above `lower` m3 up to `upper` m3 (None = no limit) at `price` per m3."""

    lower: int
    upper: int | None
    price: Decimal


@dataclass(frozen=True)
class TariffRule:
    """One category and type of a tariff table: the minimum charge covers consumption up to
    `minimum_volume` m3; above it, the bands in cascade."""

    category: str
    tariff_type: str
    minimum_volume: int
    minimum_charge: Decimal
    bands: tuple[Band, ...]
    sewer_percent: Decimal
    table_name: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # inclusive

    def problems(self) -> list[str]:
        """Why this rule cannot be used (empty when it is consistent)."""
        out = []
        if self.minimum_volume < 0:
            out.append("O volume mínimo não pode ser negativo.")
        if self.minimum_charge < 0:
            out.append("A tarifa mínima não pode ser negativa.")
        if not (Decimal(0) <= self.sewer_percent <= Decimal(300)):
            out.append("O percentual de esgoto deve estar entre 0 e 300%.")
        edge = self.minimum_volume
        for i, b in enumerate(self.bands, start=1):
            if b.lower != edge:
                out.append(f"A faixa {i} deve comecar em {edge} m3 (comeca em {b.lower} m3).")
            if b.upper is not None and b.upper <= b.lower:
                out.append(f"A faixa {i} termina antes de comecar.")
            if b.price < 0:
                out.append(f"O preço da faixa {i} não pode ser negativo.")
            if b.upper is None and i != len(self.bands):
                out.append(f"So a última faixa pode ficar sem limite superior (faixa {i}).")
            edge = b.upper if b.upper is not None else edge
        if self.bands and self.bands[-1].upper is not None:
            out.append("A última faixa deve ficar sem limite superior (acima de ...).")
        return out


@dataclass(frozen=True)
class BandCharge:
    label: str  # "00 a 10", "11 a 15", "acima de 50"
    volume: Decimal  # m3 billed in this band, per economia
    price: Decimal | None  # per m3; None for the minimum charge
    amount: Decimal  # per economia


@dataclass(frozen=True)
class EconomiaCharge:
    """The cascade for one economia of one category."""

    category: str
    consumption: Decimal  # m3 per economia
    bands: tuple[BandCharge, ...]
    water: Decimal
    sewer: Decimal


def band_label(lower: int, upper: int | None) -> str:
    if upper is None:
        return f"acima de {lower}"
    return f"{lower + 1:02d} a {upper:02d}"


def cascade(rule: TariffRule, consumption: Decimal | int, *, sewer: bool = True) -> EconomiaCharge:
    """Water and sewer for ONE economia consuming `consumption` m3 (tender 7.4 example)."""
    c = Decimal(consumption)
    if c < 0:
        raise ValueError("consumo negativo")
    lines = [BandCharge(f"00 a {rule.minimum_volume:02d}", min(c, Decimal(rule.minimum_volume)),
                        None, money(rule.minimum_charge))]
    water = money(rule.minimum_charge)
    for b in rule.bands:
        if c <= b.lower:
            break
        top = c if b.upper is None else min(c, Decimal(b.upper))
        vol = top - b.lower
        amount = money(vol * b.price)
        lines.append(BandCharge(band_label(b.lower, b.upper), vol, b.price, amount))
        water += amount
    sewer_value = money(water * rule.sewer_percent / 100) if sewer else Decimal("0.00")
    return EconomiaCharge(rule.category, c, tuple(lines), money(water), sewer_value)


@dataclass(frozen=True)
class CategoryCharge:
    category: str
    economias: int
    per_economia: EconomiaCharge
    water: Decimal  # all economias of the category
    sewer: Decimal
    table_name: str
    share: Decimal = Decimal(1)  # fraction of the period under this table


@dataclass(frozen=True)
class Bill:
    consumption: int
    economias: int
    per_economia_consumption: Decimal
    lines: tuple[CategoryCharge, ...]
    water: Decimal
    sewer: Decimal

    @property
    def total(self) -> Decimal:
        return self.water + self.sewer


def per_economia(consumption: int, economias: int) -> Decimal:
    """Consumption split evenly over the economias, to the litre (3 decimals)."""
    if economias <= 0:
        raise ValueError("ligação sem economias")
    return (Decimal(consumption) / economias).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def compute_bill(consumption: int, economias: dict[str, int], rules: Sequence[TariffRule], *,
                 sewer: bool = True, period: tuple[dt.date, dt.date] | None = None) -> Bill:
    """The bill of a connection: consumption split per economia, each category's cascade
    times its economias, summed.

    `rules` holds the rules of every table that may apply. With `period` = (previous reading,
    current reading) spanning a table change, each table's charge is weighted by the days it
    was in force (pro rata die); without it the table in force on the current reading (or the
    only one) applies.
    """
    econ = {k: int(v) for k, v in economias.items() if int(v or 0) > 0}
    if consumption < 0:
        raise ValueError("consumo negativo")
    total_econ = sum(econ.values())
    pe = per_economia(consumption, total_econ)
    shares = _table_shares(rules, period)
    lines: list[CategoryCharge] = []
    water = sewer_total = Decimal("0.00")
    for cat, n in sorted(econ.items(), key=lambda kv: _CATEGORY_ORDER.get(kv[0], 99)):
        for (table, valid_from), share in shares:
            rule = _find_rule(rules, cat, table, valid_from)
            ch = cascade(rule, pe, sewer=sewer)
            w = money(ch.water * share) * n
            s = money(ch.sewer * share) * n
            lines.append(CategoryCharge(cat, n, ch, w, s, rule.table_name, share))
            water += w
            sewer_total += s
    return Bill(consumption, total_econ, pe, tuple(lines), money(water), money(sewer_total))


def _find_rule(rules: Sequence[TariffRule], category: str, table: str,
               valid_from: dt.date | None) -> TariffRule:
    for r in rules:
        if r.category == category and r.table_name == table and r.valid_from == valid_from:
            return r
    raise LookupError(f"sem tarifa para a categoria {category} na tabela {table}")


def _table_shares(rules: Sequence[TariffRule], period: tuple[dt.date, dt.date] | None,
                  ) -> list[tuple[tuple[str, dt.date | None], Decimal]]:
    tables = sorted({(r.table_name, r.valid_from) for r in rules},
                    key=lambda t: t[1] or dt.date.min)
    if not tables:
        raise LookupError("nenhuma tabela tarifária vigente")
    if period is None or len(tables) == 1:
        if period is None:
            return [(tables[-1], Decimal(1))]
        day = period[1]
        current = [t for t in tables if (t[1] or dt.date.min) <= day] or tables[:1]
        return [(current[-1], Decimal(1))]
    start, end = period
    days_total = (end - start).days
    if days_total <= 0:
        current = [t for t in tables if (t[1] or dt.date.min) <= end] or tables[:1]
        return [(current[-1], Decimal(1))]
    out = []
    # consumption days are (start, end]: the day after the previous reading to the current one
    for i, t in enumerate(tables):
        t_from = t[1] or dt.date.min
        t_to = tables[i + 1][1] - dt.timedelta(days=1) if i + 1 < len(tables) else dt.date.max
        lo = max(start + dt.timedelta(days=1), t_from)
        hi = min(end, t_to)
        days = (hi - lo).days + 1
        if days > 0:
            out.append((t, Decimal(days) / Decimal(days_total)))
    return out or [(tables[-1], Decimal(1))]


# -- consumption ------------------------------------------------------------------------------

def consumption_between(previous: int | None, current: int, *, digits_on_dial: int = 6,
                        rollover: bool = False) -> int:
    """m3 consumed between two readings; `rollover` when the dial turned past 999999."""
    if previous is None:
        return 0
    if current >= previous:
        return current - previous
    if rollover:
        return 10**digits_on_dial - previous + current
    raise ValueError("leitura atual menor que a anterior")


def average(values: Iterable[int]) -> int:
    vals = [v for v in values if v is not None]
    if not vals:
        return 0
    return int((Decimal(sum(vals)) / len(vals)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# -- FEBRABAN collection barcode ("arrecadacao") --------------------------------------------

PRODUCT_COLLECTION = "8"
SEGMENT_SANITATION = "2"
VALUE_ID_MOD10 = "6"  # valor efetivo em reais, DV modulo 10
VALUE_ID_MOD11 = "8"  # valor efetivo em reais, DV modulo 11


def mod10(number: str) -> int:
    """FEBRABAN modulo 10: weights 2,1,2,1... from the right, digits of each product summed."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    r = total % 10
    return 0 if r == 0 else 10 - r


def mod11_collection(number: str) -> int:
    """FEBRABAN modulo 11 for collection documents: weights 2..9 from the right; DV 0 when
    the remainder is 0 or 1, else 11 - remainder (remainder 10 gives 1)."""
    return mod11_weights_2_9(number)


def _dv_function(value_id: str):  # type: ignore[no-untyped-def]
    if value_id in ("6", "7"):
        return mod10
    if value_id in ("8", "9"):
        return mod11_collection
    raise ValueError(f"identificador de valor inválido: {value_id}")


def collection_barcode(amount: Decimal, company_code: str, free_field: str, *,
                       segment: str = SEGMENT_SANITATION, value_id: str = VALUE_ID_MOD10) -> str:
    """The 44-digit collection barcode: 8 | segment | value id | general DV | value (11) |
    company (4) | free field (25)."""
    company = digits(company_code)
    if len(company) != 4:
        raise ValueError("código FEBRABAN da empresa deve ter 4 dígitos")
    free = digits(free_field)
    if len(free) != 25:
        raise ValueError("campo livre deve ter 25 dígitos")
    cents = int(money(amount) * 100)
    if cents < 0 or cents >= 10**11:
        raise ValueError("valor fora do limite do código de barras")
    body = PRODUCT_COLLECTION + segment + value_id + f"{cents:011d}" + company + free
    dv = _dv_function(value_id)(body)
    return body[:3] + str(dv) + body[3:]


def barcode_is_valid(code: str) -> bool:
    if len(code) != 44 or not code.isdigit() or code[0] != PRODUCT_COLLECTION:
        return False
    try:
        fn = _dv_function(code[2])
    except ValueError:
        return False
    return fn(code[:3] + code[4:]) == int(code[3])


def typed_line(code: str) -> str:
    """The 48-digit typed line: four 11-digit blocks, each followed by its check digit."""
    if len(code) != 44 or not code.isdigit():
        raise ValueError("código de barras deve ter 44 dígitos")
    fn = _dv_function(code[2])
    blocks = [code[i:i + 11] for i in range(0, 44, 11)]
    return "".join(b + str(fn(b)) for b in blocks)


def format_typed_line(line: str) -> str:
    return " ".join(f"{line[i:i + 11]}-{line[i + 11]}" for i in range(0, 48, 12))


def barcode_from_typed_line(line: str) -> str:
    d = digits(line)
    if len(d) != 48:
        raise ValueError("linha digitável deve ter 48 dígitos")
    fn = _dv_function(d[2])
    for i in range(0, 48, 12):
        if fn(d[i:i + 11]) != int(d[i + 11]):
            raise ValueError(f"dígito verificador do bloco {i // 12 + 1} não confere")
    return "".join(d[i:i + 11] for i in range(0, 48, 12))


def invoice_free_field(due: dt.date, matricula: str, year: int, month: int, seq: int = 0) -> str:
    """25 digits: due date AAAAMMDD (8) + matricula with its digit (10) + reference AAMM (4) +
    sequence (3). Enough for the bank's return file to find the invoice."""
    m = digits(matricula)
    if len(m) > 10:
        raise ValueError("matrícula longa demais para o campo livre")
    return f"{due:%Y%m%d}{int(m):010d}{year % 100:02d}{month:02d}{seq % 1000:03d}"


# -- PIX (BR Code, EMV MPM) -------------------------------------------------------------------

def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
        table.append(crc)
    return tuple(table)


_CRC = _crc_table()


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as the BR Code requires (table-driven)."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC[(crc >> 8) ^ byte]
    return crc


def _emv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"campo {tag} do BR Code longo demais")
    return f"{tag}{len(value):02d}{value}"


def _pix_text(text: str, size: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9 .\-/]", "", ascii_fold(text)).strip()
    return clean[:size].strip()


def pix_payload(key: str, name: str, city: str, amount: Decimal | None = None, txid: str = "***",
                description: str = "") -> str:
    """Static PIX BR Code ("copia e cola") with amount and transaction id."""
    if not key:
        raise ValueError("chave PIX não configurada")
    gui = _emv("00", "br.gov.bcb.pix") + _emv("01", key)
    if description:
        gui += _emv("02", _pix_text(description, 40))
    tx = re.sub(r"[^A-Za-z0-9]", "", txid)[:25] or "***"
    payload = (
        _emv("00", "01")
        + _emv("26", gui)
        + _emv("52", "0000")
        + _emv("53", "986")
        + (_emv("54", f"{money(amount):.2f}") if amount is not None and amount > 0 else "")
        + _emv("58", "BR")
        + _emv("59", _pix_text(name, 25) or "SAAE")
        + _emv("60", _pix_text(city, 15) or "BRASIL")
        + _emv("62", _emv("05", tx))
        + "6304"
    )
    return payload + f"{crc16_ccitt(payload.encode('ascii')):04X}"


# -- personalised messages (seed 004; tender 7.5 "mensagens") ---------------------------------

class MessageKind(StrEnum):
    GERAL = "geral"
    LOCALIZACAO = "localizacao"
    EXCESSO_CONSUMO = "excesso_consumo"
    DEBITOS_EM_ABERTO = "debitos_em_aberto"
    DEBITO_AUTOMATICO = "debito_automatico"
    DEBITO_DEVOLVIDO = "debito_devolvido"
    PLANO_PAGAMENTO = "plano_pagamento"
    TELEMEDICAO = "telemedicao"
    ALERTAS = "alertas"
    TARIFA_APLICADA = "tarifa_aplicada"
    FATURA_ZERO = "fatura_zero"
    LIGACAO_CORTADA = "ligacao_cortada"


MESSAGE_KIND_LABELS = {
    MessageKind.GERAL: "Mensagem geral (todas as faturas)",
    MessageKind.LOCALIZACAO: "Por localização (bairro/setor)",
    MessageKind.EXCESSO_CONSUMO: "Excesso de consumo sobre a média",
    MessageKind.DEBITOS_EM_ABERTO: "Faturas em aberto (quantidade e valor)",
    MessageKind.DEBITO_AUTOMATICO: "Fatura em débito automático",
    MessageKind.DEBITO_DEVOLVIDO: "Débito automático devolvido",
    MessageKind.PLANO_PAGAMENTO: "Parcelamento ativo e próxima parcela",
    MessageKind.TELEMEDICAO: "Hidrômetro com telemedição disponível",
    MessageKind.ALERTAS: "Convite para alertas personalizados",
    MessageKind.TARIFA_APLICADA: "Tarifa aplicada",
    MessageKind.FATURA_ZERO: "Fatura com valor zero",
    MessageKind.LIGACAO_CORTADA: "Ligação cortada",
}

# Placeholders a Gestor may use in a message text, with what they mean.
PLACEHOLDERS = {
    "nome": "nome do cliente",
    "matricula": "matricula",
    "consumo": "consumo faturado (m3)",
    "media": "média dos últimos 6 meses (m3)",
    "excesso_pct": "quanto o consumo passou da média (%)",
    "qtd_abertas": "quantidade de faturas em aberto",
    "valor_abertas": "valor das faturas em aberto",
    "vencimento": "vencimento desta fatura",
    "data_devolucao": "data da devolução do débito automático",
    "parcelas_restantes": "parcelas restantes do parcelamento",
    "proxima_parcela_data": "vencimento da próxima parcela",
    "proxima_parcela_valor": "valor da próxima parcela",
    "tabela": "tabela tarifária aplicada",
    "vigencia": "início de vigência da tabela",
    "bairro": "bairro",
}


@dataclass(frozen=True)
class MessageRuleData:
    kind: str
    text: str
    priority: int = 100
    neighbourhoods: tuple[str, ...] = ()
    sector_codes: tuple[str, ...] = ()
    threshold_percent: Decimal | None = None  # excesso_consumo: % above the average
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    id: int | None = None


@dataclass(frozen=True)
class InvoiceFacts:
    """What the message rules look at, for one invoice."""

    issue_date: dt.date
    name: str = ""
    matricula: str = ""
    neighbourhood: str = ""
    sector_code: str | None = None
    consumption: int = 0
    average: int = 0
    history_months: int = 0
    total: Decimal = Decimal(0)
    due_date: dt.date | None = None
    unpaid_count: int = 0
    unpaid_amount: Decimal = Decimal(0)
    direct_debit: bool = False
    debit_returned_on: dt.date | None = None
    plan_remaining: int = 0
    plan_next_due: dt.date | None = None
    plan_next_amount: Decimal | None = None
    telemetered: bool = False
    has_mobile_consent: bool = False
    situation: str = "ativa"
    tariff_table: str = ""
    tariff_valid_from: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)


class _Safe(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _d(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def render_text(text: str, values: dict[str, str]) -> str:
    try:
        return text.format_map(_Safe(values))
    except (ValueError, IndexError):  # a stray brace in a Gestor's text: print it as typed
        return text


def template_problems(text: str) -> list[str]:
    """Unknown placeholders in a message text."""
    names = set(re.findall(r"\{(\w+)\}", text))
    unknown = sorted(names - set(PLACEHOLDERS))
    return [f"Campo desconhecido na mensagem: {{{n}}}" for n in unknown]


def excess_percent(consumption: int, avg: int) -> int | None:
    if avg <= 0:
        return None
    return int(((Decimal(consumption) - avg) * 100 / avg).quantize(Decimal(1), ROUND_HALF_UP))


def rule_applies(rule: MessageRuleData, f: InvoiceFacts) -> bool:
    if rule.valid_from and f.issue_date < rule.valid_from:
        return False
    if rule.valid_to and f.issue_date > rule.valid_to:
        return False
    if rule.neighbourhoods or rule.sector_codes:
        in_place = (ascii_fold(f.neighbourhood).lower() in
                    {ascii_fold(n).lower() for n in rule.neighbourhoods}) or \
            (f.sector_code is not None and f.sector_code in rule.sector_codes)
        if not in_place:
            return False
    k = rule.kind
    if k in (MessageKind.GERAL, MessageKind.LOCALIZACAO, MessageKind.TARIFA_APLICADA):
        return True
    if k == MessageKind.EXCESSO_CONSUMO:
        threshold = rule.threshold_percent if rule.threshold_percent is not None else Decimal(30)
        pct = excess_percent(f.consumption, f.average)
        return f.history_months >= 3 and pct is not None and pct > threshold
    if k == MessageKind.DEBITOS_EM_ABERTO:
        return f.unpaid_count > 0
    if k == MessageKind.DEBITO_AUTOMATICO:
        return f.direct_debit
    if k == MessageKind.DEBITO_DEVOLVIDO:
        return f.debit_returned_on is not None
    if k == MessageKind.PLANO_PAGAMENTO:
        return f.plan_remaining > 0
    if k == MessageKind.TELEMEDICAO:
        return f.telemetered
    if k == MessageKind.ALERTAS:
        return not f.has_mobile_consent
    if k == MessageKind.FATURA_ZERO:
        return f.total <= 0
    if k == MessageKind.LIGACAO_CORTADA:
        return f.situation == "cortada"
    return False


def messages_for(rules: Iterable[MessageRuleData], f: InvoiceFacts, limit: int = 6) -> list[str]:
    """The personalised messages of one invoice, by priority (lower first), deduplicated."""
    values = {
        "nome": f.name, "matricula": f.matricula, "consumo": str(f.consumption),
        "media": str(f.average), "excesso_pct": str(excess_percent(f.consumption, f.average) or 0),
        "qtd_abertas": str(f.unpaid_count), "valor_abertas": brl(f.unpaid_amount),
        "vencimento": _d(f.due_date), "data_devolucao": _d(f.debit_returned_on),
        "parcelas_restantes": str(f.plan_remaining), "proxima_parcela_data": _d(f.plan_next_due),
        "proxima_parcela_valor": brl(f.plan_next_amount) if f.plan_next_amount else "",
        "tabela": f.tariff_table, "vigencia": _d(f.tariff_valid_from), "bairro": f.neighbourhood,
        **f.extra,
    }
    out: list[str] = []
    for rule in sorted(rules, key=lambda r: (r.priority, r.id or 0)):
        if rule_applies(rule, f):
            text = render_text(rule.text, values).strip()
            if text and text not in out:
                out.append(text)
        if len(out) >= limit:
            break
    return out


# -- dates ------------------------------------------------------------------------------------

def add_business_days(day: dt.date, n: int, holidays: Iterable[dt.date] = ()) -> dt.date:
    hol = set(holidays)
    d = day
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5 and d not in hol:
            n -= 1
    return d


def next_business_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> dt.date:
    hol = set(holidays)
    d = day
    while d.weekday() >= 5 or d in hol:
        d += dt.timedelta(days=1)
    return d


def month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


MONTHS_PT = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


def month_label(year: int, month: int) -> str:
    return f"{MONTHS_PT[month - 1]}/{year % 100:02d}"


def point_in_polygon(lat: float, lon: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Ray casting; polygon as (lat, lon) vertices."""
    inside = False
    n = len(polygon)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        yi, xi = polygon[i]
        yj, xj = polygon[j]
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside
