"""Item 12: login throttling. On the main of 2026-12-04 five wrong passwords locked any account
(the administrator's too) for 15 minutes; nothing slowed a spray of passwords over many
accounts from one address; a real account answered in ~110 ms and an unknown one in ~4 ms; and
only real accounts ever showed "Acesso bloqueado"."""

from __future__ import annotations

import dataclasses
import statistics
import time

import pytest

from core import throttle
from core.auth import Profile
from tests.conftest import TEST_PASSWORD

WRONG = "Errada#123456"


def _login(client, username, password=WRONG, ip="203.0.113.7", **extra):  # type: ignore[no-untyped-def]
    return client.post("/entrar", data={"username": username, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.fixture()
def tuned(app):  # type: ignore[no-untyped-def]
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, login_trusted_networks="10.20.0.0/16")
    yield app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = old


def test_unknown_and_real_accounts_answer_alike(client, make_user, settings):
    real = make_user(Profile.ADMINISTRATOR)
    answers = {}
    for name in (real.username, "ninguem.aqui"):
        got = [_login(client, name) for _ in range(settings.login_max_attempts + 1)]
        answers[name] = [(r.status_code, "bloqueado" in r.get_data(as_text=True).lower())
                         for r in got]
    assert answers[real.username] == answers["ninguem.aqui"]
    assert answers["ninguem.aqui"][-1] == (429, True)  # unknown names are throttled too


def test_unknown_and_real_accounts_take_the_same_time(client, make_user):
    real = make_user(Profile.ANALYST)

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        _login(client, name, ip=f"198.51.100.{hash(name) % 200}")
        return time.perf_counter() - t0

    real_t, unknown_t = [], []
    for i in range(3):  # below the per-account threshold: every answer is a plain refusal
        real_t.append(timed(real.username))
        unknown_t.append(timed(f"fantasma{i}"))
    assert statistics.median(unknown_t) > 0.5 * statistics.median(real_t), (real_t, unknown_t)


def test_a_spray_from_one_address_is_slowed(client, make_user, settings):
    for i in range(settings.login_ip_max_attempts):
        assert _login(client, f"alvo{i}", ip="192.0.2.50").status_code == 401
    assert _login(client, "mais.um", ip="192.0.2.50").status_code == 429
    # another address is not held up by the spray
    user = make_user(Profile.ANALYST)
    assert _login(client, user.username, TEST_PASSWORD, ip="192.0.2.51").status_code == 302


def test_waits_grow():
    waits = [throttle.delay(n, 5, 30, 900) for n in range(4, 12)]
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900]


def test_locked_admin_gets_in_from_a_trusted_network_or_with_a_recovery_code(
        client, make_user, db, settings, tuned):
    from core.auth import issue_recovery_codes

    admin = make_user(Profile.ADMINISTRATOR)
    for _ in range(settings.login_max_attempts + 1):  # someone locks the administrator out
        _login(client, admin.username)
    assert _login(client, admin.username, TEST_PASSWORD).status_code == 429
    # from the office network
    assert _login(client, admin.username, TEST_PASSWORD, ip="10.20.3.4").status_code == 302
    client.post("/sair")
    for _ in range(settings.login_max_attempts + 1):
        _login(client, admin.username)
    codes = issue_recovery_codes(admin)
    db.commit()
    assert _login(client, admin.username, TEST_PASSWORD, recovery_code="0000-0000-0000").status_code == 429
    assert _login(client, admin.username, TEST_PASSWORD, recovery_code=codes[0]).status_code == 302
    client.post("/sair")
    for _ in range(settings.login_max_attempts + 1):
        _login(client, admin.username)
    # a code works once; a wrong password with a good code does not get in
    assert _login(client, admin.username, TEST_PASSWORD, recovery_code=codes[0]).status_code == 429
    assert _login(client, admin.username, WRONG, recovery_code=codes[1]).status_code == 429
    assert _login(client, admin.username, TEST_PASSWORD, recovery_code=codes[1]).status_code == 302
