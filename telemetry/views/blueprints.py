"""The telemetry blueprints, apart from the package so that feature modules never import it."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("telemetry", __name__, url_prefix="/telemetria", template_folder="../templates")
api = ApiBlueprint("telemetry_api", __name__, url_prefix="/api/v1/telemetria", description="Telemetria")
