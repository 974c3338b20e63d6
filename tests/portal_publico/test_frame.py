"""The portal's frame (menu, stylesheet, icon, footer links) is built once a process for each
script root and marks the page the citizen is on."""

from __future__ import annotations

from portal_publico import views


def test_the_frame_is_built_once_and_marks_the_current_page(client):
    views._FRAMES.clear()
    home = client.get("/portal/").get_data(as_text=True)
    frame = views._FRAMES[""]
    assert '<a href="/portal/" aria-current="page">Início</a>' in home
    assert 'href="/portal/static/portal.css"' in home and 'href="/static/favicon.svg"' in home
    office = client.get("/portal/escritorio/entrar").get_data(as_text=True)
    assert views._FRAMES[""] is frame and len(views._FRAMES) == 1
    assert '<a href="/portal/escritorio/" aria-current="page">Escritório virtual</a>' in office
    assert '<a href="/portal/">Início</a>' in office
    moved = client.get("/portal/", environ_overrides={"SCRIPT_NAME": "/saae"}).get_data(as_text=True)
    assert 'href="/saae/portal/static/portal.css"' in moved and len(views._FRAMES) == 2
