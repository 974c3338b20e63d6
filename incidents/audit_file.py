"""The audit file of an incident: one JSON bundle (machine-checkable) and one PDF (for people),
packed in a ZIP with a manifest of their SHA-256; `verify` re-checks everything offline.

The bundle holds the incident, timeline, work orders and field actions (photo hashes), every
notice, every message with its receipts, and the evidence hash chain with its timestamps.
`verify` recomputes the chain, each content hash, and ties each stored message to the
evidence written when it was sent: one changed byte anywhere makes it fail.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from core.db import session, utcnow
from incidents import domain, tsa
from incidents.models import Message, Notice, Receipt, Timestamp, WorkOrder, WorkOrderAction
from incidents.services import evidence
from incidents.services import incidents as inc_svc
from render.pdf.text import esc

FORMAT = "saae-incident-audit/1"
SENT_KINDS = ("mensagem", "mensagem_falhou", "tentativa_falhou")


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.datetime) else v


def _row(obj: Any, cols: tuple[str, ...]) -> dict[str, Any]:
    return {c: _iso(getattr(obj, c)) for c in cols}


def bundle(incident_id: int) -> dict[str, Any]:
    inc = inc_svc.get(incident_id)
    wos = list(session.scalars(select(WorkOrder).where(WorkOrder.incident_id == inc.id).order_by(WorkOrder.id)))
    msgs = list(session.scalars(select(Message).where(Message.incident_id == inc.id).order_by(Message.id)))
    rec_by: dict[int, list[Receipt]] = {}
    if msgs:
        for r in session.scalars(select(Receipt).where(Receipt.message_id.in_([m.id for m in msgs]))
                                 .order_by(Receipt.id)):
            rec_by.setdefault(r.message_id, []).append(r)
    chain = evidence.chain(inc.id)
    wo_out = []
    for w in wos:
        acts = session.scalars(select(WorkOrderAction).where(WorkOrderAction.work_order_id == w.id)
                               .order_by(WorkOrderAction.at, WorkOrderAction.id))
        wo_out.append(_row(w, ("number", "service_code", "state", "origin", "description", "priority",
                               "technician_id", "distance_km", "opened_at", "scheduled_for", "due_at",
                               "started_at", "executed_at", "closed_at", "postponements",
                               "parent_id", "redo_of_id", "closing_answers", "materials_used",
                               "readings", "vehicle"))
                      | {"actions": [_row(a, ("client_key", "kind", "at", "received_at", "data", "username"))
                                     | {"photo_sha256": domain.sha256_hex(a.photo) if a.photo else None}
                                     for a in acts]})
    return domain.jsonable({
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "incident": _row(inc, ("id", "protocol", "title", "kind", "origin", "state", "severity",
                               "asset_code", "asset_name", "tag", "anomaly_ids", "area",
                               "area_description", "reason", "description", "estimated_hours",
                               "safety_measures", "opened_at", "resolved_at", "closed_at",
                               "source_system", "source_code", "source_status")),
        "timeline": [_row(t, ("at", "kind", "text", "username")) for t in inc_svc.entries(inc.id)],
        "work_orders": wo_out,
        "notices": [_row(n, ("id", "purpose", "template_code", "reason", "area_description",
                             "estimated_hours", "safety_measures", "recipients", "without_channel",
                             "created_at", "created_by"))
                    for n in session.scalars(select(Notice).where(Notice.incident_id == inc.id).order_by(Notice.id))],
        "messages": [_row(m, ("id", "key", "notice_id", "consumer_id", "matricula", "name", "channel",
                              "recipient", "subject", "content", "content_sha256", "status", "attempts",
                              "provider", "provider_message_id", "created_at", "sent_at",
                              "delivered_at", "read_at", "failed_at", "last_error"))
                     | {"receipts": [_row(r, ("status", "provider_status", "at", "received_at", "raw"))
                                     for r in rec_by.get(m.id, [])]}
                     for m in msgs],
        "evidence": evidence.as_records(chain),
        "timestamps": [_row(t, ("seq", "hash", "tsa_url", "status", "token_b64", "gen_time", "created_at"))
                       for t in session.scalars(select(Timestamp).where(Timestamp.incident_id == inc.id)
                                                .order_by(Timestamp.id))],
        "chain_head": chain[-1].hash if chain else domain.GENESIS,
    })


def verify_bundle(data: dict[str, Any], anchors: list[Any] | None = None) -> list[str]:
    """Every problem found (pt-BR); [] means the file is intact. `anchors`: the TSA trust
    anchors (certificates) the time stamps must verify up to."""
    problems: list[str] = []
    if data.get("format") != FORMAT:
        return [f"formato desconhecido: {data.get('format')!r}"]
    records = data.get("evidence") or []
    for p in domain.verify_chain(records):
        problems.append(f"evidência {p.seq}: {p.problem}")
    head = records[-1]["hash"] if records else domain.GENESIS
    if data.get("chain_head") != head:
        problems.append("cabeca da cadeia não confere")
    problems += _message_problems(data.get("messages") or [], records)
    for t, v in check_stamps(data, anchors):
        if not v.ok:
            problems.append(f"carimbo do tempo sobre o registro {t.get('seq')}: {v.error}")
    return problems


def _message_problems(messages: list[dict[str, Any]], records: list[dict[str, Any]]) -> list[str]:
    """Each stored message must keep its content hash and match what the chain recorded
    when it was sent."""
    problems: list[str] = []
    sent: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r.get("kind") in SENT_KINDS:
            sent.setdefault(str(r["payload"].get("key")), []).append(r["payload"])
    for m in messages:
        label = f"mensagem {m.get('id')} ({m.get('recipient')})"
        if domain.sha256_hex(str(m.get("content"))) != m.get("content_sha256"):
            problems.append(f"{label}: conteúdo alterado (SHA-256 não confere)")
        proofs = sent.get(str(m.get("key")), [])
        if m.get("status") not in ("pendente", "enviando") and not proofs:
            problems.append(f"{label}: sem registro de envio na cadeia")
        if any(p.get("content") != m.get("content") or p.get("content_sha256") != m.get("content_sha256")
               or p.get("recipient") != m.get("recipient") for p in proofs):
            problems.append(f"{label}: difere do que foi registrado no envio")
    return problems


def check_stamps(data: dict[str, Any],
                 anchors: list[Any] | None) -> list[tuple[dict[str, Any], tsa.Verified]]:
    """Each granted stamp of the bundle with its verification: the stamped hash is the chain's
    record, the token's signature and TSA certificate verify up to `anchors`, the imprint
    matches."""
    by_seq = {r["seq"]: r["hash"] for r in data.get("evidence") or []}
    out: list[tuple[dict[str, Any], tsa.Verified]] = []
    for t in data.get("timestamps") or []:
        if t.get("status") != "concedido":
            continue
        if by_seq.get(t.get("seq")) != t.get("hash"):
            out.append((t, tsa.Verified(False, error="hash não confere com a cadeia")))
            continue
        try:
            response = base64.b64decode(t.get("token_b64") or "", validate=True)
        except ValueError:
            out.append((t, tsa.Verified(False, error="token não é base64")))
            continue
        out.append((t, tsa.verify(response, bytes.fromhex(t["hash"]), anchors or [])))
    return out


def pdf(data: dict[str, Any]) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title=f"Dossie do incidente {data['incident']['protocol']}")
    inc = data["incident"]
    P = lambda t, st=small: Paragraph(esc(t), st)  # noqa: E731

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table([[P(c) for c in r] for r in rows], colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f0")),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story: list[Any] = [
        Paragraph(f"Dossie de auditoria - incidente {esc(inc['protocol'])}", styles["Title"]),
        P(f"{inc['title']} | tipo {inc['kind']} | origem {inc['origin']} | situação {inc['state']} | "
          f"gravidade {inc['severity']}", styles["BodyText"]),
        P(f"Aberto em {inc['opened_at']}; resolvido {inc['resolved_at'] or '-'}; encerrado "
          f"{inc['closed_at'] or '-'}. Área: {inc['area_description']}. Motivo: {inc['reason']}",
          styles["BodyText"]),
        P(f"Gerado em {data['generated_at']}. Cabeca da cadeia de evidências (SHA-256): "
          f"{data['chain_head']}", styles["BodyText"]),
        Spacer(1, 4 * mm), Paragraph("Linha do tempo", styles["Heading2"]),
        table([["Quando", "Tipo", "Registro", "Por"]]
              + [[t["at"][:19], t["kind"], t["text"], t["username"]] for t in data["timeline"][:400]],
              [30, 16, 115, 20]),
        Paragraph("Ordens de serviço", styles["Heading2"]),
        table([["OS", "Serviço", "Situação", "Aberta", "Executada", "Ações de campo"]]
              + [[w["number"], w["service_code"], w["state"], str(w["opened_at"])[:16],
                  str(w["executed_at"] or "-")[:16],
                  "; ".join(f"{a['kind']} {str(a['at'])[11:16]}" for a in w["actions"])]
                 for w in data["work_orders"]], [22, 22, 28, 26, 26, 57]),
        Paragraph("Comunicacoes", styles["Heading2"]),
        table([["#", "Destinatário", "Canal", "Situação", "Enviada", "Recibos", "SHA-256 do conteúdo"]]
              + [[m["id"], f"{m['name']} {m['recipient']}", m["channel"], m["status"],
                  str(m["sent_at"] or "-")[:19],
                  ", ".join(r["status"] for r in m["receipts"]), m["content_sha256"][:32] + "..."]
                 for m in data["messages"][:2000]], [10, 45, 16, 17, 28, 28, 37]),
    ]
    if data["messages"]:
        story += [Paragraph("Conteúdo das mensagens (amostra)", styles["Heading2"])]
        for m in data["messages"][:10]:
            story.append(P(f"#{m['id']} para {m['recipient']} ({m['channel']}): {m['content']}"))
    story += [Paragraph("Cadeia de evidências", styles["Heading2"]),
              table([["Seq", "Tipo", "Hash anterior", "Hash"]]
                    + [[r["seq"], r["kind"], r["prev_hash"][:24] + "...", r["hash"]]
                       for r in data["evidence"][:3000]], [12, 28, 45, 97])]
    if data["timestamps"]:
        story += [Paragraph("Carimbos do tempo (RFC 3161)", styles["Heading2"]),
                  table([["Seq", "TSA", "Situação", "Hora (genTime)"]]
                        + [[t["seq"], t["tsa_url"], t["status"], t["gen_time"]] for t in data["timestamps"]],
                        [12, 90, 25, 55])]
    doc.build(story)
    return buf.getvalue()


def export_zip(incident_id: int) -> bytes:
    data = bundle(incident_id)
    raw = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
    pdf_bytes = pdf(data)
    manifest = {"format": FORMAT, "protocol": data["incident"]["protocol"],
                "files": {"dossie.json": hashlib.sha256(raw).hexdigest(),
                          "dossie.pdf": hashlib.sha256(pdf_bytes).hexdigest()},
                "chain_head": data["chain_head"]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dossie.json", raw)
        z.writestr("dossie.pdf", pdf_bytes)
        z.writestr("manifest.json", json.dumps(manifest, indent=1))
    return buf.getvalue()


def read_file(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """The bundle of an exported ZIP (manifest checked) or of a bare JSON file, and the
    problems found reading it."""
    path = Path(path)
    raw = path.read_bytes()
    problems: list[str] = []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
            for name, digest in manifest["files"].items():
                if hashlib.sha256(z.read(name)).hexdigest() != digest:
                    problems.append(f"{name}: SHA-256 difere do manifesto")
            raw = z.read("dossie.json")
            data = json.loads(raw)
            if manifest.get("chain_head") != data.get("chain_head"):
                problems.append("manifesto e dossie apontam cabecas de cadeia diferentes")
    else:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            return {}, [f"JSON inválido: {exc}"]
    return data, problems


def verify_file(path: str | Path, anchors: list[Any] | None = None) -> list[str]:
    """Check an exported ZIP (manifest + bundle) or a bare JSON bundle."""
    data, problems = read_file(path)
    return problems + (verify_bundle(data, anchors) if data else [])
