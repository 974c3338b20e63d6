"""`saae` commands of lims."""

import click

commands: list[click.Command] = []
