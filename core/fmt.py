"""The one pt-BR formatter: every date, time and number a person reads goes through here.

Pages (the Jinja filters), PDFs, spreadsheets, CSV files for people, messages and e-mails
call these functions, so a time is always local (the settings' zone) as dd/mm/aaaa hh:mm
and a number always has the decimals its quantity deserves with pt-BR separators
("1.234,56"). Machine outputs (JSON APIs, open data) keep ISO times and plain numbers.

No module names a time zone: the zone comes from Settings.timezone.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from core.config import Settings
from core.domain_errors import ValidationError

EMPTY = "—"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str | None = None) -> ZoneInfo:
    """The utility's zone: the running app's settings, else the Settings default."""
    if name:
        return _zone(name)
    # Flask only when the process already runs it: the invoice PDF workers and the ingester
    # format numbers and dates without loading the web stack
    flask = sys.modules.get("flask")
    if flask is not None and flask.has_app_context():
        settings = flask.current_app.config.get("SAAE_SETTINGS")
        if settings is not None:
            return _zone(settings.timezone)
    return _zone(Settings.timezone)


def zone_label(tz: ZoneInfo | str | None = None, at: dt.datetime | None = None) -> str:
    """"horário local (GMT−3)": what a chart or report says of its times, without naming
    the zone's identifier to people (the offset at `at`, now by default). GMT, as people say
    it in Brazil; the pages keep "UTC" for machine timestamps only."""
    z = tz if isinstance(tz, ZoneInfo) else zone(tz)
    offset = (at or dt.datetime.now(dt.UTC)).astimezone(z).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "−" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    text = f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"horário local ({'GMT' if minutes == 0 else text})"


def local(value: dt.datetime, tz: ZoneInfo | str | None = None) -> dt.datetime:
    """An aware (or naive UTC) datetime in the utility's zone."""
    z = tz if isinstance(tz, ZoneInfo) else zone(tz)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(z)


def now_local(tz: ZoneInfo | str | None = None) -> dt.datetime:
    return local(dt.datetime.now(dt.UTC), tz)


def today(tz: ZoneInfo | str | None = None) -> dt.date:
    """Today in the utility's zone (not the server's, not UTC)."""
    return now_local(tz).date()


def local_date(value: dt.datetime | dt.date, tz: ZoneInfo | str | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return local(value, tz).date()
    return value


def date_time(value: dt.datetime | dt.date | str | None, tz: ZoneInfo | str | None = None,
             empty: str = "") -> str:
    """dd/mm/aaaa hh:mm in local time ("" or `empty` for None)."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return date(value)
    return local(value, tz).strftime("%d/%m/%Y %H:%M")


def time_of_day(value: dt.datetime | None, tz: ZoneInfo | str | None = None) -> str:
    return "" if value is None else local(value, tz).strftime("%H:%M")


def date(value: dt.date | dt.datetime | str | None, tz: ZoneInfo | str | None = None,
         empty: str = "") -> str:
    """dd/mm/aaaa (a datetime is first taken to local time)."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = local(value, tz).date()
    return value.strftime("%d/%m/%Y")


MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
          "setembro", "outubro", "novembro", "dezembro")


def month_name(year: int, month: int) -> str:
    """"março de 2026"."""
    return f"{MONTHS[month - 1]} de {year}"


MONTHS_SHORT = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


def month_short(year: int, month: int) -> str:
    """"mar/26" (invoice histories, chart axes)."""
    return f"{MONTHS_SHORT[month - 1]}/{year % 100:02d}"


def month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    """(2026, 11) + 3 -> (2027, 2); negative deltas go back."""
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def number(value: Any, places: int | None = 2, *, empty: str = "") -> str:
    """1234.5 -> "1.234,50"; places=None shows the significant digits only."""
    if value is None or value == "":
        return empty
    if isinstance(value, bool):
        return "sim" if value else "não"
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not d.is_finite():
        return str(value)
    if places is None:  # significant digits only: 0.20000000 -> "0,2"
        d = d.normalize()
        if d == d.to_integral():
            d = d.quantize(Decimal(1))
        text = f"{d:,f}"
    else:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{d:,.{places}f}"
    if text.startswith("-") and not d:
        text = text[1:]
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def integer(value: Any, empty: str = "") -> str:
    return number(value, 0, empty=empty)


def money(value: Any, empty: str = "") -> str:
    if value is None or value == "":
        return empty
    return "R$ " + number(value, 2)


def measure(value: Any, places: int | None, unit: str = "", empty: str = "") -> str:
    """A quantity with the catalogue's decimals and its unit: "0,20 mg/L"."""
    text = number(value, places, empty="")
    if not text:
        return empty
    return f"{text} {unit}".strip()


def percent(value: Any, places: int = 1, empty: str = "") -> str:
    text = number(value, places, empty="")
    return f"{text}%" if text else empty


def duration(seconds: float | None) -> str:
    """1h05, 12 min, 2 dias e 3 h."""
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{rest:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} dias e {hours} h"


# ---------------------------------------------------------------------------------------------
# parsing numbers as people type them

_GROUPED_BR = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5  12.345.678
_PLAIN_BR = re.compile(r"^[+-]?\d+(,\d+)?$")  # 1234,5  0,35  12
_DOTTED = re.compile(r"^[+-]?\d*\.\d+$")  # 0.35  (a decimal point, no thousands)
_GROUPED_EN = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5


class NumberFormatError(ValueError):
    """What a person typed is not a number we can read without guessing."""


def parse_number(text: str | None, *, field: str = "valor") -> Decimal | None:
    """Read a number as people write it in Brazil: "1.234,5", "1234,5", "0,35", "12".

    A lone decimal point ("0.35", "18.90") is read as a decimal point, because that is how
    spreadsheets and instruments export it; "1.234" (dot followed by exactly three digits and
    nothing else) is ambiguous (mil duzentos e trinta e quatro, or um vírgula dois três
    quatro?) and is refused with an example, as is "1,234.5" (US grouping). None for empty.
    """
    if text is None:
        return None
    s = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None
    example = 'Escreva como "1.234,5", "1234,5" ou "0,35".'
    if _GROUPED_BR.match(s):
        if "," not in s and s.count(".") == 1:
            raise NumberFormatError(
                f'O {field} "{text}" é ambíguo: mil e tantos ou um com decimais? '
                f'Escreva "{s.replace(".", "")}" para o inteiro ou "{s.replace(".", ",")}" '
                "para o decimal.")
        s = s.replace(".", "").replace(",", ".")
    elif _PLAIN_BR.match(s):
        s = s.replace(",", ".")
    elif _DOTTED.match(s):
        pass
    elif _GROUPED_EN.match(s):
        raise NumberFormatError(f'O {field} "{text}" usa vírgula como separador de milhar. {example}')
    else:
        raise NumberFormatError(f'O {field} "{text}" não é um número. {example}')
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise NumberFormatError(f'O {field} "{text}" não é um número. {example}') from None
    return d


def parse_date(text: str | None, *, field: str = "data") -> dt.date | None:
    """dd/mm/aaaa or aaaa-mm-dd (what a date input sends) -> date; None for empty."""
    if text is None or not str(text).strip():
        return None
    s = str(text).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(s, pattern).date()
        except ValueError:
            continue
    raise ValueError(f'A {field} "{text}" não é uma data. Escreva como 31/01/2026.')


def whole_in(value: Any, low: int, high: int) -> int | None:
    """A whole number typed in a form (or already an int) from `low` to `high`; None when it is
    not one or falls outside (the caller says what the field expects)."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if low <= n <= high else None


def as_shown(value: Any, places: int | None) -> Decimal | None:
    """A stored Decimal (NUMERIC with 8 places) as it is shown: `places` decimals, or its
    significant digits when the catalogue gives none (0.20000000 -> 0.20 or 0.2)."""
    if value is None:
        return None
    d = Decimal(str(value))
    if places is not None:
        q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if q == d:  # never change a value to show it (a limit keeps every digit it has)
            return q
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral() else d


def check_date(value: dt.date, *, earliest: dt.date | None, latest: dt.date | None, what: str,
               field: str = "data") -> dt.date:
    """Refuse a date outside [earliest, latest] with a message naming the allowed range:
    'A data de instalação do hidrômetro (01/01/2030) deve ficar entre 01/01/1990 e 04/12/2026.'"""
    if (earliest and value < earliest) or (latest and value > latest):
        if earliest and latest:
            rng = f"entre {date(earliest)} e {date(latest)}"
        elif earliest:
            rng = f"a partir de {date(earliest)}"
        else:
            rng = f"até {date(latest)}"
        msg = f"{what[0].upper()}{what[1:]} ({date(value)}) deve ficar {rng}."
        raise ValidationError(msg, code="data_fora_do_intervalo", fields={field: [msg]})
    return value

