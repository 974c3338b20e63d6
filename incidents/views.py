"""Web pages and JSON API of incidents."""

blueprints: list = []
api_blueprints: list = []
NAV: list[tuple[str, str, str | None]] = []
