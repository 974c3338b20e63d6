"""RFC 3161: closed incidents' chain heads are stamped by the periodic job, once per head."""

from __future__ import annotations

from incidents.services import evidence
from incidents.services import incidents as svc


def test_closed_heads_are_stamped_once_and_again_when_the_chain_grows(db, ref, providers):
    fp, base = providers
    url = f"{base}/tsa"
    inc = svc.open_incident(title="Rompimento na Rua B", kind="interrupcao", origin="operador",
                            notify=False)
    still_open = svc.open_incident(title="Baixa pressão", kind="interrupcao", origin="operador",
                                   notify=False)
    svc.close(inc.id, "reparo concluído")
    db.commit()
    assert evidence.unstamped_heads() == [inc.id]  # open incidents wait for their closing
    assert evidence.stamp_pending(url) == 1 and len(fp.tsa) == 1
    assert evidence.stamp_pending(url) == 0 and len(fp.tsa) == 1  # nothing twice
    evidence.append(inc.id, "recibo", {"status": "lido"})  # a late receipt moves the head
    db.commit()
    assert evidence.stamp_pending(url) == 1 and len(fp.tsa) == 2
    assert still_open.id not in evidence.unstamped_heads()


def test_an_unreachable_tsa_is_recorded_and_retried(db, ref):
    inc = svc.open_incident(title="Vazamento", kind="interrupcao", origin="operador", notify=False)
    svc.close(inc.id, "ok")
    db.commit()
    assert evidence.stamp_pending("http://127.0.0.1:9/tsa") == 0  # nothing listens on port 9
    assert evidence.unstamped_heads() == [inc.id]  # tried again on the next run
