"""`saae` commands of portal_publico."""

import click

commands: list[click.Command] = []
