"""LIMS services: sample state changes the results drive, for many samples at once.

The same moves as `samples.transition` (checked by the state machine of lims.domain.samples,
audited with the reason "<from> -> <to>: <why>" as the actor in force) made as one locking
SELECT and one UPDATE per step and chunk, with one audit row per sample written in one
executemany INSERT instead of a fetch, an UPDATE and an audit INSERT per sample.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select, update

from core.audit import audit_context, record_updates
from core.db import chunks, ids_in, session, utcnow
from lims.domain import samples as machine
from lims.domain.samples import SampleState
from lims.models.samples import Sample


def _states(ids: list[int]) -> dict[int, SampleState]:
    """The current state of each sample, rows locked (as `transition` locks its one)."""
    out: dict[int, SampleState] = {}
    for part in chunks(ids):
        out.update((sid, machine.coerce(state)) for sid, state in session.execute(
            select(Sample.id, Sample.state).where(ids_in(Sample.id, part)).with_for_update()))
    return out


def _step(ids: list[int], current: SampleState, target: SampleState, reason: str) -> None:
    machine.check_transition(current, target, reason)
    why = f"{machine.label(current)} -> {machine.label(target)}" + (
        f": {reason.strip()}" if reason.strip() else "")
    now = utcnow()
    with audit_context(reason=why):
        for part in chunks(ids):
            session.execute(update(Sample).where(ids_in(Sample.id, part), Sample.state == current)
                            .values(state=target, updated_at=now)
                            .execution_options(synchronize_session="evaluate"))
        record_updates(Sample, {sid: {"state": (current, target)} for sid in ids})


def follow_many(sample_ids: Iterable[int], move: machine.ResultsMove, reason: str = "") -> int:
    """Apply one results move to many samples (each along the path the domain gives for its
    state; () = no-op, as for one sample). Returns how many samples changed."""
    states = _states(sorted(set(sample_ids)))
    groups: dict[SampleState, list[int]] = defaultdict(list)
    for sid, state in states.items():
        groups[state].append(sid)
    changed = 0
    for state, ids in groups.items():
        path = machine.results_path(move, state)
        current = state
        for target in path:
            _step(ids, current, target, reason or move.value)
            current = target
        changed += len(ids) if path else 0
    return changed
