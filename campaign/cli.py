"""The ``campaign`` command: Flask's commands (run, routes, shell) and the project's own.

The project's commands are registered on ``app.cli`` by ``create_app`` (see ``campaign.commands``);
FlaskGroup lists them beside its own.
"""

from __future__ import annotations

import signal
import sys

import click
from flask.cli import FlaskGroup

from campaign import interrupts
from campaign.content.errors import ContentErrors


class CampaignGroup(FlaskGroup):
    """FlaskGroup that turns an interruption into one line and the shell's exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            if signum == signal.SIGINT and sys.stderr.isatty():
                click.echo(err=True)  # ends the line the terminal's "^C" was echoed on
            click.echo("Interrupted", err=True)
            # 128 + the signal's number, as the shell reports a process the signal killed.
            raise click.exceptions.Exit(128 + signum) from None


def _create_app():
    from campaign import create_app

    return create_app()


@click.group(cls=CampaignGroup, create_app=_create_app, load_dotenv=False)
def cli() -> None:
    """Run and manage advocacy campaigns. Configuration comes from CAMPAIGN_* variables."""


def main() -> None:
    interrupts.handle_signals()
    try:
        cli.main(prog_name="campaign")
    except ContentErrors as exc:
        # Content problems are the organiser's to fix: say where, never show a traceback.
        click.echo(str(exc), err=True)
        sys.exit(1)
