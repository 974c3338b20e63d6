"""The LIMS blueprints, apart from the package so that feature modules never import it."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("lims", __name__, url_prefix="/lims", template_folder="../templates")
api = ApiBlueprint("lims_api", __name__, url_prefix="/api/v1/lims", description="Laboratório (LIMS)")
# lims/static/lims: the pages' own scripts and stylesheets and the phone's service worker,
# served locally (no CDN)
assets = Blueprint("lims_campo", __name__, static_folder="../static/lims",
                   static_url_path="/lims/static")
