"""Imports every model module so that SQLAlchemy and Alembic see the whole schema."""

import commercial.models  # noqa: F401
import core.audit  # noqa: F401
import core.auth  # noqa: F401
import core.events  # noqa: F401
import core.jobs  # noqa: F401
import core.org  # noqa: F401
import incidents.models  # noqa: F401
import lims.models  # noqa: F401
import portal_publico.models  # noqa: F401
import telemetry.models  # noqa: F401
