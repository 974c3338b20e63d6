"""schemathesis over /api/v1/openapi.json, in process (WSGI), authenticated with an API token
of a user holding every profile: no 5xx, and every response matches its documented schema.

Bounded (a few examples per operation) so it stays fast; it is generic over the document,
so every endpoint an area adds is exercised. Writes happen inside the test's rolled-back
transaction; operations listed in SIDE_EFFECTS are only called with GET-like care (see below).
"""

from __future__ import annotations

import time
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.auth import Profile

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 5
# operations whose effect leaves the process even inside a rolled-back transaction
# (messages sent to people, files written outside the database): "METHOD /path".
# None today: notifications go to the local outbox provider in tests, tasks run inline.
SIDE_EFFECTS: set[str] = set()
# Operations whose success response is not documented yet (no @api.response(2xx, Schema), or
# a content type missing): still checked for 5xx and status codes, not for the body schema.
# Owners: remove a line once the operation documents its response.
UNDOCUMENTED: dict[str, str] = {}
LENIENT_CHECKS = [not_a_server_error, status_code_conformance]
# 5xx found in another area's operation and reported to its owner: shown as a warning in the
# test summary, not hidden. Remove the line when fixed.
KNOWN_SERVER_ERRORS: dict[str, str] = {}


def test_the_document_is_openapi_3_with_the_error_format(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "bearerAuth" in doc["components"]["securitySchemes"]
    error = doc["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]
    assert doc["paths"], "the API has operations"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger" in docs.get_data(as_text=True).lower()
    assert "cdn" not in docs.get_data(as_text=True).lower()  # assets served locally


def _run_all(app, token: str, mode: schemathesis.GenerationMode, checks_for) -> list[str]:
    """Run every operation of the document; return one line per failing operation."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    timings: dict[str, float] = {}
    ops = []
    for result in schema.get_all_operations():
        op = result.ok()
        label = f"{op.method.upper()} {op.path}"
        if label not in SIDE_EFFECTS:
            ops.append((label, op))
    assert ops

    for label, op in ops:
        started = time.monotonic()
        checks = checks_for(label)

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=checks)  # noqa: B023

        try:
            run()
        except BaseException as exc:  # noqa: BLE001  collect every operation's failure
            if label in KNOWN_SERVER_ERRORS:
                warnings.warn(f"known 5xx, reported: {label}: {KNOWN_SERVER_ERRORS[label]}",
                              stacklevel=1)
            else:
                failures.append(f"{label}: {_summary(exc)}")
        timings[label] = time.monotonic() - started
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print(f"{mode.value}: {len(ops)} operations; slowest:",
          [(k, round(v, 1)) for k, v in slowest])
    slow = {k: round(v, 1) for k, v in timings.items() if v > 10}
    assert not slow, f"operations too slow for the bounded run: {slow}"
    return failures


def test_every_operation_conforms(app, api_token):
    """Valid requests: no 5xx, documented status codes, content types and bodies."""
    _user, token = api_token(*Profile)
    failures = _run_all(app, token, schemathesis.GenerationMode.POSITIVE,
                        lambda label: LENIENT_CHECKS if label in UNDOCUMENTED else CHECKS)
    assert not failures, "\n\n".join(failures)


def test_invalid_requests_never_cause_a_server_error(app, api_token):
    """Invalid requests (wrong types, missing fields, out-of-range values): a 4xx, never 5xx."""
    _user, token = api_token(*Profile)
    failures = _run_all(app, token, schemathesis.GenerationMode.NEGATIVE,
                        lambda label: [not_a_server_error])
    assert not failures, "\n\n".join(failures)


def _summary(exc: BaseException) -> str:
    """The first lines of each failed check (schemathesis raises an ExceptionGroup)."""
    parts = list(getattr(exc, "exceptions", [exc]))
    lines = []
    for part in parts:
        text = [ln for ln in str(part).splitlines() if ln.strip()]
        lines.append(f"{type(part).__name__}: " + " | ".join(text[:4])[:600])
    return "\n    ".join(lines)


@pytest.mark.parametrize("path", ["/api/v1/conta", "/api/v1/usuarios", "/api/v1/auditoria"])
def test_core_operations_are_documented(client, path):
    doc = client.get("/api/v1/openapi.json").json
    assert path in doc["paths"]
    get = doc["paths"][path]["get"]
    assert "200" in get["responses"] and "default" in get["responses"]
