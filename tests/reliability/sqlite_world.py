"""Run a snippet against a fresh, migrated SQLite database in a child process.

The suite's own engine is PostgreSQL and process-wide; SQLite behaviour (the embedded demo's
database) is checked in a child process that owns its engine. The snippet prints one JSON
line, which the test reads back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import json, os, sys
from saae.migrate import upgrade
from core.config import Settings
upgrade(os.environ["SAAE_DATABASE_URL"])
from saae.app import create_app
app = create_app(Settings.from_env(), TESTING=True, WTF_CSRF_ENABLED=False)
ctx = app.app_context(); ctx.push()
from core.db import session, unit_of_work
"""


def run_sqlite(tmp_path: Path, snippet: str, timeout: float = 240, **env: str) -> dict[str, Any]:
    db = tmp_path / "demo.db"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
    environ.update({"SAAE_DATABASE_URL": f"sqlite:///{db}", "SAAE_DATA_DIR": str(tmp_path / "var"),
                    "SAAE_ENV": "test", "SAAE_TASK_RUNNER": "inprocess", **env})
    code = PRELUDE + textwrap.dedent(snippet)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    last = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    out = json.loads(last)
    out["_stderr"] = proc.stderr
    return out
