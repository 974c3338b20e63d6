"""The laboratory: registry, catalogue, sampling plans, samples, results, closing, reports."""
