"""The health surveillance's read-only profile (issue 19 part 4): it reads plans, samples and
results, closings, reports and the SISAGUA exports; every POST/PUT/PATCH/DELETE endpoint (web
and API) refuses it; the menu shows only what it can read; what it opens is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from core import shell
from core.audit import AuditLog
from core.auth import LOGIN, Profile, ProfileRecord, issue_token, view_mark
from lims.services import closing, sisagua_export
from tests.lims.test_closed_month import M, Y, people, w  # noqa: F401
from tests.lims.test_sisagua_export import _closed
from tests.test_access import _probe, _url

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# mutating endpoints open to any signed-in user, about the user's own account or work: the
# own password, and the jobs the user started (checked against the job, 403/404 otherwise)
OWN = {"core.change_password"}
READS = {"lims.plan_list", "lims.closing_page", "lims.nonconformity_report", "lims.sisagua_page",
         "lims.sample_list", "lims.registry_home"}


def test_the_profile_holds_only_consultation_permissions(db, make_user):
    user = make_user(Profile.HEALTH_SURVEILLANCE)
    perms = user.permissions()
    assert perms and all(p.endswith(".view") for p in perms)
    assert {"lims.plans.view", "lims.samples.view", "lims.closing.view",
            "lims.reports.view"} <= perms
    # even a grant by an administrator stays consultation: the profile only consults
    rec = db.scalars(select(ProfileRecord).where(ProfileRecord.code == "vigilancia")).one()
    rec.granted = ["lims.closing.close", "lims.results.enter"]
    db.flush()
    assert all(p.endswith(".view") for p in rec.permissions())


def test_every_write_endpoint_refuses_it(app, client, db, login_as):
    user = login_as(Profile.HEALTH_SURVEILLANCE)
    token = issue_token(user, "vigilância")
    db.commit()
    api_client = app.test_client()
    checked, problems = 0, []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITES):
            is_public, perm = view_mark(app.view_functions[rule.endpoint], method)
            if is_public or rule.endpoint in OWN:
                continue
            checked += 1
            resp, refused = _probe(rule, method, client, api_client, token)
            # a view open to any signed-in user may answer 404: the sample ids name no record
            ok = refused or (perm == LOGIN and resp.status_code == 404
                             and not rule.rule.startswith("/api/"))
            if not ok:
                problems.append(f"{method} {_url(rule)}: {resp.status_code}")
    assert checked > 100 and not problems, problems
    changed = db.scalars(select(AuditLog).where(
        AuditLog.username == user.username, AuditLog.action.in_(("insert", "update", "delete")),
        AuditLog.model != "core_user")).all()  # the login's own bookkeeping aside
    assert changed == []


def _menu(html: str) -> list[str]:
    nav = html.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_menu_pages_and_audit_of_what_it_opened(app, client, db, w, people, login_as):  # noqa: F811
    sysid = _closed(w, people)
    user = login_as(Profile.HEALTH_SURVEILLANCE)
    menu = _menu(client.get("/").get_data(as_text=True))
    with app.test_request_context():
        from flask import url_for

        mine = {url_for(e) for _l, e, perm in shell.nav_entries(app)
                if perm is None or user.can(perm)}
        reads = {url_for(e) for e in READS}
    assert set(menu) - {"/"} == mine and reads <= mine
    assert all(perm.endswith(".view") for _l, _e, perm in shell.nav_entries(app) if user.can(perm))
    for url in menu:
        assert client.get(url).status_code == 200, url
    # the closed month, its report, the SISAGUA forms and a download
    q = f"sistema={sysid}&ano={Y}&mes={M}"
    assert closing.is_closed(sysid, Y, M)
    page = client.get(f"/lims/sisagua?{q}").get_data(as_text=True)
    for layout in sisagua_export.layouts().values():
        assert layout.title in page
    assert "Baixar CSV" in page
    # the non-conformities with the action taken, on the page
    assert "Amostras fora do padrão e providências" in page and "recoleta no mesmo ponto" in page
    assert client.get(f"/lims/sisagua/operacional.csv?{q}").status_code == 200
    assert client.get(f"/lims/relatorios/nao-conformidades?{q}").status_code == 200
    # nothing to change on the pages it reads: no form posting anywhere
    assert 'method="post"' not in page.replace('method="post" action="/sair"', "")
    opened = set(db.scalars(select(AuditLog.row_id).where(
        AuditLog.username == user.username, AuditLog.action == "acesso")))
    assert {"/lims/sisagua", "/lims/sisagua/operacional.csv", "/lims/planos"} <= opened
    # a person who is not a consultation profile leaves no such trail
    client.post("/sair")
    gestor = login_as(Profile.MANAGER)
    html = client.get(f"/auditoria?username={user.username}").get_data(as_text=True)
    assert "Página aberta (consulta)" in html and "/lims/sisagua" in html
    assert not db.scalars(select(AuditLog).where(AuditLog.username == gestor.username,
                                                 AuditLog.action == "acesso")).all()
