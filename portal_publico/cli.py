"""`saae` commands of portal_publico (none: the summary cache is refreshed by the beat task
`portal_publico.tasks.refresh_summaries`, see saae/worker.py)."""

import click

commands: list[click.Command] = []
