"""Accounts (tender 7.1): login, logout, lockout, password rules and expiry, inactivity
timeout, API tokens, permission denial per profile, LDAP off by default."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from core import auth
from core.auth import ApiToken, LoginAttempt, Profile, ProfileRecord, User, all_permissions
from core.db import utcnow
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Outra#Senha2027"


def _login(client, username, password=TEST_PASSWORD):
    return client.post("/entrar", data={"username": username, "password": password})


def _text(resp) -> str:
    return resp.get_data(as_text=True)


# -- login and logout ----------------------------------------------------------------------

def test_login_then_logout(client, make_user, db):
    user = make_user(Profile.ANALYST)
    resp = _login(client, user.username)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    attempt = db.scalars(select(LoginAttempt).where(LoginAttempt.username == user.username)).one()
    assert attempt.success
    assert db.get(User, user.id).last_login_at is not None

    resp = client.post("/sair")
    assert resp.status_code == 302 and "/entrar" in resp.headers["Location"]
    resp = client.get("/")
    assert resp.status_code == 302 and "/entrar" in resp.headers["Location"]


def test_login_follows_only_local_next(client, make_user):
    user = make_user(Profile.MANAGER)
    resp = client.post("/entrar?next=/auditoria",
                       data={"username": user.username, "password": TEST_PASSWORD})
    assert resp.headers["Location"].endswith("/auditoria")
    client.post("/sair")
    resp = client.post("/entrar?next=https://evil.example/x",
                       data={"username": user.username, "password": TEST_PASSWORD})
    assert resp.headers["Location"].endswith("/")
    assert "evil" not in resp.headers["Location"]


def test_wrong_password_and_unknown_user_say_the_same(client, make_user):
    user = make_user(Profile.ANALYST)
    bad = _login(client, user.username, "Errada#123456")
    unknown = _login(client, "ninguem", "Errada#123456")
    assert bad.status_code == unknown.status_code == 401
    assert "Usuário ou senha inválidos." in _text(bad)
    assert "Usuário ou senha inválidos." in _text(unknown)


def test_inactive_user_cannot_log_in(client, make_user, db):
    user = make_user(Profile.ANALYST)
    user.active = False
    db.commit()
    resp = _login(client, user.username)
    assert resp.status_code == 401 and "desativado" in _text(resp)


# -- lockout -------------------------------------------------------------------------------

def test_lockout_after_repeated_failures(client, make_user, db, settings):
    user = make_user(Profile.ANALYST)
    for _ in range(settings.login_max_attempts - 1):
        assert _login(client, user.username, "Errada#123456").status_code == 401
    last = _login(client, user.username, "Errada#123456")
    assert last.status_code == 429 and "bloqueado" in _text(last).lower()
    db.expire_all()
    locked = db.get(User, user.id)
    assert locked.locked_until is not None and locked.locked_until > utcnow()

    # even the right password is refused while the wait lasts
    resp = _login(client, user.username)
    assert resp.status_code == 429 and "bloqueado" in _text(resp).lower()
    assert client.get("/").status_code == 302

    failures = db.scalars(select(LoginAttempt).where(
        LoginAttempt.username == user.username, LoginAttempt.success.is_(False))).all()
    assert len(failures) == settings.login_max_attempts + 1

    # the wait ends by itself (here: the counter forgets the failures)
    from core.auth import clear_login_throttle

    clear_login_throttle(user.username, settings)
    assert _login(client, user.username).status_code == 302


def test_administrator_unlocks(client, login_as, make_user, db):
    victim = make_user(Profile.COLLECTOR)
    victim.locked_until = utcnow() + dt.timedelta(minutes=10)
    db.commit()
    login_as(Profile.ADMINISTRATOR)
    assert "Bloqueado" in _text(client.get("/admin/usuarios"))
    resp = client.post(f"/admin/usuarios/{victim.id}/desbloquear")
    assert resp.status_code == 302
    db.expire_all()
    assert db.get(User, victim.id).locked_until is None


def test_success_resets_the_failure_count(client, make_user, db, settings):
    user = make_user(Profile.ANALYST)
    for _ in range(settings.login_max_attempts - 1):
        _login(client, user.username, "Errada#123456")
    assert _login(client, user.username).status_code == 302
    db.expire_all()
    assert db.get(User, user.id).failed_logins == 0


# -- password rules and expiry ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Cur#1a", "pelo menos"),
        ("semmaiuscula#12", "maiuscula"),
        ("SEMMINUSCULA#12", "minuscula"),
        ("SemNumero#abcd", "número"),
        ("SemSimbolo1234", "simbolo"),
        ("Maria#Senha123", "nome de usuário"),
    ],
)
def test_password_strength_rules(settings, password, fragment):
    problems = auth.password_problems(password, settings, username="maria")
    assert any(fragment in p for p in problems), problems


def test_strong_password_is_accepted(settings):
    assert auth.password_problems(NEW_PASSWORD, settings, username="maria") == []


def test_change_password_page_enforces_the_rules(client, login_as, db):
    user = login_as(Profile.ANALYST)
    resp = client.post("/conta/senha", data={"current": TEST_PASSWORD, "password": "fraca",
                                              "confirm": "fraca"})
    assert resp.status_code == 200 and "pelo menos" in _text(resp)
    resp = client.post("/conta/senha", data={"current": "Errada#123", "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert "Senha atual incorreta" in _text(resp)
    resp = client.post("/conta/senha", data={"current": TEST_PASSWORD, "password": TEST_PASSWORD,
                                              "confirm": TEST_PASSWORD})
    assert "diferente da atual" in _text(resp)
    resp = client.post("/conta/senha", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    db.expire_all()
    assert auth.verify_password(db.get(User, user.id).password_hash, NEW_PASSWORD)


def test_expired_password_forces_a_change(client, make_user, db, settings):
    user = make_user(Profile.MANAGER)
    user.password_changed_at = utcnow() - dt.timedelta(days=settings.password_max_age_days + 1)
    db.commit()
    assert _login(client, user.username).status_code == 302
    # every page but the password change (and logout) sends the user to change it
    for path in ("/", "/auditoria"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/conta/senha")
    assert client.get("/conta/senha").status_code == 200
    resp = client.post("/conta/senha", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200


def test_must_change_password_on_first_access(client, make_user, db):
    user = make_user(Profile.ANALYST)
    user.must_change_password = True
    db.commit()
    _login(client, user.username)
    assert client.get("/").headers["Location"].endswith("/conta/senha")


def test_password_expiry_rule(settings):
    user = User(username="x", name="x", auth_source="local", must_change_password=False,
                password_changed_at=utcnow() - dt.timedelta(days=10))
    assert not auth.password_expired(user, settings)
    assert auth.password_expired(user, settings, now=utcnow() + dt.timedelta(days=400))
    ldap_user = User(username="y", name="y", auth_source="ldap", must_change_password=False)
    assert not auth.password_expired(ldap_user, settings)  # the directory owns its passwords


# -- inactivity timeout ------------------------------------------------------------------------

def test_inactivity_timeout_logs_out(client, login_as, settings):
    login_as(Profile.ANALYST)
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        idle = dt.timedelta(minutes=settings.session_idle_minutes + 1)
        sess["last_seen"] = (utcnow() - idle).timestamp()
    resp = client.get("/")
    assert resp.status_code == 302 and "/entrar" in resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    assert "expirou por inatividade" in _text(page)
    assert client.get("/").status_code == 302  # really signed out


def test_activity_keeps_the_session(client, login_as, settings):
    login_as(Profile.ANALYST)
    with client.session_transaction() as sess:
        sess["last_seen"] = (utcnow() - dt.timedelta(minutes=settings.session_idle_minutes - 1)
                             ).timestamp()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_a_request_soon_after_another_leaves_the_session_cookie_alone(client, login_as):
    """The idle clock is renewed every 30 s at most: a staff page asked right after another
    answers without Set-Cookie (no signing and sending the session again on every request)."""
    login_as(Profile.ANALYST)
    assert client.get("/").status_code == 200
    resp = client.get("/")
    assert resp.status_code == 200 and not resp.headers.getlist("Set-Cookie")
    with client.session_transaction() as sess:  # 31 s later the clock moves again
        sess["last_seen"] = sess["last_seen"] - 31
    assert client.get("/").headers.getlist("Set-Cookie")


# -- API tokens ----------------------------------------------------------------------------------

def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_token_authenticates(client, api_token, db):
    user, token = api_token(Profile.SUPERVISOR)
    resp = client.get("/api/v1/conta", headers=_bearer(token))
    assert resp.status_code == 200, resp.json
    assert resp.json["username"] == user.username
    assert "core.audit.view" in resp.json["permissions"]
    row = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert row.token_hash != token and token.startswith(row.prefix)  # only a digest is kept
    assert row.last_used_at is not None


def test_bad_revoked_or_expired_token_is_401(client, api_token, db):
    user, token = api_token(Profile.ADMINISTRATOR)
    resp = client.get("/api/v1/conta", headers=_bearer("saae_nao-existe"))
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "nao_autenticado"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")

    row = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.commit()
    assert client.get("/api/v1/conta", headers=_bearer(token)).status_code == 401
    row.expires_at = None
    row.revoked_at = utcnow()
    db.commit()
    assert client.get("/api/v1/conta", headers=_bearer(token)).status_code == 401


def test_token_of_an_inactive_user_is_refused(client, api_token, db):
    user, token = api_token(Profile.ADMINISTRATOR)
    user.active = False
    db.commit()
    assert client.get("/api/v1/conta", headers=_bearer(token)).status_code == 401


def test_token_carries_the_owner_permissions(client, api_token):
    _user, token = api_token(Profile.ANALYST)
    resp = client.get("/api/v1/usuarios", headers=_bearer(token))
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "acesso_negado"
    _admin, admin_token = api_token(Profile.ADMINISTRATOR)
    resp = client.get("/api/v1/usuarios", headers=_bearer(admin_token))
    assert resp.status_code == 200 and isinstance(resp.json, list)


def test_administrator_creates_and_revokes_a_token(client, login_as, make_user, db):
    owner = make_user(Profile.OPERATOR)
    login_as(Profile.ADMINISTRATOR)
    resp = client.post("/admin/tokens", data={"name": "SCADA", "username": owner.username})
    assert resp.status_code == 200
    row = db.scalars(select(ApiToken).where(ApiToken.user_id == owner.id)).one()
    text = _text(resp)
    start = text.index(row.prefix)
    token = text[start:text.index("<", start)].strip()
    other = app_client(client)
    assert other.get("/api/v1/conta", headers=_bearer(token)).json["username"] == owner.username
    client.post(f"/admin/tokens/{row.id}/revogar")
    assert other.get("/api/v1/conta", headers=_bearer(token)).status_code == 401


def app_client(client):
    return client.application.test_client()


# -- permission denial per profile ------------------------------------------------------------

def _plain_get_routes(app):
    """(path, permission) of every GET page without URL parameters."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        is_public, perm = auth.view_mark(app.view_functions[rule.endpoint], "GET")
        if not is_public and perm:
            out.append((rule.rule, perm))
    return sorted(out)


@pytest.mark.parametrize("profile", list(Profile))
def test_each_profile_reaches_its_pages_and_is_denied_the_others(app, client, login_as, profile):
    user = login_as(profile)
    granted = user.permissions()
    routes = _plain_get_routes(app)
    web = [(p, perm) for p, perm in routes if not p.startswith("/api/")]
    allowed = [p for p, perm in web if perm == auth.LOGIN or perm in granted]
    denied = [p for p, perm in web if perm != auth.LOGIN and perm not in granted]
    assert allowed, "every profile reaches at least the home page"
    # one page it may open (the first one needing a real permission, else the home page)
    with_perm = [p for p, perm in web if perm in granted]
    target = with_perm[0] if with_perm else "/"
    resp = client.get(target)
    assert resp.status_code == 200, (profile, target, resp.status_code)
    if profile != Profile.ADMINISTRATOR:
        assert "/admin/usuarios" in denied
    assert denied, f"{profile} should not reach every page"
    for path in denied:
        resp = client.get(path)
        assert resp.status_code == 403, (profile, path, resp.status_code)
        assert "Acesso negado" in _text(resp)


def test_every_profile_is_denied_user_management_but_the_administrator(client, login_as):
    for profile in Profile:
        client.post("/sair")
        login_as(profile)
        expected = 200 if profile == Profile.ADMINISTRATOR else 403
        assert client.get("/admin/usuarios").status_code == expected, profile


def test_profiles_grant_and_revoke(db, make_user):
    user = make_user(Profile.ANALYST)
    rec = db.scalars(select(ProfileRecord).where(ProfileRecord.code == "analista")).one()
    assert not user.can("core.users.manage")
    rec.granted = ["core.users.manage"]
    assert user.can("core.users.manage")
    rec.granted = []
    some = sorted(rec.permissions())
    if some:
        rec.revoked = [some[0]]
        assert not user.can(some[0])
    rec.read_only = True
    assert all(p.endswith(".view") for p in user.permissions())


def test_every_registered_permission_has_a_label_and_known_profiles(app):
    codes = {p.value for p in Profile}
    for perm in all_permissions().values():
        assert perm.label and perm.code.count(".") >= 2, perm
        assert perm.default_profiles <= codes, perm


# -- LDAP ----------------------------------------------------------------------------------------

def test_ldap_is_off_by_default(settings, make_user, db):
    assert settings.ldap_url == ""
    user = make_user(Profile.ANALYST)
    user.auth_source = "ldap"
    db.commit()
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(user.username, TEST_PASSWORD, settings)
    assert not auth.login._ldap_bind(user.username, TEST_PASSWORD, settings)


def test_ldap_bind_failure_to_an_unreachable_directory_is_a_refusal(settings):
    on = dataclasses.replace(settings, ldap_url="ldap://127.0.0.1:1", ldap_timeout_seconds=1,
                             ldap_user_dn_template="{username}@saae.local")
    assert auth.login._ldap_bind("maria", "Qualquer#123", on) is False


def test_administrator_creates_a_user_who_must_change_the_password(client, login_as, db):
    login_as(Profile.ADMINISTRATOR)
    coletor = db.scalars(select(ProfileRecord).where(ProfileRecord.code == "coletor")).one()
    form = {"username": "Novo.Coletor", "name": "Novo Coletor", "email": "", "phone": "",
            "profiles": [coletor.id], "active": "y"}
    resp = client.post("/admin/usuarios/novo", data={**form, "password": "fraca"})
    assert resp.status_code == 200 and "pelo menos" in _text(resp)  # the rules apply here too
    resp = client.post("/admin/usuarios/novo", data={**form, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    created = db.scalars(select(User).where(User.username == "novo.coletor")).one()
    assert created.must_change_password and created.profile_codes == {"coletor"}
    resp = client.post("/admin/usuarios/novo", data={**form, "password": TEST_PASSWORD})
    assert "Já existe" in _text(resp)

    client.post("/sair")
    assert _login(client, "novo.coletor").status_code == 302
    assert client.get("/").headers["Location"].endswith("/conta/senha")
