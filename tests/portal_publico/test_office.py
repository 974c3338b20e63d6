"""The consumers' virtual office (issue 21 item 4) on PostgreSQL through the test client:
sign-in with CPF + matricula + one-time code (wrong, expired, exhausted, throttled, unknown
account), a session apart from staff sessions, the second copy, preferences and LGPD requests
audited, and alert subscriptions that are sent when the next invoice batch runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from commercial.models import Invoice
from core import fmt
from core.audit import AuditLog
from core.db import session
from incidents.models import LocalOutbox
from portal_publico.models import OfficeAlert, OfficeCode, OfficeDataRequest, OfficeSubscription
from tests.commercial.conftest import add_readings, make_connection, setup_billing  # noqa: F401
from tests.test_page_walk import problems

TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)
CPF = "529.982.247-25"
OTHER_CPF = "111.444.777-35"


@pytest.fixture()
def consumer(db, make_connection):  # noqa: F811
    """A connection whose consumer has a CPF, a mobile and an e-mail; readings up to last
    month, the last one far above the usual."""
    from commercial.services import registry

    conn = make_connection(name="Joana Teste", email="joana@exemplo.com.br", direct_debit=True,
                           meter_telemetered=True)
    registry.save_consumer({"name": "Joana Teste", "document": CPF, "phones": ["(19) 99876-5432"],
                            "email": "joana@exemplo.com.br", "channels": ["sms", "email"],
                            "consent": True}, conn.consumer_id)
    add_readings(db, conn, [100, 110, 120, 130, 140, 190], PREV)  # 10 m3 a month, then 50
    db.commit()
    return conn


def _last_code() -> str:
    row = session.scalars(select(LocalOutbox).order_by(LocalOutbox.id.desc())).first()
    assert row is not None and "escritório virtual" in row.content
    return re.search(r"\b(\d{6})\b", row.content).group(1)  # type: ignore[union-attr]


def _ask(client, matricula: str, document: str = CPF, where: str = "celular"):  # type: ignore[no-untyped-def]
    return client.post("/portal/escritorio/entrar", data={
        "documento": document, "matricula": matricula, "destino": where})


def _sign_in(client, conn) -> None:  # type: ignore[no-untyped-def]
    r = _ask(client, conn.matricula)
    assert r.status_code == 302 and "/portal/escritorio/codigo" in r.headers["Location"]
    r = client.post("/portal/escritorio/codigo", data={"codigo": _last_code()})
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal/escritorio/")


def test_sign_in_with_the_one_time_code(client, consumer):
    assert client.get("/portal/escritorio/").status_code == 302  # not signed in
    r = _ask(client, f"{consumer.matricula[:-1]}-{consumer.matricula[-1]}")  # as on the invoice
    assert r.status_code == 302
    code = _last_code()
    row = session.scalars(select(OfficeCode)).one()
    # only the HMAC is kept; the proof of send is the local outbox's message id
    assert code not in row.code_hash and row.provider == "local"
    assert row.provider_message_id.startswith("local-") and row.sent_at is not None
    out = session.scalars(select(LocalOutbox)).one()
    assert out.channel == "sms" and out.recipient == "+5519998765432"
    wrong = "000000" if code != "000000" else "111111"
    r = client.post("/portal/escritorio/codigo", data={"codigo": wrong})
    assert r.status_code == 422 and "Código incorreto" in r.get_data(as_text=True)
    r = client.post("/portal/escritorio/codigo", data={"codigo": code})
    assert r.status_code == 302
    page = client.get("/portal/escritorio/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Joana Teste" in body and "Consumo mensal" in body
    assert page.headers["Cache-Control"] == "no-store"
    # the same code does not open a second session
    r = client.post("/portal/escritorio/codigo", data={"codigo": code})
    assert r.status_code == 302 and "/codigo" not in r.headers["Location"]  # no pending code left
    # sign-out ends the session on the server
    client.post("/portal/escritorio/sair")
    assert client.get("/portal/escritorio/").status_code == 302


def test_expired_and_exhausted_codes_are_refused(client, consumer, db):
    _ask(client, consumer.matricula)
    code = _last_code()
    row = session.scalars(select(OfficeCode)).one()
    row.expires_at = row.created_at - dt.timedelta(seconds=1)
    db.commit()
    r = client.post("/portal/escritorio/codigo", data={"codigo": code})
    assert r.status_code == 422 and "O código expirou" in r.get_data(as_text=True)
    _ask(client, consumer.matricula)  # a new code
    code = _last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/portal/escritorio/codigo", data={"codigo": wrong})
    r = client.post("/portal/escritorio/codigo", data={"codigo": code})
    assert r.status_code == 422 and "Tentativas esgotadas" in r.get_data(as_text=True)


def test_codes_are_throttled_and_unknown_accounts_look_the_same(client, consumer):
    for _ in range(3):
        assert _ask(client, consumer.matricula).status_code == 302
    r = _ask(client, consumer.matricula)
    assert r.status_code == 429 and "Muitas tentativas" in r.get_data(as_text=True)
    assert r.headers["Retry-After"]
    n = session.query(LocalOutbox).count()
    # another person's CPF, a wrong check digit: the same answer, nothing sent
    other = _ask(client, consumer.matricula, OTHER_CPF)
    bad_digit = _ask(client, consumer.matricula[:-1] + str((int(consumer.matricula[-1]) + 1) % 10))
    assert other.status_code == bad_digit.status_code == 302
    assert session.query(LocalOutbox).count() == n
    page = client.get(other.headers["Location"]).get_data(as_text=True)
    assert "Se o CPF/CNPJ e a matrícula estiverem corretos" in page


def test_failed_look_ups_from_one_address_are_throttled(client, consumer):
    for _ in range(10):
        assert _ask(client, consumer.matricula, OTHER_CPF).status_code == 302
    assert _ask(client, consumer.matricula).status_code == 429  # even the right one, for now


def test_office_and_staff_sessions_are_apart(client, consumer, login_as):
    _sign_in(client, consumer)
    assert client.get("/comercial/ligacoes").status_code in (302, 401, 403)  # not a staff user
    client.post("/portal/escritorio/sair")
    from core.auth import Profile

    login_as(Profile.MANAGER)
    assert client.get("/portal/escritorio/").status_code == 302  # staff is not a consumer


def test_second_copy_is_this_connections_only(client, consumer, setup_billing, make_connection, db):  # noqa: F811
    from commercial.services import batches

    other = make_connection(name="Outro Cliente")
    add_readings(db, other, [0, 10], PREV)
    batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)
    mine = db.scalars(select(Invoice).where(Invoice.connection_id == consumer.id)).one()
    theirs = db.scalars(select(Invoice).where(Invoice.connection_id == other.id)).one()
    _sign_in(client, consumer)
    home = client.get("/portal/escritorio/").get_data(as_text=True)
    assert "2ª via (PDF)" in home and "Pagar com PIX" in home
    r = client.get(f"/portal/escritorio/faturas/{mine.id}/2via.pdf")
    assert r.status_code == 200 and r.data[:4] == b"%PDF" and r.mimetype == "application/pdf"
    db.refresh(mine)
    assert mine.copies == 1
    assert client.get(f"/portal/escritorio/faturas/{theirs.id}/2via.pdf").status_code == 404
    pix = client.get(f"/portal/escritorio/faturas/{mine.id}/pix").get_data(as_text=True)
    assert mine.pix in pix and "data:image/svg+xml" in pix
    assert client.get(f"/portal/escritorio/faturas/{theirs.id}/pix").status_code == 404


def _audit_rows(table: str) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).where(AuditLog.model == table)
                                .order_by(AuditLog.id)))


def test_preferences_consent_and_lgpd_requests_are_audited(client, consumer, db):
    _sign_in(client, consumer)
    r = client.post("/portal/escritorio/preferencias", data={
        "parte": "canais", "canais": ["email"], "fatura_email": "1"})  # consent withdrawn
    assert r.status_code == 302
    c = consumer.consumer
    db.refresh(c)
    assert (c.channels, c.consent, c.invoice_by_email) == (["email"], False, True)
    row = _audit_rows("commercial_consumer")[-1]
    assert row.username == f"consumidor (matrícula {consumer.matricula[:-1]}-{consumer.matricula[-1]})"
    assert "escritório virtual" in row.reason and row.changes["consent"] == [True, False]
    r = client.post("/portal/escritorio/privacidade", data={"detalhes": "curto"})
    assert r.status_code == 422
    client.post("/portal/escritorio/privacidade", data={"detalhes": "Meu nome tem acento: Joána."})
    r = client.post("/portal/escritorio/privacidade/exportar")
    data = json.loads(r.data)
    assert r.mimetype == "application/json" and "attachment" in r.headers["Content-Disposition"]
    assert data["consumidor"]["documento"] == "52998224725" and len(data["leituras"]) == 6
    assert data["pedidos_lgpd"][0]["pedido"] == "Correção de dados"
    kinds = [x.kind for x in session.scalars(select(OfficeDataRequest).order_by(OfficeDataRequest.id))]
    assert kinds == ["correcao", "exportacao"]
    assert len(_audit_rows("portal_office_request")) == 2
    page = client.get("/portal/escritorio/privacidade").get_data(as_text=True)
    assert "O que guardamos e por quê" in page and "Correção de dados" in page


def test_alert_subscriptions_send_on_the_next_invoice_batch(client, consumer, setup_billing, db):  # noqa: F811
    from commercial.services import batches
    from core.outbox import drain
    from saae.wiring import SUBSCRIPTIONS

    _sign_in(client, consumer)
    r = client.post("/portal/escritorio/preferencias", data={
        "parte": "alertas", "alerta_fatura_emitida": "1", "canal_fatura_emitida": "sms",
        "alerta_data_debito": "1", "canal_data_debito": "email",
        "alerta_consumo_alto": "1", "canal_consumo_alto": "sms"})
    assert r.status_code == 302
    subs = session.scalars(select(OfficeSubscription)).all()
    assert {s.kind for s in subs} == {"fatura_emitida", "data_debito", "consumo_alto"}
    assert len(_audit_rows("portal_office_subscription")) == 3
    batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)  # the next batch runs
    drain(SUBSCRIPTIONS)
    alerts = {a.kind: a for a in session.scalars(select(OfficeAlert))}
    assert set(alerts) == {"fatura_emitida", "data_debito", "consumo_alto"}
    for a in alerts.values():
        assert a.state == "enviado" and a.provider == "local" and a.provider_message_id
        sent = session.scalars(select(LocalOutbox).where(LocalOutbox.reference == f"escritorio-alerta:{a.id}")).one()
        assert sent.content == a.text
    assert "foi emitida" in alerts["fatura_emitida"].text
    assert alerts["data_debito"].channel == "email" and "débito automático" in alerts["data_debito"].text
    assert "50 m³" in alerts["consumo_alto"].text and "525% acima da sua média (8 m³)" in alerts["consumo_alto"].text  # the invoice's average
    drain(SUBSCRIPTIONS)
    assert session.query(OfficeAlert).count() == 3  # nothing twice
    page = client.get("/portal/escritorio/preferencias").get_data(as_text=True)
    assert "Últimos alertas enviados" in page


@dataclasses.dataclass(frozen=True)
class _Anomaly:
    anomaly_id: int
    kind: str
    asset_code: str
    started_at: dt.datetime


def test_continuous_flow_on_a_telemetered_meter_sends_a_leak_alert(client, consumer):
    from portal_publico import office_alerts

    _sign_in(client, consumer)
    client.post("/portal/escritorio/preferencias", data={
        "parte": "alertas", "alerta_vazamento": "1", "canal_vazamento": "sms"})
    ev = _Anomaly(77, "vazao_noturna", consumer.meter_number, dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC))
    office_alerts.on_meter_anomaly(ev)
    office_alerts.on_meter_anomaly(ev)  # at least once delivery: one alert
    a = session.scalars(select(OfficeAlert)).one()
    assert a.kind == "vazamento" and a.state == "enviado" and "01/03/2026 03:00" in a.text
    office_alerts.on_meter_anomaly(_Anomaly(78, "limite", consumer.meter_number, ev.started_at))
    assert session.query(OfficeAlert).count() == 1


def test_office_pages_read_as_ptbr(client, consumer, setup_billing, db):  # noqa: F811
    from commercial.services import batches

    batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)
    inv = db.scalars(select(Invoice).where(Invoice.connection_id == consumer.id)).one()
    for url in ("/portal/escritorio/entrar",):
        assert problems(client.get(url).get_data(as_text=True), 3) == []
    _sign_in(client, consumer)
    for url in ("/portal/escritorio/", "/portal/escritorio/preferencias",
                "/portal/escritorio/privacidade", f"/portal/escritorio/faturas/{inv.id}/pix"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert problems(r.get_data(as_text=True), 3) == [], url


def test_the_notices_that_reached_the_address(client, consumer, db):
    from incidents.services import incidents as inc_svc
    from tests.portal_publico import incidents_data

    data = incidents_data.seed(db)  # an interruption in Centro, a past one in Boa Vista
    sector = inc_svc.open_incident(
        title="Manobra de rede no setor", kind="interrupcao", origin="operador", notify=False,
        reason="Troca de registro", area={"sector_codes": ["SET-01"]},
        area_description="Setor Centro", estimated_hours=2)
    elsewhere = inc_svc.open_incident(
        title="Rompimento longe daqui", kind="interrupcao", origin="operador", notify=False,
        reason="Rede", area={"sector_codes": ["SET-03"]}, area_description="Distrito Industrial",
        estimated_hours=2)
    db.commit()
    _sign_in(client, consumer)
    body = client.get("/portal/escritorio/").get_data(as_text=True)
    assert data["notice_title"] in body and sector.title in body
    assert data["past_title"] not in body and elsewhere.title not in body


def test_staff_follow_up_the_lgpd_requests(client, consumer, db, login_as):
    from core.auth import Profile

    _sign_in(client, consumer)
    client.post("/portal/escritorio/privacidade", data={"detalhes": "O número da casa é 122, não 120."})
    client.post("/portal/escritorio/sair")
    login_as(Profile.MANAGER)
    page = client.get("/atendimento/escritorio-virtual/pedidos")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "O número da casa é 122" in body and "Joana Teste" in body
    assert problems(body, 3) == []
    row = session.scalars(select(OfficeDataRequest)).one()
    r = client.post(f"/atendimento/escritorio-virtual/pedidos/{row.id}/atendido",
                    data={"nota": "Cadastro corrigido para 122."})
    assert r.status_code == 302
    db.refresh(row)
    assert row.state == "atendido" and row.handled_at is not None
    last = _audit_rows("portal_office_request")[-1]
    assert last.reason == "Cadastro corrigido para 122." and last.username != "sistema"


def test_the_connections_service_requests_with_their_tracking_link(client, consumer, db):
    """The lead's wiring after the merge: a request opened at the counter for this matricula is
    listed on the office's home with its protocol and public tracking link."""
    from incidents import seed
    from incidents.services import requests as req_svc

    seed.seed_reference()
    req = req_svc.open_request({"type_code": "FALTA-AGUA", "matricula": consumer.matricula},
                               channel="telefone")
    db.commit()
    _sign_in(client, consumer)
    home = client.get("/portal/escritorio/").get_data(as_text=True)
    assert req.protocol in home and f"/portal/acompanhar/{req.public_token}" in home
