"""`saae` commands of commercial."""

import click

commands: list[click.Command] = []
