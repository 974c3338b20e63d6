"""LIMS services: the Boletins de Análise of external (contracted) laboratories, registered
before their results are transcribed (the PDF is kept content-addressed under the data dir)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select

from core.db import session, transactional
from core.errors import Conflict, ValidationError
from lims.models.results import AnalysisReport


@transactional
def register_report(lab_name: str, report_number: str, report_date: dt.date, *,
                    data_dir: Path, pdf: bytes | None = None, file_name: str | None = None,
                    entered_by_id: int | None = None, notes: str | None = None) -> AnalysisReport:
    """Register an external lab's Boletim de Analise; the PDF is stored under data_dir."""
    errors: dict[str, list[str]] = {}
    if not lab_name.strip():
        errors["laboratorio"] = ["Informe o laboratório."]
    if not report_number.strip():
        errors["numero"] = ["Informe o número do boletim."]
    if pdf is not None and not pdf.startswith(b"%PDF"):
        errors["arquivo"] = ["O anexo deve ser um PDF."]
    if errors:
        raise ValidationError("Boletim de análise incompleto.", fields=errors)
    dup = session.scalars(select(AnalysisReport).where(
        AnalysisReport.lab_name == lab_name.strip(),
        AnalysisReport.report_number == report_number.strip())).first()
    if dup:
        raise Conflict(f"O boletim {report_number} de {lab_name} já foi registrado.")
    rep = AnalysisReport(lab_name=lab_name.strip(), report_number=report_number.strip(),
                         report_date=report_date, entered_by_id=entered_by_id, notes=notes)
    if pdf is not None:
        digest = hashlib.sha256(pdf).hexdigest()
        rel = Path("lims") / "boletins" / f"{digest}.pdf"
        target = Path(data_dir) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf)  # content-addressed: a rollback leaves at most an orphan copy
        rep.file_path, rep.file_name, rep.file_sha256 = str(rel), file_name or "boletim.pdf", digest
    session.add(rep)
    session.flush()
    return rep
