"""Imports every model module so that SQLAlchemy and Alembic see the whole schema."""

import core.audit  # noqa: F401
import core.auth  # noqa: F401
import core.events  # noqa: F401
import core.jobs  # noqa: F401
import core.org  # noqa: F401
from saae.areas import each

for _area, _mod in each("models"):
    pass
