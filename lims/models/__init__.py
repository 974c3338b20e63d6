"""LIMS models, one module per feature; importing this package registers them all."""

from lims.models import catalogue, closing, plans, registry, results, samples  # noqa: F401
