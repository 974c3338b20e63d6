"""LIMS use cases, one module per feature; the only LIMS code that commits."""
