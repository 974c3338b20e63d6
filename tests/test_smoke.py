from core.auth import Profile


def test_login_and_home(client, login_as):
    login_as(Profile.MANAGER)
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Olá" in resp.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert "/entrar" in resp.headers["Location"]


def test_openapi_document(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.json["openapi"].startswith("3.")
