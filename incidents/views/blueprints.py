"""The incidents blueprints, apart from the package so that feature modules never import it."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidentes", template_folder="../templates")
public_bp = Blueprint("incidents_public", __name__, template_folder="../templates")
api = ApiBlueprint("incidents_api", __name__, url_prefix="/api/v1/incidentes",
                   description="Incidentes, ordens de serviço e avisos")
