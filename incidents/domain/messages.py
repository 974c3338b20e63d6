"""Messages to people: delivery status ordering, retries, idempotency keys, channel choice,
notice templates and their wording."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

# furthest state wins: a late 'sent' never undoes 'read'; 'failed' only beats 'sent'
DELIVERY_RANK = {"pendente": 0, "enviando": 1, "enviado": 2, "falhou": 3, "entregue": 4, "lido": 5}
PROVIDER_STATUS = {"accepted": "enviado", "sent": "enviado", "queued": "enviado",
                   "delivered": "entregue", "read": "lido", "failed": "falhou",
                   "undelivered": "falhou", "enviado": "enviado", "entregue": "entregue",
                   "lido": "lido", "falhou": "falhou"}


def furthest(current: str, new: str) -> str:
    return new if DELIVERY_RANK.get(new, -1) > DELIVERY_RANK.get(current, -1) else current


def backoff_seconds(attempt: int, base: float = 30.0, cap: float = 3600.0) -> float:
    """Wait before retry number `attempt` (1, 2, ...): base * 2^(attempt-1), capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def message_key(incident_id: int, notice_purpose: str, consumer_id: int, channel: str) -> str:
    """The idempotency key: one message per incident, notice, person and channel."""
    raw = f"{incident_id}:{notice_purpose}:{consumer_id}:{channel}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


NO_PHONE = "Não possui telefone para envio de mensagem"


def choose_channels(preferred: Sequence[str], mobile: str | None, email: str | None) -> list[str]:
    """Usable channels in preference order (WhatsApp first when nothing is stated)."""
    order = [c for c in preferred if c in ("whatsapp", "sms", "email")] or ["whatsapp", "sms", "email"]
    order += [c for c in ("whatsapp", "sms", "email") if c not in order]  # then any other
    out = []
    for c in order:
        if c in ("whatsapp", "sms") and not mobile:
            continue
        if c == "email" and not email:
            continue
        if c not in out:
            out.append(c)
    return out


_VAR = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
TEMPLATE_VARIABLES = ("nome", "protocolo", "link", "motivo", "area", "duracao", "medidas",
                      "servico")


def render_template(text: str, values: Mapping[str, Any]) -> str:
    """Replace {{ variable }}; unknown variables stay visible so an editor sees the typo."""
    return _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def unknown_variables(text: str) -> list[str]:
    return sorted({v for v in _VAR.findall(text) if v not in TEMPLATE_VARIABLES})


SAFETY_MEASURES = {
    "qualidade": "Não beba a água da torneira até novo aviso. Para beber e cozinhar, ferva a "
                 "água por 1 minuto ou use água mineral.",
    "interrupcao": "Economize a água da caixa. Ao retornar, a água pode vir turva nos "
                   "primeiros minutos: deixe correr antes de usar.",
    "manutencao": "Sem medidas especiais.",
}


def notice_duration(hours: float | None) -> str:
    """The notice's {{ duracao }}: "30 minutos", "4 horas", "a definir". Not core.fmt.duration
    ("4h00"): citizens read this wording, and sent messages' hashes keep it."""
    if not hours:
        return "a definir"
    if hours < 1:
        return f"{round(hours * 60)} minutos"
    return f"{hours:g} hora" + ("" if hours == 1 else "s")
