"""LIMS models, one module per feature; importing this package registers them all."""

from lims.models import (  # noqa: F401
    catalogue,
    closing,
    holds,
    methods,
    plans,
    registry,
    results,
    routes,
    samples,
    sensors,
    worksheets,
)
