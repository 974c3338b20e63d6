"""The user's permissions are computed once per process and access_version; every change that
alters what a user may do (profiles given or taken, a profile's permissions edited, the account
deactivated, the password changed) counts from the user's next request."""

from __future__ import annotations

from sqlalchemy import event, select

from core.auth import Profile, ProfileRecord, User
from core.db import get_engine

VALIDATION = "/lims/validacao"  # lims.results.validate: supervisors only


def _statements(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def hook(conn, cursor, statement, *a):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", hook)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(get_engine(), "before_cursor_execute", hook)
    return seen


def test_permissions_are_not_recomputed_on_every_request(client, login_as) -> None:
    login_as(Profile.SUPERVISOR)
    client.get(VALIDATION)
    seen = _statements(client, VALIDATION)
    assert not [s for s in seen if "core_user_profile" in s], "profiles read again"


def test_a_profile_given_or_taken_counts_from_the_next_request(client, db, login_as) -> None:
    user = login_as(Profile.ANALYST)
    assert client.get(VALIDATION).status_code == 403
    before = user.access_version
    supervisor = db.scalars(select(ProfileRecord).where(ProfileRecord.code == "supervisor")).one()
    user.profiles = [*user.profiles, supervisor]
    db.commit()
    assert user.access_version == before + 1
    assert client.get(VALIDATION).status_code == 200
    user.profiles = [p for p in user.profiles if p.code != "supervisor"]
    db.commit()
    assert client.get(VALIDATION).status_code == 403


def test_a_profile_edited_counts_for_its_members(client, db, login_as, make_user) -> None:
    user = login_as(Profile.SUPERVISOR)
    other = make_user(Profile.ANALYST)
    assert client.get(VALIDATION).status_code == 200
    prof = db.scalars(select(ProfileRecord).where(ProfileRecord.code == "supervisor")).one()
    versions = (user.access_version, other.access_version)
    prof.revoked = [*(prof.revoked or []), "lims.results.validate"]
    db.commit()
    db.expire_all()
    assert db.get(User, user.id).access_version == versions[0] + 1
    assert db.get(User, other.id).access_version == versions[1]  # not a member
    assert client.get(VALIDATION).status_code == 403


def test_deactivation_and_password_change_end_the_session(client, db, login_as) -> None:
    user = login_as(Profile.SUPERVISOR)
    assert client.get(VALIDATION).status_code == 200
    user.active = False
    db.commit()
    assert client.get(VALIDATION).status_code == 302  # to the login page
    user.active = True
    db.commit()
    login_as  # noqa: B018 - the same client signs in again below
    resp = client.post("/entrar", data={"username": user.username, "password": "Senha#Forte2026"})
    assert resp.status_code == 302 and client.get(VALIDATION).status_code == 200
    user.session_version += 1  # what a password change (or "end all sessions") does
    db.commit()
    assert client.get(VALIDATION).status_code == 302
