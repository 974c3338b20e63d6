"""Every page of the URL map, rendered as each demo profile (and the portal anonymously) over
the demo data, read as a person would read it.

Fails on: an ISO/UTC timestamp, a number with more decimals than the catalogue allows, a
Python repr, a raw enum value or source tag, and unaccented Portuguese words. The check runs
on what a person sees: text nodes and the attributes read aloud or shown (title,
placeholder, aria-label, alt, button values), not on scripts, styles or URLs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from saae.seed import DEMO_PASSWORD, DEMO_USERS

# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db

# words that a page in pt-BR never shows without their accent (whole words, any case)
UNACCENTED = (
    "Recepcao", "Validacao", "Inicio", "servico", "servicos", "agua", "Ola", "pocos", "poco", "Nao",
    "Situacao", "Historico", "Parametro", "Parametros", "Analise", "Analises", "Publicacao",
    "Acoes", "Acao", "Usuario", "Usuarios", "Proxima", "Descricao", "Observacao",
    "Observacoes", "Laboratorio", "Relatorio", "Relatorios", "Configuracao", "Numero",
    "Periodo", "Titulo", "Codigo", "Padrao", "Ultima", "Ultimo", "Distribuicao", "Tecnico",
    "Tecnicos", "Medicao", "Informacoes", "Manutencao", "Operacao", "Duracao", "Previsao",
    "Notificacao", "Notificacoes", "Justificativa obrigatoria", "Endereco", "Latitude invalida",
    "invalido", "invalida", "obrigatorio", "Ligacao", "Ligacoes", "Mes", "Calculo", "Area",
    "Regiao", "Leitura atraves", "Emissao", "Vigencia", "Inclusao", "Alteracao", "Exclusao",
    "Coletor responsavel", "responsavel", "Responsavel", "Media", "Maximo", "Minimo",
    "Ha ", "tambem", "ja", "ate", "voce", "disponivel", "indisponivel", "necessario",
    "Criterio", "Conclusao", "Frequencia", "Frequencias", "Amostragem minima",
    "Orgao", "Orientacoes", "Atencao", "Gravidade media", "publicas", "Publico", "publico",
    "Vigilancia", "Saude", "Pagina", "Paginas", "Sao Paulo", "Hidrometro", "Medio",
    "Residencia", "Calculos", "Proximo", "Proximos", "Recomendacao", "Recomendacoes",
    "Reanalise", "sera", "estao", "nao", "so", "Municipio", "Lancamento", "Agencia",
    "Cobranca", "Estatisticas", "Tecnica",
)
UNACCENTED_RE = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(w.strip()) for w in UNACCENTED)
                           + r")(?![\w/-])")
ISO_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\bUTC\b|[+-]00:00\b")
REPR_RE = re.compile(r"\{'|'\}|\bNone\b|\bTrue\b|\bFalse\b|Decimal\(|datetime\.|<[a-z_.]+ object at")
SOURCE_TAG_RE = re.compile(r"\[(?:V-|3P|V\s|UNVERIFIED)[^\]]*\]|\bUNVERIFIED\b|\bPENDENTE_VERIFICACAO\b")
SNAKE_RE = re.compile(r"(?<![\w/.@{-])[a-z]{2,}_[a-z_]{2,}(?![\w/.@(-])")
DOTTED_DECIMAL_RE = re.compile(r"(?<![\w.,/:-])\d+\.\d{1,2}(?![\w.,/%-])")

COORD_RE = re.compile(r"Latitude|Longitude|GPS|lat\b|lon\b", re.I)
ART = Path(__file__).resolve().parents[1] / "test-artifacts" / "ux"
SEEN_ATTRS = ("title", "placeholder", "aria-label", "alt")


class _Text(HTMLParser):
    """What a person reads on the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template", "code", "pre", "textarea"):
            self._skip += 1
        a = dict(attrs)
        for k in SEEN_ATTRS:
            if a.get(k):
                self.parts.append(a[k] or "")
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "code", "pre", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    p = _Text()
    p.feed(html)
    return p.parts


def problems(html: str, max_decimals: int) -> list[str]:
    out = []
    dec_re = re.compile(r"(?<![\w.,])\d{1,3}(?:\.\d{3})*,\d{" + str(max_decimals + 1) + r",}(?!\d)")
    for part in visible_text(html):
        for label, rx in (("data ISO/UTC", ISO_RE), ("repr Python", REPR_RE),
                          ("etiqueta de fonte", SOURCE_TAG_RE), ("sem acento", UNACCENTED_RE),
                          ("código interno", SNAKE_RE),
                          # coordinates are not quantities of the catalogue
                          ("casas decimais demais", None if COORD_RE.search(part) else dec_re),
                          ("decimal com ponto", DOTTED_DECIMAL_RE)):
            m = rx.search(part) if rx is not None else None
            if m:
                out.append(f"{label}: {m.group(0)!r} em {part[:120]!r}")
    return out


def pdf_problems(data: bytes, max_decimals: int) -> list[str]:
    """The same reading of a PDF's text (pdftotext, poppler-utils)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return []
    text = subprocess.run([exe, "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        for label, rx in (("data ISO/UTC", ISO_RE), ("repr Python", REPR_RE),
                          ("etiqueta de fonte", SOURCE_TAG_RE)):
            m = rx.search(line)
            if m:
                out.append(f"PDF {label}: {m.group(0)!r} em {line.strip()[:120]!r}")
    return out


def _first(db: Session, sql: str) -> object:
    return db.execute(text(sql)).scalar()


def _args(db: Session) -> dict[str, object]:
    closing = db.execute(text("SELECT system_id, year, month FROM lims_month_closing "
                              "WHERE system_id IS NOT NULL ORDER BY year DESC, month DESC")).first()
    return {
        "user_id": _first(db, "SELECT min(id) FROM core_user"),
        "batch_id": _first(db, "SELECT min(id) FROM commercial_invoice_batch"),
        "invoice_id": _first(db, "SELECT min(id) FROM commercial_invoice"),
        "connection_id": _first(db, "SELECT min(id) FROM commercial_connection"),
        "rule_id": _first(db, "SELECT min(id) FROM commercial_message_rule"),
        "table_id": _first(db, "SELECT min(id) FROM commercial_tariff_table"),
        "file_id": _first(db, "SELECT min(id) FROM commercial_return_file"),
        "incident_id": _first(db, "SELECT max(id) FROM incidents_incident"),
        "wo_id": _first(db, "SELECT max(id) FROM incidents_work_order"),
        "request_id": _first(db, "SELECT max(id) FROM incidents_service_request"),
        "sample_id": _first(db, "SELECT max(sample_id) FROM lims_result"),
        "route_id": _first(db, "SELECT max(id) FROM lims_route"),
        "worksheet_id": _first(db, "SELECT max(id) FROM lims_worksheet"),
        "plan_id": _first(db, "SELECT min(id) FROM lims_sampling_plan"),
        "point_id": _first(db, "SELECT min(id) FROM lims_collection_point"),
        "anomaly_id": _first(db, "SELECT max(id) FROM telemetry_anomaly"),
        "code": _first(db, "SELECT min(code) FROM telemetry_asset"),
        "name": _first(db, "SELECT min(name) FROM telemetry_tag"),
        "token": _first(db, "SELECT public_token FROM incidents_incident ORDER BY id DESC LIMIT 1"),
        "notice_id": _first(db, "SELECT min(id) FROM incidents_incident WHERE public_notice"),
        "system_id": closing[0] if closing else None,
        "ano": closing[1] if closing else None,
        "mes": closing[2] if closing else None,
        "key": "pontos", "record_id": _first(db, "SELECT min(id) FROM lims_collection_point"),
        "slug": "anual", "n": 0,
        # issue 20 (qs-methods): a method, an instrument, a parameter with quality rules
        "method_id": _first(db, "SELECT min(id) FROM lims_method"),
        "instrument_id": _first(db, "SELECT min(id) FROM lims_instrument"),
        "parameter_id": _first(db, "SELECT min(parameter_id) FROM lims_parameter_rule"),
        "material_id": _first(db, "SELECT min(id) FROM lims_reference_material"),  # qs-registry
        "template_id": _first(db, "SELECT min(id) FROM lims_worksheet_template"),
    }


SKIP = {"core.logout", "lims.field_service_worker", "incidents.field_worker", "shell.health",
        "lims_campo.static", "portal.static", "static", "incidents.live",
        "commercial.batch_status", "incidents.audit_zip", "commercial.batch_print_file",
        "lims.point_photo", "core.login"}


def _pages(app: Flask, values: dict[str, object]) -> list[str]:
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in SKIP:
                continue
            if rule.rule.startswith(("/api", "/static")) or rule.rule.endswith((".zip", ".zpl", ".js")):
                continue
            args = {a: values.get(a) for a in rule.arguments}
            if any(v is None for v in args.values()):
                continue
            urls.append(url_for(rule.endpoint, **args))
    return sorted(set(urls))


@pytest.fixture()
def demo(db: Session) -> Session:
    return db


def _max_decimals(db: Session) -> int:
    # most parameters leave decimals to the lab (None): three is the most a lab reports
    return max(int(_first(db, "SELECT max(compare_decimals) FROM lims_parameter") or 0), 3)


def test_every_page_reads_as_ptbr_for_people(app: Flask, demo: Session) -> None:
    values = _args(demo)
    urls = _pages(app, values)
    maxd = _max_decimals(demo)
    found: dict[str, set[str]] = defaultdict(set)
    users = [(u, p) for u, _n, p in DEMO_USERS] + [(None, [])]
    walked = 0
    pdfs: set[str] = set()
    for username, _profiles in users:
        client = app.test_client()
        if username:
            r = client.post("/entrar", data={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 302, username
        for url in urls:
            if username is None and not url.startswith(("/portal", "/acompanhar", "/entrar")):
                continue
            resp = client.get(url)
            if resp.status_code >= 500:
                found[url].add(f"erro {resp.status_code} como {username or 'visitante'}")
            if resp.status_code == 200 and resp.mimetype == "application/pdf" and url not in pdfs:
                pdfs.add(url)
                data = resp.get_data()
                if "/faturas/" in url:  # for a person to look at (git-ignored)
                    ART.mkdir(parents=True, exist_ok=True)
                    (ART / "fatura-demo.pdf").write_bytes(data)
                for p in pdf_problems(data, maxd):
                    found[url].add(p)
            if resp.status_code != 200 or not resp.mimetype.startswith("text/html"):
                continue
            walked += 1
            for p in problems(resp.get_data(as_text=True), maxd):
                found[url].add(p)
    report = "\n".join(f"{u}\n  " + "\n  ".join(sorted(ps)) for u, ps in sorted(found.items()))
    assert walked > 100 and pdfs
    assert not found, f"{sum(map(len, found.values()))} problemas:\n{report}"


def test_checker_catches_what_it_promises() -> None:
    bad = ("<p>2026-03-01T10:00:00+00:00</p><p>{'high': None}</p><p>[V-2914]</p>"
           "<p>Recepcao</p><p>filtracao_rapida</p><p>0,20000000 a 5,00000000 mg/L</p>"
           "<p>R$ 18.90</p>")
    found = " ".join(problems(bad, 3))
    for label in ("data ISO/UTC", "repr Python", "etiqueta de fonte", "sem acento",
                  "código interno", "casas decimais demais", "decimal com ponto"):
        assert label in found
    ok = "<p>01/03/2026 07:00</p><p>Recepção</p><p>0,20 a 5,00 mg/L</p><p>R$ 1.234,56</p>"
    assert problems(ok, 3) == []
