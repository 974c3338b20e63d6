"""Item 1 / fault test: kill -9 the worker in the middle of a 5,000-invoice batch, restart,
resume; count invoices and PDFs: nothing lost, nothing doubled.

On main the batch ran inside the web request (saae.wsgi never installed the runner) and a
killed worker left it 'processando' forever: a new batch for the month was refused and
nothing could resume it."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.fault_world import fault_world

N = 5_000

SEED = """
import datetime as dt
from bench.commercial_invoices import build
from commercial.services import batches
today = dt.date.today()
groups = build(os.environ["SAAE_DATABASE_URL"], [N], today)
last = today.replace(day=1) - dt.timedelta(days=1)
batch = batches.request_batch(groups[N], last.year, last.month, issue_date=today, run=False)
job = batches.start_batch_job(batch.id, start=False)  # queued: the test starts the worker
session.commit()
print(json.dumps({"batch": batch.id, "job": job.id}))
"""


def _pdfs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "commercial" / "faturas").rglob("*.pdf"))


def test_invoice_batch_survives_kill_9_and_resumes_without_doubles(tmp_path):
    with fault_world(tmp_path, "batch") as w:
        ids = w.python(SEED.replace("[N]", f"[{N}]").replace("groups[N]", f"groups[{N}]"))
        batch, job = ids["batch"], ids["job"]
        assert w.job(job)["state"] == "na_fila"

        worker = w.start_worker("jobs", "run", str(job))
        at_kill = w.kill_mid_job(worker, job, lambda j: j["done"] >= 1_000)
        # the worker is dead mid-batch: its one transaction died with it
        assert w.one("SELECT count(*) FROM commercial_invoice") == 0
        assert w.one("SELECT state FROM commercial_invoice_batch WHERE id = %s", batch) == "processando"
        partial_pdfs = len(_pdfs(w.data_dir))

        # the restarted worker (or any page / the beat) sees the job's worker is gone
        out = w.saae("jobs", "detect")
        assert out.returncode == 0, out.stderr
        j = w.job(job)
        assert j["state"] == "interrompido"
        assert "parou sem concluí-lo" in j["reason"]

        out = w.saae("jobs", "resume", str(job))
        assert out.returncode == 0, out.stdout + out.stderr
        j = w.job(job)
        assert j["state"] == "concluido" and j["attempts"] == 2, j

        invoices = w.one("SELECT count(*) FROM commercial_invoice WHERE batch_id = %s", batch)
        distinct_conns = w.one("SELECT count(DISTINCT connection_id) FROM commercial_invoice")
        distinct_numbers = w.one("SELECT count(DISTINCT number) FROM commercial_invoice")
        pdfs = _pdfs(w.data_dir)
        paths = {r[0] for r in w.sql("SELECT pdf_path FROM commercial_invoice")}
        state, done = w.sql("SELECT state, done FROM commercial_invoice_batch WHERE id = %s",
                            batch)[0]
        print(f"killed at {at_kill['done']} of {N} ({partial_pdfs} PDFs on disk); after resume: "
              f"{invoices} invoices, {len(pdfs)} PDFs")
        assert (state, done) == ("concluido", N)
        assert invoices == distinct_conns == distinct_numbers == N
        assert len(pdfs) == N and {str(p) for p in pdfs} == paths
