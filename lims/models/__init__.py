"""LIMS models, one module per feature; importing this package registers them all."""

from lims.models import catalogue, registry, plans, samples, results, closing  # noqa: F401
