"""Audit history: every insert/update/delete of an Audited model is recorded with the user,
old/new values and reason; audit rows cannot be changed or deleted; the browse pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from core import audit
from core.audit import Actor, AuditLog, AuditRowImmutable
from core.auth import Profile, User
from core.db import unit_of_work
from core.org import Organization


def _history(db, model: str, row_id) -> list[AuditLog]:
    return list(db.scalars(select(AuditLog).where(AuditLog.model == model,
                                                  AuditLog.row_id == str(row_id))
                           .order_by(AuditLog.id)))


def _org(**kw) -> Organization:
    return Organization(name=kw.get("name", "SAAE Teste"), short_name="SAAE T",
                        municipality="Teste", uf="SP")


def test_insert_update_delete_are_recorded_with_user_and_reason(db, make_user):
    who = make_user(Profile.MANAGER)
    actor = Actor(who.id, who.username)
    with unit_of_work(), audit.audit_context(actor, reason="cadastro inicial"):
        org = _org()
        db.add(org)
    with unit_of_work(), audit.audit_context(actor, reason="correção do nome"):
        org.name = "SAAE Corrigido"
        org.population = 61_200
    with unit_of_work(), audit.audit_context(actor, reason="registro duplicado"):
        db.delete(org)

    ins, upd, dele = _history(db, "core_organization", org.id)
    assert (ins.action, upd.action, dele.action) == ("insert", "update", "delete")
    for row in (ins, upd, dele):
        assert row.user_id == who.id and row.username == who.username
        assert row.at is not None and row.at.tzinfo is not None
    assert ins.reason == "cadastro inicial" and ins.changes["name"] == [None, "SAAE Teste"]
    assert upd.reason == "correção do nome"
    assert upd.changes == {"name": ["SAAE Teste", "SAAE Corrigido"], "population": [None, 61200]}
    assert dele.reason == "registro duplicado" and dele.changes["name"] == ["SAAE Corrigido", None]


def test_no_actor_means_the_system(db):
    with unit_of_work():
        org = _org()
        db.add(org)
    (row,) = _history(db, "core_organization", org.id)
    assert row.user_id is None and row.username == "sistema" and row.reason is None


def test_an_update_without_real_change_records_nothing(db):
    with unit_of_work():
        org = _org()
        db.add(org)
    with unit_of_work():
        org.name = "SAAE Teste"  # same value
    assert [r.action for r in _history(db, "core_organization", org.id)] == ["insert"]


def test_secrets_are_never_copied_into_the_history(db, make_user):
    user = make_user(Profile.ANALYST)
    (row,) = _history(db, "core_user", user.id)
    assert "password_hash" not in row.changes


def test_a_rolled_back_change_leaves_no_history(db):
    before = db.scalar(select(sa.func.count()).select_from(AuditLog))
    with pytest.raises(RuntimeError), unit_of_work():
        db.add(_org())
        db.flush()
        raise RuntimeError("desfaz")
    assert db.scalar(select(sa.func.count()).select_from(AuditLog)) == before


def test_audit_rows_cannot_be_changed_through_the_orm(db):
    with unit_of_work():
        db.add(_org())
    row = db.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    row.reason = "apagando rastros"
    with pytest.raises(AuditRowImmutable):
        db.flush()
    db.rollback()
    row = db.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    db.delete(row)
    with pytest.raises(AuditRowImmutable):
        db.flush()
    db.rollback()


@pytest.mark.parametrize("sql", [
    "UPDATE core_audit_log SET reason = 'adulterado'",
    "DELETE FROM core_audit_log",
])
def test_audit_rows_cannot_be_changed_with_sql(db, sql):
    """A database trigger (migration 0001_core) refuses it, on PostgreSQL and SQLite."""
    with unit_of_work():
        db.add(_org())
    nested = db.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.execute(sa.text(sql))
    nested.rollback()


def test_no_route_writes_the_audit_log(app):
    for rule in app.url_map.iter_rules():
        if "auditoria" in rule.rule:
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule


def test_a_change_through_a_page_is_attributed_to_the_signed_in_user(client, login_as, make_user,
                                                                       db):
    target = make_user(Profile.COLLECTOR)
    admin = login_as(Profile.ADMINISTRATOR)
    profile_id = target.profiles[0].id
    resp = client.post(f"/admin/usuarios/{target.id}", data={
        "username": target.username, "name": "Nome Corrigido", "email": "c@saae.local",
        "phone": "", "profiles": [profile_id], "active": "y", "password": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    last = _history(db, "core_user", target.id)[-1]
    assert last.action == "update" and last.username == admin.username
    assert last.user_id == admin.id and last.reason == "cadastro de usuário"
    assert last.changes["name"] == [target.username.title(), "Nome Corrigido"]


def test_browse_per_record_and_per_user(client, login_as, make_user, db):
    viewer = login_as(Profile.SUPERVISOR)
    who = make_user(Profile.MANAGER, username="gestora")
    with unit_of_work(), audit.audit_context(Actor(who.id, who.username), reason="motivo visível"):
        org = _org()
        db.add(org)
    with unit_of_work(), audit.audit_context(Actor(who.id, who.username), reason="segunda"):
        org.name = "Nome Novo"

    page = client.get(f"/auditoria?model=core_organization&row_id={org.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "motivo visível" in text and "Nome Novo" in text and "alteração" in text
    assert f"Organização nº {org.id}" in text and "Gestora" in text  # labels and the person's name
    assert ">core_organization" not in text  # no table names shown
    assert f"Usuário nº {viewer.id}" not in text  # only that record

    page = client.get("/auditoria?username=gestora")
    text = page.get_data(as_text=True)
    assert "motivo visível" in text and "segunda" in text
    assert "Usuário nº" not in text  # the login of the viewer is not gestora's doing
    assert client.get("/auditoria?page=abc").status_code == 422  # issue 14 item 15


def test_audit_api(client, api_token, db):
    _user, token = api_token(Profile.MANAGER)
    with unit_of_work(), audit.audit_context(reason="via api"):
        org = _org()
        db.add(org)
    resp = client.get(f"/api/v1/auditoria?model=core_organization&row_id={org.id}",
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    (row,) = resp.json
    assert row["action"] == "insert" and row["reason"] == "via api"


def test_profiles_without_the_permission_cannot_browse(client, login_as):
    login_as(Profile.ANALYST)
    assert client.get("/auditoria").status_code == 403


def test_history_is_kept_for_deleted_users(db, make_user):
    user = make_user(Profile.TECHNICIAN)
    uid = user.id
    with unit_of_work():
        user.profiles = []
        db.delete(user)
    assert db.get(User, uid) is None
    assert [r.action for r in _history(db, "core_user", uid)][-1] == "delete"
