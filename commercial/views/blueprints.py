"""The commercial blueprints, apart from the package so that feature modules never import it."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("commercial", __name__, url_prefix="/comercial", template_folder="../templates")
api = ApiBlueprint("commercial_api", __name__, url_prefix="/api/v1/comercial",
                   description="Comercial: ligações, clientes e faturas")
