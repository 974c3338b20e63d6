"""Infrastructure shared by every area: settings, database, events, outbox, accounts, audit.

`core` imports nothing else from this repository (enforced by import-linter).
"""
