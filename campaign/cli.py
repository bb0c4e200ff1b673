"""The ``campaign`` command: Flask's commands (run, routes, shell) and the project's own.

The project's commands are registered on ``app.cli`` by ``create_app`` (see ``campaign.commands``);
FlaskGroup lists them beside its own.
"""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from campaign.content.errors import ContentErrors


def _create_app():
    from campaign import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
def cli() -> None:
    """Run and manage advocacy campaigns. Configuration comes from CAMPAIGN_* variables."""


def main() -> None:
    try:
        cli.main(prog_name="campaign")
    except ContentErrors as exc:
        # Content problems are the organiser's to fix: say where, never show a traceback.
        click.echo(str(exc), err=True)
        sys.exit(1)
