"""The job of tests/reliability/test_scale_out.py: records each start (committed at once, so
a killed run leaves its mark) and, in the job's own transaction, its one result row."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from core import jobs
from core.db import get_engine, session, unit_of_work

TABLES = ("CREATE TABLE IF NOT EXISTS scale_probe_start (key int, pid int, at timestamptz "
          "DEFAULT now())",
          "CREATE TABLE IF NOT EXISTS scale_probe_done (key int, pid int)")


def record(key: int, slow: bool = False) -> int:
    with get_engine().begin() as c:
        c.execute(text("INSERT INTO scale_probe_start (key, pid) VALUES (:k, :p)"),
                  {"k": key, "p": os.getpid()})
    with unit_of_work():
        session().execute(text("INSERT INTO scale_probe_done (key, pid) VALUES (:k, :p)"),
                          {"k": key, "p": os.getpid()})
        if slow and not jobs.resuming():
            time.sleep(120)  # killed here: the row above is never committed
    return key
