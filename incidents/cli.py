"""`saae` commands of incidents."""

import click

commands: list[click.Command] = []
