"""Accounts pages: login, logout, password change, users and profiles, API tokens, audit."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from core import audit, fmt, job_views
from core import audit_labels as al
from core.api_views import api as core_api
from core.auth import (
    ApiToken,
    LoginFailed,
    ProfileRecord,
    User,
    authenticate,
    clear_login_throttle,
    issue_token,
    login_required_only,
    public,
    require,
    set_password,
    verify_password,
)
from core.db import get_or_404, session, unit_of_work, utcnow
from core.errors import NotFound, ValidationError
from core.events import OutboxMessage
from core.shell import Area
from core.web import PAGE, current, query_int, settings

bp = Blueprint("core", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField("Usuário", validators=[DataRequired("Informe o usuário.")])
    password = PasswordField("Senha", validators=[DataRequired("Informe a senha.")])
    recovery_code = StringField("Código de recuperação (só se o acesso estiver bloqueado)",
                                validators=[Optional(), Length(max=40)])


class PasswordForm(FlaskForm):
    current = PasswordField("Senha atual", validators=[DataRequired("Informe a senha atual.")])
    password = PasswordField("Nova senha", validators=[DataRequired("Informe a nova senha.")])
    confirm = PasswordField(
        "Confirme a nova senha", validators=[EqualTo("password", "As senhas não conferem.")]
    )


class UserForm(FlaskForm):
    username = StringField("Usuário", validators=[DataRequired(), Length(max=80)])
    name = StringField("Nome completo", validators=[DataRequired(), Length(max=160)])
    email = EmailField("E-mail", validators=[Optional(), Length(max=200)])
    phone = StringField("Telefone", validators=[Optional(), Length(max=30)])
    profiles = SelectMultipleField("Perfis", coerce=int)
    ldap = BooleanField("Autenticar no Active Directory / LDAP")
    active = BooleanField("Ativo", default=True)
    password = PasswordField("Senha inicial (o usuário deverá trocá-la no primeiro acesso)")


def _safe_next(target: str | None) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("shell.home")


@bp.route("/entrar", methods=["GET", "POST"])
@public
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                form.username.data, form.password.data, settings(), ip=request.remote_addr,
                recovery_code=form.recovery_code.data,
            )
        except LoginFailed as exc:
            session.commit()  # a refusal keeps the attempt, the failure count and the lock
            flash(exc.message, "erro")
            return render_template("core/login.html", form=form), 429 if exc.status == 429 else 401
        session.commit()
        web_session.clear()  # a fresh session: nothing of an earlier one carries over
        web_session["session_version"] = user.session_version
        login_user(user)
        web_session["last_seen"] = utcnow().timestamp()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", form=form)


def end_sessions(user: User) -> None:
    """Every web session of `user` stops working (server-side: the cookie alone is not
    enough). Caller commits."""
    user.session_version = (user.session_version or 0) + 1


@bp.route("/sair", methods=["POST"])
@public
def logout():  # type: ignore[no-untyped-def]
    user = current()
    if user is not None and not g.get("api_token_user"):
        with unit_of_work():
            end_sessions(session.merge(user))
    logout_user()
    web_session.clear()
    flash("Você saiu do sistema.", "info")
    return redirect(url_for("core.login"))


@bp.route("/conta/senha", methods=["GET", "POST"])
@login_required_only
def change_password():  # type: ignore[no-untyped-def]
    user = current()
    assert user is not None
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors = ["Senha atual incorreta."]
        else:
            try:
                with unit_of_work(), audit.audit_context(reason="troca de senha pelo usuário"):
                    set_password(user, form.password.data, settings())
                    end_sessions(user)  # a copied cookie dies with the old password
                web_session["session_version"] = user.session_version  # this one goes on
                flash("Senha alterada.", "sucesso")
                return redirect(url_for("shell.home"))
            except ValidationError as exc:
                form.password.errors = exc.fields.get("password", [exc.message])
    return render_template("core/senha.html", form=form, user=user)


@bp.route("/admin/usuarios")
@require("core.users.manage")
def users():  # type: ignore[no-untyped-def]
    rows = session.scalars(select(User).order_by(User.name)).all()
    return render_template("core/usuarios.html", users=rows)


def _profile_choices() -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in session.scalars(select(ProfileRecord).order_by(ProfileRecord.name))]


@bp.route("/admin/usuarios/novo", methods=["GET", "POST"])
@bp.route("/admin/usuarios/<int:user_id>", methods=["GET", "POST"])
@require("core.users.manage")
def user_edit(user_id: int | None = None):  # type: ignore[no-untyped-def]
    user = session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise NotFound("Usuário não encontrado.")
    form = UserForm(obj=user)
    form.profiles.choices = _profile_choices()
    if request.method == "GET" and user:
        form.profiles.data = [p.id for p in user.profiles]
        form.ldap.data = user.auth_source == "ldap"
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        clash = session.scalars(
            select(User).where(func.lower(User.username) == username, User.id != (user_id or 0))
        ).first()
        if clash:
            form.username.errors = ["Já existe um usuário com este login."]
        elif not form.profiles.data:
            form.profiles.errors = ["Escolha ao menos um perfil."]
        else:
            try:
                with unit_of_work(), audit.audit_context(reason="cadastro de usuário"):
                    target = user or User(username=username, name="")
                    target.username = username
                    target.name = form.name.data.strip()
                    target.email = form.email.data or None
                    target.phone = form.phone.data or None
                    if user is not None and user.active and not form.active.data:
                        end_sessions(target)
                    target.active = form.active.data
                    target.auth_source = "ldap" if form.ldap.data else "local"
                    target.profiles = [session.get(ProfileRecord, pid) for pid in form.profiles.data]
                    if form.password.data:
                        set_password(target, form.password.data, settings())
                        target.must_change_password = True
                        if user is not None:
                            end_sessions(target)
                    elif user is None and target.auth_source == "local":
                        raise ValidationError(
                            "Informe a senha inicial.", fields={"password": ["Obrigatória."]}
                        )
                    session.add(target)
                flash("Usuário salvo.", "sucesso")
                return redirect(url_for("core.users"))
            except ValidationError as exc:
                form.password.errors = exc.fields.get("password", [exc.message])
    return render_template("core/usuario_form.html", form=form, user=user)


@bp.route("/admin/usuarios/<int:user_id>/desbloquear", methods=["POST"])
@require("core.users.manage")
def user_unlock(user_id: int):  # type: ignore[no-untyped-def]
    """Lift a lockout now: the account's lock and failed-login count, and the login
    throttle kept for its username (which would otherwise still make it wait)."""
    user = get_or_404(User, user_id, "Usuário não encontrado.")
    with unit_of_work(), audit.audit_context(reason="desbloqueio pelo administrador"):
        user.locked_until = None
        user.failed_logins = 0
    clear_login_throttle(user.username, settings())
    flash("Usuário desbloqueado.", "sucesso")
    return redirect(url_for("core.users"))


@bp.route("/admin/usuarios/<int:user_id>/encerrar-sessoes", methods=["POST"])
@require("core.users.manage")
def user_end_sessions(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id, "Usuário não encontrado.")
    with unit_of_work(), audit.audit_context(reason="sessões encerradas pelo administrador"):
        end_sessions(user)
    flash(f"Todas as sessões de {user.name} foram encerradas.", "sucesso")
    return redirect(url_for("core.users"))


@bp.route("/admin/tokens", methods=["GET", "POST"])
@require("core.tokens.manage")
def tokens():  # type: ignore[no-untyped-def]
    new_token = None
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        username = (request.form.get("username") or "").strip().lower()
        owner = session.scalars(select(User).where(User.username == username)).first()
        if not name or owner is None:
            flash("Informe um nome e um usuário existente para o token.", "erro")
        else:
            with unit_of_work(), audit.audit_context(reason="token de API criado"):
                new_token = issue_token(owner, name)
    rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return render_template("core/tokens.html", tokens=rows, new_token=new_token)


@bp.route("/admin/tokens/<int:token_id>/revogar", methods=["POST"])
@require("core.tokens.manage")
def token_revoke(token_id: int):  # type: ignore[no-untyped-def]
    tok = get_or_404(ApiToken, token_id, "Token não encontrado.")
    with unit_of_work(), audit.audit_context(reason="token revogado"):
        tok.revoked_at = utcnow()
    flash("Token revogado.", "sucesso")
    return redirect(url_for("core.tokens"))


@bp.route("/auditoria")
@require("core.audit.view")
def audit_log():  # type: ignore[no-untyped-def]
    model = request.args.get("model")
    row_id = request.args.get("row_id")
    username = request.args.get("username")
    page = query_int("page", 1, minimum=1, maximum=100_000)
    rows = audit.history(model, row_id, username, page, PAGE)
    ids = {v for r in rows for k, pair in (r.changes or {}).items() if k in al.USER_FIELDS
           for v in (pair if isinstance(pair, list) else [pair]) if isinstance(v, int)}
    people = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    names = {u: n for u, n in session.execute(select(User.username, User.name).where(
        User.username.in_({r.username for r in rows if r.username})))} if rows else {}
    tz = fmt.zone()
    shown = [{"at": r.at, "username": r.username, "person": names.get(r.username) or r.username or "sistema",
              "action": al.ACTIONS.get(r.action, r.action), "model": r.model, "row_id": r.row_id,
              "record": f"{al.table_label(r.model)} nº {r.row_id}", "reason": r.reason,
              "changes": al.describe_changes(r.action, r.changes, people, tz)} for r in rows]
    tables = sorted(((k, v) for k, v in al.TABLES.items()), key=lambda kv: kv[1])
    return render_template(
        "core/auditoria.html", rows=shown, model=model, row_id=row_id, username=username, page=page,
        tables=tables, count=len(rows)
    )


def dashboard(user: User) -> list[dict[str, object]]:
    """The administrator's cards on the home page: accounts and the event queue."""
    cards: list[dict[str, object]] = []
    if user.can("core.users.manage"):
        active = session.scalar(select(func.count()).select_from(User).where(User.active)) or 0
        locked = session.scalar(
            select(func.count()).select_from(User).where(User.locked_until > utcnow())
        ) or 0
        cards.append({"title": "Usuários ativos", "value": active, "url": url_for("core.users"),
                      "hint": f"{locked} bloqueado(s) por tentativas" if locked else "",
                      "tone": "alerta" if locked else ""})
    if user.can("core.outbox.view"):
        pending = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.processed_at.is_(None), OutboxMessage.dead.is_(False))
        ) or 0
        dead = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dead)
        ) or 0
        cards.append({"title": "Eventos na fila", "value": pending,
                      "url": url_for("core.audit_log"),
                      "hint": f"{dead} com falha definitiva" if dead else "entregues após cada commit",
                      "tone": "falha" if dead else "ok"})
    return cards


NAV = [
    ("Usuários", "core.users", "core.users.manage"),
    ("Auditoria", "core.audit_log", "core.audit.view"),
    ("Trabalhos", "core_jobs.jobs_list", "core.jobs.view"),
]

# the accounts pages, the background jobs' pages, the accounts API; the administrator's cards
register = Area(blueprints=[bp, job_views.bp], api_blueprints=[core_api], nav=NAV,
                dashboard=dashboard).register
