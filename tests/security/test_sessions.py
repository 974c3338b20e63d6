"""Item 13: sessions end on the server. On the main of 2026-12-04 a copied session cookie kept
working after logout and after a password change, and GET /sair logged out (a link on another
site could do it)."""

from __future__ import annotations

from core.auth import Profile, User
from tests.conftest import TEST_PASSWORD


def _copy_cookie(app, client):  # type: ignore[no-untyped-def]
    """A second browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def test_logout_ends_a_copied_cookie_and_is_post_only(app, client, login_as):
    login_as(Profile.ANALYST)
    thief = _copy_cookie(app, client)
    assert thief.get("/").status_code == 200
    assert client.get("/sair").status_code == 405
    assert client.post("/sair").status_code == 302
    assert thief.get("/").status_code == 302  # back to the login page


def test_password_change_ends_the_other_sessions(app, client, login_as, db):
    user = login_as(Profile.ANALYST)
    thief = _copy_cookie(app, client)
    r = client.post("/conta/senha", data={"current": TEST_PASSWORD, "password": "Outra#Senha2027",
                                          "confirm": "Outra#Senha2027"})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    assert client.get("/").status_code == 200  # the session that changed it goes on
    assert thief.get("/").status_code == 302
    assert db.get(User, user.id).session_version >= 1


def test_admin_ends_all_sessions_and_deactivation_ends_them(app, client, login_as, make_user, db):
    victim = make_user(Profile.COLLECTOR)
    victim_client = app.test_client()
    assert victim_client.post("/entrar", data={"username": victim.username,
                                               "password": TEST_PASSWORD}).status_code == 302
    assert victim_client.get("/").status_code == 200
    login_as(Profile.ADMINISTRATOR)
    assert client.post(f"/admin/usuarios/{victim.id}/encerrar-sessoes").status_code == 302
    assert victim_client.get("/").status_code == 302

    assert victim_client.post("/entrar", data={"username": victim.username,
                                               "password": TEST_PASSWORD}).status_code == 302
    assert victim_client.get("/").status_code == 200
    db.expire_all()
    victim = db.get(User, victim.id)
    r = client.post(f"/admin/usuarios/{victim.id}", data={  # "Ativo" unticked
        "username": victim.username, "name": victim.name,
        "profiles": [str(p.id) for p in victim.profiles]})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    db.expire_all()
    assert db.get(User, victim.id).active is False
    assert victim_client.get("/").status_code == 302
