"""LIMS models, one module per feature; importing this package registers them all."""

from lims.models import catalogue, closing, plans, registry, results, routes, samples  # noqa: F401
