"""What each line of a bank return file does to its invoice: the outcome rules, pure.

A line is applied only when it plainly settles (or returns the debit of) one open invoice for
its exact amount; anything else (unknown barcode, the same barcode twice in the file, an
amount that differs, an invoice already paid or cancelled) is listed for a person to look at
and never applied silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commercial.domain.return_layout import DEBIT_EFFECTED, DEBIT_NO_EFFECT, DEBIT_RETURN_CODES
from commercial.domain.text import digits
from core import fmt
from core.enums import LabelledStrEnum


class LineOutcome(LabelledStrEnum):
    PAID = "pago", "Pago: baixa aplicada"
    DEBITED = "debitado", "Débito efetuado: baixa aplicada"
    DEBIT_RETURNED = "debito_devolvido", "Débito devolvido"
    UNKNOWN = "desconhecido", "Fatura não encontrada"
    DUPLICATE = "duplicado", "Repetido no arquivo"
    AMOUNT_DIFFERS = "valor_divergente", "Valor diferente do da fatura"
    ALREADY_PAID = "ja_paga", "Fatura já paga"
    CANCELLED = "fatura_cancelada", "Fatura cancelada"
    NO_EFFECT = "sem_efeito", "Sem efeito sobre a fatura"


APPLIED = frozenset({LineOutcome.PAID, LineOutcome.DEBITED, LineOutcome.DEBIT_RETURNED})
SETTLES = frozenset({LineOutcome.PAID, LineOutcome.DEBITED})
# how the report shows each outcome (the CSS tag of base.html)
OUTCOME_TONE = {LineOutcome.PAID: "ok", LineOutcome.DEBITED: "ok",
                LineOutcome.DEBIT_RETURNED: "alerta", LineOutcome.NO_EFFECT: "alerta"}


@dataclass(frozen=True)
class OpenInvoice:
    """What the rules need to know of an invoice a line points at."""

    id: int
    number: str
    total: Decimal
    cancelled: bool
    paid_on: dt.date | None  # when a payment already settled it


@dataclass(frozen=True)
class LineResult:
    line: int
    outcome: LineOutcome
    message: str
    invoice: OpenInvoice | None


def _common(inv: OpenInvoice | None, key: str, seen: dict[str, int]) -> tuple[LineOutcome, str] | None:
    """The outcomes both layouts share, in order: unknown, repeated, cancelled, paid."""
    if inv is None:
        return LineOutcome.UNKNOWN, "Nenhuma fatura corresponde a esta linha."
    if key in seen:
        return LineOutcome.DUPLICATE, f"Repete a linha {seen[key]}: não aplicado de novo."
    if inv.cancelled:
        return LineOutcome.CANCELLED, f"A fatura {inv.number} está cancelada: nada aplicado."
    if inv.paid_on is not None:
        return LineOutcome.ALREADY_PAID, (f"A fatura {inv.number} já estava paga "
                                          f"({fmt.date(inv.paid_on)}): nada aplicado.")
    return None


def _amount_check(inv: OpenInvoice, amount: Decimal) -> tuple[LineOutcome, str] | None:
    if amount != inv.total:
        return LineOutcome.AMOUNT_DIFFERS, (f"Recebido {fmt.money(amount)}; a fatura {inv.number} é de "
                                            f"{fmt.money(inv.total)}. Não baixada: conferir.")
    return None


def classify(details: list[dict[str, Any]], find: Callable[[dict[str, Any]], OpenInvoice | None],
             key: Callable[[dict[str, Any]], str],
             decide: Callable[[dict[str, Any], OpenInvoice], tuple[LineOutcome, str]]) -> list[LineResult]:
    """Each detail's outcome in file order; an invoice settled by an earlier line of the same
    file counts as paid for the lines after it."""
    seen: dict[str, int] = {}
    settled: dict[int, dt.date] = {}
    out = []
    for d in details:
        inv = find(d)
        if inv is not None and inv.id in settled:
            inv = OpenInvoice(inv.id, inv.number, inv.total, inv.cancelled, settled[inv.id])
        found = _common(inv, key(d), seen)
        if found is None:
            assert inv is not None
            found = decide(d, inv)
        outcome, message = found
        if inv is not None:
            seen.setdefault(key(d), d["line"])
            if outcome in SETTLES:
                settled[inv.id] = d.get("paid_on") or d.get("debit_on")
        out.append(LineResult(d["line"], outcome, message, inv))
    return out


def decide_collection(d: dict[str, Any], inv: OpenInvoice) -> tuple[LineOutcome, str]:
    return _amount_check(inv, d["amount"]) or (
        LineOutcome.PAID, f"Fatura {inv.number} paga em {fmt.date(d['paid_on'])}.")


def decide_debit(d: dict[str, Any], inv: OpenInvoice) -> tuple[LineOutcome, str]:
    code = d["return_code"]
    label = DEBIT_RETURN_CODES.get(code, "código de retorno desconhecido")
    if code in DEBIT_NO_EFFECT:
        return LineOutcome.NO_EFFECT, f"Código {code}: {label}."
    if code in DEBIT_EFFECTED:
        return _amount_check(inv, d["amount"]) or (
            LineOutcome.DEBITED, f"Fatura {inv.number} debitada em {fmt.date(d['debit_on'])}.")
    return LineOutcome.DEBIT_RETURNED, f"Código {code}: {label}."


def debit_keys(d: dict[str, Any]) -> tuple[str, tuple[str, dt.date]]:
    """How a record F finds its invoice: the invoice number the company sent in "uso da
    empresa" (F.08), else the matricula (F.02, digits) and the due date (F.05)."""
    return d["company_use"][:20].strip(), (digits(d["client_id"]).lstrip("0"), d["debit_on"])
