"""The tariff cascade (tender 7.4/7.5): the minimum charge, the bands above it, sewer as a
percentage of water, per economia and category, pro rata die across a table change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from commercial.domain.money import money
from core.enums import LabelledStrEnum


class Category(LabelledStrEnum):
    RESIDENTIAL = "residencial", "Residencial"
    COMMERCIAL = "comercial", "Comercial"
    INDUSTRIAL = "industrial", "Industrial"
    PUBLIC = "publica", "Pública"
    SOCIAL = "social", "Residencial social"


_CATEGORY_ORDER = {c.value: i for i, c in enumerate(Category)}

CATEGORY_LABELS = Category.labels()


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
                out.append(f"Só a última faixa pode ficar sem limite superior (faixa {i}).")
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
