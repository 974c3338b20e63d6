"""LIMS services: independent verifications of a result (issue 20). The number each parameter
needs is a setting (lims.services.parameter_rules, default 1 = four eyes); every verification
is recorded, and a result counts as validated only when it has them all, each by a different
person who neither analysed nor typed it (validation.validate checks the latter)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from core.auth import User
from core.db import ids_in, session, utcnow
from core.errors import Conflict
from lims.models.methods import ResultVerification
from lims.models.results import Result
from lims.services import parameter_rules


def verify(r: Result, user_id: int, *, done: list[ResultVerification] | None = None,
           required: int | None = None) -> bool:
    """Record `user_id`'s verification of `r`; True when the result now has every verification
    its parameter requires (the caller then marks it validated). `done`: its verifications
    already read (the new one is appended to it), `required`: how many its parameter needs
    (a bulk validation reads both once for all its results)."""
    done = verifications_of([r.id]).setdefault(r.id, []) if done is None else done
    if any(v.user_id == user_id for v in done):
        raise Conflict(f"Você já verificou o resultado de {r.parameter_name} da amostra "
                       f"{r.sample_code}; a próxima verificação precisa ser de outra pessoa.",
                       code="verificacao_repetida")
    v = ResultVerification(result_id=r.id, user_id=user_id, seq=len(done) + 1, verified_at=utcnow())
    session.add(v)
    session.flush()
    done.append(v)
    need = parameter_rules.verifications_required(r.parameter_id) if required is None else required
    return len(done) >= need


def verifications_of(result_ids: Iterable[int]) -> dict[int, list[ResultVerification]]:
    ids = sorted(set(result_ids))
    out: dict[int, list[ResultVerification]] = {}
    if not ids:
        return out
    for v in session.scalars(select(ResultVerification).where(
            ids_in(ResultVerification.result_id, ids)).order_by(ResultVerification.seq)):
        out.setdefault(v.result_id, []).append(v)
    return out


def progress(results: list[Result]) -> dict[int, str]:
    """{result_id: "1 de 2 verificações (Nome)"} for the results that need more than one."""
    if not results:
        return {}
    counts = dict(session.execute(select(ResultVerification.result_id, func.count())
                                  .where(ids_in(ResultVerification.result_id,
                                                sorted({r.id for r in results})))
                                  .group_by(ResultVerification.result_id)).all())
    rules = parameter_rules.rules_of({r.parameter_id for r in results})
    done = verifications_of([r.id for r in results if counts.get(r.id)])
    names = {u.id: u.name for u in session.scalars(select(User).where(
        User.id.in_({v.user_id for vs in done.values() for v in vs})))} if done else {}
    out = {}
    for r in results:
        need = rules[r.parameter_id].verifications if r.parameter_id in rules else 1
        if need > 1:
            who = ", ".join(names.get(v.user_id, "") for v in done.get(r.id, []))
            out[r.id] = f"{counts.get(r.id, 0)} de {need} verificações" + (f" ({who})" if who else "")
    return out
