"""The demo's lab data (registry, plans, samples, routes, results), kept out of the production
modules; lims.seed.seed_demo is its entry point."""
