"""The demo utility's commercial data (`seed_demo`): consumers and connections over
core.demo's sectors, readings, invoice batches. Not used in production."""
