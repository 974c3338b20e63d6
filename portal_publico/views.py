"""Web pages and JSON API of portal_publico."""

blueprints: list = []
api_blueprints: list = []
NAV: list[tuple[str, str, str | None]] = []
