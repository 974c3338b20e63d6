"""Pages of the long background jobs: list, one job (state, progress, the reason it was
interrupted), resume and cancel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from core import jobs
from core.auth import User, login_required_only, require
from core.job_model import JobState
from core.web import current

bp = Blueprint("core_jobs", __name__, template_folder="templates")


def may_act(job: jobs.Job) -> bool:
    user = current()
    return user is not None and (user.can("core.jobs.manage")
                                 or bool(job.permission and user.can(job.permission)))


def _back(job: jobs.Job):  # type: ignore[no-untyped-def]
    target = request.form.get("voltar") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core_jobs.job_page", job_id=job.id)
    return redirect(target)


def _acting(job_id: int) -> tuple[jobs.Job, User]:
    """The job and the signed-in user who may resume or cancel it (else 403)."""
    job = jobs.get(job_id)
    user = current()
    if user is None or not may_act(job):
        abort(403)
    jobs.detect_interrupted()
    return job, user


@bp.route("/trabalhos")
@require("core.jobs.view")
def jobs_list():  # type: ignore[no-untyped-def]
    jobs.detect_interrupted()
    state = request.args.get("estado") or None
    if state and state not in {s.value for s in jobs.JobState}:
        state = None
    return render_template("core/trabalhos.html", rows=jobs.recent(200, state), state=state,
                           labels=JobState.labels(), counts=jobs.counts())


@bp.route("/trabalhos/<int:job_id>")
@login_required_only  # and the job's own permission, checked below
def job_page(job_id: int):  # type: ignore[no-untyped-def]
    user = current()
    job = jobs.get(job_id)
    if user is None or not (user.can("core.jobs.view") or may_act(job)):
        abort(403)
    jobs.detect_interrupted()
    return render_template("core/trabalho.html", job=jobs.get(job_id), may_act=may_act(job))


@bp.route("/trabalhos/<int:job_id>/retomar", methods=["POST"])
@login_required_only  # and the job's own permission, checked below
def job_resume(job_id: int):  # type: ignore[no-untyped-def]
    job, user = _acting(job_id)
    jobs.resume(job_id, user_id=user.id, username=user.username)
    flash("Trabalho retomado: ele continua de onde parou.", "sucesso")
    return _back(job)


@bp.route("/trabalhos/<int:job_id>/cancelar", methods=["POST"])
@login_required_only  # and the job's own permission, checked below
def job_cancel(job_id: int):  # type: ignore[no-untyped-def]
    job, user = _acting(job_id)
    jobs.cancel(job_id, request.form.get("motivo", ""), user_id=user.id, username=user.username)
    flash("Trabalho cancelado.", "sucesso")
    return _back(job)
