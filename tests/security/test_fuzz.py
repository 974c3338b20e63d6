"""Issue 14 "Done means": a fixed set of hostile values (markup, quotes, NUL, a 100k string,
huge numbers, NaN) sent to every query parameter and form field the application exposes, as
every profile and as an anonymous visitor: never a 500, and never the markup echoed unescaped
in a page.

What is "exposed": for every GET route of the URL map, the query parameters its view reads
(`request.args.get("...")` and friends in its source), and the fields of every <form> the page
renders; for every operation of the OpenAPI document, its query parameters and the properties
of its JSON body. Routes that end the session or start long jobs in process are left out
(listed in SKIP, with the reason)."""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from core.auth import Profile
from tests.conftest import TEST_PASSWORD

MARKUP = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
PAYLOADS = [MARKUP, "' OR '1'='1\" --", "a\x00b", "x" * 100_000, "9" * 40, "-99999999999999999999",
            "NaN", "1e309", "99999"]
SKIP = {
    "core.logout": "ends the session of the fuzzing client",
    "core.user_end_sessions": "ends sessions",
    "api-docs.openapi_swagger_ui": "static page",
    "swagger_assets": "static files",
}
ARG_CALL = re.compile(r"""request\.(?:args|values)\.(?:get|getlist)\(\s*["']([\w.-]+)["']""")
ARG_ITEM = re.compile(r"""request\.args\[\s*["']([\w.-]+)["']\s*\]""")


class _Forms(HTMLParser):
    """<form> elements of a page: (method, action, field names)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(),
                               "action": a.get("action") or "", "fields": set()})
        elif (tag in ("input", "select", "textarea") and self.forms and a.get("name")
              and a.get("type") not in ("file", "submit", "button") and a["name"] != "csrf_token"):
            self.forms[-1]["fields"].add(a["name"])


def _sample_url(rule) -> str | None:  # type: ignore[no-untyped-def]
    values = {}
    for name, conv in rule._converters.items():  # noqa: SLF001
        kind = type(conv).__name__
        values[name] = 1 if "Int" in kind else "x"
    try:
        return rule.build(values)[1]
    except Exception:  # noqa: BLE001
        return None


def _view_params(app, endpoint: str) -> set[str]:  # type: ignore[no-untyped-def]
    view = app.view_functions[endpoint]
    seen, names = set(), set()
    todo = [getattr(view, "view_class", None) or view]
    while todo:  # the view, and the module-level helpers it calls (e.g. _args(), _filters())
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        try:
            src = inspect.getsource(fn)
        except (OSError, TypeError):
            continue
        names |= set(ARG_CALL.findall(src)) | set(ARG_ITEM.findall(src))
        module = inspect.getmodule(fn)
        for called in re.findall(r"\b(_\w+)\(", src):
            helper = getattr(module, called, None)
            if callable(helper) and inspect.isfunction(helper):
                todo.append(helper)
    return names


def _targets(app, client) -> list[tuple[str, str, set[str], bool]]:  # type: ignore[no-untyped-def]
    """(method, url, field names, is_json) for every exposed input of what `client` sees."""
    out: list[tuple[str, str, set[str], bool]] = []
    for rule in app.url_map.iter_rules():
        ep = rule.endpoint
        if ep in SKIP or ep == "static" or ep.endswith(".static") or rule.rule.startswith("/api/"):
            continue
        if "GET" not in (rule.methods or ()):
            continue
        url = _sample_url(rule)
        if url is None:
            continue
        for param in sorted(_view_params(app, ep)):  # one at a time: the others keep defaults
            out.append(("get", url, {param}, False))
        resp = client.get(url)
        if resp.status_code == 200 and resp.mimetype == "text/html":
            parser = _Forms()
            parser.feed(resp.get_data(as_text=True))
            for f in parser.forms:
                action = f["action"] or url
                if not action.startswith("/") or "/sair" in action or "encerrar-sessoes" in action:
                    continue
                if f["fields"]:
                    out.append((f["method"], action, f["fields"], False))
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for p in op.get("parameters", []):
                if p.get("in") == "query":
                    out.append((method, url, {p["name"]}, False))
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = body.get("schema", {})
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            props = set(schema.get("properties", {}))
            if props:
                out.append((method, url, props, True))
    return out


def _fire(client, method: str, url: str, fields: set[str], is_json: bool) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for value in PAYLOADS:
        data = {f: value for f in fields}
        if is_json:
            resp = client.open(url, method=method.upper(), json=data)
        elif method == "get":
            resp = client.get(url, query_string=data)
        else:
            resp = client.open(url, method=method.upper(), data=data)
        shown = value if len(value) < 60 else value[:20] + f"...({len(value)})"
        if resp.status_code >= 500:
            problems.append(f"{method.upper()} {url} {sorted(fields)}={shown!r}: {resp.status_code}")
        elif value == MARKUP and resp.mimetype == "text/html" and MARKUP in resp.get_data(as_text=True):
            problems.append(f"{method.upper()} {url} {sorted(fields)}: markup echoed unescaped")
    return problems


ROLES = [None, *Profile]


@pytest.mark.parametrize("profile", ROLES, ids=lambda p: p.value if p else "anonimo")
def test_hostile_values_never_break_a_page(app, client, make_user, profile):
    if profile is not None:
        user = make_user(profile)
        assert client.post("/entrar", data={"username": user.username,
                                            "password": TEST_PASSWORD}).status_code == 302
    problems: list[str] = []
    for method, url, fields, is_json in _targets(app, client):
        problems += _fire(client, method, url, fields, is_json)
    assert not problems, "\n".join(sorted(set(problems)))
