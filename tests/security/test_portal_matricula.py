"""Item 11: locating consumers by matricula. On the main of 2026-12-04
/portal/minha-agua?q=<matricula> answered, for a bare sequential number without its check
digit, a redirect to the system page carrying the street in `local` and the house's
coordinates to 1 m in `lat`/`lon`; searches were unlimited."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote_plus, urlparse

from portal_publico import services as portal_services


def _answer(client, q):  # type: ignore[no-untyped-def]
    portal_services.clear_memo()
    return client.get("/portal/minha-agua", query_string={"q": q})


def test_matricula_needs_its_digit_and_tells_only_the_system(client, db, make_connection):
    from lims.models.registry import SupplySystem

    system = SupplySystem(code="SAA-SIGILO", name="Sistema Sigilo", population_served=1000,
                          neighbourhoods=["Vila Reservada"])
    db.add(system)
    db.flush()
    c = make_connection(street="Rua Sigilosa", neighbourhood="Vila Reservada", sector="SET-09",
                        system_id=system.id, latitude=-22.901234, longitude=-47.061234)
    base = int(c.matricula[:-1])
    for q in (f"{base:06d}", f"{base + 1:06d}"):  # without the digit; the next numbers
        r = _answer(client, q)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert "Rua Sigilosa" not in html and "-22.9012" not in html
        assert "dígito verificador" in html
    r = _answer(client, c.matricula)  # the system's page, answered in place (or a redirect)
    assert r.status_code in (200, 302)
    text = r.get_data(as_text=True) + r.headers.get("Location", "")
    assert "Matrícula" in unquote_plus(text) and "Matricula " not in unquote_plus(text)  # pt-BR
    assert "Vila Reservada" in text or "Vila%20Reservada" in text or "Vila+Reservada" in text
    assert "Sigilosa" not in text and "-22.9012" not in text and "22.90123" not in text
    if r.status_code == 302:
        args = parse_qs(urlparse(r.headers["Location"]).query)
        assert "lat" not in args and "lon" not in args


def test_a_street_of_one_house_gives_no_coordinates(client, db, make_connection):
    make_connection(street="Travessa Unica", neighbourhood="Alto Isolado", sector="SET-08",
                    system_id=7, latitude=-22.95555, longitude=-47.05555)
    r = _answer(client, "Travessa Unica")
    text = r.get_data(as_text=True) + r.headers.get("Location", "")
    assert "22.9555" not in text and "47.0555" not in text


def test_searches_are_rate_limited(client, db, settings):
    codes = [_answer(client, f"Rua {i:03d}").status_code
             for i in range(settings.portal_searches_per_minute + 3)]
    assert codes[0] == 200 and codes[-1] == 429
    r = _answer(client, "Centro")
    assert r.status_code == 429 and "Aguarde" in r.get_data(as_text=True)
    assert r.headers.get("Retry-After") == "60"

