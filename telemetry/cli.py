"""`saae` commands of telemetry."""

import click

commands: list[click.Command] = []
