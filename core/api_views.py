"""The accounts JSON API (blueprint `core_api`, under /api/v1): the caller, users, audit."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, validate
from marshmallow import fields as mf
from sqlalchemy import select

from core import audit
from core.api_operation import operation
from core.auth import User, login_required_only
from core.db import session
from core.web import PAGE, current

api = ApiBlueprint("core_api", __name__, url_prefix="/api/v1",
                   description="Contas e histórico de alterações")


class ProfileOut(Schema):
    code = mf.String(required=True)
    name = mf.String(required=True)


class UserOut(Schema):
    id = mf.Integer(required=True)
    username = mf.String(required=True)
    name = mf.String(required=True)
    email = mf.String(allow_none=True)
    active = mf.Boolean(required=True)
    auth_source = mf.String(required=True, metadata={"description": "local ou ldap"})
    profiles = mf.List(mf.Nested(ProfileOut), required=True)
    last_login_at = mf.DateTime(allow_none=True)


class MeOut(UserOut):
    permissions = mf.List(mf.String(), required=True)


class PageQuery(Schema):
    pagina = mf.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class UsersQuery(PageQuery):
    ativo = mf.Boolean(metadata={"description": "so ativos (true) ou so inativos (false)"})


class AuditQuery(PageQuery):
    model = mf.String(validate=validate.Length(max=80), metadata={"description": "tabela"})
    row_id = mf.String(validate=validate.Length(max=80))
    username = mf.String(validate=validate.Length(max=120))


class AuditOut(Schema):
    id = mf.Integer(required=True)
    at = mf.DateTime(required=True)
    user_id = mf.Integer(allow_none=True)
    username = mf.String(allow_none=True)
    action = mf.String(required=True, metadata={"description": "insert, update ou delete"})
    model = mf.String(required=True)
    row_id = mf.String(required=True)
    changes = mf.Dict(required=True, metadata={"description": "{campo: [antes, depois]}"})
    reason = mf.String(allow_none=True)



def _user_out(u: User) -> dict[str, object]:
    return {"id": u.id, "username": u.username, "name": u.name, "email": u.email,
            "active": u.active, "auth_source": u.auth_source, "last_login_at": u.last_login_at,
            "profiles": [{"code": p.code, "name": p.name} for p in u.profiles]}


@api.route("/conta")
class MeApi(MethodView):
    @login_required_only
    @api.response(200, MeOut)
    def get(self):  # type: ignore[no-untyped-def]
        """O usuário dono do token (ou da sessão) e suas permissões."""
        user = current()
        assert user is not None
        return {**_user_out(user), "permissions": sorted(user.permissions())}


@api.route("/usuarios")
class UsersApi(MethodView):
    @operation(api, "core.users.manage", UsersQuery, location="query", out=UserOut(many=True))
    def get(self, args):  # type: ignore[no-untyped-def]
        """Usuários cadastrados (Administrador), 100 por página."""
        stmt = select(User).order_by(User.username)
        if "ativo" in args:
            stmt = stmt.where(User.active.is_(args["ativo"]))
        stmt = stmt.limit(PAGE).offset((args["pagina"] - 1) * PAGE)
        return [_user_out(u) for u in session.scalars(stmt)]


@api.route("/auditoria")
class AuditApi(MethodView):
    @operation(api, "core.audit.view", AuditQuery, location="query", out=AuditOut(many=True))
    def get(self, args):  # type: ignore[no-untyped-def]
        """Histórico de alterações, do mais recente ao mais antigo, por registro ou usuário."""
        return audit.history(args.get("model"), args.get("row_id"), args.get("username"),
                             args["pagina"], PAGE)
