"""The incident's evidence: an append-only hash chain, RFC 3161 timestamps of its head."""

from __future__ import annotations

import base64
import logging
from typing import Any

from sqlalchemy import func, insert, select

from core.db import session, transactional, utcnow
from core.web import settings
from incidents import domain, tsa
from incidents.models import Evidence, Incident, Timestamp

log = logging.getLogger(__name__)


def _lock_incident(incident_id: int) -> Incident:
    # one writer per chain at a time: the next seq and prev hash must be read under a lock
    inc = session.scalars(select(Incident).where(Incident.id == incident_id)
                          .with_for_update()).one()
    return inc


def append(incident_id: int, kind: str, payload: dict[str, Any],
           message_id: int | None = None) -> Evidence:
    """Add one link to the incident's chain (inside the caller's transaction)."""
    [row] = _links(incident_id, [(kind, payload, message_id)])
    ev = Evidence(**row)
    session.add(ev)
    session.flush()
    return ev


def append_many(incident_id: int, links: list[tuple[str, dict[str, Any], int | None]]) -> int:
    """Add many links (kind, payload, message id) to the incident's chain under ONE lock of
    the chain: each link keeps its own seq, previous hash and hash, exactly as if appended one
    by one (every message stays verifiable on its own), written by one INSERT. Returns the
    last seq (0 when `links` is empty)."""
    if not links:
        return 0
    rows = _links(incident_id, links)
    session.execute(insert(Evidence), rows)
    return int(rows[-1]["seq"])


def _links(incident_id: int, links: list[tuple[str, dict[str, Any], int | None]]
           ) -> list[dict[str, Any]]:
    """The next links of the chain, read and computed under the chain's lock."""
    _lock_incident(incident_id)
    last = session.execute(select(Evidence.seq, Evidence.hash)
                           .where(Evidence.incident_id == incident_id)
                           .order_by(Evidence.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, domain.GENESIS)
    now = utcnow()
    rows = []
    for kind, payload, message_id in links:
        seq += 1
        plain = domain.jsonable(payload)
        link = domain.chain_hash(prev, seq, kind, plain)
        rows.append({"incident_id": incident_id, "seq": seq, "kind": kind, "payload": plain,
                     "prev_hash": prev, "hash": link, "message_id": message_id,
                     "created_at": now})
        prev = link
    return rows


def chain(incident_id: int) -> list[Evidence]:
    return list(session.scalars(select(Evidence).where(Evidence.incident_id == incident_id)
                                .order_by(Evidence.seq)))


def as_records(rows: list[Evidence]) -> list[dict[str, Any]]:
    return [{"seq": e.seq, "kind": e.kind, "payload": e.payload, "prev_hash": e.prev_hash,
             "hash": e.hash, "created_at": e.created_at.isoformat()} for e in rows]


def _anchors() -> list:  # type: ignore[type-arg]
    path = settings().tsa_ca_file
    return tsa.load_anchors(path) if path else []


@transactional
def timestamp_head(incident_id: int, tsa_url: str) -> Timestamp | None:
    """Ask the TSA to timestamp the chain head (None when the chain is empty); the answer is
    verified at once (signature, certificate up to SAAE_TSA_CA_FILE, imprint)."""
    rows = chain(incident_id)
    if not rows:
        return None
    head = rows[-1]
    ans = tsa.ask(tsa_url, bytes.fromhex(head.hash), _anchors())
    ts = Timestamp(incident_id=incident_id, seq=head.seq, hash=head.hash, tsa_url=tsa_url,
                   status="concedido" if ans.granted and ans.verified else "erro",
                   token_b64=base64.b64encode(ans.response).decode(), gen_time=ans.gen_time,
                   error=ans.error[:500])
    session.add(ts)
    session.flush()
    if ts.status != "concedido":
        log.warning("TSA %s: %s", tsa_url, ts.error)
    return ts


def unstamped_heads(limit: int = 50) -> list[int]:
    """Closed or cancelled incidents whose current chain head has no granted timestamp yet
    (a delivery receipt arriving after closing moves the head: it is stamped again)."""
    head = (select(Evidence.incident_id, func.max(Evidence.seq).label("seq"))
            .group_by(Evidence.incident_id).subquery())
    stamped = select(Timestamp.id).where(Timestamp.incident_id == head.c.incident_id,
                                         Timestamp.seq == head.c.seq,
                                         Timestamp.status == "concedido").exists()
    return list(session.scalars(
        select(head.c.incident_id).join(Incident, Incident.id == head.c.incident_id)
        .where(Incident.closed_at.is_not(None), ~stamped)
        .order_by(head.c.incident_id).limit(limit)))


def stamp_pending(tsa_url: str, limit: int = 50) -> int:
    """Timestamp every unstamped closed chain head, each in its own transaction; a TSA that
    does not answer is recorded as an error and tried again on the next run."""
    done = 0
    for incident_id in unstamped_heads(limit):
        try:
            ts = timestamp_head(incident_id, tsa_url)
        except Exception:  # the TSA is outside: never stop the worker, try again next run
            log.exception("TSA %s: incident %s not stamped", tsa_url, incident_id)
            continue
        done += bool(ts is not None and ts.status == "concedido")
    return done
