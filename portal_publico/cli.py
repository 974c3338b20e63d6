"""`saae` commands of portal_publico (none: the site reads closed months from the rows the
LIMS stores at closing, so there is nothing to refresh)."""

import click

commands: list[click.Command] = []
