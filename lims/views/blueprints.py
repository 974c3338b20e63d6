"""The LIMS blueprints, apart from the package so that feature modules never import it."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("lims", __name__, url_prefix="/lims", template_folder="../templates")
api = ApiBlueprint("lims_api", __name__, url_prefix="/api/v1/lims", description="Laboratório (LIMS)")
